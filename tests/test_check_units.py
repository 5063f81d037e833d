"""Each check on its own: input -> exact verdicts, and offsets -> exact file positions."""

from __future__ import annotations

import pytest
import yaml

from soc_bulletin.check.addresses import AddressChecker
from soc_bulletin.check.codes import Verdict
from soc_bulletin.check.html import scan_html, style_verdicts
from soc_bulletin.check.images import check_alt, is_remote
from soc_bulletin.check.links import check_url
from soc_bulletin.check.locate import position
from soc_bulletin.check.markup import Finding, Kind, scan

# --- locating a character of a YAML string in its file -------------------------------------

DOC = """\
literal: |
  first line
  second <b>line</b>
plain: one <b>line</b>
quoted: "two \\"q\\" <b>x</b>"
folded: >
  fold one
  fold <b>two</b>
multi: plain that
  wraps <b>here</b>
indented:
  body: |   # a comment
        deep <b>x</b>
"""


@pytest.mark.parametrize(
    ("key", "line", "column"),
    [
        ("literal", 3, 10),   # block scalar: content starts on the line after the key, indented 2
        ("plain", 4, 12),     # one-line plain scalar: start mark + offset
        ("quoted", 5, 20),    # quoted: escapes moved the text, found by search
        ("folded", 8, 8),     # folded: found by search
        ("multi", 10, 9),     # plain over two lines: found by search
        ("indented", 13, 14),  # a block scalar under a nested key, more indented
    ],
)
def test_position_of_offset(key: str, line: int, column: int) -> None:
    root = yaml.compose(DOC, Loader=yaml.SafeLoader)
    assert root is not None
    mapping = {k.value: v for k, v in root.value}
    node = mapping[key]
    if key == "indented":
        node = node.value[0][1]
    offset = node.value.index("<b>")
    assert position(node, offset, lines=DOC.splitlines()) == (line, column)


def test_position_of_offset_zero_is_the_value_start() -> None:
    root = yaml.compose(DOC, Loader=yaml.SafeLoader)
    assert root is not None
    mapping = {k.value: v for k, v in root.value}
    assert position(mapping["plain"], 0, lines=DOC.splitlines()) == (4, 8)
    assert position(mapping["literal"], 0, lines=DOC.splitlines()) == (2, 3)


# --- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Corrina.Griffiths@west-midlands.pnn.police.uk", []),  # capitals before the @ are kept, not flagged
        ("Michael.cox1@westyorkshire.pnn.police.uk", []),
        ("jo@Example.ORG", [Verdict("SB102", "The contact address 'jo@Example.ORG' is not in its normal form; write 'jo@example.org'.")]),
        (" jo@example.org ", [Verdict("SB102", "The contact address ' jo@example.org ' has spaces around it; write 'jo@example.org'.")]),
        ("jo.example.org", [Verdict("SB101", "The contact address 'jo.example.org' is not valid: An email address must have an @-sign.")]),
        ("jo@example", [Verdict("SB101", "The contact address 'jo@example' is not valid: The part after the @-sign is not valid. It should have a period.")]),
        ("jo@example..org", [Verdict("SB101", "The contact address 'jo@example..org' is not valid: An email address cannot have two periods in a row.")]),
        ("jo bloggs@example.org", [Verdict("SB101", "The contact address 'jo bloggs@example.org' is not valid: The email address contains invalid characters before the @-sign: SPACE.")]),
        ("jo@example.org.", [Verdict("SB101", "The contact address 'jo@example.org.' is not valid: An email address cannot end with a period.")]),
        ("jo@x_y.org", [Verdict("SB101", "The contact address 'jo@x_y.org' is not valid: The part after the @-sign contains invalid characters: '_'.")]),
        ("jo{x}@example.org", []),
        ("", [Verdict("SB101", "The contact address is empty; write an email address such as name@example.org.")]),
    ],
)
def test_addresses(address: str, expected: list[Verdict]) -> None:
    assert AddressChecker().check(address, what="contact address") == expected


def test_address_verdicts_are_cached_per_address() -> None:
    checker = AddressChecker()
    first = checker.check("jo@Example.org", what="contact address")
    assert checker.check("jo@Example.org", what="link address") == [
        Verdict("SB102", "The link address 'jo@Example.org' is not in its normal form; write 'jo@example.org'."),
    ]
    assert first[0].message.startswith("The contact address")


