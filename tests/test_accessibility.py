"""Accessibility of the layouts, without a browser: contrast, language, headings, tables, images.

What only a browser can measure (font sizes at 375 px, the contrast of every
rendered text) is in test_browser.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml

from soc_bulletin import load_issue, render_issue
from soc_bulletin.errors import ConfigError
from soc_bulletin.render.colour import contrast as render_contrast
from soc_bulletin.render.colour import dark_tint
from soc_bulletin.render.renderer import DEFAULT_LAYOUTS
from soc_bulletin.site.accessibility import AXE_CORE, statement

from .axe import AXE_VERSION
from .browser import ISSUE_11, issue_11_ready, write_sample_issue

WHITE = "#ffffff"
COLOURS: dict[str, str] = yaml.safe_load((DEFAULT_LAYOUTS / "colours.yaml").read_text(encoding="utf-8"))
LAYOUT_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DEFAULT_LAYOUTS.iterdir()) if p.is_file())

# (text colour, background, where): every pairing of the layouts apart from the
# section colours. Each colour must still appear in the layouts (test below),
# so the table cannot drift away from them unnoticed.
TEXT_PAIRS = [
    ("#1f2933", WHITE, "body text"),
    ("#1d3557", WHITE, "welcome heading"),
    ("#3e4c59", WHITE, "standfirst"),
    ("#323f4b", WHITE, "quotation"),
    ("#52606d", WHITE, "caption and quote attribution"),
    ("#1d4ed8", WHITE, "links"),
    ("#1f2933", "#fff4d6", "callout text"),
    ("#1d4ed8", "#fff4d6", "links in a callout"),
    ("#1f2933", "#f1f4f8", "contact card text"),
    ("#1d4ed8", "#f1f4f8", "contact card links"),
    (WHITE, "#1d3557", "masthead, footer and buttons"),
    ("#dbe4f0", "#1d3557", "strapline"),
    ("#1d3557", "#eef0f3", "view in browser link"),
]

# The dark scheme (bulletin.mjml.j2, under prefers-color-scheme and Outlook's [data-ogsc] hooks).
DARK_PAGE, DARK_CARD, DARK_CALLOUT, DARK_CONTACT = "#0f141a", "#1c232b", "#3b3113", "#27313c"
DARK_PAIRS = [
    ("#e6e9ed", DARK_CARD, "dark: body text"),
    ("#a8c5ee", DARK_CARD, "dark: welcome and contents headings"),
    ("#8cb4ff", DARK_CARD, "dark: links"),
    ("#d5dbe1", DARK_CARD, "dark: standfirst and quotation"),
    ("#b9c2cc", DARK_CARD, "dark: caption and quote attribution"),
    ("#e6e9ed", DARK_CALLOUT, "dark: callout text"),
    ("#8cb4ff", DARK_CALLOUT, "dark: links in a callout"),
    ("#e6e9ed", DARK_CONTACT, "dark: contact card text"),
    ("#8cb4ff", DARK_CONTACT, "dark: contact card links"),
    ("#a8c5ee", DARK_PAGE, "dark: view in browser link"),
]


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast(WHITE, WHITE) == pytest.approx(1.0)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)  # the classic AA grey


@pytest.mark.parametrize(("kind", "colour"), sorted(COLOURS.items()))
def test_section_colour_contrasts_with_white(kind: str, colour: str) -> None:
    # White band headings sit on the colour; article titles and key figures use
    # the colour as text on white: the same ratio, AA for normal text.
    assert contrast(colour, WHITE) >= 4.5, f"{kind} {colour}: {contrast(colour, WHITE):.2f}:1"


@pytest.mark.parametrize(("text", "background", "where"), TEXT_PAIRS + DARK_PAIRS, ids=[p[2] for p in TEXT_PAIRS + DARK_PAIRS])
def test_text_colours_contrast_with_their_background(text: str, background: str, where: str) -> None:
    for colour in (text, background):
        assert colour == WHITE or colour.lower() in LAYOUT_TEXT.lower(), f"{colour} is no longer in the layouts"
    assert contrast(text, background) >= 4.5, f"{where}: {contrast(text, background):.2f}:1"


def test_section_colours_have_distinct_readable_tints_in_the_dark_scheme() -> None:
    tints = {kind: dark_tint(colour, DARK_CARD) for kind, colour in COLOURS.items()}
    for kind, tint in tints.items():
        assert contrast(tint, DARK_CARD) >= 4.5, f"{kind} {tint}"
    assert len(set(tints.values())) == len(tints), tints
    assert contrast(DARK_CONTACT, DARK_CARD) > 1.1 and contrast(DARK_CALLOUT, DARK_CARD) > 1.1  # boxes still stand out


def test_colour_helpers_agree_with_this_module() -> None:
    assert render_contrast("#767676", WHITE) == pytest.approx(contrast("#767676", WHITE))
    assert dark_tint("#1d3557", DARK_CARD) != "#1d3557" and dark_tint("#ffffff", DARK_CARD) == "#ffffff"


class _Outline(HTMLParser):
    """Collects the html element's attributes, headings, tables and images."""

    def __init__(self) -> None:
        super().__init__()
        self.html: dict[str, str | None] = {}
        self.headings: list[int] = []
        self.tables: list[dict[str, str | None]] = []
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html = dict(attrs)
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "table":
            self.tables.append(dict(attrs))
        elif tag == "img":
            self.images.append(dict(attrs))


