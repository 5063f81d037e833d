"""The issue, the archive and the preview in a real headless Chromium.

The email is Issue 11 (``issues/2019-08``) when it is in the tree, else the
sample issue of tests/browser.py, rendered as a subscriber receives it ("view
in browser" link, greeting and https unsubscribe filled), at 375 and 600 px in
both colour schemes (Chromium's emulated ``prefers-color-scheme``). Full-page
screenshots go to build/screenshots/ for people to look at:
``issue-11-375.png``, ``issue-11-600.png`` and ``issue-11-375-dark.png``,
``issue-11-600-dark.png``.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email

from soc_bulletin import Contacts, Issue, load_issue
from soc_bulletin.render.build import local_images
from soc_bulletin.render.renderer import fill_placeholders, render_issue
from soc_bulletin.site.archive import build_archive, web_url
from soc_bulletin.site.preview import serve_preview

from .browser import ISSUE_11, SCREENSHOTS, TIMEOUT_MS, issue_11_ready, new_page, serve_directory, write_sample_issue
from .test_accessibility import contrast

pytestmark = pytest.mark.browser

WIDTHS = (375, 600)
SCHEMES = ("light", "dark")
VIEWS = [(width, scheme) for scheme in SCHEMES for width in WIDTHS]
BASE_URL = "https://bulletin.example.org/"
SUBSCRIBER = {"greeting": "Dear Alex Example,", "unsubscribe_url": "https://bulletin.example.org/unsubscribe?a=YQ&t=0123"}

# Every visible element with text of its own: font size, weight, colour and
# the first opaque background behind it.
TEXT_STYLES_JS = """() => {
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || parseFloat(style.opacity) === 0) continue;
    let background = 'rgba(0, 0, 0, 0)';
    for (let at = el; at; at = at.parentElement) {
      const colour = getComputedStyle(at).backgroundColor;
      if (!colour.startsWith('rgba(') || !colour.endsWith(', 0)')) { background = colour; break; }
    }
    found.push({tag: el.tagName.toLowerCase(), text: el.textContent.trim().slice(0, 50), size: parseFloat(style.fontSize),
                weight: parseInt(style.fontWeight, 10), colour: style.color, background});
  }
  return found;
}"""


def _hex(css_colour: str) -> str:
    """``rgb(31, 41, 51)`` (or an opaque ``rgba``) as ``#1f2933``; transparent as white (the page)."""
    values = [float(v) for v in re.findall(r"[\d.]+", css_colour)]
    if len(values) == 4 and values[3] == 0:
        return "#ffffff"
    return "#" + "".join(f"{round(v):02x}" for v in values[:3])


@pytest.fixture(scope="module")
def issue_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue under test: Issue 11 once it is written, else the sample with every block."""
    if issue_11_ready():
        return ISSUE_11
    return write_sample_issue(tmp_path_factory.mktemp("issues") / "2019-05")


@pytest.fixture(scope="module")
def issue(issue_folder: Path) -> Issue:
    return load_issue(issue_folder)


@pytest.fixture(scope="module")
def email_url(issue: Issue, issue_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The email as one subscriber receives it, served with its images on 127.0.0.1."""
    out = tmp_path_factory.mktemp("email")
    edition = render_issue(issue, web_url=web_url(BASE_URL, issue_folder.name))
    (out / "index.html").write_text(fill_placeholders(edition.html, SUBSCRIBER), encoding="utf-8")
    for src in local_images(issue):
        (out / src).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(issue_folder / src, out / src)
    with serve_directory(out) as base:
        yield base + "index.html"


@dataclass
class Loaded:
    """A page loaded at ``width`` in a colour ``scheme``, with the URLs it asked for and those that failed."""

    page: Any
    width: int
    scheme: str = "light"
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)


def save_screenshot(page: Any, path: Path, /) -> None:
    """A full-page picture for people to look at (no test reads it). Chromium sometimes cannot capture a tall page
    while the machine is busy: it is tried again once, then left out with a warning line, as it asserts nothing."""
    from playwright.sync_api import Error

    for attempt in (1, 2):
        try:
            page.screenshot(path=str(path), full_page=True)
            return
        except Error as exc:
            if attempt == 2:
                print(f"screenshot {path.name} not saved: {exc}".splitlines()[0])
            page.wait_for_timeout(500)


