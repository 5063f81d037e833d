"""``soc-bulletin bounces imaps://...`` against a real Dovecot on 127.0.0.1 (started by the test, TLS from a test CA)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from . import mailshapes
from .conftest import suppressed_csv
from .dovecot import PASSWORD, Dovecot, available
from .smtp import FaultyController
from .test_bounces_cli import SECRET, SETTINGS, send, verp_of


@pytest.fixture(autouse=True)
def dovecot_installed() -> None:
    """A failure, never a skip, where Dovecot is missing: these tests need the real server."""
    if not available():
        pytest.fail("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")

NOT_A_MESSAGE = b"this is no mail message, only words\r\nand more words\r\n"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    yield server
    server.stop()


@pytest.fixture
def inbox(dovecot: Dovecot, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dovecot]:
    """An empty INBOX (and no Processed folder), the passwords in the environment, a project folder as working directory
    (the settings of ``test_bounces_cli``: VERP to bounces@example.org, the store in ledger/)."""
    monkeypatch.setenv("SOC_BULLETIN_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", SECRET)
    (workdir / "soc-bulletin.toml").write_text(SETTINGS, encoding="utf-8")
    conn = dovecot.client()
    for name in ("INBOX", "Processed"):
        kind, count = conn.select(name)
        if kind == "OK" and count[0] != b"0":
            conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
            conn.expunge()
    conn.logout()
    yield dovecot


def append(server: Dovecot, *messages: bytes) -> None:
    conn = server.client()
    for raw in messages:
        assert conn.append("INBOX", None, None, raw)[0] == "OK"
    conn.logout()


def flags(server: Dovecot, mailbox: str = "INBOX") -> dict[str, str]:
    """Each message's flags by UID."""
    conn = server.client()
    conn.select(mailbox, readonly=True)
    found: dict[str, str] = {}
    kind, data = conn.uid("FETCH", "1:*", "(FLAGS)")
    for line in data if kind == "OK" else []:
        if isinstance(line, bytes) and (match := re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", line)):
            found[match[1].decode()] = match[2].decode()
    conn.logout()
    return found


def test_an_imap_mailbox_read_twice_marks_handled_messages_only(inbox: Dovecot, workdir: Path, smtp: FaultyController,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a = send(workdir, smtp)
    append(inbox, mailshapes.gmail(a[0], verp_of("issue", a[0])),
           mailshapes.arf_yahoo(a[1], verp_of("issue", a[1])),
           mailshapes.person(a[2], "team@example.org"), NOT_A_MESSAGE,
           mailshapes.gmail("al@example.net", "bounces@example.org"))  # proves nothing: left for a person, unmarked
    uids = sorted(flags(inbox), key=int)
    args = ["bounces", inbox.url, "--cafile", str(inbox.ca), "--format", "json"]
    capsys.readouterr()
    assert main(args) == 1
    out, err = capsys.readouterr()
    unverified = {"source": uids[4], "kind": "bounce", "recipients": [{"address": "al@example.net", "status": "5.1.1", "permanent": True}],
                  "verified": False, "action": "not ours / unverified: left for a person"}
    assert json.loads(out) == [
        {"source": uids[0], "kind": "bounce", "recipients": [{"address": a[0], "status": "5.1.1", "permanent": True}],
         "verified": True, "action": f"{a[0]}: suppressed (bounced); {a[0]}: recorded in the ledger of issue"},
        {"source": uids[1], "kind": "complaint", "recipients": [{"address": a[1], "status": None, "permanent": True}],
         "verified": True, "action": f"{a[1]}: suppressed (complained); {a[1]}: recorded in the ledger of issue"},
        {"source": uids[2], "kind": "none", "recipients": [], "verified": False, "action": ""},
        {"source": uids[3], "kind": "none", "recipients": [], "verified": False, "action": "",
         "error": "the message does not start with mail header fields"},
        unverified,
    ]
    assert err == ("5 message(s) read: 2 bounce, 1 complaint, 1 none; 1 could not be read (left in the mailbox);"
                   " 1 not ours / unverified (left for a person); 2 address(es) newly suppressed.\n")
    left = {uids[2]: "", uids[3]: "", uids[4]: ""}
    assert flags(inbox) == {uids[0]: r"\Seen $SocBulletin", uids[1]: r"\Seen $SocBulletin", **left}
    suppressed = suppressed_csv(workdir / "ledger")

    assert main(args) == 1  # the marked messages are not even fetched again; nothing changes
    out, err = capsys.readouterr()
    assert [m["source"] for m in json.loads(out)] == uids[2:]
    assert err == ("3 message(s) read: 1 bounce, 1 none; 1 could not be read (left in the mailbox);"
                   " 1 not ours / unverified (left for a person); 0 address(es) newly suppressed.\n")
    assert suppressed_csv(workdir / "ledger") == suppressed
    assert flags(inbox) == {uids[0]: r"\Seen $SocBulletin", uids[1]: r"\Seen $SocBulletin", **left}


def test_handled_messages_are_moved_when_asked_and_a_dry_run_touches_nothing(inbox: Dovecot, workdir: Path, smtp: FaultyController,
                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    a = send(workdir, smtp)
    append(inbox, mailshapes.qmail(a[0], verp_of("issue", a[0])), mailshapes.person(a[2], "team@example.org"))
    before = flags(inbox)
    assert main(["bounces", inbox.url, "--cafile", str(inbox.ca), "--dry-run"]) == 0
    assert flags(inbox) == before
    assert main(["bounces", inbox.url, "--cafile", str(inbox.ca), "--move-to", "Processed"]) == 0
    assert "1 address(es) newly suppressed." in capsys.readouterr().out
    assert list(flags(inbox).values()) == [""]  # the person's mail stays
    assert len(flags(inbox, "Processed")) == 1


def test_no_password_in_the_environment_is_refused_before_connecting(inbox: Dovecot, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SOC_BULLETIN_IMAP_PASSWORD")
    assert main(["bounces", inbox.url]) == 2
    assert capsys.readouterr().err == f"soc-bulletin: error: {inbox.url}: set SOC_BULLETIN_IMAP_PASSWORD to the mailbox's password\n"


@pytest.mark.parametrize(("change", "message"), [
    ("cafile", "the server's TLS certificate is not trusted (unable to get local issuer certificate); give --cafile for a private CA"),
    ("mailbox", "no mailbox 'Nowhere' on the server"),
    ("password", "the server refused: [AUTHENTICATIONFAILED] Authentication failed."),  # last: Dovecot slows logins after it
])
def test_imap_failures_are_one_line_naming_the_mailbox(inbox: Dovecot, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str], change: str, message: str) -> None:
    url, args = inbox.url, ["--cafile", str(inbox.ca)]
    if change == "password":
        monkeypatch.setenv("SOC_BULLETIN_IMAP_PASSWORD", "wrong")
    elif change == "cafile":
        args = []
    else:
        url = url.replace("/INBOX", "/Nowhere")
    assert main(["bounces", url, *args]) == 2
    assert capsys.readouterr().err == f"soc-bulletin: error: {url}: {message}\n"
