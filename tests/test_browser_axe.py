"""Every page the archive and the unsubscribe service serve, in Chromium: axe-core's WCAG 2.2 AA rules and the keyboard.

The archive is built from a copy of the example issue (``issues/2019-08``, when
it is written) and the sample issue of tests/browser.py (every kind of block),
and served on 127.0.0.1; the service runs under uvicorn on 127.0.0.1 with a store in a
temporary folder. tests/axe.py holds the checks, for other pages' tests too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from soc_bulletin import load_issue
from soc_bulletin.config import load_settings
from soc_bulletin.loop.serve import ServiceServer
from soc_bulletin.send.unsubscribe import Unsubscribe
from soc_bulletin.site.archive import STATEMENT_PAGE, build_archive
from soc_bulletin.store.open import open_store

from .axe import audit, describe, keyboard_walk, serious_violations, untied_errors
from .browser import ISSUE_11, issue_11_ready, new_page, serve_directory, write_sample_issue
from .service import running_service

pytestmark = pytest.mark.browser

# (width, colour scheme): a 1280-pixel screen at 400% zoom (WCAG 1.4.10), and a computer's window.
VIEWS = [(320, "light"), (320, "dark"), (1100, "light")]
VIEW_IDS = [f"{w}px-{s}" for w, s in VIEWS]


@pytest.fixture(scope="module")
def issues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of issues: a copy of the example issue, and the sample with every kind of block."""
    root = tmp_path_factory.mktemp("issues")
    if issue_11_ready():
        shutil.copytree(ISSUE_11, root / ISSUE_11.name)
    write_sample_issue(root / "2019-05")
    return root


