"""The whole loop on both stores, through the command line: send, one-click unsubscribe, a bounce, the next send.

Issue A goes to a small list over a real SMTP server; recipient X clicks the
one-click link of the message they received (a POST to the real service, on
127.0.0.1, with the store the service opens); a hard bounce of recipient Y
arrives at Y's VERP envelope address and ``soc-bulletin bounces`` reads it;
then issue B goes to the same list, and reaches neither X nor Y. With
PostgreSQL, two project folders (two machines) share the one ``[ledger] url``.
No unsubscribe secret is configured: the store makes its own, and every
command of both folders must agree on it. A forged bounce (no VERP token, a
made-up one, a Message-ID that is not ours) proves nothing and changes nothing.
"""

from __future__ import annotations

import http.client
import json
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.config import load_settings
from soc_bulletin.loop.serve import serve
from soc_bulletin.loop.service import Limits, create_app
from soc_bulletin.send.unsubscribe import Unsubscribe
from soc_bulletin.send.verp import verp_token
from soc_bulletin.store.open import open_store

from . import mailshapes, postgres
from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE
from .smtp import FaultyController, Received
from .test_send import write_list

BASE_URL = "https://bulletin.example.org/unsubscribe"
ENVELOPE = "bounces@example.org"
LIST_ID = "bulletin.example.org"  # derived from the From address, as the service derives it too


@dataclass
class Project:
    """Folder ``a`` sends issue A, runs the service and reads bounces; folder ``b`` sends issue B (the same folder with
    SQLite, another one sharing the database with PostgreSQL)."""

    a: Path
    b: Path
    addresses: list[str]


def settings_text(url: str) -> str:
    text = (f'[sending]\nfrom = "SOC Partnerships <team@example.org>"\nenvelope_sender = "{ENVELOPE}"\n'
            f'unsubscribe_base_url = "{BASE_URL}"\nsuppressed = "suppressed.csv"\nsegments = "segments.yaml"\n'
            'subscribers = "list.csv"\n')
    return text + (f'\n[ledger]\nurl = "{url}"\n' if url else "")


