"""Every element carries its style inline, written by the layouts and the Markdown filters.

Until issue 17 css-inline applied a stylesheet to the HTML after MJML; those
rules are kept in ``tests/data/inline-styles.css``, and the email must still
look as they made it: the same declarations on the same elements.
Compared normalised: attributes unordered, a style as its declarations
(the last of a property wins; ``border-left`` before ``border-left-color``
stays so), ``<tbody>`` (which HTML parsers add anyway) and the ``/`` of a
void tag ignored.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import css_inline
import pytest

from soc_bulletin.content.load import load_issue
from soc_bulletin.content.markdown import markdown_html, markdown_inline_html
from soc_bulletin.render.build import audiences
from soc_bulletin.render.renderer import DEFAULT_LAYOUTS, render_issue

from .browser import write_sample_issue
from .conftest import ISSUE_11
from .test_compat import EVERY_TAG

RULES = (Path(__file__).parent / "data" / "inline-styles.css").read_text(encoding="utf-8")
WEB_URL = "https://bulletin.example.org/2019-08/"
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

Declarations = tuple[tuple[str, str], ...]
Item = tuple[str, str, tuple[tuple[str, str | None], ...], Declarations]


def declarations(style: str) -> Declarations:
    """A style attribute's declarations, the last of each property, ordered by property family (``margin``, ``border``...)."""
    found: dict[str, str] = {}
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        if colon:
            found.pop(name.strip().lower(), None)
            found[name.strip().lower()] = " ".join(value.split())
    order = list(found)
    return tuple(sorted(found.items(), key=lambda item: (item[0].split("-")[0], order.index(item[0]))))


class _Normaliser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[Item] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "tbody":
            style = dict(attrs).get("style") or ""
            self.items.append(("<", tag, tuple(sorted((k, v) for k, v in attrs if k != "style")), declarations(style)))

    def handle_endtag(self, tag: str) -> None:
        if tag != "tbody" and tag not in _VOID:
            self.items.append(("/", tag, (), ()))

    def handle_data(self, data: str) -> None:
        if words := " ".join(data.split()):
            self.items.append(("text", words, (), ()))

    def handle_comment(self, data: str) -> None:
        self.items.append(("comment", " ".join(data.split()), (), ()))


def normalised(html: str) -> list[Item]:
    parser = _Normaliser()
    parser.feed(html)
    parser.close()
    return parser.items


def _inline(html: str) -> str:
    inliner = css_inline.CSSInliner(inline_style_tags=False, keep_style_tags=True, load_remote_stylesheets=False, extra_css=RULES)
    return str(inliner.inline(html))


