"""Subscribers looking after themselves, against the running service (uvicorn on 127.0.0.1) and real sends to the
outbox: sign-up with double opt-in, the preference page from a bulletin's footer, and what the next send does."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import http.client
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from soc_bulletin.cli import main
from soc_bulletin.config import load_settings
from soc_bulletin.loop.serve import ServiceServer
from soc_bulletin.loop.signup import WORDING_VERSION
from soc_bulletin.store.open import open_store
from soc_bulletin.store.people import token_digest

from .backends import Backend
from .project import make_project
from .service import running_service

SERVICE = "https://bulletin.example.org/bulletin"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NEW = "nia.pryce@example.net"
LISTED = "eilidh.kelly@example.net"  # on subscribers/example.csv


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: Backend) -> Path:
    """The example project with a service, its store on each backend."""
    root = make_project(tmp_path / "project")
    settings = root / "soc-bulletin.toml"
    text = settings.read_text().replace(
        '# unsubscribe_base_url = "https://bulletin.example.org/unsubscribe"', f'unsubscribe_base_url = "{SERVICE}/unsubscribe"')
    settings.write_text(text + (f'\n[ledger]\nurl = "{backend.where}"\n' if backend.kind == "postgres" else ""))
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", "a-secret-for-these-tests-only")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def service(project: Path) -> Iterator[ServiceServer]:
    with running_service(project / "soc-bulletin.toml") as server:
        yield server


def call(server: ServiceServer, method: str, path: str, fields: dict[str, str | list[str]] | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        body = urlencode(fields, doseq=True).encode() if fields is not None else None
        conn.request(method, path, body=body, headers=FORM if body is not None else {})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def local(url: str) -> str:
    """The path and query of one of the service's public links."""
    parts = urlsplit(html.unescape(url))
    return f"{parts.path}?{parts.query}"