def make_folder(root: Path, issue: str, url: str) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "soc-bulletin.toml").write_text(settings_text(url), encoding="utf-8")
    (root / "segments.yaml").write_text("police: {segments: [police]}\n", encoding="utf-8")
    (root / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    folder = root / issue
    (folder / "articles").mkdir(parents=True)
    (folder / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
    (folder / "articles" / "first.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")
    return write_list(root / "list.csv", 6)


@pytest.fixture(params=["sqlite", "postgres"])
def project(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    for name in ("SOC_BULLETIN_SMTP_USER", "SOC_BULLETIN_SMTP_PASSWORD", "SOC_BULLETIN_UNSUBSCRIBE_SECRET",
                 "SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS", "SOC_BULLETIN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "postgres":
        server = postgres.server()
        monkeypatch.setenv("PGPASSWORD", server.password)
        url = server.database()
        addresses = make_folder(tmp_path / "machine-a", "issue-a", url)
        make_folder(tmp_path / "machine-b", "issue-b", url)
        yield Project(tmp_path / "machine-a", tmp_path / "machine-b", addresses)
    else:
        addresses = make_folder(tmp_path / "project", "issue-a", "")
        make_folder(tmp_path / "project", "issue-b", "")
        yield Project(tmp_path / "project", tmp_path / "project", addresses)


def run(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """A command run in ``folder`` (its settings found from the working directory, as people run them)."""
    monkeypatch.chdir(folder)
    return main(list(args))


def send(folder: Path, issue: str, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch) -> list[Received]:
    """Send ``issue`` of ``folder``; the messages the server received in this send."""
    before = len(smtp.recorder.received)
    assert run(folder, monkeypatch, "send", str(folder / issue), "--smtp", smtp.url, "--no-progress", "--backoff", "0.02") == 0
    return smtp.recorder.received[before:]


def message_to(received: list[Received], address: str) -> Received:
    [found] = [r for r in received if r.rcpt_tos == [address]]
    return found


def https_link(message: Received) -> str:
    header = str(message.message["List-Unsubscribe"])
    [link] = re.findall(r"<(https://[^>]+)>", header)
    return str(link)


def one_click(folder: Path, link: str, body: bytes = b"List-Unsubscribe=One-Click") -> int:
    """POST ``body`` (a one-click unsubscribe) to the service of ``folder``, at the link's path and query; the status."""
    settings = load_settings(folder / "soc-bulletin.toml")
    store = open_store(settings)
    try:
        server = serve(create_app(settings, store, limits=Limits(per_minute=6000, burst=100)), host="127.0.0.1", port=0)
        try:
            parts = urlsplit(link)
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                conn.request("POST", f"{parts.path}?{parts.query}", body=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
                response = conn.getresponse()
                response.read()
                return response.status
            finally:
                conn.close()
        finally:
            server.close()
    finally:
        store.close()


def maildir_with(folder: Path, messages: list[bytes]) -> Path:
    box = mailbox.Maildir(folder, create=True)
    for raw in messages:
        box.add(mailbox.MaildirMessage(raw))
    return folder


def exported(folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    capsys.readouterr()
    assert run(folder, monkeypatch, "suppressions", "export") == 0
    return [line.split(",") for line in capsys.readouterr().out.splitlines()]


def test_an_unsubscribe_and_a_bounce_keep_the_next_issue_from_them(project: Project, smtp: FaultyController,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    addresses = project.addresses
    x, y = addresses[1], addresses[2]
    first = send(project.a, "issue-a", smtp, monkeypatch)
    assert sorted(r.rcpt_tos[0] for r in first) == sorted(addresses)

    link = https_link(message_to(first, x))
    assert re.fullmatch(re.escape(BASE_URL) + r"\?t=[A-Za-z0-9_-]{16}", link), link
    assert x not in link and "a=" not in urlsplit(link).query  # an opaque token: the address is nowhere in the link
    assert one_click(project.a, link) == 200

    bounced_to = message_to(first, y).mail_from
    assert re.fullmatch(r"bounces\+[a-z2-7]{16}@example\.org", bounced_to), bounced_to
    box = maildir_with(project.a.parent / "Maildir-a", [mailshapes.postfix(y, bounced_to)])
    capsys.readouterr()
    assert run(project.a, monkeypatch, "bounces", str(box)) == 0
    out = capsys.readouterr().out
    assert f"  {y}: suppressed (bounced)" in out.splitlines(), out
    assert f"  {y}: recorded in the ledger of issue-a" in out.splitlines(), out
    assert out.splitlines()[-1] == "1 message(s) read: 1 bounce; 1 address(es) newly suppressed.", out

    second = send(project.b, "issue-b", smtp, monkeypatch)
    assert sorted(r.rcpt_tos[0] for r in second) == sorted(set(addresses) - {x, y})
    assert smtp.recorder.by_recipient()[x] == smtp.recorder.by_recipient()[y] == 1  # issue A only
    # the one secret: issue B's link to a third recipient is made with the same key as issue A's
    z = addresses[3]
    assert https_link(message_to(second, z)) == https_link(message_to(first, z))

    rows = exported(project.b, monkeypatch, capsys)
    assert rows[0] == ["address", "reason", "date", "source"]
    assert sorted((r[0], r[1], r[3]) for r in rows[1:]) == sorted([(x, "unsubscribed", "one-click"), (y, "bounced", "bounce")])

    assert run(project.a, monkeypatch, "status", str(project.a / "issue-a")) == 0
    status = capsys.readouterr().out
    assert "After the send: 1 bounced, 0 complained (soc-bulletin bounces reads them).\n" in status, status
    assert f"  bounce: {y}: 5.1.1" in status, status
    [table] = [line for line in status.splitlines() if line.startswith("all ")]
    assert table.split()[2:] == ["6", "6", "0", "0", "0", "0", "0", "1", "0", "0", "1"], table

    assert run(project.b, monkeypatch, "bounces", str(box)) == 0  # the other machine: handled before, skipped
    assert "1 handled before, skipped" in capsys.readouterr().out


def forged_bounces(z: str, other: str, first: list[Received]) -> list[bytes]:
    """The same 5.1.1 notice about ``z``, each with evidence that proves nothing."""
    made_up_id = "<issue-a.0123456789abcdef01234567@example.org>"
    elsewhere = Unsubscribe(list_id=LIST_ID, mailbox="team@example.org", secret="another-sender-s-own-secret")
    another_senders_id = f"<issue-a.{elsewhere.message_digest('issue-a', z)}@example.org>"
    others_real_id = str(message_to(first, other).message["Message-ID"])
    assert others_real_id.startswith("<issue-a.")

    def notice(to: str, message_id: str) -> bytes:
        return mailshapes.postfix(z, to).replace(mailshapes.ORIGINAL_ID.encode(), message_id.encode())

    return [
        notice(ENVELOPE, made_up_id),                                                          # no VERP token
        notice("bounces+aaaaaaaaaaaaaaaa@example.org", made_up_id),                            # a made-up token
        notice(f"bounces+{verp_token(b'another-sender-s-own-secret', 'issue-a', z)}@example.org", made_up_id),  # another key
        notice(ENVELOPE, another_senders_id),                                                  # another sender's Message-ID
        notice(ENVELOPE, others_real_id),                                                      # our Message-ID, to another
    ]


def test_a_forged_bounce_suppresses_nobody(project: Project, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    addresses = project.addresses
    z = addresses[3]
    first = send(project.a, "issue-a", smtp, monkeypatch)
    forged = forged_bounces(z, addresses[4], first)
    box = maildir_with(project.a.parent / "Maildir-forged", forged)
    capsys.readouterr()
    assert run(project.a, monkeypatch, "bounces", str(box), "--format", "json") == 0
    out, err = capsys.readouterr()
    outcomes = json.loads(out)
    assert len(outcomes) == len(forged)
    for outcome in outcomes:
        assert (outcome["kind"], outcome["verified"]) == ("bounce", False), outcome
        assert [r["address"] for r in outcome["recipients"]] == [z], outcome
        assert "suppressed" not in outcome["action"], outcome
    assert f"{len(forged)} not ours / unverified" in err and "0 address(es) newly suppressed" in err, err
    assert len(list((box / "new").iterdir())) == len(forged), "left in the mailbox for a person"

    assert exported(project.b, monkeypatch, capsys) == [["address", "reason", "date", "source"]]
    second = send(project.b, "issue-b", smtp, monkeypatch)
    assert sorted(r.rcpt_tos[0] for r in second) == sorted(addresses)
    assert smtp.recorder.by_recipient()[z] == 2
    assert run(project.a, monkeypatch, "status", str(project.a / "issue-a")) == 0
    assert "After the send" not in capsys.readouterr().out  # nothing recorded against the ledger either


def test_an_undo_resubscribes_but_never_lifts_a_bounce(project: Project, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    addresses = project.addresses
    x, y = addresses[1], addresses[2]
    first = send(project.a, "issue-a", smtp, monkeypatch)
    box = maildir_with(project.a.parent / "Maildir-a", [mailshapes.postfix(y, message_to(first, y).mail_from)])
    assert run(project.a, monkeypatch, "bounces", str(box)) == 0
    for address in (x, y):  # both click the link, then think better of it
        link = https_link(message_to(first, address))
        assert one_click(project.a, link) == 200
        assert one_click(project.a, link, b"action=undo") == 200
    assert sorted((r[0], r[3]) for r in exported(project.b, monkeypatch, capsys)[1:]) == [(y, "bounce")]
    second = send(project.b, "issue-b", smtp, monkeypatch)
    assert sorted(r.rcpt_tos[0] for r in second) == sorted(set(addresses) - {y})
