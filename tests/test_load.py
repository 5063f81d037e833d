"""The loader: valid files become the model; every bad file gives path:line:col: message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin import ContentError, load_issue
from soc_bulletin.content.load import read_issue
from soc_bulletin.content.model import Contact, Contacts, Text

from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE

IssueDir = Callable[..., Path]


def test_minimal_issue_loads(issue_dir: IssueDir) -> None:
    issue = load_issue(issue_dir())
    assert issue.title == "Test Bulletin"
    assert issue.number == 3
    assert issue.date == dt.date(2020, 2, 1)
    assert issue.welcome.body == "Hello partners.\n"
    [section] = issue.sections
    assert section.kind == "From the Centre"
    [article] = section.articles
    assert article.slug == "first"
    assert article.blocks == (Text("Some words.\n"), Contacts((Contact("jo@example.org", name="Jo Bloggs"),)))


def test_article_order_comes_from_issue_file(issue_dir: IssueDir) -> None:
    issue = MINIMAL_ISSUE.replace("articles: [first]", "articles: [zeta, alpha, mid]")
    articles = {slug: f"title: {slug}\nblocks:\n  - text: x\n" for slug in ("alpha", "mid", "zeta")}
    loaded = load_issue(issue_dir(issue, articles))
    assert [a.slug for a in loaded.articles] == ["zeta", "alpha", "mid"]


def _problems(issue_dir: IssueDir, issue: str = MINIMAL_ISSUE, article: str | bytes = MINIMAL_ARTICLE) -> list[str]:
    root = issue_dir(issue, {"first": article})
    source = read_issue(root)
    return [str(p).replace(str(root) + "/", "") for p in source.problems]


@pytest.mark.parametrize(
    ("article", "expected"),
    [
        (
            "title: First\nblocks:\n  - text: [unclosed\n",
            "articles/first.yaml:3:11: SB003 The list opened with '[' here is not closed; end it with ']' on the same line, "
            "with commas between the items (put an item containing a comma in quotes).",
        ),
        (
            "title: First\ntitel: Again\nblocks:\n  - text: x\n",
            "articles/first.yaml:2:1: SB010 Unknown key 'titel' in the article. Did you mean 'title'?",
        ),
        (
            "blocks:\n  - text: x\n",
            "articles/first.yaml:1:1: SB011 The article is missing the required key 'title'.",
        ),
        (
            "title: First\nblocks:\n  - contact:\n      name: Jo\n",
            "articles/first.yaml:4:7: SB011 A contact is missing the required key 'email'.",
        ),
        (
            "title: First\nblocks:\n  - paragraph: x\n",
            "articles/first.yaml:3:5: SB030 Unknown block type 'paragraph'. Use one of: text, list, figures, quote, callout, image, link, contact, contacts.",
        ),
        (
            "title: First\nblocks:\n  - lists: [a]\n",
            "articles/first.yaml:3:5: SB030 Unknown block type 'lists'. Did you mean 'list'?",
        ),
        (
            "title: First\nblocks: some text\n",
            "articles/first.yaml:2:9: SB012 'blocks' must be a list, not a value.",
        ),
        (
            "title: First\ntitle: Second\nblocks: []\n",
            "articles/first.yaml:2:1: SB013 The key 'title' appears twice in the article; keep one.",
        ),
        (
            "title: ''\nblocks: []\n",
            "articles/first.yaml:1:8: SB011 'title' must not be empty.",
        ),
        (
            "title: First\nblocks:\n  - image:\n      src: a.png\n      alt: A\n      width: 900\n",
            "articles/first.yaml:6:14: SB014 'width' must be between 1 and 600 pixels.",
        ),
        ("", "articles/first.yaml:1:1: SB002 The file is empty; it must hold a YAML mapping."),
        (
            b"title: Caf\xe9\nblocks: []\n",
            "articles/first.yaml:1:11: SB001 The file is not UTF-8 (byte 0xe9); save it as UTF-8.",
        ),
        (
            "- title: First\n",
            "articles/first.yaml:1:1: SB012 The article must be a mapping of keys to values, not a list.",
        ),
    ],
)
def test_article_problems(issue_dir: IssueDir, article: str | bytes, expected: str) -> None:
    assert expected in _problems(issue_dir, article=article)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("number: 3", "number: three", "issue.yaml:2:9: SB012 'number' must be a whole number, such as 11."),
        ("date: 2020-02-01", "date: February 2020", "issue.yaml:3:7: SB014 'date' must be a date written as YYYY-MM-DD, such as 2019-08-01."),
        ("mailbox: team@example.org\n", "", "issue.yaml:1:1: SB011 The issue file is missing the required key 'mailbox'."),
        ("articles: [first]", "articles: [frist]", "issue.yaml:10:16: SB020 The article 'frist' has no file articles/frist.yaml. Did you mean 'first'?"),
        ("articles: [first]", "articles: [first, first]", "issue.yaml:10:23: SB021 The article 'first' is listed twice; list each article once."),
        ("number: 3", "number: 3\nslug: 'Summer 2024\\r\\nBcc: x@example.com'", "issue.yaml:3:7: SB014 'slug' may use only lower-case letters, digits, '.', '_' and '-', such as 2019-08."),
        ("  - kind: From", "  - knd: From", "issue.yaml:9:5: SB010 Unknown key 'knd' in a section. Did you mean 'kind'?"),
    ],
)
def test_issue_problems(issue_dir: IssueDir, old: str, new: str, expected: str) -> None:
    assert old in MINIMAL_ISSUE
    problems = _problems(issue_dir, issue=MINIMAL_ISSUE.replace(old, new))
    assert any(p.endswith(expected) for p in problems), problems


def test_one_broken_article_does_not_hide_the_others(issue_dir: IssueDir) -> None:
    issue = MINIMAL_ISSUE.replace("articles: [first]", "articles: [good, bad, worse]")
    root = issue_dir(issue, {
        "good": MINIMAL_ARTICLE,
        "bad": "title: Bad\nblocks:\n  - txt: x\n",
        "worse": "title: [\n",
    })
    source = read_issue(root)
    assert [(Path(p.path).name, p.code) for p in source.problems] == [("bad.yaml", "SB030"), ("worse.yaml", "SB003")]
    assert source.issue is not None
    assert [a.slug for a in source.issue.articles] == ["good"]
    with pytest.raises(ContentError) as caught:
        load_issue(root)
    assert len(caught.value.problems) == 2


def test_unreferenced_article_is_an_error(issue_dir: IssueDir) -> None:
    """A contributor's article that no section lists would silently not be sent: their CI must fail."""
    root = issue_dir(articles={"first": MINIMAL_ARTICLE, "stray": MINIMAL_ARTICLE})
    source = read_issue(root)
    [problem] = source.problems
    assert (problem.code, problem.severity.value) == ("SB022", "error")
    assert problem.message == ("No section of issue.yaml lists the article 'stray', so it would not be sent; add '- stray' to the "
                               "articles of its section in issue.yaml, or remove the file.")
    with pytest.raises(ContentError):
        load_issue(root)


def test_unreferenced_article_names_the_listed_name_without_a_file(issue_dir: IssueDir) -> None:
    root = issue_dir(articles={"first": MINIMAL_ARTICLE})
    (root / "articles" / "first.yaml").rename(root / "articles" / "frist.yaml")
    messages = {p.code: p.message for p in read_issue(root).problems}
    assert messages["SB022"] == ("No section of issue.yaml lists the article 'frist', so it would not be sent; issue.yaml lists "
                                 "'first', which has no file: did you mean that? Rename the file or the entry so they match, or "
                                 "remove the file.")


def test_missing_issue_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        load_issue(tmp_path)
    assert caught.value.problems[0].code == "SB005"