def mails(project: Path, to: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted((project / "outbox").rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        if message["To"] and to in str(message["To"]):
            found.append(message)
    return found


def confirmation_link(project: Path, to: str) -> str:
    (mail,) = [m for m in mails(project, to) if "Confirm" in str(m["Subject"])][-1:]
    body = mail.get_body(("plain",))
    assert body is not None
    return local(re.findall(r"https://\S+/confirm\?t=\S+", body.get_content())[-1])


def sign_up(server: ServiceServer, address: str, **fields: str | list[str]) -> tuple[int, str]:
    return call(server, "POST", "/bulletin/subscribe", {"email": address, "name": "Nia Pryce", "organisation": "Gwent Police",
                                                      "region": "Wales", "tags": ["police"], "language": "", **fields})


def send(project: Path, issue: str = "2019-08") -> int:
    """Send ``issue`` (a copy of Issue 11 under another name: the next issue, as far as sending goes)."""
    if not (project / "issues" / issue).exists():
        shutil.copytree(project / "issues" / "2019-08", project / "issues" / issue)
    return main(["send", f"issues/{issue}"])


def recipients(project: Path, issue: str = "2019-08") -> dict[str, str]:
    """Who ``issue`` went to, and the HTML of their message."""
    found = {}
    for path in (project / "outbox" / issue).rglob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = message.get_body(("html",))
        assert part is not None
        found[email.utils.parseaddr(str(message["To"]))[1]] = part.get_content()
    return found


def test_a_sign_up_is_confirmed_by_its_mail_and_then_sent_in_its_segment(project: Path, service: ServiceServer) -> None:
    status, page = call(service, "GET", "/bulletin/subscribe")
    assert status == 200 and 'name="tags" value="police"' in page and '<option value="Wales">' in page
    status, page = sign_up(service, NEW)
    assert status == 200 and "Check your email" in page
    link = confirmation_link(project, NEW)
    with open_store(load_settings()) as store:
        assert store.person(NEW) is None  # not a subscriber until confirmed
    status, page = call(service, "GET", link)  # a scanner following the link changes nothing
    assert status == 200 and "<button" in page
    send(project)
    assert NEW not in recipients(project)  # the unconfirmed sign-up receives nothing
    status, page = call(service, "POST", link, {})
    assert status == 200 and "You are subscribed" in page
    with open_store(load_settings()) as store:
        person = store.person(NEW)
    assert person is not None and person.origin == "signup" and person.tags == {"police"} and person.region == "Wales"
    assert person.consent["wording"] == WORDING_VERSION and person.consent["page"] == f"{SERVICE}/subscribe"
    assert {"given", "confirmed"} <= set(person.consent)
    assert call(service, "POST", link, {})[0] == 400  # a link works once
    assert send(project) == 0
    sent = recipients(project)
    assert "Dear Nia Pryce," in sent[NEW]
    police_article = "Community Coordinator programme is a ke"
    assert police_article in sent[NEW]  # the police article: the sign-up is in the police segment
    assert police_article not in sent[LISTED]  # (a college on the list is not)
    assert "Manage your subscription" in sent[NEW]


def test_the_answer_is_the_same_for_known_and_unknown_addresses(project: Path, service: ServiceServer) -> None:
    answers = []
    for address in (LISTED, NEW):
        status, page = sign_up(service, address)
        answers.append((status, page.replace(address, "ADDRESS")))
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert len(mails(project, LISTED)) == 1 and len(mails(project, NEW)) == 1  # the page never says who is subscribed


def test_the_form_comes_back_with_each_problem_tied_to_its_field(project: Path, service: ServiceServer) -> None:
    status, page = sign_up(service, "not an address", organisation="", region="Atlantis", tags=["astronauts"])
    assert status == 400 and "<title>Error: " in page
    for field in ("email", "organisation", "region", "tags"):
        assert f'href="#{field}"' in page  # the summary links to the field
        assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', page), field
    assert 'value="not an address"' in page  # what was typed is kept
    assert not (project / "outbox").exists() or not list((project / "outbox").rglob("*.eml"))


def test_an_address_gets_only_its_share_of_confirmation_mails(project: Path, service: ServiceServer) -> None:
    pages = {sign_up(service, NEW)[1] for _ in range(5)}
    assert len(pages) == 1  # the same answer every time
    assert len(mails(project, NEW)) == 3


def test_an_expired_link_confirms_nothing(project: Path, service: ServiceServer) -> None:
    sign_up(service, NEW)
    token = confirmation_link(project, NEW).split("t=")[1]
    with open_store(load_settings()) as store:
        request = store.take_request(token_digest(token), time.time())
        assert request is not None
        store.add_request(token_digest(token), type(request)(request.kind, request.address, request.person,
                                                             request.created - 8 * 86_400, time.time() - 1))
    status, page = call(service, "POST", f"/bulletin/confirm?t={token}", {})
    assert status == 400 and "expired" in page
    with open_store(load_settings()) as store:
        assert store.person(NEW) is None


def footer_link(project: Path, address: str) -> str:
    found = re.findall(r'href="([^"]+/preferences\?[^"]+)"', recipients(project)[address])
    assert found, "no preference link in the footer"
    return local(found[0])


def test_from_the_footer_a_list_member_pauses_resumes_changes_details_and_unsubscribes(project: Path, service: ServiceServer) -> None:
    assert send(project) == 0
    link = footer_link(project, LISTED)
    status, page = call(service, "GET", link)
    assert status == 200 and LISTED in page and 'value="Moorcombe College"' in page  # from the list's row
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    status, page = call(service, "POST", link, {"action": "pause", "until": until})
    assert status == 200 and "paused" in page
    send(project, "2019-11")
    assert LISTED not in recipients(project, "2019-11")
    call(service, "POST", link, {"action": "resume"})
    call(service, "POST", link, {"action": "details", "name": "Eilidh Kelly", "organisation": "Moorcombe FE College",
                                 "region": "Wales", "tags": ["education", "police"], "language": "cy"})
    assert send(project, "2020-02") == 0  # the list is read again: the person's own record wins over its row
    assert LISTED in recipients(project, "2020-02")
    with open_store(load_settings()) as store:
        person = store.person(LISTED)
    assert person is not None and person.organisation == "Moorcombe FE College" and person.language == "cy"
    status, page = call(service, "POST", link, {"action": "unsubscribe"})
    assert status == 200 and "You are unsubscribed" in page
    send(project, "2020-05")
    assert LISTED not in recipients(project, "2020-05")


def test_a_change_of_address_takes_effect_once_the_new_one_confirms(project: Path, service: ServiceServer) -> None:
    assert send(project) == 0
    link = footer_link(project, LISTED)
    status, page = call(service, "POST", link, {"action": "move", "new_email": NEW})
    assert status == 200 and "We have sent a link" in page
    status, page = call(service, "POST", confirmation_link(project, NEW), {})
    assert status == 200 and "Your address is changed" in page
    with open_store(load_settings()) as store:
        entries = [e for e in store.suppressions().entries if e.address == LISTED]
        moved = store.person(NEW)
    assert [e.source for e in entries] == ["moved"]
    assert moved is not None and moved.organisation == "Moorcombe College"
    assert send(project, "2019-11") == 0
    sent = recipients(project, "2019-11")
    assert NEW in sent and LISTED not in sent


@pytest.mark.parametrize("query", ["t=nothing&p=nothing", "", "p=x"])
def test_a_link_we_did_not_make_opens_nobodys_preferences(project: Path, service: ServiceServer, query: str) -> None:
    status, page = call(service, "GET", f"/bulletin/preferences?{query}")
    assert status == 404 and "This link does not work" in page


def test_the_unsubscribe_token_alone_opens_no_preferences(project: Path, service: ServiceServer) -> None:
    assert send(project) == 0
    token = footer_link(project, LISTED).split("t=")[1].split("&")[0]
    status, page = call(service, "GET", f"/bulletin/preferences?t={token}")
    assert status == 404 and LISTED not in page


def test_a_suppressed_address_comes_back_only_by_confirming_and_a_later_unsubscribe_wins(project: Path,
                                                                                           service: ServiceServer) -> None:
    with open_store(load_settings()) as store:
        store.suppress(LISTED, "unsubscribed", source="one-click")
        store.suppress(LISTED, "complained", source="complaint")
    sign_up(service, LISTED)
    send(project)
    assert LISTED not in recipients(project)  # a sign-up without its confirmation changes nothing
    call(service, "POST", confirmation_link(project, LISTED), {})
    send(project, "2019-11")
    assert LISTED in recipients(project, "2019-11")  # confirming the address is the fresh consent
    with open_store(load_settings()) as store:
        store.suppress(LISTED, "unsubscribed", source="one-click")  # a later unsubscribe
    send(project, "2020-02")
    assert LISTED not in recipients(project, "2020-02")
