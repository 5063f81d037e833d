"""The plain-text edition, written from the model (never scraped from HTML).

Every sentence, every address, links as full URLs, wrapped at 72 columns
(a URL longer than a line stays whole on its own line). Only the layout's
own greeting and unsubscribe tokens stay placeholders: in content, a
bracket followed by another gets a WORD JOINER (U+2060) after it, which a
reader does not see, and control characters are dropped.
"""

from __future__ import annotations

import re

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

__all__ = ["WIDTH", "defuse_text", "render_text"]

_OPENING = re.compile(r"\[(?=\[)")


def defuse_text(text: str, /) -> str:
    """Content for the text edition: unsafe characters dropped, ``[[`` never left whole."""
    return _OPENING.sub("[\u2060", strip_unsafe(text))

WIDTH = 72
_RULE = "=" * WIDTH
_THIN = "-" * WIDTH
_BOX = "*" * WIDTH


def render_text(issue: Issue, sections: tuple[Section, ...], /, *, greeting: str, unsubscribe_url: str) -> str:
    """The text edition of ``issue`` with these ``sections`` (already filtered)."""
    c = defuse_text  # every part made from content goes through it; the tokens do not
    parts = [
        _RULE,
        c(issue.title.upper()),
        f"{issue.date_label} Issue {issue.number}",
        *([c(wrap(issue.strapline, width=WIDTH))] if issue.strapline else []),
        _RULE,
        "",
        greeting,
        "",
        c(issue.welcome.title.upper()),
        "",
        c(markdown_text(issue.welcome.body, width=WIDTH)),
    ]
    for section in sections:
        parts += ["", "", _RULE, c(section.kind.upper()), _RULE]
        for article in section.articles:
            parts += ["", c(_article(article))]
    parts += [
        "", "", _RULE,
        c(f"{issue.title} · {issue.date_label} · Issue {issue.number}"),
        "",
        c(wrap(f"To suggest an article, give feedback or ask a question, write to the team mailbox: {issue.mailbox}", width=WIDTH)),
        "",
        wrap(f"You receive this bulletin as a partner of the team. Unsubscribe at any time: {unsubscribe_url}", width=WIDTH),
        "",
    ]
    return "\n".join(parts)


def _article(article: Article) -> str:
    out = [wrap(article.title, width=WIDTH), _THIN[: min(WIDTH, len(article.title))]]
    if article.standfirst:
        out += ["", wrap(article.standfirst, width=WIDTH)]
    for block in article.blocks:
        out += ["", _block(block)]
    out += ["", _THIN]
    return "\n".join(out)


def _block(block: Block) -> str:
    match block:
        case Text(markdown=source):
            return markdown_text(source, width=WIDTH)
        case BulletList(items=items):
            return "\n".join(wrap(markdown_inline_text(i), width=WIDTH, indent="- ", hanging="  ") for i in items)
        case Figures(figures=figures):
            return "\n".join(wrap(f"{f.value} {f.label}", width=WIDTH, indent="* ", hanging="  ") for f in figures)
        case Quote(text=text, speaker=speaker, role=role):
            cite = ", ".join(x for x in (speaker, role) if x)
            quoted = wrap(f"“{text}”", width=WIDTH, indent="    ")
            return quoted + ("\n" + wrap(f"— {cite}", width=WIDTH, indent="    ") if cite else "")
        case Callout(title=title, body=body):
            return "\n".join([_BOX, title, "~" * min(WIDTH, len(title)), "", markdown_text(body, width=WIDTH), _BOX])
        case Image(alt=alt, caption=caption):
            return wrap(f"[Image: {alt}]" + (f" {caption}" if caption else ""), width=WIDTH)
        case Link(url=url, text=text):
            return wrap(f"{text}: {url}" if text else url, width=WIDTH)
        case Contacts(title=title, contacts=contacts):
            lines = [title, "~" * min(WIDTH, len(title))] if title else []
            for c in contacts:
                who = ", ".join(x for x in (c.name, c.role, c.organisation) if x)
                lines.append(wrap(f"{who} - {c.email}" if who else c.email, width=WIDTH, hanging="  "))
            return "\n".join(lines)
    raise TypeError(f"unknown block {type(block).__name__}")  # pragma: no cover
