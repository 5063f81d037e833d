"""Property-based tests of content (Hypothesis), within a fixed budget.

- The loaders turn any file (any bytes, any text, any YAML tree) into a model
  or located problems: nothing but :class:`ContentError` is ever raised, and
  the check stage never stops on an internal error (SB900).
- Whatever the content, a rendered edition has no live unsafe link
  (``javascript:``, ``data:``, ``vbscript:``, any scheme but https, http and
  mailto), no event-handler attribute, no script, and exactly the layout's
  own placeholder tokens, in the HTML and in the text edition.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soc_bulletin import ContentError, load_issue
from soc_bulletin.check import check_paths
from soc_bulletin.content.load import load_article
from soc_bulletin.content.model import (
    UNSAFE_CHARACTERS,
    Article,
    Block,
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
)
from soc_bulletin.content.yamlfile import read_yaml
from soc_bulletin.render.renderer import PLACEHOLDERS, Renderer

BUDGET = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RENDER_BUDGET = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Pieces an attacker or a careless paste would put in content.
HOSTILE = [
    "[[unsubscribe_url]]", "[[preferences_url]]", "[[greeting]]", "[[", "]]", "[", "]", "[[[", "&#91;", "&#x5B;", "\\[", "\\]",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "data:text/html,<script>x</script>", "vbscript:x",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<iframe src=x>",
    '<a href="javascript:alert(1)">x</a>', '<a href="https://evil.example/?u=[[unsubscribe_url]]">x</a>',
    '<a href="https://e.example/?u=&#91;&#91;greeting&#93;&#93;">x</a>', '<a onclick="x" href="https://e.example/">x</a>',
    "[x](javascript:alert(1))", "[x](https://evil.example/?u=[[unsubscribe_url]])", "<https://evil.example/[[greeting]]>",
    "<mailto:x@example.org>", "http://example.org/", "https://g\u043ev.uk/", "https://xn--gv-fmc.uk/",
    "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069",
    "\r\n", "\r", "\t", "\n", "\n\n", "&amp;", "<", ">", '"', "'", "<!--", "-->", "<![CDATA[", "</mj-text>",
    "<mj-raw>", "{{ 7*7 }}", "{% raw %}", "*", "_", "`", "#", "- ", "1. ", "    code", "---", "\ue05b", "\x01",
]

hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), max_size=5).map("".join)
urls = st.one_of(
    st.sampled_from(["https://www.gov.uk/x", "http://example.org/", "mailto:jo@example.org", "javascript:alert(1)",
                     "data:text/html,x", "vbscript:x", " https://x.org", "JAVASCRIPT:x", "//evil.example/", "ftp://x.org/"]),
    hostile_text.map(lambda s: "https://www.gov.uk/" + s),
    hostile_text,
)
srcs = st.one_of(
    st.sampled_from(["images/a.png", "https://www.gov.uk/a.png", "../../etc/passwd", "/etc/passwd", "data:image/png;base64,AA",
                     "javascript:x", "C:\\x.png", "//evil.example/a.png", "images/../../x.png"]),
    hostile_text,
)
emails = st.one_of(st.sampled_from(["jo@example.org", "jo@g\u043ev.uk", "x\"onmouseover=\"alert(1)@example.org"]), hostile_text)

blocks: st.SearchStrategy[Block] = st.one_of(
    st.builds(Text, hostile_text),
    st.builds(lambda items: BulletList(tuple(items)), st.lists(hostile_text, min_size=1, max_size=3)),
    st.builds(lambda v, label: Figures((Figure(v, label),)), hostile_text, hostile_text),
    st.builds(Quote, hostile_text, hostile_text, hostile_text),
    st.builds(Callout, hostile_text, hostile_text),
    st.builds(Image, srcs, hostile_text, hostile_text, st.one_of(st.none(), st.integers(1, 600))),
    st.builds(Link, urls, hostile_text),
    st.builds(lambda e, n: Contacts((Contact(e, n, n, n),), title=n), emails, hostile_text),
)


@st.composite
def issues(draw: st.DrawFn) -> Issue:
    """An issue whose every string is hostile."""
    text = hostile_text
    articles = tuple(
        Article(f"a{i}", draw(text), draw(text), tuple(draw(st.lists(blocks, min_size=1, max_size=4))))
        for i in range(draw(st.integers(1, 2)))
    )
    return Issue(
        title=draw(text), number=draw(st.integers(0, 10**6)), date=dt.date(2020, 2, 1), mailbox=draw(emails),
        welcome=Welcome(draw(text), draw(text)), sections=(Section(draw(text), articles),),
        strapline=draw(text), subject=draw(text), preheader=draw(text),
    )


class _Attributes(HTMLParser):
    """Every start tag and its attributes, as a browser decodes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


_SAFE_HREF = re.compile(r"^(?:https://|http://|mailto:|#)", re.IGNORECASE)
_LOCAL_SRC = re.compile(r"^(?![a-z][a-z0-9+.-]*:)(?!/)(?!(?:.*/)?\.\.(?:/|$))[^\\\t\n\r\f\v]+$", re.IGNORECASE)
_LAYOUT_COUNTS = [(1, 1)] * len(PLACEHOLDERS)  # rendered with a preference page: every placeholder once


