"""``soc-bulletin bounces imaps://...`` against a real Dovecot on 127.0.0.1 (started by the test, TLS from a test CA)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from . import mailshapes
from .dovecot import PASSWORD, Dovecot, available


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
    """An empty INBOX (and no Processed folder), the password in the environment, a project folder as working directory."""
    monkeypatch.setenv("SOC_BULLETIN_IMAP_PASSWORD", PASSWORD)
    (workdir / "soc-bulletin.toml").write_text('[sending]\nsuppressed = "suppressed.csv"\nledger = "ledger"\n')
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


def test_an_imap_mailbox_read_twice_marks_handled_messages_only(inbox: Dovecot, workdir: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    append(inbox, mailshapes.gmail("al@example.net", "bounces@example.org"),
           mailshapes.arf_yahoo("bo@example.net", "bounces@example.org"),
           mailshapes.person("cy@example.net", "team@example.org"), NOT_A_MESSAGE)
    uids = sorted(flags(inbox), key=int)
    args = ["bounces", inbox.url, "--cafile", str(inbox.ca), "--format", "json"]
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == [
        {"source": uids[0], "kind": "bounce", "recipients": [{"address": "al@example.net", "status": "5.1.1", "permanent": True}]},
        {"source": uids[1], "kind": "complaint", "recipients": [{"address": "bo@example.net", "status": None, "permanent": True}]},
        {"source": uids[2], "kind": "none", "recipients": []},
        {"source": uids[3], "kind": "none", "recipients": [], "error": "the message does not start with mail header fields"},
    ]
    assert err == ("4 message(s) read: 1 bounce, 1 complaint, 1 none; 1 could not be read (left in the mailbox);"
                   " 2 address(es) newly suppressed.\n")
    assert flags(inbox) == {uids[0]: r"\Seen $SocBulletin", uids[1]: r"\Seen $SocBulletin", uids[2]: "", uids[3]: ""}
    suppressed = (workdir / "suppressed.csv").read_bytes()

    assert main(args) == 1  # the marked messages are not even fetched again; nothing changes
    out, err = capsys.readouterr()
    assert [m["source"] for m in json.loads(out)] == uids[2:]
    assert err == "2 message(s) read: 1 none; 1 could not be read (left in the mailbox); 0 address(es) newly suppressed.\n"
    assert (workdir / "suppressed.csv").read_bytes() == suppressed
    assert flags(inbox) == {uids[0]: r"\Seen $SocBulletin", uids[1]: r"\Seen $SocBulletin", uids[2]: "", uids[3]: ""}


def test_handled_messages_are_moved_when_asked_and_a_dry_run_touches_nothing(inbox: Dovecot,
                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    append(inbox, mailshapes.qmail("al@example.net", "bounces@example.org"), mailshapes.person("cy@example.net", "team@example.org"))
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
