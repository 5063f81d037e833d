"""Scan Markdown for what the checks look at: links, raw HTML, bare addresses, images.

The parser is markdown-it's CommonMark, as in rendering, but it accepts
every link destination as written (no percent-encoding, no refusal of
``javascript:``) so the checks see what the author wrote. Each finding
carries its offset in the Markdown source, found by searching the source
forward from the block it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["Finding", "Kind", "scan"]


class Kind(Enum):
    """What a finding is."""

    LINK = "link"            # a link's destination (Markdown link or autolink)
    HTML = "html"            # raw HTML written in the Markdown
    BARE_URL = "bare url"    # a web address in text that is not a link
    BARE_ADDRESS = "bare address"  # an email address in text that is not a link
    IMAGE = "image"          # a Markdown image ``![alt](src)``
    RULE = "rule"            # a horizontal rule ``---``
    CODE = "code"            # an indented or fenced code block
    NUMBERING = "numbering"  # a numbered list that does not start at 1 (its start number)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found in Markdown: its kind, its text and its offset in the source.

    ``label`` is a written link's words (empty for an autolink, which shows its target).
    """

    kind: Kind
    value: str
    offset: int
    label: str = field(default="", compare=False)


class _AsWritten(MarkdownIt):
    """CommonMark that keeps every link destination as written."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        return True

    def normalizeLink(self, url: str) -> str:  # noqa: N802
        return url

    def normalizeLinkText(self, link: str) -> str:  # noqa: N802
        return link


_md = _AsWritten("commonmark", {"html": True})

_BARE_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"'`]+", re.IGNORECASE)
_BARE_ADDRESS = re.compile(r"(?<![\w.+@-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_TRAILING = ".,;:!?)]}*_"


def scan(source: str, /, *, inline: bool = False) -> list[Finding]:
    """The findings of ``source`` (block Markdown, or inline when ``inline``), in order."""
    starts = _line_starts(source)
    found: list[Finding] = []
    tokens = _md.parseInline(source) if inline else _md.parse(source)
    for token in tokens:
        begin = starts[min(token.map[0], len(starts) - 1)] if token.map else 0
        if token.type == "inline":
            _scan_inline(token.children or [], source, begin, found)
        elif token.type == "html_block":
            found.append(Finding(Kind.HTML, token.content, _find(source, token.content.strip().split("\n")[0], begin)))
        elif token.type == "hr":
            indent = _leading_spaces(source, begin)
            found.append(Finding(Kind.RULE, source[begin:].split("\n", 1)[0].strip(), begin + indent))
        elif token.type == "ordered_list_open" and str(token.attrs.get("start", "1")) != "1":
            found.append(Finding(Kind.NUMBERING, str(token.attrs["start"]), begin + _leading_spaces(source, begin)))
        elif token.type in ("code_block", "fence"):
            found.append(Finding(Kind.CODE, token.content, begin))
    return found


def _label(children: Sequence[Token], start: int) -> str:
    """The words of the link opened at ``children[start]``."""
    words, depth = [], 0
    for child in children[start:]:
        depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if depth == 0:
            break
        if child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
    return "".join(words)


def _scan_inline(children: Sequence[Token], source: str, cursor: int, found: list[Finding]) -> None:
    in_link = 0
    for index, child in enumerate(children):
        if child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            label = "" if child.markup == "autolink" else _label(children, index)
            if child.markup == "autolink":
                at = _first(source, cursor, "<" + href, "<" + href.removeprefix("mailto:")) + 1
            else:  # the destination follows "](", unless it is a reference link's
                at = _first(source, cursor, "](" + href, "](<" + href)
                at = at + (3 if source.startswith("](<", at) else 2) if at >= 0 else -1
            if at >= 0:
                found.append(Finding(Kind.LINK, href, max(at, cursor), label))
                cursor = max(cursor, at)
            else:  # a reference link: point at its definition, read on from here
                found.append(Finding(Kind.LINK, href, _find(source, href, 0), label))
            in_link += 1
        elif child.type == "link_close":
            in_link = max(0, in_link - 1)
        elif child.type == "html_inline":
            at = _find(source, child.content, cursor)
            found.append(Finding(Kind.HTML, child.content, at))
            cursor = at + len(child.content)
        elif child.type == "image":
            at = _find(source, "![", cursor)
            found.append(Finding(Kind.IMAGE, str(child.attrs.get("src", "")), at))
            cursor = at + 2
        elif child.type == "text" and not in_link:
            cursor = _scan_text(child.content, source, cursor, found)


def _scan_text(text: str, source: str, cursor: int, found: list[Finding]) -> int:
    urls = [(m.start(), m.group().rstrip(_TRAILING), Kind.BARE_URL) for m in _BARE_URL.finditer(text)]
    covered = [(start, start + len(url)) for start, url, _ in urls]
    addresses = [
        (m.start(), m.group().rstrip(_TRAILING), Kind.BARE_ADDRESS) for m in _BARE_ADDRESS.finditer(text)
        if not any(a <= m.start() < b for a, b in covered)
    ]
    for _, value, kind in sorted(urls + addresses):
        at = _find(source, value, cursor)
        found.append(Finding(kind, value, at))
        cursor = at + len(value)
    return cursor


def _first(source: str, start: int, *needles: str) -> int:
    """The offset of the first of ``needles`` found at or after ``start``, or -1."""
    for needle in needles:
        if needle and (at := source.find(needle, start)) >= 0:
            return at
    return -1


def _find(source: str, needle: str, start: int) -> int:
    """The offset of ``needle`` at or after ``start``; ``start`` itself when absent."""
    at = source.find(needle, start) if needle else -1
    return at if at >= 0 else start


def _leading_spaces(source: str, start: int) -> int:
    end = source.find("\n", start)
    line = source[start : end if end >= 0 else len(source)]
    return len(line) - len(line.lstrip(" "))


def _line_starts(source: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", source))]
