"""Only the subscriber can stop their mail: every forgery of issue 21's list, and its genuine twin, through the CLI.

One issue is sent over a real SMTP server (VERP on, no unsubscribe secret
configured: the store makes its own), on each store (SQLite, and PostgreSQL
with the reports read in another project folder than the send's). Each server's shape of bounce or
complaint is then forged about a subscriber (delivered to the plain envelope
sender, with a Message-ID that is not ours) and must change nothing, while the
same shape delivered to the subscriber's real VERP address, or naming our
real Message-ID, acts. Mailed unsubscribes need a token the store made.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.parse
from pathlib import Path

import pytest

from . import mailshapes, test_loop_store
from .smtp import FaultyController, Received
from .test_loop_store import ENVELOPE, Project, maildir_with, make_folder, message_to, run, send

project = test_loop_store.project  # the same two stores: SQLite, and PostgreSQL shared by two folders

BOUNCES = [(name, build, kind, permanent) for name, build, kind, _status, permanent in mailshapes.SHAPES
           if kind in ("bounce", "complaint")]


def read(project: Project, box: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert run(project.a, monkeypatch, "bounces", str(box), "--format", "json") == 0
    outcomes: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return outcomes


def suppressed(project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> set[str]:
    capsys.readouterr()
    assert run(project.a, monkeypatch, "suppressions", "export") == 0
    return {line.split(",")[0] for line in capsys.readouterr().out.splitlines()[1:]}


@pytest.mark.parametrize(("name", "build", "kind", "permanent"), BOUNCES, ids=[b[0] for b in BOUNCES])
def test_a_forged_report_changes_nothing_and_its_genuine_twin_acts(
        project: Project, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        name: str, build: mailshapes.Builder, kind: str, permanent: bool) -> None:
    victim, genuine = project.addresses[1], project.addresses[2]
    sent = send(project.a, "issue-a", smtp, monkeypatch)
    forged = read(project, maildir_with(project.a.parent / "forged", [build(victim, ENVELOPE)]), monkeypatch, capsys)
    assert [(o["kind"], o["verified"], o["action"]) for o in forged] == [(kind, False, "not ours / unverified: left for a person")]
    assert suppressed(project, monkeypatch, capsys) == set()

    real = read(project, maildir_with(project.a.parent / "real", [build(genuine, message_to(sent, genuine).mail_from)]),
                monkeypatch, capsys)
    assert [(o["kind"], o["verified"]) for o in real] == [(kind, True)], real
    assert f"{genuine}: recorded in the ledger of issue-a" in str(real[0]["action"])
    hard = "suppressed (" in str(real[0]["action"])
    assert suppressed(project, monkeypatch, capsys) == ({genuine} if hard else set())


def test_our_real_message_id_is_evidence_for_the_address_it_was_sent_to(
        project: Project, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    victim = project.addresses[1]
    sent = send(project.a, "issue-a", smtp, monkeypatch)
    message_id = str(message_to(sent, victim).message["Message-ID"])
    assert victim.split("@")[0] not in message_id  # keyed: it names nobody
    notice = mailshapes.postfix(victim, ENVELOPE).replace(mailshapes.ORIGINAL_ID.encode(), message_id.encode())
    outcomes = read(project, maildir_with(project.a.parent / "box", [notice]), monkeypatch, capsys)
    assert [(o["verified"], o["action"]) for o in outcomes] == [
        (True, f"{victim}: suppressed (bounced); {victim}: recorded in the ledger of issue-a")]


def test_a_report_about_someone_never_sent_this_issue_changes_nothing(
        project: Project, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    sent = send(project.a, "issue-a", smtp, monkeypatch)
    stranger = "someone.else@example.net"
    message_id = str(message_to(sent, project.addresses[1]).message["Message-ID"])  # ours, but to another person
    notice = mailshapes.arf_yahoo(stranger, ENVELOPE).replace(mailshapes.ORIGINAL_ID.encode(), message_id.encode())
    outcomes = read(project, maildir_with(project.a.parent / "box", [notice]), monkeypatch, capsys)
    assert [o["verified"] for o in outcomes] == [False]
    assert suppressed(project, monkeypatch, capsys) == set()


def unkeyed_token(list_id: str, address: str) -> str:
    """The mailto token the previous version made without a secret: computable by anyone."""
    digest = hashlib.sha256(f"{list_id}\n{address.lower()}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:18]).rstrip(b"=").decode()


def mailto_token(message: Received) -> str:
    [token] = re.findall(r"mailto:[^?>]+\?subject=Unsubscribe%20([A-Za-z0-9_-]+)>", str(message.message["List-Unsubscribe"]))
    return str(token)


def test_a_mailed_unsubscribe_acts_only_with_a_token_the_store_made(
        project: Project, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, c, d = project.addresses[1:5]
    sent = send(project.a, "issue-a", smtp, monkeypatch)
    mails = [
        mailshapes.unsubscribe_mail(a, unkeyed_token("bulletin.example.org", a)),  # computed from public facts
        mailshapes.unsubscribe_mail(b, ""),                                       # no token: the From names the victim
        mailshapes.unsubscribe_mail(c, mailto_token(message_to(sent, d))),        # another person's token
        mailshapes.unsubscribe_mail(d, mailto_token(message_to(sent, d))),        # the real one
    ]
    outcomes = read(project, maildir_with(project.a.parent / "box", mails), monkeypatch, capsys)
    # a Maildir lists its files in no set order (names of one second sort by their unpadded microseconds)
    assert sorted((o["kind"], o["verified"]) for o in outcomes) == [("unsubscribe", False)] * 2 + [("unsubscribe", True)] * 2
    assert suppressed(project, monkeypatch, capsys) == {d}  # c's mail carried d's token: it stops d's mail, as d's link


def test_notices_about_one_message_count_once(project: Project, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    victim = project.addresses[1]
    sent = send(project.a, "issue-a", smtp, monkeypatch)
    verp = message_to(sent, victim).mail_from
    notices = [mailshapes.postfix_delayed(victim, verp).replace(b"Thu, 01 Aug 2019", f"{day} Aug 2019".encode())
               for day in ("Thu, 01", "Fri, 02", "Sat, 03")]
    notices.append(mailshapes.mailbox_full(victim, verp))  # the same message, another server's notice (and its own date)
    outcomes = read(project, maildir_with(project.a.parent / "box", notices), monkeypatch, capsys)
    assert all(o["verified"] for o in outcomes)
    assert all("soft bounce 1 of 3" in str(o["action"]) for o in outcomes), [o["action"] for o in outcomes]
    assert suppressed(project, monkeypatch, capsys) == set()


def encodings(address: str) -> list[str]:
    raw = address.encode()
    found = [address, address.lower(), urllib.parse.quote(address), urllib.parse.quote(address, safe=""), raw.hex()]
    for encode in (base64.b64encode, base64.urlsafe_b64encode, base64.b32encode):
        text = encode(raw).decode()
        found += [text, text.rstrip("="), text.lower().rstrip("=")]
    return found


def test_no_secret_configured_two_projects_make_different_tokens_and_no_link_names_anyone(
        tmp_path: Path, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", raising=False)
    monkeypatch.delenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS", raising=False)
    links: list[dict[str, str]] = []
    for name in ("one", "two"):
        addresses = make_folder(tmp_path / name, "issue-a", "")
        sent = send(tmp_path / name, "issue-a", smtp, monkeypatch)
        links.append({r.rcpt_tos[0]: str(r.message["List-Unsubscribe"]) + r.mail_from + str(r.message["Message-ID"])
                      for r in sent})
        for held in ("store.db", "issue-a.sqlite3", "."):  # addresses and the secret: the owner's only
            mode = (tmp_path / name / ".ledger" / held).stat().st_mode & 0o777
            assert mode in (0o600, 0o700), (held, oct(mode))
    for address in addresses:
        assert links[0][address] != links[1][address]
        for form in encodings(address):
            assert form not in links[0][address], (form, links[0][address])