# --- links ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.gov.uk/government/publications/asset-recovery-action-plan", []),
        ("https://example.org:8443/a?b=c#d", []),
        ("https://xn--bcher-kva.example/", []),
        ("https://bücher.example/", []),
        ("javascript:alert(1)", [Verdict("SB201", "The link 'javascript:alert(1)' uses 'javascript:', which is unsafe and removed from the email; link to an https:// page instead.")]),
        ("JavaScript:alert(1)", [Verdict("SB201", "The link 'JavaScript:alert(1)' uses 'javascript:', which is unsafe and removed from the email; link to an https:// page instead.")]),
        ("data:text/html,x", [Verdict("SB201", "The link 'data:text/html,x' uses 'data:', which is unsafe and removed from the email; link to an https:// page instead.")]),
        ("tel:+441234567890", [Verdict("SB201", "The link 'tel:+441234567890' uses 'tel:', which the email does not allow; use an https:// or mailto: link.")]),
        ("http://www.gov.uk/x", [Verdict("SB202", "The link 'http://www.gov.uk/x' uses http://; write 'https://www.gov.uk/x'.")]),
        ("http://www.west-midlands.police.uk/", [Verdict("SB202", "The link 'http://www.west-midlands.police.uk/' uses http://; write 'https://www.west-midlands.police.uk/'.")]),
        ("http://example.org/x", [Verdict("SB202", "The link 'http://example.org/x' uses http://; write 'https://example.org/x' if the site supports it.", warning=True)]),
        ("www.gov.uk/x", [Verdict("SB203", "The link 'www.gov.uk/x' is not a full web address; write it with https://, such as 'https://www.gov.uk/x'.")]),
        ("/relative/page", [Verdict("SB203", "The link '/relative/page' is not a full web address; write it with https://, such as 'https://www.example.org/page'.")]),
        ("https://", [Verdict("SB203", "The link 'https://' is malformed: it has no site name after https://.")]),
        ("https:/www.gov.uk", [Verdict("SB203", "The link 'https:/www.gov.uk' is malformed: it needs two slashes after the colon.")]),
        ("https://localhost/x", [Verdict("SB203", "The link 'https://localhost/x' is malformed: the site name 'localhost' has no dot, so it is not a public web address.")]),
        ("https://www..gov.uk", [Verdict("SB203", "The link 'https://www..gov.uk' is malformed: the site name 'www..gov.uk' is not valid.")]),
        ("https://-bad.example.org", [Verdict("SB203", "The link 'https://-bad.example.org' is malformed: the site name '-bad.example.org' is not valid.")]),
        ("https://example.org:99999/", [Verdict("SB203", "The link 'https://example.org:99999/' is malformed (Port out of range 0-65535); write a full address starting with https://.")]),
        ("https://www.gov.uk/a page", [Verdict("SB203", "The link 'https://www.gov.uk/a page' contains a space; remove it (write a space as %20).")]),
        ("", [Verdict("SB203", "The link is empty; write a full address starting with https://.")]),
    ],
)
def test_urls(url: str, expected: list[Verdict]) -> None:
    assert check_url(url) == expected


# --- HTML and styles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "codes"),
    [
        ("width: 800px", ["SB304"]),
        ("width: 600px", []),
        ("width: 100%", []),
        ("min-width: 7in", ["SB304"]),
        ("WIDTH:650PX !important", ["SB304"]),
        ("position: absolute", ["SB304"]),
        ("position: static", []),
        ("float: right", ["SB304"]),
        ("float: none", []),
        ("font-size: 10px", ["SB304"]),
        ("font-size: 8pt", ["SB304"]),
        ("font-size: 0.6em", ["SB304"]),
        ("font-size: x-small", ["SB304"]),
        ("font-size: 12px", []),
        ("font-size: 14px; color: red", []),
        ("color: red; float: left; width: 1000px", ["SB304", "SB304"]),
        ("broken;;: x; width", []),
    ],
)
def test_layout_breaking_styles(style: str, codes: list[str]) -> None:
    assert [v.code for v in style_verdicts(style)] == codes