@pytest.fixture(scope="module")
def outline(tmp_path_factory: pytest.TempPathFactory) -> _Outline:
    folder = ISSUE_11 if issue_11_ready() else write_sample_issue(tmp_path_factory.mktemp("sample") / "2019-05")
    parser = _Outline()
    parser.feed(render_issue(load_issue(folder), web_url="https://bulletin.example.org/2019-08/").html)
    return parser


def test_document_language_is_set(outline: _Outline) -> None:
    assert outline.html.get("lang") == "en"
    assert outline.html.get("dir") == "ltr"


def test_headings_start_at_h1_and_never_skip_a_level(outline: _Outline) -> None:
    levels = outline.headings
    assert levels[0] == 1 and levels.count(1) == 1
    skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert not skips, f"heading levels jump: {skips} in {levels}"


def test_every_layout_table_is_marked_as_presentation(outline: _Outline) -> None:
    assert outline.tables
    assert all(t.get("role") == "presentation" for t in outline.tables)


def test_every_image_has_alt_text_and_a_width_that_fits_the_card(outline: _Outline) -> None:
    for image in outline.images:
        assert (image.get("alt") or "").strip()
        assert image.get("width") and int(str(image["width"])) <= 546, image


@pytest.mark.parametrize("page", ["archive.html.j2", "archive-text.html.j2", "archive-accessibility.html.j2"])
def test_archive_pages_declare_language_and_viewport(page: str) -> None:
    source = (DEFAULT_LAYOUTS / page).read_text(encoding="utf-8")
    assert '<html lang="en">' in source or '<html lang="{{ issue.language }}">' in source  # a text page: its issue's language
    assert 'name="viewport"' in source
    assert "<script" not in source and "@import" not in source and "url(" not in source


def test_layouts_have_no_text_below_14px() -> None:
    sizes = [int(s) for s in re.findall(r"font-size[=:]\s*\"?(\d+)px", LAYOUT_TEXT)]
    assert sizes and min(sizes) >= 14, sorted(set(sizes))



def test_the_statement_names_the_axe_core_the_tests_run() -> None:
    assert AXE_VERSION.startswith(f"{AXE_CORE}."), f"the statement says axe-core {AXE_CORE}, the tests run {AXE_VERSION}"
    assert f"axe-core {AXE_CORE}" in statement("team@example.org")


@pytest.mark.parametrize(("contact", "link"), [
    ("team@example.org", "mailto:team@example.org?subject=Accessibility%20problem"),
    ("SOC Partnerships <soc+a11y@example.org>", "mailto:soc+a11y@example.org?subject=Accessibility%20problem"),
])
def test_the_statement_names_the_contact_and_the_enforcement_procedure(contact: str, link: str) -> None:
    text = statement(contact)
    address = link.removeprefix("mailto:").split("?")[0]
    assert f'<a href="{link}">{address}</a>' in text
    assert text.startswith("<h1>Accessibility statement</h1>")
    for words in ("WCAG", "2.2", "Equality and Human Rights Commission", "Equality Advisory and Support Service",
                  "Equality Commission for Northern Ireland", "Accessibility Regulations 2018"):
        assert words in text


@pytest.mark.parametrize("contact", ["", "the team", "a@b.example\"><script>", "x@example.org\r\nBcc: y@example.org"])
def test_the_statement_refuses_a_contact_that_is_no_address(contact: str) -> None:
    with pytest.raises(ConfigError, match="^the accessibility contact "):
        statement(contact)
