"""The email-client compatibility table and its check (SB510), hidden text (SB511), the text part's lines."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest

from soc_bulletin import load_issue, render_issue
from soc_bulletin.check import check_paths
from soc_bulletin.check.compat import Scan, compat_verdicts, css_rules
from soc_bulletin.check.compat_table import CLIENTS, FEATURES, as_markdown, by_key
from soc_bulletin.content.markdown import ALLOWED_TAGS

from .browser import write_sample_issue
from .conftest import ISSUE_11, REPO

#: raw HTML and Markdown that give every tag the sanitiser lets through
EVERY_TAG = """\
Some **strong**, *em*, <b>b</b>, <i>i</i>, `code` and a [link](https://www.gov.uk/x) and <a href="mailto:a@example.org">a@example.org</a>.<br>
Next line.

### A heading

<h3>Raw heading</h3>

> A quotation.

1. one
2. two

- a
- b
"""

#: what the layouts produced before this table existed (MJML's preheader, padded div and p boxes)
BEFORE = """<html><body style="background-color:#eef0f3;">
<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;">Preview</div>
<!--[if mso | IE]><table role="presentation" width="600"><tr><td><![endif]-->
<div style="max-width:600px;background:#ffffff;"><div class="sb-callout"><div class="sb-box" style="padding: 16px;background-color: #fff4d6;">Callout</div></div>
<p style="margin: 0 0 10px;padding: 8px 10px;background-color: #f1f4f8;">Contact</p><p style="padding: 8px 10px;">Contact</p></div>
<!--[if mso | IE]></td></tr></table><![endif]--></body></html>"""


@pytest.fixture(scope="module")
def sample_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An issue with every block kind, and Markdown with every tag the sanitiser keeps, as the email renders it."""
    folder = write_sample_issue(tmp_path_factory.mktemp("issues") / "2019-05")
    article = folder / "articles" / "special-unit.yaml"
    text = article.read_text(encoding="utf-8").replace("blocks:\n", "blocks:\n  - text: |\n" + "".join(
        f"      {line}\n" for line in EVERY_TAG.splitlines()), 1)
    article.write_text(text, encoding="utf-8")
    return render_issue(load_issue(folder), web_url="https://bulletin.example.org/2019-05/").html


def codes(html: str) -> list[str]:
    return [verdict.code for verdict in compat_verdicts(html)]


def test_the_table_is_well_formed() -> None:
    keys = [key for feature in FEATURES for key in feature.keys]
    assert len(keys) == len(set(keys)), "a key is in two rows"
    for feature in FEATURES:
        assert len(feature.support) == len(CLIENTS) and set(feature.support) <= set("ypn"), feature.keys
        assert feature.caniemail == "" or re.fullmatch(r"(css|html)-[a-z0-9-]+", feature.caniemail), feature.caniemail
        if "n" in feature.support or feature.outlook_none_on:
            assert feature.fallback or feature.advice, f"{feature.keys}: say what to do instead"
        if "p" in feature.support:
            assert feature.note, f"{feature.keys}: say what 'partly' means"


def test_the_page_in_docs_is_the_table() -> None:
    assert (REPO / "docs" / "email-clients.md").read_text(encoding="utf-8") == as_markdown()


def test_every_feature_the_layouts_and_markdown_produce_is_in_the_table(sample_html: str) -> None:
    scan = Scan()
    scan.feed(sample_html + render_issue(load_issue(ISSUE_11)).html)
    found = {usage.key for usage in scan.usages}
    assert not found - set(by_key()), sorted(found - set(by_key()))
    assert {f"<{tag}>" for tag in ALLOWED_TAGS} <= found, "the sample lost a tag Markdown can produce"
    assert {"padding", "@media prefers-color-scheme", "anchor-link", "selector:attribute", "color-scheme"} <= found


def test_the_shipped_layouts_produce_no_warning(sample_html: str) -> None:
    assert compat_verdicts(sample_html) == []
    assert compat_verdicts(render_issue(load_issue(ISSUE_11)).html) == []
    assert [p for p in check_paths([ISSUE_11]) if p.code in ("SB510", "SB511")] == []


def test_what_the_layouts_did_before_is_found() -> None:
    messages = [verdict.message for verdict in compat_verdicts(BEFORE)]
    assert any(m.startswith("The email uses the CSS property padding on <div class=\"sb-box\">, which Outlook for Windows cannot "
                            "show (caniemail: css-padding); put the box in a table cell") for m in messages), messages
    assert any("padding on <p> (2 times)" in m for m in messages)
    assert any("opacity on <div>" in m for m in messages) and any("max-height on <div>" in m for m in messages)
    assert codes(BEFORE).count("SB511") == 1
    assert "The text 'Preview' in <div> is #ffffff on #eef0f3" in messages[-1]
    assert "max-width" not in " ".join(messages)  # MJML's conditional tables give Outlook its width


def test_without_mjml_outlook_conditionals_their_fallbacks_are_gone(sample_html: str) -> None:
    assert "<!--[if mso | IE]><table" in sample_html  # the layouts keep MJML's conditionals
    stripped = re.sub(r"<!--\[if mso \| IE\]>.*?<!\[endif\]-->", "", sample_html, flags=re.DOTALL)
    messages = " ".join(v.message for v in compat_verdicts(stripped))
    assert "the CSS property max-width on" in messages and "display:inline-block" in messages


def test_a_custom_layout_that_outlook_or_gmail_cannot_show_is_named() -> None:
    html = """<html><head><style>.card[data-x] { color: red; } .hero { background-image: url(x.png); }</style></head>
    <body><div class="row" style="display:flex;position:relative">x</div><svg></svg>
    <!--[if !mso]><!--><div style="max-height:10px">only outside Outlook</div><!--<![endif]-->
    <a style="padding:10px;mso-padding-alt:0" href="https://x.example">button</a></body></html>"""
    messages = [verdict.message for verdict in compat_verdicts(html)]
    assert any("display:flex on <div class=\"row\">, which Outlook for Windows and Outlook iOS/Android cannot" in m
               for m in messages), messages
    assert any("the element <svg> on <svg>" in m for m in messages)
    assert any("attribute selector on a <style> rule '.card[data-x]'" in m and "Gmail (web)" in m for m in messages)
    assert any("background-image on a <style> rule '.hero'" in m for m in messages)
    assert not any("max-height" in m for m in messages), "inside <!--[if !mso]> Outlook never sees it"
    assert not any("padding on <a>" in m for m in messages), "mso-padding-alt gives Outlook the padding"


def test_dark_mode_rules_are_an_enhancement_not_a_warning() -> None:
    html = """<html><head><style>:root{color-scheme:light dark}@media (prefers-color-scheme:dark){.x>td{opacity:.9!important}}
    [data-ogsc] .x{color:#fff!important}</style></head><body><p>Hi</p></body></html>"""
    assert compat_verdicts(html) == []


def test_css_rules_open_at_rules_and_skip_comments() -> None:
    rules = list(css_rules("/* c{} */ a{color:red} @media (max-width:480px){.b{x:1}.c{y:2}} @import url(x.css);"))
    assert rules == [("", "a", "color:red"), ("@media (max-width:480px)", "", ""), ("@media (max-width:480px)", ".b", "x:1"),
                     ("@media (max-width:480px)", ".c", "y:2"), ("@import url(x.css)", "", "")]


@pytest.mark.parametrize(("style", "hidden"), [
    ("color:#ffffff", True), ("color:#fefefe", True), ("color:#1f2933", False), ("color:white;background-color:white", True),
])
def test_text_in_its_background_colour_is_hidden_text(style: str, hidden: bool) -> None:
    html = f'<html><body style="background-color:#ffffff"><table bgcolor="#ffffff"><tr><td><span style="{style}">Buy now</span></td></tr></table></body></html>'
    assert ("SB511" in codes(html)) is hidden


def test_the_preheader_is_hidden_without_a_colour_and_the_scheme_is_declared() -> None:
    html = render_issue(load_issue(ISSUE_11)).html
    preheader = re.search(r'<div style="([^"]*)" aria-hidden="true">Meet the SOC Community Coordinators', html)
    assert preheader and preheader[1] == "display:none;mso-hide:all;"
    assert re.search(r'<meta name="color-scheme" content="light dark"( /)?>', html)
    assert re.search(r'<meta name="supported-color-schemes" content="light dark"( /)?>', html)
    assert ":root{color-scheme:light dark;supported-color-schemes:light dark;}" in html
    assert "@media (prefers-color-scheme:dark){" in html and "[data-ogsc] .sb-body div" in html


# -- the text part -------------------------------------------------------------------------------


def test_each_text_line_is_one_message_line(tmp_path: Path) -> None:
    """Issue 11 as sent: no soft break around a spliced value, and only where a long URL forces one."""
    from soc_bulletin.config import Settings
    from soc_bulletin.send.campaign import Campaign

    (tmp_path / "list.csv").write_text("email,name\nzoe@example.org,Zoë Ó Briain\n", encoding="utf-8")
    (tmp_path / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    campaign = Campaign.prepare(ISSUE_11, lists=[tmp_path / "list.csv"], settings=Settings(), run_check=False,
                                suppressed_file=tmp_path / "suppressed.csv", ledger_dir=tmp_path / "ledger",
                                segments_file=REPO / "subscribers" / "segments.yaml")
    [template] = campaign.templates.values()
    data = template.build("zoe@example.org", "Zoë Ó Briain").data
    head = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    raw = data.split(head, 1)[1].split(b"\r\n--=_soc", 1)[0]
    lines = raw.split(b"\r\n")
    text = next(p for p in email.message_from_bytes(data, policy=policy.default).walk()
                if p.get_content_type() == "text/plain").get_content()
    assert text.rstrip("\n").split("\n") == [line for line in text.rstrip("\n").split("\n")]
    soft = [line for line in lines if line.endswith(b"=")]
    assert all(b" " not in line for line in soft), soft  # only unbreakable words (URLs) are ever soft-broken
    assert len(lines) - len(soft) == len(text.rstrip("\n").split("\n")) + (1 if text.endswith("\n") else 0)
    assert b"Dear =?" not in raw and "Dear Zoë Ó Briain," in text
    assert max(len(line) for line in lines) <= 76 and not any(line.startswith(b".") for line in lines)
    html_part = next(p for p in email.message_from_bytes(data, policy=policy.default).walk() if p.get_content_type() == "text/html")
    assert len(html_part.get_content().encode()) < 102 * 1024, "Gmail clips the real message"
