"""``soc-bulletin bounces`` end to end: a real send over SMTP with VERP, then its bounces read back from each kind of mailbox."""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.send.verp import verp_token

from . import mailshapes
from .conftest import suppressed_csv
from .smtp import FaultyController
from .test_send import write_list

SECRET = "a-long-test-secret-value"
TODAY = dt.date.today().isoformat()
GARBAGE = b"\x00\x01 this is no mail message \xff"
SETTINGS = """[sending]
from = "SOC Partnerships <team@example.org>"
envelope_sender = "bounces@example.org"
list_id = "soc.example.org"
unsubscribe_base_url = "https://bulletin.example.org/unsubscribe"
suppressed = "suppressed.csv"
ledger = "ledger"
"""


@pytest.fixture
def project(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (workdir / "soc-bulletin.toml").write_text(SETTINGS, encoding="utf-8")
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", SECRET)
    return workdir


def send(project: Path, smtp: FaultyController) -> list[str]:
    addresses = write_list(project / "list.csv", 6)
    assert main(["send", str(project / "issue"), "--subscribers", str(project / "list.csv"), "--segments",
                 str(project / "segments.yaml"), "--smtp", smtp.url, "--no-progress", "--backoff", "0.02"]) == 0
    return addresses


def send_issue(project: Path, smtp: FaultyController, issue: str, count: int = 1) -> list[str]:
    """Send a copy of the issue folder named ``issue`` (its own ledger, Message-IDs and VERP tokens) to ``count``."""
    if not (project / issue).exists():
        shutil.copytree(project / "issue", project / issue)
    addresses = write_list(project / "list.csv", count)
    assert main(["send", str(project / issue), "--subscribers", str(project / "list.csv"), "--smtp", smtp.url,
                 "--no-progress", "--backoff", "0.02"]) == 0
    return addresses


def verp_of(issue: str, address: str) -> str:
    """The envelope sender the message of ``issue`` to ``address`` left with: where its bounces come back to."""
    return f"bounces+{verp_token(SECRET.encode(), issue, address)}@example.org"


def link_token(smtp: FaultyController, address: str) -> str:
    """The unsubscribe token the store made for ``address``, read from the List-Unsubscribe of the message it had."""
    [received] = [r for r in smtp.recorder.received if r.rcpt_tos == [address]]
    found = re.search(r"[?&]t=([A-Za-z0-9_-]{16})\b", str(received.message["List-Unsubscribe"]))
    assert found, received.message["List-Unsubscribe"]
    return found[1]


def sources(project: Path) -> list[tuple[str, str, str]]:
    """The store's suppression entries as (address, reason, source)."""
    from soc_bulletin.store.sqlite_store import SQLiteStore

    with SQLiteStore(project / "ledger", readonly=True) as store:
        return [(e.address, e.reason, e.source) for e in store.suppressions().entries]


def files_of(folder: Path) -> dict[str, bytes]:
    """The SQLite files in ``folder`` (a reader's shared-memory index aside; a write-ahead log only when it holds anything)."""
    return {p.name: p.read_bytes() for p in folder.iterdir()
            if not p.name.endswith("-shm") and not (p.name.endswith("-wal") and p.stat().st_size == 0)}


def bounces(project: Path, *args: str) -> int:
    return main(["bounces", *args])


def feedback(project: Path) -> list[tuple[str, str, str, int]]:
    with sqlite3.connect(project / "ledger" / "issue.sqlite3") as db:
        return list(db.execute("SELECT r.address, f.kind, f.status, f.permanent FROM feedback f JOIN recipients r USING (key)"
                               " ORDER BY r.address, f.kind"))


def maildir_with(folder: Path, messages: list[bytes]) -> Path:
    box = mailbox.Maildir(folder, create=True)
    for raw in messages:
        box.add(mailbox.MaildirMessage(raw))
    return folder


def test_each_message_leaves_with_its_recipients_verp_envelope_sender(project: Path, smtp: FaultyController) -> None:
    addresses = send(project, smtp)
    senders = {r.rcpt_tos[0]: r.mail_from for r in smtp.recorder.received}
    assert senders == {a: f"bounces+{verp_token(SECRET.encode(), 'issue', a)}@example.org" for a in addresses}
    assert len(set(senders.values())) == 6


def test_an_smtp_time_refusal_is_a_bounce_on_the_suppression_list_with_its_source(project: Path, smtp: FaultyController) -> None:
    smtp.recorder.faults.rcpt_permanent.add("partner0002@example.org")
    write_list(project / "list.csv", 3)
    assert main(["send", str(project / "issue"), "--subscribers", str(project / "list.csv"), "--smtp", smtp.url,
                 "--no-progress"]) == 1
    assert suppressed_csv(project / "ledger") == f"address,reason,date\npartner0002@example.org,bounced,{TODAY}\n"
    assert sources(project) == [("partner0002@example.org", "bounced", "bounce")]


def test_a_maildir_of_bounces_complaints_and_requests_read_twice(project: Path, smtp: FaultyController,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    a = send(project, smtp)
    verp = {r.rcpt_tos[0]: r.mail_from for r in smtp.recorder.received}
    token = link_token(smtp, a[3])  # the store's own token, as the List-Unsubscribe mailto: link carries it
    box = maildir_with(project / "Maildir", [
        # the DSN names a forwarding target, not our recipient: the VERP address names a[0]
        mailshapes.postfix("jo.forwarded@elsewhere.example", verp[a[0]]),
        mailshapes.mailbox_full(a[1], verp[a[1]]),
        mailshapes.arf_outlook(a[2], verp[a[2]]),
        mailshapes.unsubscribe_mail(a[3], token),
        mailshapes.auto_reply(a[4], verp[a[4]]),
        mailshapes.person(a[5], "team@example.org"),
        GARBAGE,
    ])
    capsys.readouterr()
    assert bounces(project, str(box)) == 1  # one message could not be read: reported, left, and the run went on
    out, err = capsys.readouterr()
    lines = sorted(re.sub(r"^\S+/new/\S+: ", "", line) for line in out.splitlines() if not line.startswith("  "))
    assert lines == sorted([
        f"bounce: {a[0]} (5.1.1, permanent)", f"bounce: {a[1]} (5.2.2, permanent)", f"complaint: {a[2]}",
        f"unsubscribe: {a[3]}", "auto-reply", "none",
        "7 message(s) read: 2 bounce, 1 complaint, 1 unsubscribe, 1 auto-reply, 1 none; 1 could not be read (left in the"
        " mailbox); 3 address(es) newly suppressed.",
    ])
    for action in (f"  {a[0]}: suppressed (bounced)", f"  {a[0]}: recorded in the ledger of issue",
                   f"  {a[1]}: soft bounce 1 of 3 in 30 days", f"  {a[2]}: suppressed (complained)",
                   f"  {a[3]}: suppressed (unsubscribed)", "  automatic reply: ignored"):
        assert action in out.splitlines()
    assert re.fullmatch(r"\S+/new/\S+: cannot be read, left in the mailbox: the message does not start with mail header fields\n", err)
    suppressed = suppressed_csv(project / "ledger")
    header, *rows = suppressed.splitlines()  # in the order read: a Maildir sets none
    assert header == "address,reason,date"
    assert sorted(rows) == [f"{a[0]},bounced,{TODAY}", f"{a[2]},complained,{TODAY}", f"{a[3]},unsubscribed,{TODAY}"]
    assert sorted(sources(project)) == [(a[0], "bounced", "bounce"), (a[2], "complained", "complaint"),
                                        (a[3], "unsubscribed", "mail")]
    assert feedback(project) == [(a[0], "bounce", "5.1.1", 1), (a[1], "bounce", "5.2.2", 0), (a[2], "complaint", "abuse", 1)]
    # handled messages are marked seen (moved to cur/ with the S flag); a person's mail and the unreadable one stay new
    assert len(list((box / "cur").iterdir())) == 5 and all(p.name.endswith(":2,S") for p in (box / "cur").iterdir())
    assert len(list((box / "new").iterdir())) == 2

    assert main(["status", str(project / "issue")]) == 0
    status = capsys.readouterr().out
    assert "After the send: 2 bounced, 1 complained (soc-bulletin bounces reads them).\n" in status
    assert f"  complaint: {a[2]}: abuse\n" in status

    state = (project / "ledger" / "store.db").read_bytes()
    assert bounces(project, str(box)) == 1  # the second run changes nothing
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == ("2 message(s) read: 1 none; 5 handled before, skipped; 1 could not be read (left in the"
                                    " mailbox); 0 address(es) newly suppressed.")
    assert suppressed_csv(project / "ledger") == suppressed
    assert feedback(project) == [(a[0], "bounce", "5.1.1", 1), (a[1], "bounce", "5.2.2", 0), (a[2], "complaint", "abuse", 1)]
    assert (project / "ledger" / "store.db").read_bytes() == state


def test_an_mbox_reported_as_json_and_read_again(project: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    a = send(project, smtp)
    path = project / "bounces.mbox"
    box = mailbox.mbox(path)
    for raw in (mailshapes.exim(a[0], verp_of("issue", a[0])), mailshapes.postfix_delayed(a[1], verp_of("issue", a[1])),
                mailshapes.arf_yahoo(a[2], verp_of("issue", a[2])), mailshapes.delivered(a[3], verp_of("issue", a[3])),
                mailshapes.exim("al@example.net", "bounces@example.org")):  # proves nothing: never sent, no token
        box.add(raw)
    box.close()
    before = path.read_bytes()
    capsys.readouterr()
    assert bounces(project, str(path), "--format", "json") == 0
    out, err = capsys.readouterr()
    unverified = {"source": f"{path}#5", "kind": "bounce",
                  "recipients": [{"address": "al@example.net", "status": "5.1.1", "permanent": True}],
                  "verified": False, "action": "not ours / unverified: left for a person"}
    assert json.loads(out) == [
        {"source": f"{path}#1", "kind": "bounce", "recipients": [{"address": a[0], "status": "5.1.1", "permanent": True}],
         "verified": True, "action": f"{a[0]}: suppressed (bounced); {a[0]}: recorded in the ledger of issue"},
        {"source": f"{path}#2", "kind": "bounce", "recipients": [{"address": a[1], "status": "4.4.1", "permanent": False}],
         "verified": True, "action": f"{a[1]}: soft bounce 1 of 3 in 30 days; {a[1]}: recorded in the ledger of issue"},
        {"source": f"{path}#3", "kind": "complaint", "recipients": [{"address": a[2], "status": None, "permanent": True}],
         "verified": True, "action": f"{a[2]}: suppressed (complained); {a[2]}: recorded in the ledger of issue"},
        {"source": f"{path}#4", "kind": "none", "recipients": [], "verified": False, "action": ""},
        unverified,
    ]
    assert err == ("5 message(s) read: 3 bounce, 1 complaint, 1 none; 1 not ours / unverified (left for a person);"
                   " 2 address(es) newly suppressed.\n")
    assert path.read_bytes() == before  # an mbox is left as it is; the store remembers what was handled
    assert bounces(project, str(path), "--format", "json") == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == [{"source": f"{path}#4", "kind": "none", "recipients": [], "verified": False, "action": ""},
                               unverified]
    assert err == ("2 message(s) read: 1 bounce, 1 none; 3 handled before, skipped; 1 not ours / unverified (left for a person);"
                   " 0 address(es) newly suppressed.\n")


def test_a_folder_of_eml_files_moved_or_deleted_when_asked(project: Path, smtp: FaultyController,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    a = send(project, smtp)
    folder = project / "eml"
    folder.mkdir()
    (folder / "1.eml").write_bytes(mailshapes.qmail(a[0], verp_of("issue", a[0])))
    (folder / "2.eml").write_bytes(mailshapes.person(a[1], "team@example.org"))
    (folder / "3.eml").write_bytes(mailshapes.domino(a[2], verp_of("issue", a[2])))
    (folder / "5.eml").write_bytes(mailshapes.qmail("al@example.net", "bounces@example.org"))  # unproven: left for a person
    (folder / "notes.txt").write_text("not a message")
    assert bounces(project, str(folder), "--move-to", str(project / "done")) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["2.eml", "5.eml", "notes.txt"]
    assert sorted(p.name for p in (project / "done").iterdir()) == ["1.eml", "3.eml"]
    (folder / "4.eml").write_bytes(mailshapes.yahoo(a[3], verp_of("issue", a[3])))
    assert bounces(project, str(folder), "--delete") == 0
    assert sorted(p.name for p in folder.iterdir()) == ["2.eml", "5.eml", "notes.txt"]
    assert "1 address(es) newly suppressed." in capsys.readouterr().out
    assert [line.split(",")[0] for line in suppressed_csv(project / "ledger").splitlines()] == ["address", a[0], a[2], a[3]]


def test_a_dry_run_writes_marks_and_moves_nothing(project: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    a = send(project, smtp)
    box = maildir_with(project / "Maildir", [mailshapes.gmail(a[0], verp_of("issue", a[0]))])
    stored = files_of(project / "ledger")
    capsys.readouterr()
    assert bounces(project, str(box), "--dry-run") == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"  {a[0]}: would be suppressed (bounced)",
        "1 message(s) read: 1 bounce; 0 address(es) newly suppressed. Dry run: nothing was written, marked or moved.",
    ]
    assert suppressed_csv(project / "ledger") == "address,reason,date\n"
    assert files_of(project / "ledger") == stored
    assert len(list((box / "new").iterdir())) == 1
    assert bounces(project, str(box)) == 0  # nothing remembered it as handled: the real run acts on it
    assert "1 address(es) newly suppressed." in capsys.readouterr().out


def test_soft_bounces_suppress_after_three_days_within_thirty(project: Path, smtp: FaultyController,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = project / "eml"
    folder.mkdir()
    days = ["Mon, 01 Jul 2019", "Mon, 01 Jul 2019", "Fri, 05 Jul 2019", "Fri, 16 Aug 2019", "Sat, 17 Aug 2019", "Sun, 18 Aug 2019"]
    # a soft bounce counts once per bounced message: six issues, each sent to al and each bounced once
    for n in range(len(days)):
        [al] = send_issue(project, smtp, f"issue-{n}")
    capsys.readouterr()
    for n, day in enumerate(days):
        raw = mailshapes.mailbox_full(al, verp_of(f"issue-{n}", al)).replace(
            b"Return-Path: <>\r\n", f"Return-Path: <>\r\nDate: {day} 09:00:00 +0000\r\nMessage-ID: <n{n}@mx>\r\n".encode())
        (folder / f"{n}.eml").write_bytes(raw)
    assert bounces(project, str(folder)) == 0
    actions = [line.strip() for line in capsys.readouterr().out.splitlines()
               if line.startswith("  ") and "recorded in the ledger" not in line]
    assert actions == [
        f"{al}: soft bounce 1 of 3 in 30 days",
        f"{al}: soft bounce 1 of 3 in 30 days",  # the same day counts once
        f"{al}: soft bounce 2 of 3 in 30 days",
        f"{al}: soft bounce 1 of 3 in 30 days",  # July is more than 30 days before 16 August
        f"{al}: soft bounce 2 of 3 in 30 days",
        f"{al}: suppressed (bounced (3 soft bounces in 30 days))",
    ]


def test_an_unknown_unsubscribe_token_is_left_for_a_person(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = maildir_with(project / "Maildir", [mailshapes.unsubscribe_mail("al@example.net", "X" * 16),
                                             mailshapes.unsubscribe_mail("bo@example.net", "")])
    assert bounces(project, str(box)) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  its token was not made by this project; not ours / unverified: left for a person" in out
    assert "  no token; not ours / unverified: left for a person" in out
    assert len(list((box / "new").iterdir())) == 2
    assert suppressed_csv(project / "ledger") == "address,reason,date\n"


def test_a_source_that_is_no_mailbox_is_one_line_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bounces(project, "nowhere") == 2
    assert capsys.readouterr().err == ("soc-bulletin: error: nowhere: no such mailbox (give a Maildir, an mbox file,"
                                       " a folder of .eml files or an imaps:// URL)\n")


def test_a_single_eml_file_is_read_as_one_message(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "one.eml"
    path.write_bytes(mailshapes.exim("al@example.net", "bounces@example.org"))
    assert bounces(project, str(path), "--dry-run", "--format", "json") == 0
    out, err = capsys.readouterr()
    [found] = json.loads(out)
    assert (found["source"], found["kind"]) == (str(path), "bounce")
    assert err.startswith("1 message(s) read: 1 bounce;"), err
    plain = project / "bounce-without-suffix"  # a message is a message whatever its name
    plain.write_bytes(mailshapes.person("bo@example.net", "team@example.org").replace(b"\r\n", b"\n"))
    assert bounces(project, str(plain), "--dry-run") == 0
    assert "1 message(s) read: 1 none;" in capsys.readouterr().out
    assert path.exists() and plain.exists()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize(("name", "data", "why"), [
    ("photo.png", PNG, "neither a mail message"),
    ("notes.txt", b"Remember to read the bounces.\nNote: on Monday\n", "neither a mail message"),
    ("note.eml", b"Subject: half a header\nthen prose, with no blank line before it\n", "neither a mail message"),
    ("empty.eml", b"", "the message file is empty"),
    ("blank.eml", b"\n\n  \n", "the message file is empty"),
], ids=["png", "prose", "half-a-header", "empty-eml", "blank-eml"])
def test_a_file_that_is_neither_mail_nor_an_mbox_is_one_line_exit_2(project: Path, capsys: pytest.CaptureFixture[str],
                                                                     name: str, data: bytes, why: str) -> None:
    (project / name).write_bytes(data)
    assert bounces(project, name) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"soc-bulletin: error: {name}: {why}") and err.count("\n") == 1, err
    assert out == ""


def test_an_empty_mail_spool_is_an_empty_mbox(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "spool").write_bytes(b"")  # the bounce mailbox after the mail client emptied it
    assert bounces(project, "spool") == 0
    assert "0 message(s) read" in capsys.readouterr().out