def assert_safe(html: str, text: str) -> None:
    """No live unsafe link, handler or script in ``html``; only the layout's placeholder tokens in either edition."""
    assert [(html.count(t), text.count(t)) for t in PLACEHOLDERS.values()] == _LAYOUT_COUNTS
    assert not UNSAFE_CHARACTERS.search(html) and not UNSAFE_CHARACTERS.search(text)
    parser = _Attributes()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "iframe", "object", "embed", "svg", "math", "form", "base"), tag
        assert not (tag == "meta" and any(n == "http-equiv" and v and "refresh" in v.lower() for n, v in attrs))
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name == "href" and value is not None:
                assert _SAFE_HREF.match(value) or value in (PLACEHOLDERS["unsubscribe_url"], PLACEHOLDERS["preferences_url"]), (tag, value)
            if name == "src" and value is not None:
                assert value.lower().startswith("https://") or _LOCAL_SRC.match(value), (tag, value)
            if name == "style" and value is not None:
                assert "javascript:" not in value.lower() and "expression(" not in value.lower(), value


@RENDER_BUDGET
@given(issues())
def test_rendered_editions_are_safe_whatever_the_content(issue: Issue) -> None:
    edition = Renderer().render(issue, manage=True)
    assert_safe(edition.html, edition.text)


@contextmanager
def _folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@BUDGET
@given(st.binary(max_size=400))
def test_any_bytes_are_problems_not_exceptions(data: bytes) -> None:
    with _folder() as root:
        path = root / "articles" / "first.yaml"
        path.parent.mkdir()
        path.write_bytes(data)
        node, problems = read_yaml(path)
        assert (node is None) == bool(problems)
        article, problems = load_article(path)
        assert all(p.path == str(path) and "\n" not in p.message for p in problems)


@BUDGET
@given(st.text(max_size=300))
def test_any_text_is_problems_not_exceptions(text: str) -> None:
    with _folder() as root:
        path = root / "articles" / "first.yaml"
        path.parent.mkdir()
        path.write_bytes(text.encode("utf-8"))
        article, problems = load_article(path)
        assert all("\n" not in p.message and not UNSAFE_CHARACTERS.search(p.message) for p in problems)


# YAML trees shaped like articles: the right keys, wrong and hostile values.
ARTICLE_KEYS = ["title", "standfirst", "audience", "blocks", "text", "list", "figures", "value", "label", "quote", "speaker",
                "role", "callout", "body", "image", "src", "alt", "caption", "width", "link", "url", "contact", "contacts",
                "people", "email", "name", "organisation", "<<", "!!python/object", "titel"]
scalars = st.one_of(hostile_text, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=True), st.dates())
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(ARTICLE_KEYS), children, max_size=5),
    ),
    max_leaves=25,
)
articles = st.fixed_dictionaries(
    {"title": st.one_of(hostile_text, trees), "blocks": st.lists(st.dictionaries(st.sampled_from(ARTICLE_KEYS[4:]), trees, min_size=1, max_size=1), max_size=5)},
    optional={"standfirst": trees, "audience": trees},
)


def _dump(tree: Any, decorate: int) -> str:
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    if decorate == 1:  # an explicit tag
        text += "tagged: !!python/object:os.system x\n"
    elif decorate == 2:  # an anchor and an alias to it
        text = "x: &x [a, b]\n" + text + "y: *x\n"
    return text


@BUDGET
@given(articles, st.integers(0, 2))
def test_any_article_tree_loads_or_is_located_problems(tree: dict[str, Any], decorate: int) -> None:
    with _folder() as root:
        path = root / "articles" / "first.yaml"
        path.parent.mkdir()
        path.write_text(_dump(tree, decorate), encoding="utf-8")
        article, problems = load_article(path)
        assert article is not None or problems
        assert all(p.line >= 0 and p.code.startswith("SB") for p in problems)
        if decorate:
            assert "SB007" in {p.code for p in problems}


ISSUE = """\
title: Test Bulletin
number: 3
date: 2020-02-01
preheader: News
mailbox: team@example.org
welcome:
  body: Hello.
sections:
  - kind: From the Centre
    articles: [first]
"""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles)
def test_load_issue_raises_only_content_errors_and_check_never_fails_inside(tree: dict[str, Any]) -> None:
    with _folder() as root:
        (root / "articles").mkdir()
        (root / "issue.yaml").write_text(ISSUE, encoding="utf-8")
        (root / "articles" / "first.yaml").write_text(_dump(tree, 0), encoding="utf-8")
        try:
            issue = load_issue(root)
        except ContentError as exc:
            assert exc.problems
        else:
            edition = Renderer().render(issue, manage=True)
            assert_safe(edition.html, edition.text)
        report = check_paths([root])
        assert "SB900" not in {p.code for p in report}
