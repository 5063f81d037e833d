"""The plain-text edition, written from the model (never scraped from HTML).

Every sentence, every address, links as full URLs, wrapped at 72 columns
(a URL longer than a line stays whole on its own line). Only the layout's
own greeting and unsubscribe tokens stay placeholders, each on a line of
its own: in content, a bracket followed by another gets a WORD JOINER
(U+2060) after it, which a reader does not see, and control characters
are dropped.

The edition is written to travel as quoted-printable one message line per
text line: rules avoid ``=`` (encoded ``=3D``), and a paragraph whose
encoded lines would pass :data:`QP_LINE` (non-ASCII letters cost up to 9
columns) is wrapped narrower, so only an unbreakable word (a long URL)
ever needs a soft line break.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..content.markdown import markdown_inline_text, markdown_text, wrap
from ..content.model import (
    Article,
    Block,
    BulletList,
    Callout,
    Contacts,
    Figures,
    Image,
    Issue,
    Link,
    Quote,
    Section,
    Text,
    strip_unsafe,
)
from ..content.wording import Wording, wording

__all__ = ["QP_LINE", "WIDTH", "defuse_text", "qp_width", "render_text"]

_OPENING = re.compile(r"\[(?=\[)")


def defuse_text(text: str, /) -> str:
    """Content for the text edition: unsafe characters dropped, ``[[`` never left whole."""
    text = strip_unsafe(text)
    return _OPENING.sub("[\u2060", text) if "[[" in text else text

WIDTH = 72
#: the longest line quoted-printable allows (RFC 2045), soft line break included
QP_LINE = 76
_RULE = "#" * WIDTH
_THIN = "-" * WIDTH
_BOX = "*" * WIDTH
_NARROWEST = WIDTH - 16


# The bytes quoted-printable encodes (=XX, three columns each): all but printable ASCII other than "=".
_ENCODED = bytes(b for b in range(256) if not (0x20 <= b <= 0x7E) or b == ord("="))


def qp_width(line: str, /) -> int:
    """The length of ``line`` quoted-printable encoded, without soft breaks."""
    if line.isascii() and "=" not in line and not line.startswith(".") and not line.endswith((" ", "\t")):
        return len(line)
    data = line.encode()
    plain = len(data.translate(None, _ENCODED))  # a character that is not plain is all encoded bytes
    width = plain + 3 * (len(data) - plain)
    return width + 2 * line.startswith(".") + 2 * line.endswith((" ", "\t"))


def _fits(text: str) -> bool:
    """Whether every breakable line of ``text`` encodes within :data:`QP_LINE`."""
    return all(qp_width(line) <= QP_LINE or " " not in line.strip() for line in text.split("\n"))


@lru_cache(maxsize=8192)
def _wrap(text: str, /, *, indent: str = "", hanging: str | None = None) -> str:
    """:func:`wrap` at :data:`WIDTH`, narrower where non-ASCII text would pass :data:`QP_LINE` encoded."""
    for width in range(WIDTH, _NARROWEST - 1, -2):
        wrapped = wrap(text, width=width, indent=indent, hanging=hanging)
        if text.isascii() or _fits(wrapped):
            break
    return wrapped


@lru_cache(maxsize=4096)
def _markdown(source: str, /) -> str:
    """Block Markdown as text (see :func:`_wrap`)."""
    for width in range(WIDTH, _NARROWEST - 1, -2):
        text = markdown_text(source, width=width)
        if source.isascii() or _fits(text):
            break
    return text


def render_text(
    issue: Issue, sections: tuple[Section, ...], /, *, greeting: str, unsubscribe_url: str, toc: bool = True, web_url: str = "",
    preferences_url: str = "", words: Wording | None = None, date_label: str = "", elsewhere: str = "",
) -> str:
    """The text edition of ``issue`` with these ``sections`` (already filtered); ``toc`` adds "In this issue", ``web_url``
    the link to the issue's page at the top (as the HTML edition has it), ``preferences_url`` a link to the reader's
    preference page; ``greeting`` "" leaves the greeting out. ``words`` are the fixed words (default: the issue's language's);
    ``elsewhere`` says (after the welcome) which articles a bilingual edition's other part holds."""
    _ = words or wording(issue.language)
    date_label = date_label or _.month_year(issue.date)
    c = defuse_text  # every part made from content goes through it; the tokens do not
    number = _("Issue %(number)s", number=issue.number)
    browser, mailbox = _("View this bulletin in your browser"), _("To suggest an article, give feedback or ask a question, write to the team mailbox:")
    partner, unsubscribe = _("You receive this bulletin as a partner of the team."), _("Unsubscribe at any time:")
    parts = [
        *([f"{browser}: <{web_url}>", ""] if web_url else []),
        _RULE,
        c(issue.title.upper()),
        f"{date_label} {number}",
        *([c(_wrap(issue.strapline))] if issue.strapline else []),
        _RULE,
        *(["", greeting] if greeting else []),
        "",
        c(issue.welcome.title.upper()),
        "",
        c(_markdown(issue.welcome.body)),
        *(["", _wrap(elsewhere)] if elsewhere else []),
    ]
    if toc and sections:
        parts += _contents(sections, _)
    parts += _sections(sections, _)
    parts += [
        "", "", _RULE,
        c(_wrap(f"{issue.title} · {date_label} · {number}")),
        "",
        c(_wrap(f"{mailbox} {issue.mailbox}")),
        "",
        _wrap(f"{partner} {unsubscribe}"),
        unsubscribe_url,
        *(["", _("Manage your subscription (your details, a pause, a new address):"), preferences_url] if preferences_url else []),
        "",
    ]
    return "\n".join(parts)


def _contents(sections: tuple[Section, ...], _: Wording) -> list[str]:
    """"In this issue": each section's label and its articles' titles."""
    c = defuse_text
    heading = _("In this issue").upper()
    parts = ["", "", heading, "~" * len(heading)]
    for section in sections:
        parts += ["", c(_wrap(section.label))]
        parts += [c(_wrap(article.title, indent="- ", hanging="  ")) for article in section.articles]
    return parts


def _sections(sections: tuple[Section, ...], _: Wording) -> list[str]:
    """Each section under its label, each article with a note when it is in another language only."""
    c = defuse_text
    parts: list[str] = []
    for section in sections:
        parts += ["", "", _RULE, c(section.label.upper()), _RULE]
        for article in section.articles:
            note = _("This article is in %(language)s only.", language=_.language_name(article.language)) if article.language else ""
            parts += ["", *([_wrap(note), ""] if note else []), c(_article(article, _))]
    return parts


def _article(article: Article, words: Wording) -> str:
    title = _wrap(article.title)
    out = [title, _THIN[: min(WIDTH, max(len(line) for line in title.split("\n")))]]
    if article.standfirst:
        out += ["", _wrap(article.standfirst)]
    for block in article.blocks:
        out += ["", _block(block, words)]
    out += ["", _THIN]
    return "\n".join(out)


def _block(block: Block, _: Wording) -> str:
    match block:
        case Text(markdown=source):
            return _markdown(source)
        case BulletList(items=items):
            return "\n".join(_wrap(markdown_inline_text(i), indent="- ", hanging="  ") for i in items)
        case Figures(figures=figures):
            return "\n".join(_wrap(f"{f.value} {f.label}", indent="* ", hanging="  ") for f in figures)
        case Quote():
            return _quote(block)
        case Callout(title=title, body=body):
            return "\n".join([_BOX, title, "~" * min(WIDTH, len(title)), "", _markdown(body), _BOX])
        case Image(alt=alt, caption=caption):
            return _wrap(_("[Image: %(alt)s]", alt=alt) + (f" {caption}" if caption else ""))
        case Link(url=url, text=text):
            return _wrap(f"{text}: {url}" if text else url)
        case Contacts():
            return _contacts(block)
    raise TypeError(f"unknown block {type(block).__name__}")  # pragma: no cover


def _quote(block: Quote) -> str:
    """The quotation indented, and who said it (name, role) beneath."""
    cite = ", ".join(x for x in (block.speaker, block.role) if x)
    quoted = _wrap(f"“{block.text}”", indent="    ")
    return quoted + ("\n" + _wrap(f"— {cite}", indent="    ") if cite else "")


def _contacts(block: Contacts) -> str:
    """The title underlined, then one line per contact: name, role, organisation - address."""
    lines = [block.title, "~" * min(WIDTH, len(block.title))] if block.title else []
    for c in block.contacts:
        who = ", ".join(x for x in (c.name, c.role, c.organisation) if x)
        lines.append(_wrap(f"{who} - {c.email}" if who else c.email, hanging="  "))
    return "\n".join(lines)