def test_scan_html_places_each_finding_in_the_fragment() -> None:
    fragment = '<div>\n  <a href="https://x.org" target="_blank" onmouseover="y()">a</a>\n<script>z</script>\n</div>'
    found = [(f.offset, f.verdict.code if f.verdict else f.href) for f in scan_html(fragment)]
    assert found == [
        (0, "SB305"),                     # <div>
        (fragment.index("https://x.org"), "https://x.org"),
        (fragment.index("target"), "SB305"),
        (fragment.index("onmouseover"), "SB303"),
        (fragment.index("<script"), "SB301"),
    ]


def test_scan_html_embeds_and_comments() -> None:
    found = scan_html('<object data="x"></object><embed src="y"><!-- note -->')
    assert [(f.offset, f.verdict.code, f.verdict.warning) for f in found if f.verdict] == [
        (0, "SB302", False), (26, "SB302", False), (41, "SB305", True),
    ]


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alt", "src", "bad"),
    [
        ("Four people standing in front of St Peter's Collegiate Church", "images/church.png", False),
        ("Placeholder: photo of Deborah Smith at St Peter's (photo not available)", "images/x.png", False),
        ("image", "images/x.png", True),
        ("Photo.", "images/x.png", True),
        ("IMG_2041.JPG", "images/IMG_2041.JPG", True),
        ("wolverhampton-placeholder", "images/wolverhampton-placeholder.png", True),
        ("wolverhampton placeholder", "images/wolverhampton-placeholder.png", True),
        ("group.png", "images/other.png", True),
        ("", "images/x.png", False),  # missing alt is the loader's SB011
    ],
)
def test_alt_text(alt: str, src: str, bad: bool) -> None:
    assert [v.code for v in check_alt(alt, src)] == (["SB402"] if bad else [])


@pytest.mark.parametrize(
    ("src", "remote"),
    [("https://x.org/a.png", True), ("http://x.org/a.png", True), ("data:image/png;base64,x", True), ("images/a.png", False), ("C:\\images\\a.png", False)],
)
def test_is_remote(src: str, remote: bool) -> None:
    assert is_remote(src) is remote


# --- Markdown scanning ------------------------------------------------------------------------


def test_scan_finds_links_html_and_bare_addresses_at_their_offsets() -> None:
    source = (
        "See <https://a.example.org/x> and [b](https://b.example.org) or <jo@example.org>.\n"
        "Bare https://c.example.org/y, www.d.example.org and sam@example.org.\n"
        "[ref][r] <span>s</span> ![alt](pic.png)\n"
        "\n"
        "[r]: https://e.example.org\n"
        "\n"
        "***\n"
        "\n"
        "    code\n"
    )
    assert scan(source) == [
        Finding(Kind.LINK, "https://a.example.org/x", source.index("https://a.")),
        Finding(Kind.LINK, "https://b.example.org", source.index("https://b.")),
        Finding(Kind.LINK, "mailto:jo@example.org", source.index("jo@")),
        Finding(Kind.BARE_URL, "https://c.example.org/y", source.index("https://c.")),
        Finding(Kind.BARE_URL, "www.d.example.org", source.index("www.d")),
        Finding(Kind.BARE_ADDRESS, "sam@example.org", source.index("sam@")),
        Finding(Kind.LINK, "https://e.example.org", source.index("https://e.")),
        Finding(Kind.HTML, "<span>", source.index("<span>")),
        Finding(Kind.HTML, "</span>", source.index("</span>")),
        Finding(Kind.IMAGE, "pic.png", source.index("![")),
        Finding(Kind.RULE, "***", source.index("***")),
        Finding(Kind.CODE, "code\n", source.index("    code")),
    ]


def test_scan_ignores_urls_inside_links_and_code() -> None:
    assert scan("[https://x.example.org](https://x.example.org) `https://y.example.org`") == [
        Finding(Kind.LINK, "https://x.example.org", 24),
    ]


def test_scan_inline_list_item() -> None:
    assert scan("**Bold** – see www.gov.uk", inline=True) == [Finding(Kind.BARE_URL, "www.gov.uk", 15)]
