"""The plain-text edition, written from the model (never scraped from HTML).

Every sentence, every address, links as full URLs, wrapped at 72 columns
(a URL longer than a line stays whole on its own line).
"""

from __future__ import annotations

from .model import (
    Article, Block, BulletList, Callout, Contacts, Figures, Image, Issue, Link, Quote, Section, Text,
)
from .markdown import markdown_inline_text, markdown_text, wrap

__all__ = ["WIDTH", "render_text"]

WIDTH = 72
_RULE = "=" * WIDTH
_THIN = "-" * WIDTH
_BOX = "*" * WIDTH


def render_text(issue: Issue, sections: tuple[Section, ...], /, *, greeting: str, unsubscribe_url: str) -> str:
    """The text edition of ``issue`` with these ``sections`` (already filtered)."""
    parts = [
        _RULE,
        issue.title.upper(),
        f"{issue.date_label} Issue {issue.number}",
        *([wrap(issue.strapline, width=WIDTH)] if issue.strapline else []),
        _RULE,
        "",
        greeting,
        "",
        issue.welcome.title.upper(),
        "",
        markdown_text(issue.welcome.body, width=WIDTH),
    ]
    for section in sections:
        parts += ["", "", _RULE, section.kind.upper(), _RULE]
        for article in section.articles:
            parts += ["", _article(article)]
    parts += [
        "", "", _RULE,
        f"{issue.title} · {issue.date_label} · Issue {issue.number}",
        "",
        wrap(f"To suggest an article, give feedback or ask a question, write to the team mailbox: {issue.mailbox}", width=WIDTH),
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