@pytest.fixture(scope="module")
def emails(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every edition of Issue 11, the whole issue with a web link, and an issue with every block and Markdown tag."""
    issue = load_issue(ISSUE_11)
    found = {"issue 11": render_issue(issue).html, "issue 11, web link": render_issue(issue, web_url=WEB_URL).html}
    found |= {f"issue 11 for {name}": render_issue(issue, audience=[name]).html for name in [*audiences(issue), "nobody"]}
    folder = write_sample_issue(tmp_path_factory.mktemp("issues") / "2019-05")
    article = folder / "articles" / "special-unit.yaml"
    text = article.read_text(encoding="utf-8").replace("blocks:\n", "blocks:\n  - text: |\n" + "".join(
        f"      {line}\n" for line in EVERY_TAG.splitlines()), 1)
    article.write_text(text, encoding="utf-8")
    found["every block and tag"] = render_issue(load_issue(folder), web_url=WEB_URL).html
    return found


def test_the_layouts_leave_nothing_for_the_former_stylesheet_to_add(emails: dict[str, str]) -> None:
    for name, html in emails.items():
        assert "<style" in html and "@media" in html, "the head keeps its media queries and dark scheme"
        assert normalised(_inline(html)) == normalised(html), name


def test_each_element_has_the_former_stylesheets_values(emails: dict[str, str]) -> None:
    """What the rules give an element stripped of its styles is what it has (links the layout colours itself aside)."""
    for name, html in emails.items():
        ours = [item for item in normalised(html) if item[0] == "<"]
        bare = "".join(_strip_styles(html))
        theirs = [item for item in normalised(_inline(bare)) if item[0] == "<"]
        assert [i[:3] for i in ours] == [i[:3] for i in theirs], name
        styled = 0
        for (_, tag, attrs, have), (_, _, _, rules) in zip(ours, theirs, strict=True):
            has = dict(have)
            own_colour = tag == "a" and ("display" in has or dict(attrs).get("href") == WEB_URL)  # a button, the web link
            for prop, value in rules:
                if not (own_colour and prop == "color"):
                    assert has.get(prop) == value, f"{name}: <{tag} {dict(attrs)}> has {prop}: {has.get(prop)}, not {value}"
            styled += bool(rules)
        assert styled > 20, name


def _strip_styles(html: str) -> list[str]:
    """``html`` in pieces, each ``style`` attribute left out (a parse, not a regex: values hold ';' and quotes)."""
    out: list[str] = []

    class Stripper(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            kept = "".join(f' {k}="{(v or "").replace("&", "&amp;").replace(chr(34), "&quot;")}"' for k, v in attrs if k != "style")
            out.append(f"<{tag}{kept}>")

        def handle_endtag(self, tag: str) -> None:
            if tag not in _VOID:
                out.append(f"</{tag}>")

        def handle_data(self, data: str) -> None:
            out.append(data.replace("&", "&amp;").replace("<", "&lt;"))

        def handle_comment(self, data: str) -> None:
            out.append(f"<!--{data}-->")

        def handle_decl(self, decl: str) -> None:
            out.append(f"<!{decl}>")

    stripper = Stripper(convert_charrefs=True)
    stripper.feed(html)
    stripper.close()
    return out


def test_a_layouts_folder_with_an_email_css_still_has_it_inlined(tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    shutil.copytree(DEFAULT_LAYOUTS, layouts)
    (layouts / "email.css").write_text(".sb-footer p { letter-spacing: 1px; }\n", encoding="utf-8")
    html = render_issue(load_issue(ISSUE_11), layouts=layouts).html
    footer = [item for item in normalised(html) if item[:2] == ("<", "p") and ("letter-spacing", "1px") in item[3]]
    assert len(footer) == 3 and all(dict(item[3])["margin"] == "0 0 10px" for item in footer)
    assert "letter-spacing:1px" not in render_issue(load_issue(ISSUE_11)).html.replace(" ", "").split("sb-footer", 1)[1]


def test_markdown_styles_go_on_tags_never_into_attribute_values() -> None:
    styles = (("p", "margin:0;"), ("a", 'color:"red";'))
    html = markdown_html('<a href="https://example.org/" title="<p>x</p>">link</a>\n\nSecond <em>para</em>\n', styles=styles)
    assert html.count(' style="margin:0;"') == 2
    assert html.count(' style="color:&quot;red&quot;;"') == 1
    assert 'title="<p>x</p>"' in html or 'title="&lt;p&gt;x&lt;/p&gt;"' in html
    assert markdown_html("Plain\n") == "<p>Plain</p>"
    assert markdown_inline_html("*a* [b](https://example.org/)", styles=(("a", "color:#1d4ed8;"),)) == (
        '<em>a</em> <a style="color:#1d4ed8;" href="https://example.org/">b</a>'
    )


def test_the_shipped_layouts_build_without_a_whole_document_css_pass(tmp_path: Path) -> None:
    """The styles come from the layouts themselves: css-inline is not even imported for a build of Issue 11."""
    script = (
        "import sys\n"
        "from soc_bulletin.render.build import build_dir\n"
        f"build_dir({str(ISSUE_11)!r}, {str(tmp_path / 'out')!r})\n"
        "assert 'css_inline' not in sys.modules, 'css-inline was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "index.html").is_file()
