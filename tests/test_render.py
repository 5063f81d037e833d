"""Rendering: layouts reach the elements, content is escaped and sanitised, audiences filter."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from soc_bulletin import (
    Article,
    BulletList,
    Callout,
    Contact,
    Contacts,
    Figure,
    Figures,
    Image,
    Issue,
    Link,
    Quote,
    Section,
    Text,
    Welcome,
    render_issue,
)
from soc_bulletin.render.renderer import PLACEHOLDERS, Renderer, fill_placeholders

from .seed import html_words


def make_issue(*sections: Section) -> Issue:
    return Issue(
        title="Test <Bulletin>", number=2, date=dt.date(2021, 5, 1), mailbox="team@example.org",
        welcome=Welcome("Hello & welcome.\n"), strapline="Together", preheader="In this issue",
        sections=sections or (Section("From the Centre", (Article("a", "An article", "A standfirst.", (Text("Words.\n"),)),)),),
    )


def test_plain_text_fields_are_escaped() -> None:
    edition = render_issue(make_issue())
    tags: list[str] = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: tags.append(tag)  # type: ignore[method-assign]
    parser.feed(edition.html)
    assert "bulletin" not in tags
    assert "Test &lt;Bulletin&gt;" in edition.html
    assert "Hello &amp; welcome." in edition.html


def test_markdown_is_sanitised() -> None:
    nasty = Text(
        "<script>alert(1)</script>\n\n"
        '<p onclick="steal()">Click</p> [x](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n'
        '<iframe src="https://example.org"></iframe>\n'
    )
    html = render_issue(make_issue(Section("From the Centre", (Article("a", "A", blocks=(nasty,)),)))).html
    body = html.split("<body", 1)[1]
    for bad in ("<script", "onclick", 'href="javascript:', "onerror", "<iframe", "<img src=\"x\""):
        assert bad not in body
    assert "Click" in body


def test_every_block_kind_renders_in_html_and_text() -> None:
    blocks = (
        Text("A paragraph with <https://www.gov.uk/guidance>.\n"),
        BulletList(("**Bold** first", "second")),
        Figures((Figure("1,289", "victims were supported,"),)),
        Quote("It works.", speaker="Dr Ada", role="Director"),
        Callout("What is it?", "An explanation.\n"),
        Image("https://example.org/photo.png", "Three people outside a church", caption="Left to right: A, B, C"),
        Link("https://www.gov.uk/plan", "Read the plan"),
        Contacts((Contact("ada@example.org", name="Ada", role="Lead", organisation="Home Office"),), title="Contacts"),
    )
    edition = render_issue(make_issue(Section("Economic Crime", (Article("a", "All blocks", blocks=blocks),))))
    words = html_words(edition.html)
    for expected in (
        "A paragraph with https://www.gov.uk/guidance.", "Bold first", "1,289 victims were supported,",
        "“It works.”", "— Dr Ada, Director", "What is it? An explanation.", "Left to right: A, B, C",
        "Read the plan", "Ada Lead Home Office ada@example.org",
    ):
        assert expected in words
    assert 'href="mailto:ada@example.org"' in edition.html
    assert 'alt="Three people outside a church"' in edition.html
    assert 'href="https://www.gov.uk/plan"' in edition.html
    text = " ".join(edition.text.split())
    for expected in (
        "A paragraph with https://www.gov.uk/guidance.", "- Bold first", "1,289 victims were supported,",
        "“It works.”", "— Dr Ada, Director", "What is it?", "An explanation.", "Left to right: A, B, C",
        "Read the plan: https://www.gov.uk/plan", "Ada, Lead, Home Office - ada@example.org",
    ):
        assert expected in text


def test_layout_styles_are_inline_on_the_elements() -> None:
    edition = render_issue(make_issue(Section("Economic Crime", (Article("a", "T", blocks=(BulletList(("x",)), Callout("C", "b\n"))),))))
    assert re.search(r'<ul style="[^"]*padding: ?0 0 0 22px', edition.html)
    assert re.search(r'<div class="sb-box" style="[^"]*background-color: ?#fff4d6', edition.html)
    assert re.search(r'<h3 id="a" style="[^"]*color: ?#7a4100', edition.html), "section colour on the title"


def test_no_external_fonts_or_scripts() -> None:
    html = render_issue(make_issue()).html
    assert "fonts.googleapis" not in html
    assert "<script" not in html
    assert '<html lang="en"' in html


def test_text_lines_fit_72_columns_except_long_urls() -> None:
    text = render_issue(make_issue(Section("X", (Article("a", "T", blocks=(Text("word " * 200 + "\n"),)),)))).text
    assert max(len(line) for line in text.splitlines()) <= 72


def test_placeholders_are_left_for_sending_and_filled() -> None:
    edition = Renderer().render(make_issue(), manage=True)
    for token in PLACEHOLDERS.values():
        assert token in edition.html and token in edition.text
    filled = fill_placeholders(edition.html, {"greeting": "Dear Ada,", "unsubscribe_url": "https://example.org/u/1",
                                              "preferences_url": "https://example.org/p?t=1"})
    assert "Dear Ada," in filled and 'href="https://example.org/u/1"' in filled
    assert re.search(r"href=\"https://example.org/p\?t=1\"[^>]*>Manage your subscription</a>", filled)
    assert "[[" not in filled


def test_without_a_service_no_preference_link_is_made() -> None:
    edition = render_issue(make_issue())
    assert PLACEHOLDERS["preferences_url"] not in edition.html + edition.text
    assert "Manage your subscription" not in edition.html + edition.text


def test_audience_filters_articles_and_drops_empty_sections() -> None:
    police_only = Article("p", "For police", blocks=(Text("P.\n"),), audience=("police",))
    everyone = Article("e", "For everyone", blocks=(Text("E.\n"),))
    council_section = Section("Councils", (Article("c", "For councils", blocks=(Text("C.\n"),)),), audience=("councils",))
    issue = make_issue(Section("Mixed", (police_only, everyone)), council_section)
    full = html_words(render_issue(issue).html)
    police = html_words(render_issue(issue, audience={"police"}).html)
    nobody = html_words(render_issue(issue, audience=set()).html)
    assert all(t in full for t in ("For police", "For everyone", "For councils"))
    assert "For police" in police and "For everyone" in police and "For councils" not in police
    assert "For everyone" in nobody and "For police" not in nobody and "Councils" not in nobody.title()


def test_link_and_image_blocks_with_unsafe_urls_are_not_rendered() -> None:
    blocks = (
        Link("javascript:alert(1)", "Click"), Link("data:text/html,x", "Data"),
        Image("data:image/png;base64,AAAA", "A data image"), Image("../../etc/passwd", "Outside"),
        Link("https://www.gov.uk/x", "Fine"),
    )
    html = render_issue(make_issue(Section("X", (Article("a", "T", blocks=blocks),)))).html
    assert "javascript:" not in html and "data:" not in html and "etc/passwd" not in html
    assert 'href="https://www.gov.uk/x"' in html
