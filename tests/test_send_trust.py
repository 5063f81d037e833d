"""Sending you can trust: each way a send used to mail the wrong people, or nobody while exiting 0.

Every test runs the real command against a real aiosmtpd server on 127.0.0.1
(or the outbox) and asserts who received what, what the ledger and the
suppression list hold afterwards, the exit code and the message.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.store.sqlite_store import SQLiteStore

from .conftest import MINIMAL_ISSUE, suppressed_csv
from .smtp import FaultyController
from .test_send import ledger_states, send, write_list

SEGMENTS = "police: {segments: [police]}\npolice-wales: {segments: [police], region: [Wales]}\n"


def regional_list(path: Path) -> dict[str, list[str]]:
    """30 partners: every third is police, and of those every other one is in Wales."""
    rows = ["email,name,region,segments"]
    groups: dict[str, list[str]] = {"police": [], "police-wales": [], "all": []}
    for n in range(30):
        address = f"p{n:02d}@example.org"
        police, wales = n % 3 == 0, n % 2 == 0
        rows.append(f"{address},P {n},{'Wales' if wales else 'England'},{'police' if police else 'charity'}")
        groups["all"].append(address)
        if police:
            groups["police"].append(address)
            if wales:
                groups["police-wales"].append(address)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return groups


# -- overlapping segments and issue identity ------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [("police-wales", "police"), ("police", "all")])
def test_overlapping_segments_never_mail_anyone_twice(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str],
                                                      first: str, second: str) -> None:
    (workdir / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    groups = regional_list(workdir / "list.csv")
    assert send(workdir, "--smtp", smtp.url, "--segment", first) == 0
    assert send(workdir, "--smtp", smtp.url, "--segment", second) == 0
    assert smtp.recorder.by_recipient() == {a: 1 for a in groups[second]}
    out = capsys.readouterr().out
    assert f"{len(groups[first])} recipient(s) of segment '{second}' already had the issue; not sent again." in out
    assert f"Sent {len(groups[second]) - len(groups[first])} " in out
    assert len(list((workdir / "ledger").glob("*.sqlite3"))) == 1, "one ledger per issue"


def test_two_issues_of_the_same_month_are_two_sends(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 4)
    special = workdir / "2020-02-special"
    (special / "articles").mkdir(parents=True)
    (special / "issue.yaml").write_text(MINIMAL_ISSUE.replace("number: 3", "number: 4"), encoding="utf-8")
    (special / "articles" / "first.yaml").write_text((workdir / "issue" / "articles" / "first.yaml").read_text())
    assert send(workdir, "--smtp", smtp.url) == 0
    assert send(workdir, "--smtp", smtp.url, issue=special) == 0
    assert smtp.recorder.by_recipient() == {a: 2 for a in addresses}
    ids = {r.message["Message-ID"] for r in smtp.recorder.received}
    assert len(ids) == 8, "Message-IDs derive from the issue's folder"
    assert sorted(p.name for p in (workdir / "ledger").glob("*.sqlite3")) == ["2020-02-special.sqlite3", "issue.sqlite3"]


def test_a_ledger_of_another_issue_is_refused(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 2)
    assert send(workdir, "--smtp", smtp.url) == 0
    other = workdir / "other"
    (other / "articles").mkdir(parents=True)
    (other / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
    (other / "articles" / "first.yaml").write_text((workdir / "issue" / "articles" / "first.yaml").read_text())
    (workdir / "ledger" / "issue.sqlite3").rename(workdir / "ledger" / "other.sqlite3")
    assert send(workdir, "--smtp", smtp.url, issue=other) == 74
    assert "is the ledger of issue 'issue', not 'other'" in capsys.readouterr().err
    assert len(smtp.recorder.received) == 2


# -- the lists as they are now ----------------------------------------------------------------------


def test_a_re_export_that_changes_the_case_of_an_address_sends_no_second_copy(workdir: Path, smtp: FaultyController) -> None:
    (workdir / "list.csv").write_text("email,name\nSub1@example.org,One\nsub2@example.org,Two\n", encoding="utf-8")
    assert send(workdir, "--smtp", smtp.url) == 0
    (workdir / "list.csv").write_text("email,name\nsub1@example.org,One\nSUB2@example.org,Two\n", encoding="utf-8")
    assert send(workdir, "--smtp", smtp.url) == 0
    assert len(smtp.recorder.received) == 2


def _leave_all_failed(workdir: Path, smtp: FaultyController, addresses: list[str]) -> None:
    """A first run in which every recipient failed temporarily: all stay in the ledger, unsent."""
    for address in addresses:
        smtp.recorder.faults.rcpt_temporary[address] = 1
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "1") == 1
    assert set(ledger_states(workdir).values()) == {"failed-temporary"}


def test_someone_removed_from_the_list_is_not_mailed_from_earlier_rows(workdir: Path, smtp: FaultyController,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 3)
    _leave_all_failed(workdir, smtp, addresses)
    write_list(workdir / "list.csv", 2)  # partner0002 has left
    capsys.readouterr()
    assert send(workdir, "--smtp", smtp.url) == 0
    assert smtp.recorder.by_recipient() == {addresses[0]: 1, addresses[1]: 1}
    assert ledger_states(workdir)[addresses[2]] == "skipped"
    assert f"Skipped 1 earlier recipient(s) no longer on the lists: {addresses[2]}" in capsys.readouterr().err


def test_a_list_cut_to_one_subscriber_sends_one_message(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 3)
    (workdir / "suppressed.csv").write_text("address,reason,date\n" + "".join(f"{a},unsubscribed,2020-01-01\n" for a in addresses))
    assert send(workdir) == 65  # everyone suppressed: refused, nothing recorded
    assert "nothing to send: all 3 subscriber(s) of segment 'all' are on the suppression list" in capsys.readouterr().err
    (workdir / "suppressed.csv").write_text("address,reason,date\n")
    (workdir / "list.csv").write_text(f"email\n{addresses[1]}\n")
    assert send(workdir) == 0
    assert "1 recipient(s)" in capsys.readouterr().out
    assert len(list((workdir / "outbox" / "issue" / "all").glob("*.eml"))) == 1


def test_someone_suppressed_after_a_failed_run_is_never_sent(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 3)
    _leave_all_failed(workdir, smtp, addresses)
    (workdir / "suppressed.csv").write_text(f"address,reason,date\n{addresses[0]},unsubscribed,2020-01-01\n")
    assert send(workdir, "--smtp", smtp.url) == 0
    assert sorted(smtp.recorder.by_recipient()) == addresses[1:]
    assert ledger_states(workdir)[addresses[0]] == "suppressed"


# -- unusable lists and suppression files: exit 2 before anything goes out ---------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda w: (w / "list.csv").mkdir(), r"cannot use the list .*list\.csv: SB600 The file cannot be read: Is a directory"),
        (lambda w: (w / "list.csv").write_text("name,organisation\nJo,Org\n"), r"list\.csv:1:1: SB604 The header has no email column"),
        (lambda w: (w / "list.csv").write_text(""), r"list\.csv:1:1: SB601 The file is empty"),
        (lambda w: (w / "list.csv").write_text("email,name\n"), r"nothing to send: the lists \(.*list\.csv\) hold no valid subscriber"),
        (lambda w: None, r"list\.csv: SB600 The file cannot be read: No such file or directory"),
    ],
    ids=["folder", "no-email-column", "empty-file", "header-only", "missing"],
)
def test_an_unusable_list_refuses_the_send(workdir: Path, capsys: pytest.CaptureFixture[str], make: object, message: str) -> None:
    make(workdir)  # type: ignore[operator]
    assert send(workdir) == (65 if message.startswith("nothing to send") else 2)  # nobody to send to: a refused send
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert not (workdir / "outbox").exists() and not (workdir / "ledger").exists()


def test_one_bad_list_among_several_refuses_the_whole_send(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 3)
    (workdir / "bad.csv").write_text("name\nJo\n")
    code = main(["send", str(workdir / "issue"), "--subscribers", str(workdir / "list.csv"), str(workdir / "bad.csv"),
                 "--suppressed", str(workdir / "suppressed.csv"), "--ledger-dir", str(workdir / "ledger"), "--no-progress"])
    assert code == 2
    assert "bad.csv:1:1: SB604" in capsys.readouterr().err
    assert not (workdir / "outbox").exists()


def test_a_missing_default_list_refuses(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "suppressed.csv").unlink()
    assert main(["send", str(workdir / "issue"), "--no-progress"]) == 2
    assert "subscribers/example.csv: SB600 The file cannot be read: No such file or directory" in capsys.readouterr().err


def test_a_named_suppression_file_must_exist(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 2)
    (workdir / "suppressed.csv").unlink()
    assert send(workdir) == 2
    assert re.search(r"the suppression list .*suppressed\.csv does not exist", capsys.readouterr().err)
    assert not (workdir / "outbox").exists()


def test_a_missing_default_suppression_file_is_no_matter_the_store_keeps_the_list(workdir: Path,
                                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 2)
    with SQLiteStore(workdir / "ledger") as store:
        store.suppress(addresses[0], "unsubscribed", source="one-click")
    code = main(["send", str(workdir / "issue"), "--subscribers", str(workdir / "list.csv"), "--ledger-dir", str(workdir / "ledger"), "--no-progress"])
    assert code == 0
    assert "suppression list" not in capsys.readouterr().err
    assert ledger_states(workdir) == {addresses[0]: "suppressed", addresses[1]: "sent"}


def test_a_suppression_row_written_with_a_name_still_suppresses_and_says_so(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 3)
    (workdir / "suppressed.csv").write_text(f'address,reason\n"Partner One <{addresses[1].upper().replace("EXAMPLE.ORG", "example.org")}>",unsubscribed\n')
    assert send(workdir) == 0
    sent = {p.read_bytes().split(b"\r\nTo: ", 1)[1].split(b"\r\n", 1)[0] for p in (workdir / "outbox" / "issue" / "all").glob("*.eml")}
    assert not any(addresses[1].encode() in line.lower() for line in sent) and len(sent) == 2
    assert "SB643" in capsys.readouterr().err


# -- DKIM ---------------------------------------------------------------------------------------------


def _rsa_key(path: Path) -> Path:
    subprocess.run(["openssl", "genrsa", "-out", str(path), "1024"], check=True, capture_output=True)
    return path


@pytest.mark.parametrize("kind", ["public", "garbage", "empty"])
def test_a_dkim_key_that_cannot_sign_refuses_before_anyone_is_claimed(workdir: Path, smtp: FaultyController,
                                                                       capsys: pytest.CaptureFixture[str], kind: str) -> None:
    addresses = write_list(workdir / "list.csv", 3)
    private = _rsa_key(workdir / "private.pem")
    key = workdir / "dkim.pem"
    if kind == "public":
        subprocess.run(["openssl", "rsa", "-in", str(private), "-pubout", "-out", str(key)], check=True, capture_output=True)
    else:
        key.write_bytes(b"not a key at all\n" if kind == "garbage" else b"")
    config = workdir / "soc-bulletin.toml"
    config.write_text(f'[sending]\ndkim_selector = "bulletin"\ndkim_key = "{key}"\n')
    assert send(workdir, "--smtp", smtp.url, "--config", str(config)) == 2
    err = capsys.readouterr().err
    assert f"the DKIM key {key.relative_to(workdir)} cannot be used" in err and len(err.strip().splitlines()) == 1, err
    assert smtp.recorder.received == [] and not (workdir / "ledger").exists()
    key.write_bytes(private.read_bytes())  # fixed: everyone receives it, signed
    assert send(workdir, "--smtp", smtp.url, "--config", str(config)) == 0
    assert sorted(smtp.recorder.by_recipient()) == addresses
    assert all(r.data.startswith(b"DKIM-Signature:") for r in smtp.recorder.received)


# -- whose fault: recipient, message, sender -----------------------------------------------------------


@pytest.mark.parametrize("reply", ["554 5.7.1 Message rejected as spam", "552 5.3.4 Message too big", "550 5.6.0 Bad content",
                                   "554 Transaction failed"])
def test_a_content_rejection_stops_the_send_and_suppresses_nobody(workdir: Path, smtp: FaultyController,
                                                                    capsys: pytest.CaptureFixture[str], reply: str) -> None:
    addresses = write_list(workdir / "list.csv", 20)
    smtp.recorder.faults.data_reply["*"] = reply
    assert send(workdir, "--smtp", smtp.url, "--concurrency", "1") == 1
    err = capsys.readouterr().err
    assert f"Stopped: the SMTP server refused the message: {reply}" in err
    assert suppressed_csv(workdir / "ledger") == "address,reason,date\n", "nobody is suppressed"
    assert set(ledger_states(workdir).values()) == {"pending"}, "every row stays retryable"
    del smtp.recorder.faults.data_reply["*"]
    assert send(workdir, "--smtp", smtp.url) == 0
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}


@pytest.mark.parametrize(("reply", "at_once"), [("550 5.1.1 User unknown", True), ("552 5.2.2 Mailbox full", False),
                                               ("550 5.2.1 Mailbox disabled", False)])
def test_a_mailbox_refusal_after_data_is_the_recipients_alone(workdir: Path, smtp: FaultyController, reply: str,
                                                              at_once: bool) -> None:
    addresses = write_list(workdir / "list.csv", 4)
    smtp.recorder.faults.data_reply[addresses[2]] = reply
    assert send(workdir, "--smtp", smtp.url) == 1
    states = ledger_states(workdir)
    assert states[addresses[2]] == "failed-permanent"
    assert [s for a, s in states.items() if a != addresses[2]] == ["sent"] * 3
    rows = list(csv.DictReader(io.StringIO(suppressed_csv(workdir / "ledger"))))
    assert [(r["address"], r["reason"]) for r in rows] == ([(addresses[2], "bounced")] if at_once else []), \
        "only a gone address is suppressed at once; a full or disabled mailbox is a soft bounce (the failure table)"


def test_a_policy_refusal_at_rcpt_stops_instead_of_suppressing_everyone(workdir: Path, smtp: FaultyController,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 5)
    smtp.recorder.faults.rcpt_permanent.update(addresses)
    smtp.recorder.faults.rcpt_reply = "550 5.7.1 Relaying denied"
    assert send(workdir, "--smtp", smtp.url) == 1
    assert "refused the sender: 550 5.7.1 Relaying denied" in capsys.readouterr().err
    assert suppressed_csv(workdir / "ledger") == "address,reason,date\n"
    assert "failed-permanent" not in ledger_states(workdir).values()


def test_failures_of_every_kind_count_toward_the_pause(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 40)
    smtp.recorder.faults.rcpt_permanent.update(addresses[:30])
    assert send(workdir, "--smtp", smtp.url, "--concurrency", "1") == 1
    assert re.search(r"Stopped: paused after 25 failures in a row; last: 550 5.1.1", capsys.readouterr().err)
    assert list(ledger_states(workdir).values()).count("failed-permanent") == 25


# -- content: check first, then frozen ----------------------------------------------------------------------


BAD_ARTICLE = """\
title: Bad article
blocks:
  - text: |
      See [the strategy](http://www.gov.uk/strategy) or [this](javascript:alert(1)).
  - contact:
      email: not-an-address
"""


def test_an_issue_that_fails_check_is_not_sent(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 3)
    (workdir / "issue" / "articles" / "first.yaml").write_text(BAD_ARTICLE)
    assert send(workdir) == 1
    err = capsys.readouterr().err
    for code in ("SB101", "SB201", "SB202"):
        assert re.search(rf"first\.yaml:\d+:\d+: {code} ", err), (code, err)
    assert not (workdir / "outbox").exists() and not (workdir / "ledger").exists()


def test_an_issue_edited_mid_send_is_refused_until_accepted(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 4)
    smtp.recorder.faults.rcpt_temporary[addresses[3]] = 1
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "1") == 1
    article = workdir / "issue" / "articles" / "first.yaml"
    article.write_text(article.read_text().replace("Some words.", "Some other words."))
    capsys.readouterr()
    assert send(workdir, "--smtp", smtp.url) == 65
    err = capsys.readouterr().err
    assert ("issue issue changed since its send began: edition 'everyone' ('first' changed; 3 recipient(s) already "
            "received the earlier version). Undo the change, or pass --accept-changes to send the new version to the 1 recipient(s) who have not had it") in err
    assert len(smtp.recorder.received) == 3
    assert send(workdir, "--smtp", smtp.url, "--accept-changes") == 0
    last = [r for r in smtp.recorder.received if r.rcpt_tos == [addresses[3]]][0]
    assert "Some other words." in last.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert main(["status", str(workdir / "issue"), "--ledger-dir", str(workdir / "ledger")]) == 0
    assert "Edition 'everyone' changed during the send: version 1 went to 3, version 2 went to 1" in capsys.readouterr().out


def test_an_edit_before_anyone_received_the_issue_needs_no_acceptance(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 2)
    _leave_all_failed(workdir, smtp, addresses)
    article = workdir / "issue" / "articles" / "first.yaml"
    article.write_text(article.read_text().replace("Some words.", "Some other words."))
    assert send(workdir, "--smtp", smtp.url) == 0
    assert sorted(smtp.recorder.by_recipient()) == addresses


def test_a_stale_send_needs_resume_stale(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 2)
    smtp.recorder.faults.rcpt_temporary[addresses[1]] = 1
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "1") == 1
    with sqlite3.connect(workdir / "ledger" / "issue.sqlite3") as db:
        db.execute("UPDATE meta SET value=? WHERE key='started'", (str(time.time() - 10 * 86400),))
    capsys.readouterr()
    assert send(workdir, "--smtp", smtp.url) == 65
    assert re.search(r"this send of issue issue started on \d{4}-\d\d-\d\d, 10 days ago \(more than 7\); 1 recipient\(s\) "
                     r"have not had it. Pass --resume-stale", capsys.readouterr().err)
    assert len(smtp.recorder.received) == 1
    assert send(workdir, "--smtp", smtp.url, "--resume-stale") == 0
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}


# -- proofs and status --------------------------------------------------------------------------------


def test_proofs_one_per_edition_in_their_own_folder_never_recorded(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 9)
    issue = workdir / "issue"
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE.replace("articles: [first]", "articles: [first, police-only]"))
    (issue / "articles" / "police-only.yaml").write_text("title: Only for police\naudience: [police]\nblocks:\n  - text: Police news.\n")
    assert send(workdir, "--test-to", "editor@example.org") == 0
    proofs = sorted((workdir / "outbox" / "issue" / "proofs").glob("*.eml"))
    subjects = sorted(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"] for p in proofs)
    assert subjects == [f"[Proof: {k}] Test Bulletin – February 2020, Issue 3" for k in ("everyone", "police")]
    out = capsys.readouterr().out
    assert "Proof of edition 'everyone' sent to editor@example.org" in out and "Proof of edition 'police' sent to" in out
    assert not (workdir / "outbox" / "issue" / "all").exists() and not (workdir / "ledger").exists()


def test_status_per_segment_and_edition_and_failed_as_csv(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 6)
    smtp.recorder.faults.rcpt_permanent.add(addresses[0])
    smtp.recorder.faults.rcpt_temporary[addresses[1]] = 5
    assert send(workdir, "--smtp", smtp.url, "--segment", "police", "--max-attempts", "1") == 1
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "1") == 1
    capsys.readouterr()
    ledger = ["--ledger-dir", str(workdir / "ledger")]
    assert main(["status", str(workdir / "issue"), *ledger]) == 1  # failures are problems
    out = capsys.readouterr().out
    assert re.search(r"all\s+everyone\s+4\s+3\s+0\s+1\s+0\s+0\s+0", out), out
    assert re.search(r"police\s+everyone\s+2\s+1\s+0\s+0\s+1\s+0\s+0", out), out
    assert main(["status", str(workdir / "issue"), *ledger, "--failed", "--format", "csv"]) == 1
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {(r["address"], r["state"], r["reply"]) for r in rows} == {
        (addresses[0], "failed-permanent", "550 5.1.1 No such user here"),
        (addresses[1], "failed-temporary", "451 4.3.0 Try again later"),
    }


# -- a damaged ledger is never a fresh start -------------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage" * 100)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _foreign(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE recipients (address TEXT)")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(b""), "is empty (truncated?); restore it from a backup"),
        (_garbage, "cannot be read as a ledger (file is not a database); restore it from a backup"),
        (_truncate, "cannot be read as a ledger (database disk image is malformed); restore it from a backup"),
        (_foreign, "is not a soc_bulletin ledger (another program's file)"),
        (lambda p: (p.unlink(), p.mkdir()), "is not a file; a ledger is expected there"),
    ],
    ids=["emptied", "garbage", "truncated", "foreign", "folder"],
)
def test_a_damaged_ledger_refuses_send_and_status(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str],
                                                  damage: object, message: str) -> None:
    write_list(workdir / "list.csv", 30)
    assert send(workdir, "--smtp", smtp.url) == 0
    path = workdir / "ledger" / "issue.sqlite3"
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        extra.unlink(missing_ok=True)
    damage(path)  # type: ignore[operator]
    capsys.readouterr()
    assert send(workdir, "--smtp", smtp.url) == 74
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # after the issue's check warnings
    assert last.startswith("soc-bulletin: error: ") and message in last and str(path.relative_to(workdir)) in last and "Traceback" not in err
    assert len(smtp.recorder.received) == 30, "nothing is sent again"
    assert main(["status", str(workdir / "issue"), "--ledger-dir", str(workdir / "ledger")]) == 74
    assert message in capsys.readouterr().err


def test_a_ledger_folder_that_cannot_be_made_refuses(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 2)
    (workdir / "ledger").write_text("a file where the ledger folder should be")
    assert send(workdir, "--smtp", smtp.url) == 74
    assert re.search(r"cannot create the store .*ledger/store\.db", capsys.readouterr().err)
    assert smtp.recorder.received == []


def test_a_ledger_deleted_mid_send_stops_the_send(tmp_path: Path) -> None:
    from .smtp import RecordingHandler
    from .test_send_crash import _command, _setup, slow_smtp  # noqa: F401  (the same slow server)

    _setup(tmp_path)
    server = FaultyController(RecordingHandler())
    server.recorder.faults.data_delay = 0.004
    server.start()
    try:
        process = subprocess.Popen(_command(tmp_path, server.url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(server.recorder.received) < 100:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        (tmp_path / "ledger" / "issue.sqlite3").unlink()
        _, err = process.communicate(timeout=60)
        at_stop = len(server.recorder.received)
    finally:
        server.stop()
    assert process.returncode != 0
    assert "was deleted or replaced during the send; stopped" in err and "Traceback" not in err
    assert at_stop < 1000, "the send did not go on without its ledger"


def test_send_runs_as_a_command(workdir: Path) -> None:
    write_list(workdir / "list.csv", 1)
    done = subprocess.run([sys.executable, "-m", "soc_bulletin", "send", str(workdir / "issue"), "--subscribers", str(workdir / "list.csv"),
                           "--suppressed", str(workdir / "suppressed.csv"), "--ledger-dir", str(workdir / "ledger"), "--dry-run"],
                          capture_output=True, text=True, cwd=workdir, timeout=60)
    assert done.returncode == 0 and "Dry run: preflight passed. 1 message(s)" in done.stdout, done.stderr


def test_a_stray_nul_byte_costs_one_row_not_the_list(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "list.csv").write_bytes(b"email,name\na@example.org,A\nb@example.org,B\x00\nc@example.org,C\n")
    assert send(workdir) == 0
    assert len(list((workdir / "outbox" / "issue" / "all").glob("*.eml"))) == 2
    err = capsys.readouterr().err
    assert re.search(r"list\.csv:3(:1)?: SB610 ", err) and "1 invalid subscriber row(s) left out" in err
