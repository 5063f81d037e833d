"""The rendered edition: Gmail's clipping size, subject and preheader length, HTML links missing from the text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin.check import check_paths
from soc_bulletin.content.load import load_issue
from soc_bulletin.render.as_sent import article_bytes, shown_size
from soc_bulletin.render.renderer import render_issue
from soc_bulletin.send.message import MessageTemplate, Sender
from soc_bulletin.send.unsubscribe import Unsubscribe

from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE

IssueDir = Callable[..., Path]

ISSUE = MINIMAL_ISSUE.replace("mailbox:", "preheader: News from the partnerships\nmailbox:")


def _with_paragraphs(count: int) -> str:
    paragraph = "Partners across the region met to plan the next steps of the programme. " * 10
    body = "".join(f"      {paragraph}\n\n" for _ in range(count))
    return MINIMAL_ARTICLE.replace("      Some words.\n", body)


def _sent_kb(root: Path) -> str:
    """The HTML part's size in a message as send builds it, for a 64-character name and a 160-character unsubscribe link."""
    edition = render_issue(load_issue(root))
    sender = Sender.parse("", mailbox="team@example.org")
    def unsubscribe_at(base: str) -> Unsubscribe:
        return Unsubscribe(list_id=sender.list_id, mailbox="team@example.org", base_url=base, secret="s3cret-s3cret-s3cret")

    base = "https://bulletin.example.org/u"
    unsubscribe = unsubscribe_at(base + "x" * (160 - len(unsubscribe_at(base).links("reader@example.org").preferred)))
    assert len(unsubscribe.links("reader@example.org").preferred) == 160
    data = MessageTemplate(edition, sender=sender, unsubscribe=unsubscribe).build("reader@example.org", "N" * 64).data
    part = data.split(b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")[1]
    return shown_size(len(part.split(b"\r\n--=_soc")[0]))


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (10, None),
        (105, ("SB502", "warning", "The email's HTML part is {size} as sent (the largest articles: 'first' {share}), close to the 102 KB at "
                                  "which Gmail cuts emails off; keep further additions short.")),
        (120, ("SB501", "error", "The email's HTML part is {size} as sent (the largest articles: 'first' {share}); Gmail cuts off emails "
                                 "over 102 KB, so shorten the articles or move some to the next issue.")),
    ],
)
def test_html_size_against_gmail_clipping(issue_dir: IssueDir, paragraphs: int, expected: tuple[str, str, str] | None) -> None:
    """Measured on the HTML part exactly as a message carries it (encoded), so check and send agree."""
    root = issue_dir(ISSUE, {"first": _with_paragraphs(paragraphs)})
    problems = [p for p in check_paths([root]) if p.code in ("SB501", "SB502")]
    if expected is None:
        assert problems == []
        return
    code, severity, message = expected
    [problem] = problems
    assert (problem.path, problem.line, problem.code, problem.severity.value) == (f"{root}/issue.yaml", 0, code, severity)
    share = shown_size(article_bytes(render_issue(load_issue(root)).html, ["first"])["first"])
    assert problem.message == message.format(size=_sent_kb(root), share=share)


def test_a_long_article_is_named_in_a_small_issue(issue_dir: IssueDir) -> None:
    """About 2,900 words: far from the 102 KB in all, but a sixth of it on its own."""
    root = issue_dir(ISSUE, {"first": _with_paragraphs(25), "second": MINIMAL_ARTICLE}).resolve()
    (root / "issue.yaml").write_text((root / "issue.yaml").read_text(encoding="utf-8").replace("[first]", "[first, second]"),
                                     encoding="utf-8")
    share = shown_size(article_bytes(render_issue(load_issue(root)).html, ["first", "second"])["first"])
    assert [str(p) for p in check_paths([root])] == [
        f"{root}/articles/first.yaml: SB507 The article 'first' is {share} of the email's HTML part as sent, more than a sixth of "
        "the 102 KB at which Gmail cuts emails off; shorten it, or link to the full text. (warning)",
    ]


def test_long_subject_is_reported_on_the_subject(issue_dir: IssueDir) -> None:
    subject = "Serious and Organised Crime Local Partnerships Bulletin for all partners, Issue 12"
    root = issue_dir(ISSUE.replace("title: Test Bulletin\n", f"title: Test Bulletin\nsubject: {subject}\n"))
    assert [str(p) for p in check_paths([root])] == [
        f"{root}/issue.yaml:2:10: SB503 The subject is {len(subject)} characters; inboxes cut it at about 78, so shorten it. (warning)",
    ]


def test_subject_made_from_a_long_title_is_reported_on_the_title(issue_dir: IssueDir) -> None:
    title = "The Serious and Organised Crime Local Partnerships Bulletin"
    root = issue_dir(ISSUE.replace("title: Test Bulletin", f"title: {title}"))
    subject = f"{title} – February 2020, Issue 3"
    assert [str(p) for p in check_paths([root])] == [
        f"{root}/issue.yaml:1:8: SB503 The subject is {len(subject)} characters; inboxes cut it at about 78, so shorten it. (warning)",
    ]


def test_long_preheader(issue_dir: IssueDir) -> None:
    preheader = "News " * 30
    root = issue_dir(ISSUE.replace("preheader: News from the partnerships", f"preheader: {preheader.strip()}"))
    assert [str(p) for p in check_paths([root])] == [
        f"{root}/issue.yaml:4:12: SB504 The preheader is {len(preheader.strip())} characters; inboxes show about 140, so shorten it. (warning)",
    ]


def test_raw_html_link_is_fine_when_the_text_has_it_too(issue_dir: IssueDir) -> None:
    article = MINIMAL_ARTICLE.replace(
        "Some words.", 'See <a href="https://www.gov.uk/x">the guidance</a> at <https://www.gov.uk/x>.',
    )
    root = issue_dir(ISSUE, {"first": article})
    assert list(check_paths([root])) == []


def test_raw_html_link_missing_from_text_is_placed_where_it_is_written(issue_dir: IssueDir) -> None:
    article = MINIMAL_ARTICLE.replace("Some words.", 'See <a href="https://www.gov.uk/x">the guidance</a>.')
    root = issue_dir(ISSUE, {"first": article})
    assert [str(p) for p in check_paths([root])] == [
        f"{root}/articles/first.yaml:4:20: SB505 The link 'https://www.gov.uk/x' is in the email but missing from its text edition; "
        "write it as [words](https://www.gov.uk/x) or <https://www.gov.uk/x> instead of raw HTML.",
    ]


def test_broken_article_does_not_stop_the_edition_checks(issue_dir: IssueDir) -> None:
    issue = ISSUE.replace("articles: [first]", "articles: [first, second]").replace("preheader: News from the partnerships\n", "")
    root = issue_dir(issue, {"first": MINIMAL_ARTICLE, "second": "title: [broken\n"})
    assert [p.code for p in check_paths([root])] == ["SB003", "SB504"]