@pytest.fixture(scope="module", params=VIEWS, ids=[f"{w}px-{s}" for w, s in VIEWS])
def email_page(request: pytest.FixtureRequest, browser: Any, email_url: str, issue: Issue) -> Iterator[Loaded]:
    """The email loaded at one width in one colour scheme, with every request it made; screenshot saved."""
    width, scheme = request.param
    loaded = Loaded(new_page(browser, width, scheme=scheme), width, scheme)
    loaded.page.on("request", lambda r: loaded.requests.append(r.url))
    loaded.page.on("requestfailed", lambda r: loaded.failed.append(r.url))
    loaded.page.goto(email_url, wait_until="load")
    assert loaded.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if scheme == "light" else f"-{scheme}"
    save_screenshot(loaded.page, SCREENSHOTS / f"issue-{issue.number}-{width}{suffix}.png")
    yield loaded
    loaded.page.context.close()


def test_no_horizontal_scroll(email_page: Loaded) -> None:
    scroll, inner = email_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner == email_page.width
    assert scroll <= inner, f"the page scrolls sideways: {scroll} px wide at {inner} px"
    too_wide = email_page.evaluate(
        "w => [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > w + 0.5)"
        ".map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40))", email_page.width,
    )
    assert not too_wide


def test_every_image_has_alt_text_and_loads(email_page: Loaded) -> None:
    images = email_page.evaluate(
        "[...document.images].map(i => ({src: i.getAttribute('src'), alt: i.alt, loaded: i.complete && i.naturalWidth > 0,"
        " shown: i.getBoundingClientRect().width}))"
    )
    for image in images:
        assert image["alt"].strip(), image
        assert image["loaded"], image
        assert 0 < image["shown"] <= email_page.width - 30, image
    assert not email_page.failed


def test_only_the_local_server_is_asked_for_anything(email_page: Loaded, email_url: str) -> None:
    base = email_url.rsplit("/", 1)[0] + "/"
    assert email_page.requests and all(url.startswith(base) for url in email_page.requests), email_page.requests


def test_every_link_is_https_or_mailto(email_page: Loaded) -> None:
    hrefs: list[str] = email_page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    assert hrefs
    ids = set(email_page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)"))
    bad = [h for h in hrefs if not h.startswith(("https:", "mailto:")) and not (h.startswith("#") and h[1:] in ids)]
    assert not bad
    assert f"{BASE_URL}" in " ".join(hrefs)  # the "view in browser" link
    assert SUBSCRIBER["unsubscribe_url"] in hrefs


def test_contact_links_write_to_the_contacts(email_page: Loaded, issue: Issue) -> None:
    links = email_page.evaluate(
        "[...document.querySelectorAll('a[href^=\"mailto:\"]')].map(a => [a.getAttribute('href'), a.textContent.trim()])"
    )
    by_address = {href.removeprefix("mailto:").split("?")[0]: text for href, text in links}
    contacts = [c for a in issue.articles for b in a.blocks if isinstance(b, Contacts) for c in b.contacts]
    assert contacts
    for contact in contacts:
        assert by_address.get(contact.email) == contact.email, f"no working link for {contact.email}"
    assert issue.mailbox in by_address
    for address in by_address:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as exc:
            pytest.fail(f"mailto:{address} does not work: {exc}")


