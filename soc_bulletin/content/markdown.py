"""Markdown for article text: to sanitised HTML for email, to wrapped plain text.

CommonMark via markdown-it-py; raw HTML is allowed in the source but the
result always goes through nh3, which keeps only the tags below and only
``https:``, ``http:`` and ``mailto:`` links. ``soc_bulletin.check.html``
reports what the sanitiser would remove, so nothing is dropped silently.
Control and direction-changing characters are dropped before parsing (the
loader reports them). ``styles`` gives tags an inline ``style`` (the layout's
choice per place: email clients drop ``<style>`` blocks), added after sanitising.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape, unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .model import strip_unsafe

__all__ = [
    "ALLOWED_TAGS", "Styles", "add_styles", "markdown_html", "markdown_inline_html", "markdown_text", "markdown_inline_text", "wrap",
]

ALLOWED_TAGS = frozenset({"p", "ul", "ol", "li", "strong", "em", "b", "i", "a", "h3", "h4", "br", "blockquote", "code"})
_ATTRIBUTES = {"a": {"href", "title"}}
_SCHEMES = {"https", "http", "mailto"}

_md = MarkdownIt("commonmark", {"html": True, "typographer": False})

#: Inline styles by tag name, such as ``(("p", "margin:0 0 12px;"),)``: hashable, so renderings are cached.
Styles = tuple[tuple[str, str], ...]
# Every tag of sanitised HTML, attribute values (which may hold "<" and ">") whole.
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")


def sanitise(html: str, /) -> str:
    """Keep only safe tags, attributes and link schemes."""
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes=_ATTRIBUTES, url_schemes=_SCHEMES, link_rel=None)


def add_styles(html: str, styles: Styles, /) -> str:
    """Sanitised ``html`` with each start tag named in ``styles`` given that ``style`` attribute.

    The sanitiser leaves no ``style`` of its own, so each tag gets exactly one.
    """
    if not styles:
        return html
    table = {tag: f' style="{escape(style)}"' for tag, style in styles}

    def styled(tag: re.Match[str]) -> str:
        add = "" if tag[1] else table.get(tag[2], "")
        return f"<{tag[2]}{add}{tag[3]}>" if add else tag[0]

    return _TAG.sub(styled, html)


@lru_cache(maxsize=4096)
def markdown_html(source: str, /, *, styles: Styles = ()) -> str:
    """Render block Markdown to sanitised HTML, tags styled as ``styles`` says.

    Headings become ``<h4>``: inside an article they sit below its ``<h3>`` title,
    whatever level the author wrote.
    """
    tokens = _md.parse(strip_unsafe(source))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h4"
    return add_styles(sanitise(_md.renderer.render(tokens, _md.options, {})).strip(), styles)


@lru_cache(maxsize=4096)
def markdown_inline_html(source: str, /, *, styles: Styles = ()) -> str:
    """Render inline Markdown (a list item, a label) to sanitised HTML, no ``<p>``; ``styles`` as above."""
    return add_styles(sanitise(_md.renderInline(strip_unsafe(source))).strip(), styles)


@lru_cache(maxsize=8192)
def wrap(text: str, /, *, width: int = 72, indent: str = "", hanging: str | None = None) -> str:
    """Wrap plain text to ``width`` columns without breaking URLs or addresses.

    Greedy, word by word (textwrap's general machinery is several times
    slower and the text edition wraps thousands of lines a build). A word
    longer than a line gets a line of its own.
    """
    lines: list[str] = []
    line, empty = indent, True
    rest = indent if hanging is None else hanging
    for word in text.split():
        if not empty and len(line) + 1 + len(word) > width:
            lines.append(line)
            line, empty = rest + word, False
        else:
            line, empty = (line + word, False) if empty else (line + " " + word, False)
    lines.append(line)
    return "\n".join(lines)


@lru_cache(maxsize=4096)
def markdown_inline_text(source: str, /) -> str:
    """Inline Markdown as plain text; links keep their full URL."""
    tokens = _md.parseInline(strip_unsafe(source))
    return _inline_text(tokens[0].children or []) if tokens else ""


@lru_cache(maxsize=4096)
def markdown_text(source: str, /, *, width: int = 72) -> str:
    """Block Markdown as plain text paragraphs, wrapped to ``width`` columns."""
    out: list[tuple[str, bool]] = []  # (paragraph, is a list item)
    list_stack: list[list[int]] = []  # per open list: [next number] or [0] for bullets
    heading = False
    for token in _md.parse(strip_unsafe(source)):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_stack.append([int(token.attrs.get("start", 1) or 1)] if token.type == "ordered_list_open" else [0])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        elif token.type == "inline":
            text = _inline_text(token.children or [])
            if heading:
                out.append((f"{text}\n{'~' * min(width, len(text))}", False))
            elif list_stack and token.level >= 2:
                out.append((_list_item(text, list_stack, width), True))
            else:
                out.append((wrap(text, width=width), False))
        elif token.type == "html_block":
            out.append((wrap(_html_text(token.content), width=width), False))
        elif token.type in ("code_block", "fence"):
            out.append((token.content.rstrip(), False))
    return _joined(out)


def _list_item(text: str, list_stack: list[list[int]], width: int) -> str:
    """A list item wrapped under its bullet or number (the next number counted), indented by the lists it is in."""
    counter = list_stack[-1]
    bullet = f"{counter[0]}. " if counter[0] else "- "
    if counter[0]:
        counter[0] += 1
    pad = "  " * (len(list_stack) - 1)
    return wrap(text, width=width, indent=pad + bullet, hanging=pad + " " * len(bullet))


def _joined(paragraphs: list[tuple[str, bool]]) -> str:
    """Paragraphs with a blank line between them, list items of one list on lines of their own."""
    text = ""
    for i, (paragraph, is_item) in enumerate(paragraphs):
        if i:
            text += "\n" if is_item and paragraphs[i - 1][1] else "\n\n"
        text += paragraph
    return text


def _html_text(html: str) -> str:
    """The words of raw HTML, as the sanitiser leaves them, without tags."""
    return unescape(nh3.clean(html, tags=set()))


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    href_stack: list[tuple[str, int]] = []
    for child in children:
        if child.type == "text" or child.type == "code_inline":
            parts.append(child.content)
        elif child.type == "html_inline":
            parts.append(_html_text(child.content))
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            href_stack.append((str(child.attrs.get("href", "")), len(parts)))
        elif child.type == "link_close" and href_stack:
            href, start = href_stack.pop()
            label = "".join(parts[start:])
            shown = href.removeprefix("mailto:")
            if label.strip() != shown and href:
                parts.append(f" ({shown})")
    return "".join(parts)
