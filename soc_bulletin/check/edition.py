"""The rendered edition: the HTML part's size as sent (Gmail clips over 102 KB) and each article's share of it,
subject and preheader, and that every link and address of the HTML is in the text edition too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

from ..content.yamlfile import node_at
from ..problems import Problem, Severity
from ..render.as_sent import CLIP_BYTES, LONG_ARTICLE_BYTES, article_bytes, sent_html_bytes, shown_size, size_advice
from ..render.build import local_images
from ..render.renderer import Edition
from .codes import Verdict
from .compat import compat_verdicts
from .locate import SourceFile, find_text

__all__ = ["MAX_PREHEADER", "MAX_SUBJECT", "check_edition"]

MAX_SUBJECT = 78
MAX_PREHEADER = 140

_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def check_edition(edition: Edition, issue_file: SourceFile, articles: Sequence[SourceFile], /) -> list[Problem]:
    """Judge ``edition`` as it is sent (the project renders it: a failed render is SB500 there); problems are placed in
    the files they come from."""
    problems = _size(edition, issue_file, articles) + _subject(edition, issue_file) + _preheader(edition, issue_file)
    problems += [issue_file.problem(None, verdict) for verdict in compat_verdicts(edition.html)]  # SB510, SB511
    return problems + _missing_from_text(edition, [issue_file, *articles])


def _size(edition: Edition, issue_file: SourceFile, articles: Sequence[SourceFile]) -> list[Problem]:
    """SB501/SB502 on the HTML part's size as sent, naming the largest articles; SB507 at each long article."""
    issue = edition.issue
    size = sent_html_bytes(edition.html, images=local_images(issue), domain=issue.mailbox.rpartition("@")[2])
    shares = article_bytes(edition.html, [a.slug for a in issue.articles])
    largest = sorted(shares.items(), key=lambda item: (-item[1], item[0]))[:3]
    advice = size_advice(size, largest=", ".join(f"'{slug}' {shown_size(share)}" for slug, share in largest))
    problems = [issue_file.problem(None, Verdict("SB501" if size > CLIP_BYTES else "SB502", advice, warning=size <= CLIP_BYTES))] if advice else []
    files = {Path(file.path).stem: file for file in articles}
    for slug, share in sorted(shares.items()):
        if share > LONG_ARTICLE_BYTES:
            verdict = Verdict("SB507", f"The article '{slug}' is {shown_size(share)} of the email's HTML part as sent, more than a sixth "
                              "of the 102 KB at which Gmail cuts emails off; shorten it, or link to the full text.", warning=True)
            problems.append(files.get(slug, issue_file).problem(None, verdict))
    return problems


def _subject(edition: Edition, issue_file: SourceFile) -> list[Problem]:
    if len(edition.subject) <= MAX_SUBJECT:
        return []
    node = node_at(issue_file.root, "subject") or node_at(issue_file.root, "title")
    return [issue_file.problem(node, Verdict(
        "SB503", f"The subject is {len(edition.subject)} characters; inboxes cut it at about {MAX_SUBJECT}, so shorten it.", warning=True,
    ))]


def _preheader(edition: Edition, issue_file: SourceFile) -> list[Problem]:
    if not edition.preheader.strip():
        return [issue_file.problem(None, Verdict(
            "SB504", "The issue has no preheader; add 'preheader:' with one line that inboxes show after the subject.", warning=True,
        ))]
    if len(edition.preheader) > MAX_PREHEADER:
        return [issue_file.problem(node_at(issue_file.root, "preheader"), Verdict(
            "SB504", f"The preheader is {len(edition.preheader)} characters; inboxes show about {MAX_PREHEADER}, so shorten it.", warning=True,
        ))]
    return []


def _missing_from_text(edition: Edition, files: Sequence[SourceFile]) -> list[Problem]:
    text = edition.text.lower()
    problems = []
    for href in sorted({html.unescape(a or b) for a, b in _HREF.findall(edition.html)}):
        if not href or href.startswith("#") or "[[" in href:
            continue
        if href.lower().startswith("mailto:"):
            address = unquote(href[len("mailto:"):].split("?")[0]).strip()
            if address and address.lower() not in text:
                problems.append(_at_first(files, address, Verdict(
                    "SB506", f"The address '{address}' is a link in the email but missing from its text edition; write it in the text as <{address}>.",
                )))
        elif href.lower() not in text and unquote(href).lower() not in text:
            problems.append(_at_first(files, href, Verdict(
                "SB505", f"The link '{href}' is in the email but missing from its text edition; write it as [words]({href}) or <{href}> instead of raw HTML.",
            )))
    return problems


def _at_first(files: Sequence[SourceFile], needle: str, verdict: Verdict) -> Problem:
    """``verdict`` placed where ``needle`` is first written (else on the issue file)."""
    for file in files:
        for candidate in (needle, unquote(needle), html.escape(needle)):
            if found := find_text(file.lines, candidate):
                severity = Severity.WARNING if verdict.warning else Severity.ERROR
                return Problem(file.path, found[0], found[1], verdict.code, verdict.message, severity)
    return files[0].problem(None, verdict)