def test_text_is_readable_size(email_page: Loaded) -> None:
    texts = email_page.evaluate(TEXT_STYLES_JS)
    paragraphs = [t for t in texts if t["tag"] in ("p", "li")]
    assert paragraphs
    small = [t for t in texts if t["size"] < 14]
    assert not small, f"text under 14px at {email_page.width} px: {small}"
    body = [t["size"] for t in paragraphs]
    assert sorted(body)[len(body) // 2] >= 16  # most of the reading is 16px


def test_every_text_contrasts_with_its_background(email_page: Loaded) -> None:
    """WCAG AA for every element with text of its own, in this colour scheme."""
    texts = email_page.evaluate(TEXT_STYLES_JS)
    assert len(texts) > 50
    failures = []
    for t in texts:
        ratio = contrast(_hex(t["colour"]), _hex(t["background"]))
        large = t["size"] >= 24 or (t["size"] >= 18.66 and t["weight"] >= 700)
        if ratio < (3.0 if large else 4.5):
            failures.append((t["text"], t["colour"], t["background"], round(ratio, 2)))
    assert not failures, f"{email_page.scheme} at {email_page.width} px: {failures}"


def test_dark_scheme_darkens_the_page_and_keeps_sections_and_cards_distinct(email_page: Loaded) -> None:
    page_background = _hex(email_page.evaluate("getComputedStyle(document.body).backgroundColor"))
    cards = email_page.evaluate(
        "[...document.querySelectorAll('.sb-contact td')].map(td => getComputedStyle(td).backgroundColor)")
    article = _hex(email_page.evaluate("getComputedStyle(document.querySelector('.sb-card table')).backgroundColor"))
    titles = email_page.evaluate(
        "[...document.querySelectorAll('h3[id]')].map(h => [h.closest('[class*=sb-k-]').className, getComputedStyle(h).color])")
    if email_page.scheme == "dark":
        assert contrast(page_background, "#000000") < 1.5, page_background
    else:
        assert page_background == "#eef0f3"
    card = next(iter({_hex(c) for c in cards}))
    assert len({_hex(c) for c in cards}) == 1 and contrast(card, article) > 1.05, (card, article)  # contact cards stand out
    by_section: dict[str, set[str]] = {}
    for classes, colour in titles:
        section = next(c for c in classes.split() if c.startswith("sb-k-"))
        by_section.setdefault(section, set()).add(_hex(colour))
    assert all(len(colours) == 1 for colours in by_section.values())
    assert len({next(iter(c)) for c in by_section.values()}) == len(by_section), "two sections share a title colour"


def test_article_anchors_are_there_for_the_archive(email_page: Loaded, issue: Issue) -> None:
    ids = set(email_page.evaluate("[...document.querySelectorAll('h3[id]')].map(h => h.id)"))
    assert {a.slug for a in issue.articles} <= ids


def test_in_this_issue_links_every_article_and_jumps_to_it(email_page: Loaded, issue: Issue) -> None:
    links = email_page.evaluate("[...document.querySelectorAll('.sb-toc a')].map(a => [a.getAttribute('href'), a.textContent])")
    assert links == [[f"#{a.slug}", a.title] for a in issue.articles]
    if email_page.width == 375 and email_page.scheme == "light":
        last = issue.articles[-1]
        email_page.page.click(f".sb-toc a[href='#{last.slug}']")
        email_page.page.wait_for_function(f"Math.abs(document.getElementById({last.slug!r}).getBoundingClientRect().top) < 2")
        email_page.page.evaluate("window.scrollTo(0, 0)")


# -- the web archive -----------------------------------------------------------------


@pytest.fixture(scope="module")
def archive_url(issue_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("site")
    build_archive(issue_folder.parent, site, base_url=BASE_URL)
    with serve_directory(site) as base:
        yield base


@pytest.mark.parametrize("width", WIDTHS)
def test_archive_pages_fit_and_load_nothing_from_elsewhere(
    browser: Any, archive_url: str, issue_folder: Path, width: int,
) -> None:
    page = new_page(browser, width)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        for path in ("index.html", f"{issue_folder.name}/index.html", f"{issue_folder.name}/text.html"):
            page.goto(archive_url + path, wait_until="load")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            assert page.evaluate("document.documentElement.lang") == "en"
            assert not [t for t in page.evaluate(TEXT_STYLES_JS) if t["size"] < 14], path
            if path == "index.html":
                page.screenshot(path=str(SCREENSHOTS / f"archive-index-{width}.png"), full_page=True)
        assert all(url.startswith(archive_url) for url in requests), requests
    finally:
        page.context.close()


def test_archive_index_links_open_the_article(browser: Any, archive_url: str, issue: Issue) -> None:
    page = new_page(browser, 375)
    try:
        page.goto(archive_url + "index.html")
        last = issue.articles[-1]
        page.get_by_role("link", name=last.title, exact=True).first.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/index.html#{last.slug}")
        top = page.evaluate(f"document.getElementById({last.slug!r}).getBoundingClientRect().top")
        assert page.evaluate("window.scrollY") > 0 and -1 <= top < page.evaluate("window.innerHeight")
    finally:
        page.context.close()


# -- the preview server --------------------------------------------------------------


def test_preview_reloads_when_an_article_changes(browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    folder = write_sample_issue(tmp_path / "2019-05")
    article = folder / "articles" / "special-unit.yaml"
    with serve_preview(folder, port=0) as server:
        page = new_page(browser, 1100)
        try:
            page.goto(server.url)
            phone = page.frame_locator('iframe[width="375"]')
            desktop = page.frame_locator('iframe[width="600"]')
            title = "Special Unit Established to Support Modern Slavery Victims"
            expect(phone.locator("h3#special-unit")).to_have_text(title, timeout=TIMEOUT_MS)
            expect(page.locator("#problems")).to_contain_text("No problems found")
            widths = page.evaluate("[...document.querySelectorAll('iframe')].map(f => f.contentWindow.innerWidth)")
            assert widths == [600, 375]
            assert page.evaluate(
                "document.querySelector('iframe[width=\"375\"]').contentDocument.documentElement.scrollWidth"
            ) <= 375

            assert page.evaluate("events.readyState") == 1  # the page follows /events (server-sent events)
            article.write_text(article.read_text(encoding="utf-8").replace(title, "Retitled While Watching"), encoding="utf-8")
            expect(phone.locator("h3#special-unit")).to_have_text("Retitled While Watching", timeout=8_000)
            expect(desktop.locator("h3#special-unit")).to_have_text("Retitled While Watching", timeout=2_000)
            expect(page.locator("#text")).to_contain_text("Retitled While Watching")
            expect(page.locator("#problems")).to_contain_text("No problems found")
            page.screenshot(path=str(SCREENSHOTS / "preview.png"), full_page=False)

            article.write_text("title: [unclosed\n", encoding="utf-8")
            expect(page.locator("#problems")).to_contain_text("special-unit.yaml", timeout=8_000)
            expect(page.locator("#problems")).to_contain_text("This build failed")
            expect(phone.locator("h3#special-unit")).to_have_text("Retitled While Watching")  # last good render
        finally:
            page.context.close()


def test_preview_shows_an_edit_before_its_check_and_puts_the_problems_in_place(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    from soc_bulletin.check.run import check_source

    folder = write_sample_issue(tmp_path / "2019-05")
    article = folder / "articles" / "special-unit.yaml"
    checking = threading.Event()  # the check of the edit waits until the page showed it unchecked

    def gated_check(*args: Any, **kwargs: Any) -> Any:
        checking.wait(timeout=30)
        return check_source(*args, **kwargs)

    with serve_preview(folder, port=0) as server:
        monkeypatch.setattr("soc_bulletin.site.preview.check_source", gated_check)
        page = new_page(browser, 1100)
        try:
            page.goto(server.url)
            expect(page.locator("#problems")).to_contain_text("No problems found")
            saved = article.with_name(".saving")  # saved as editors do, renamed over: one build, whose check waits
            saved.write_text(article.read_text(encoding="utf-8").replace("See\n", "See www.example.org or\n"), encoding="utf-8")
            saved.replace(article)
            expect(page.frame_locator('iframe[width="375"]').locator("body")).to_contain_text("See www.example.org or", timeout=8_000)
            expect(page.locator("#problems")).to_contain_text("Checking")  # a problem only the check finds is not known yet
            page.evaluate("window.sameDocument = true")
            checking.set()
            expect(page.locator("#problems")).to_contain_text("SB204 The web address 'www.example.org' is not a link")
            assert page.evaluate("window.sameDocument") is True  # put in place, not reloaded
        finally:
            checking.set()
            page.context.close()
