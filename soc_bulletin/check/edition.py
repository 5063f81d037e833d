"""The rendered edition: HTML size (Gmail clips over 102 KB), subject and preheader, and
that every link and address of the HTML is in the text edition too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import unquote

from ..content.model import Issue
from ..content.yamlfile import node_at
from ..errors import BulletinError
from ..problems import Problem, Severity
from ..render.renderer import Edition, render
from .codes import Verdict
from .compat import compat_verdicts
from .locate import SourceFile, find_text

__all__ = ["CLIP_BYTES", "MAX_PREHEADER", "MAX_SUBJECT", "WARN_BYTES", "check_edition"]

CLIP_BYTES = 102 * 1024
WARN_BYTES = 90 * 1024
MAX_SUBJECT = 78
MAX_PREHEADER = 140

_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def check_edition(
    issue: Issue, issue_file: SourceFile, articles: Sequence[SourceFile], /, *, edition: Edition | None = None,
) -> list[Problem]:
    """Render ``issue`` (unless its ``edition`` is given) and judge the result; problems are placed in the files they come from."""
    if edition is None:
        try:
            edition = render(issue)
        except BulletinError as exc:
            return [issue_file.problem(None, Verdict("SB500", f"The edition could not be rendered: {exc}"))]
    problems = _size(edition, issue_file) + _subject(edition, issue_file) + _preheader(edition, issue_file)
    problems += [issue_file.problem(None, verdict) for verdict in compat_verdicts(edition.html)]  # SB510, SB511
    return problems + _missing_from_text(edition, [issue_file, *articles])


def _size(edition: Edition, issue_file: SourceFile) -> list[Problem]:
    size = len(edition.html.encode("utf-8"))
    shown = f"{size / 1024:.1f} KB"
    if size > CLIP_BYTES:
        verdict = Verdict("SB501", f"The email's HTML is {shown}; Gmail cuts off emails over 102 KB, so shorten the articles or move some to the next issue.")
    elif size > WARN_BYTES:
        verdict = Verdict("SB502", f"The email's HTML is {shown}, close to the 102 KB at which Gmail cuts emails off; keep further additions short.", warning=True)
    else:
        return []
    return [issue_file.problem(None, verdict)]


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