@pytest.fixture(scope="module")
def site(issues: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The archive served on 127.0.0.1: its base URL, and every HTML page it wrote (relative paths)."""
    out = tmp_path_factory.mktemp("site")
    result = build_archive(issues, out, base_url="https://bulletin.example.org/")
    pages = sorted(str(p.relative_to(out)) for p in result.files if p.suffix == ".html")
    with serve_directory(out) as base:
        yield base, pages


def test_the_archive_writes_the_pages_checked_here(site: tuple[str, list[str]], issues: Path) -> None:
    folders = [p.name for p in issues.iterdir()]
    pages = ("index.html", "text.html")
    welsh = [f"{p.name}/{page.replace('.html', '.cy.html')}" for p in issues.iterdir() if len(load_issue(p).languages) > 1 for page in pages]
    assert welsh, "Issue 11 has a Welsh version: its pages are checked too"
    assert site[1] == sorted([STATEMENT_PAGE, "index.html", *(f"{f}/{page}" for f in folders for page in pages), *welsh])


@pytest.mark.parametrize(("width", "scheme"), VIEWS, ids=VIEW_IDS)
def test_every_archive_page_passes_axe_and_works_by_keyboard(browser: Any, site: tuple[str, list[str]], width: int,
                                                             scheme: str) -> None:
    base, pages = site
    found = []
    for path in pages:
        page = new_page(browser, width, scheme=scheme)
        try:
            page.goto(base + path, wait_until="load")
            found += [f"{path}: {v}" for v in serious_violations(page)]
            if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
                found.append(f"{path}: scrolls sideways at {width} px (WCAG 1.4.10)")
            found += [f"{path}: {problem}" for problem in keyboard_walk(page)]
        finally:
            page.context.close()
    assert not found, "\n".join(found)


def test_the_statement_is_linked_from_every_archive_page_and_names_the_contact(
    browser: Any, site: tuple[str, list[str]], issues: Path,
) -> None:
    base, pages = site
    mailbox = load_issue(max(issues.iterdir())).mailbox  # the newest issue's
    page = new_page(browser, 375)
    try:
        for path in pages:
            if path == STATEMENT_PAGE:
                continue
            page.goto(base + path, wait_until="load")
            name = "Datganiad hygyrchedd" if ".cy." in path else "Accessibility statement"  # a Welsh page says it in Welsh
            link = page.get_by_role("link", name=name, exact=True)
            link.focus()
            page.keyboard.press("Enter")
            page.wait_for_url(base + STATEMENT_PAGE)
            assert page.get_by_role("heading", level=1).inner_text() == "Accessibility statement", path
        contact = page.get_by_role("link", name=mailbox, exact=True)
        assert contact.get_attribute("href") == f"mailto:{mailbox}?subject=Accessibility%20problem"
        text = page.locator("main").inner_text()
        assert "Equality Advisory and Support Service" in text and "Equality Commission for Northern Ireland" in text
        assert not serious_violations(page) and not keyboard_walk(page)
    finally:
        page.context.close()


# -- the unsubscribe service -----------------------------------------------------------------------------------------


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceServer]:
    (tmp_path / "soc-bulletin.toml").write_text(
        '[sending]\nfrom = "SOC Partnerships <team@example.org>"\nlist_id = "soc.example.org"\n'
        'unsubscribe_base_url = "https://bulletin.example.org/unsubscribe"\n')
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", "a-secret-for-the-browser-tests")
    with running_service(tmp_path / "soc-bulletin.toml") as server:
        yield server


def _press_the_button(page: Any) -> None:
    """Tab to the page's one button and press Enter, as a keyboard user does."""
    page.evaluate("() => document.activeElement?.blur()")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize(("width", "scheme"), VIEWS, ids=VIEW_IDS)
def test_the_unsubscribe_pages_pass_axe_and_work_by_keyboard(browser: Any, service: ServiceServer, width: int,
                                                             scheme: str) -> None:
    page = new_page(browser, width, scheme=scheme)
    try:
        page.goto(f"{service.url}/unsubscribe?t=not-a-token", wait_until="load")
        seen = {}
        for step in ("GET", "after unsubscribing", "after undo"):
            seen[step] = page.get_by_role("heading", level=1).inner_text()
            assert not serious_violations(page), f"{step}:\n{describe(serious_violations(page))}"
            if step != "after undo":
                _press_the_button(page)
        assert seen == {"GET": "Stop receiving the bulletin at this address?", "after unsubscribing": "You are unsubscribed.",
                        "after undo": "You are subscribed again."}
    finally:
        page.context.close()


def test_the_unsubscribe_pages_show_a_focus_that_contrasts(browser: Any, service: ServiceServer) -> None:
    page = new_page(browser, 375)
    try:
        page.goto(f"{service.url}/unsubscribe?t=not-a-token", wait_until="load")
        assert not keyboard_walk(page), "\n".join(keyboard_walk(page))
    finally:
        page.context.close()


def preferences_path(tmp_path: Path, address: str) -> str:
    """The path and query of ``address``'s preference link, its token recorded as a send records it."""
    settings = load_settings(tmp_path / "soc-bulletin.toml")
    maker = Unsubscribe(list_id="soc.example.org", mailbox="", secret="a-secret-for-the-browser-tests",
                        base_url=settings.sending.unsubscribe_base_url, preferences_url=f"{settings.service_url}/preferences")
    with open_store(settings) as store:
        store.remember_links([(maker.token(address), address)])
    parts = urlsplit(maker.links(address).preferences)
    return f"{parts.path}?{parts.query}"


def _submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


#: the service's pages, each reached as a person reaches it: (name, path, what to do there first)
SERVICE_PAGES = ["subscribe", "subscribe with errors", "check your email", "confirm", "expired link", "preferences",
                 "preferences with errors", "preferences after a change", "wrong link", "accessibility"]


@pytest.mark.parametrize("name", SERVICE_PAGES)
@pytest.mark.parametrize(("width", "scheme"), VIEWS, ids=VIEW_IDS)
def test_the_service_pages_pass_axe_and_work_by_keyboard(browser: Any, service: ServiceServer, tmp_path: Path, name: str,
                                                         width: int, scheme: str) -> None:
    page = new_page(browser, width, scheme=scheme)
    try:
        if name.startswith("subscribe") or name == "check your email":
            page.goto(f"{service.url}/subscribe", wait_until="load")
            if name != "subscribe":
                page.get_by_label("Email address").fill("not an address" if "errors" in name else "ada@example.org")
                page.get_by_label("Your organisation").fill("" if "errors" in name else "Gwent Police")
                _submit(page, "Subscribe")
        elif name in ("confirm", "expired link"):
            page.goto(f"{service.url}/confirm?t=an-unknown-token", wait_until="load")
            if name == "expired link":
                _submit(page, "Confirm")
        elif name.startswith("preferences"):
            page.goto(service.url + preferences_path(tmp_path, "ada@example.org"), wait_until="load")
            if "errors" in name:
                page.get_by_label("Your new email address").fill("not an address")
                _submit(page, "Send a confirmation link")
            elif "change" in name:
                page.get_by_label("Your organisation").fill("Gwent Police")
                _submit(page, "Save your details")
        elif name == "wrong link":
            page.goto(f"{service.url}/preferences?t=x&p=y", wait_until="load")
        else:
            page.goto(f"{service.url}/accessibility", wait_until="load")
        assert page.title(), name
        assert not serious_violations(page), f"{name}:\n{describe(serious_violations(page))}"
        if width == 320 and scheme == "light":
            assert not keyboard_walk(page), "\n".join(keyboard_walk(page))
            assert not untied_errors(page, messages=".error"), untied_errors(page, messages=".error")
        if "errors" in name:
            assert page.title().startswith("Error: ") and page.locator("[aria-invalid=true]").count() >= 1
        if name == "preferences after a change":
            assert "Your details are saved" in page.get_by_role("status").inner_text()
    finally:
        page.context.close()


# -- the checks themselves -------------------------------------------------------------------------------------------

FAULTY = """<!doctype html><html><head><title>Faulty</title><style>
  #quiet:focus { outline: none } #pale:focus { outline: 3px solid #ffbf47; outline-offset: 2px }
  .faint { color: #aaaaaa; background: #ffffff }
  #cover { position: fixed; left: 0; right: 0; bottom: 0; height: 120px; background: #ffffff }
</style></head><body>
<p class="faint">Grey on white</p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p><input type="text"></p><p><a id="quiet" href="#a">Quiet link</a></p><p><a id="ahead" href="#b" tabindex="2">Ahead</a></p>
<p><button id="pale">Pale outline</button></p><div style="height: 1200px"></div><p><a id="under" href="#c">Covered</a></p>
<div id="cover"></div></body></html>"""


def test_the_checks_find_what_is_wrong(browser: Any) -> None:
    page = new_page(browser, 800, 600)
    try:
        page.set_content(FAULTY)
        assert {v.rule for v in serious_violations(page)} >= {"html-has-lang", "image-alt", "label", "color-contrast"}
        problems = "\n".join(keyboard_walk(page))
        assert "a#ahead ('Ahead') has tabindex 2" in problems
        assert "a#quiet ('Quiet link') shows no visible focus" in problems
        assert "button#pale ('Pale outline')'s focus outline rgb(255, 191, 71) on rgb(255, 255, 255) contrasts 1.6:1" in problems
        assert "a#under ('Covered') is hidden or covered when it has focus" in problems
        assert "Tab visits the elements out of document order" in problems
        page.set_content('<!doctype html><html lang="en"><head><title>Fine</title></head><body><main><h1>Fine</h1>'
                         '<p>A <a href="#a">link</a> in a sentence.</p><p><label>Name <input name="n"></label></p>'
                         '<p><button>Send</button></p></main></body></html>')
        assert not audit(page) and not keyboard_walk(page)
    finally:
        page.context.close()


FORM = """<!doctype html><html lang="en"><head><title>Form</title></head><body><main><h1>Sign up</h1><form>
<p><label for="email">Email address</label>
<span class="error-message" id="email-error">Enter an email address like name@example.org</span>
<input id="email" name="email" aria-invalid="true" {described}></p>
<p><label for="name">Name</label><span class="error-message" id="name-error">Enter your name</span>
<input id="name" name="name"></p><p><button>Continue</button></p></form></main></body></html>"""


def test_the_check_of_form_errors_finds_an_error_not_tied_to_its_field(browser: Any) -> None:
    page = new_page(browser, 800, 600)
    try:
        page.set_content(FORM.format(described=""))
        assert untied_errors(page) == [
            "input#email[name=email] is marked invalid but names no visible message in aria-describedby",
            'the error "Enter an email address like name@example.org" is tied to no field (aria-describedby of a field with '
            'aria-invalid="true")',
            'the error "Enter your name" is tied to no field (aria-describedby of a field with aria-invalid="true")',
        ]
        page.set_content(FORM.format(described='aria-describedby="email-error"').replace(
            '<input id="name" name="name">', '<input id="name" name="name" aria-invalid="true" aria-describedby="name-error">'))
        assert untied_errors(page) == [] and not audit(page) and not keyboard_walk(page)
    finally:
        page.context.close()


def test_the_keyboard_walk_knows_radio_groups_and_date_fields(browser: Any) -> None:
    page = new_page(browser, 800, 600)
    try:
        page.set_content('<!doctype html><html lang="en"><head><title>Preferences</title></head><body><main><h1>Preferences</h1>'
                         '<form><fieldset><legend>Language</legend><label><input type="radio" name="lang" value="en"> English'
                         '</label><label><input type="radio" name="lang" value="cy" checked> Cymraeg</label></fieldset>'
                         '<p><label for="until">Pause until</label> <input type="date" id="until" name="until"></p>'
                         '<p><button>Save</button></p></form></main></body></html>')
        assert not keyboard_walk(page) and not serious_violations(page)
        page.evaluate("document.querySelector('[value=cy]').checked = false")
        page.evaluate("document.querySelector('#until').remove()")
        assert not keyboard_walk(page)
    finally:
        page.context.close()
