"""Raw HTML in Markdown: report what is unsafe or what the sanitiser would remove.

The email keeps only :data:`soc_bulletin.markdown.ALLOWED_TAGS` and the
attributes its sanitiser allows (asked of the sanitiser itself); anything
else is dropped when rendering. Here each dropped piece becomes a problem,
so authors learn about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from ..content.markdown import ALLOWED_TAGS, sanitise
from .codes import Verdict

__all__ = ["HtmlFinding", "scan_html", "style_verdicts"]

_EMBEDS = frozenset({"iframe", "frame", "frameset", "embed", "object", "applet"})
_MAX_WIDTH_PX = 600
_MIN_FONT_PX = 12
# CSS absolute units in pixels
_UNITS = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6}
_RELATIVE_FONT = {"em": 16.0, "rem": 16.0, "%": 0.16}
_FONT_KEYWORDS = frozenset({"xx-small", "x-small", "smaller"})
_LENGTH = re.compile(r"^(-?\d*\.?\d+)\s*([a-z%]*)$")


@dataclass(frozen=True, slots=True)
class HtmlFinding:
    """A verdict on a piece of an HTML fragment, at ``offset`` in it.

    ``href`` is set for a link's target, which the link checks then judge.
    """

    offset: int
    verdict: Verdict | None = None
    href: str | None = None


def scan_html(fragment: str, /) -> list[HtmlFinding]:
    """Every unsafe or dropped tag, attribute and comment of ``fragment``, plus its link targets."""
    parser = _Parser()
    parser.feed(fragment)  # HTMLParser is lenient; a crash is a bug, which the check reports (SB900), never "no findings"
    parser.close()
    return parser.found


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[HtmlFinding] = []
        self._line_starts = [0]
        self._source = ""

    def feed(self, data: str) -> None:
        self._source = data
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", data))]
        super().feed(data)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[min(line, len(self._line_starts)) - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        at = self._offset()
        raw = self.get_starttag_text() or ""
        if tag == "script":
            self._add(at, Verdict("SB301", "A <script> is not allowed in an email and is removed with its content; delete it."))
            return
        if tag in _EMBEDS:
            self._add(at, Verdict("SB302", f"An <{tag}> cannot be shown in an email and is removed; link to the content with an https:// link instead."))
            return
        kept = tag in ALLOWED_TAGS
        if tag == "img":
            self._add(at, Verdict("SB405", "The <img> tag is removed from the email; use an image block with alt text instead."))
        elif not kept:
            allowed = ", ".join(f"<{t}>" for t in sorted(ALLOWED_TAGS))
            self._add(at, Verdict("SB305", f"The <{tag}> tag is removed from the email. Only these tags are kept: {allowed}."))
        surviving = _surviving_attributes(tag, raw) if kept else set()
        for name, value in attrs:
            self._attribute(at, raw, tag, name, value, kept=kept, surviving=surviving)

    def _attribute(self, at: int, raw: str, tag: str, name: str, value: str | None, *, kept: bool, surviving: set[str]) -> None:
        """One attribute of the tag ``raw`` at ``at`` (``kept``: the tag stays; ``surviving``: the attributes that stay)."""
        where = at + _attribute_offset(raw, name)
        if name.startswith("on"):
            self._add(where, Verdict("SB303", f"The event handler '{name}' on <{tag}> is not allowed in an email; delete it."))
        elif name == "style":
            verdicts = style_verdicts(value or "")
            if not verdicts and kept:  # on a removed tag, the attribute goes with it
                verdicts = [Verdict("SB305", f"The style attribute on <{tag}> is removed from the email; delete it.")]
            for verdict in verdicts:
                self._add(where, verdict)
        elif name == "href" and tag == "a":  # judged by the link checks, scheme and all
            value_at = raw.find(value, where - at) if value else -1
            self.found.append(HtmlFinding(at + value_at if value_at >= 0 else where, href=value or ""))
        elif kept and name not in surviving:
            self._add(where, Verdict("SB305", f"The attribute '{name}' on <{tag}> is removed from the email; delete it."))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self._add(self._offset(), Verdict("SB305", "This HTML comment is removed from the email.", warning=True))

    def _add(self, offset: int, verdict: Verdict) -> None:
        self.found.append(HtmlFinding(offset, verdict))


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.update(name for name, _ in attrs)


def _surviving_attributes(tag: str, raw_tag: str) -> set[str]:
    """The attributes of ``raw_tag`` that the email's sanitiser keeps (asked of it, not guessed)."""
    parser = _Attributes()
    parser.feed(sanitise(f"{raw_tag}</{tag}>"))
    return parser.names


def _attribute_offset(raw_tag: str, name: str) -> int:
    match = re.search(rf"\s{re.escape(name)}(?=[\s=/>]|$)", raw_tag, re.IGNORECASE)
    return match.start() + 1 if match else 0


def style_verdicts(style: str, /) -> list[Verdict]:
    """The declarations of an inline ``style`` that break an email's layout (SB304)."""
    verdicts = []
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip().lower().removesuffix("!important").strip()
        if not name or not value:
            continue
        reason = _breaks_layout(name, value)
        if reason:
            verdicts.append(Verdict("SB304", f"The inline style '{name}: {value}' {reason}; delete it."))
    return verdicts


def _breaks_layout(name: str, value: str) -> str:
    if name == "position" and value not in ("static", "initial", "inherit", "unset"):
        return "takes content out of the page flow and breaks the email layout"
    if name == "float" and value not in ("none", "initial", "inherit", "unset"):
        return "breaks the email layout in many mail programs"
    if name in ("width", "min-width"):
        pixels = _pixels(value, _UNITS)
        if pixels is not None and pixels > _MAX_WIDTH_PX:
            return f"is wider than the {_MAX_WIDTH_PX} px email and breaks its layout on phones"
    if name == "font-size":
        pixels = _pixels(value, {**_UNITS, **_RELATIVE_FONT})
        if value in _FONT_KEYWORDS or (pixels is not None and pixels < _MIN_FONT_PX):
            return f"makes text smaller than {_MIN_FONT_PX} px, too small to read on a phone"
    return ""


def _pixels(value: str, units: dict[str, float]) -> float | None:
    match = _LENGTH.match(value)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or "px"
    return number * units[unit] if unit in units else None
