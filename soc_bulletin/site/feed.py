"""The archive's Atom feed (RFC 4287): one entry per public issue, newest first, for partners' feed readers.

Written with the standard library's ElementTree, so every value is escaped.
Each entry links to the issue's page by a relative URL (resolved against the
feed's own address, so the site works from any address); with the site's
``base_url`` the links are absolute and the feed names itself (``rel="self"``).
Identifiers never change: the issue's web address, or without one a ``tag:``
URI (RFC 4151) made from the team mailbox's domain, the issue's date and its
folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import quote
from xml.etree import ElementTree as ET

from ..content.model import Issue
from ..render.renderer import web_url

__all__ = ["ATOM", "FEED_FILE", "atom_feed"]

ATOM = "http://www.w3.org/2005/Atom"
#: The feed's file name in the site folder.
FEED_FILE = "feed.xml"


def _stamp(day: dt.date) -> str:
    """An RFC 3339 date-time for a day: its start, in UTC."""
    return f"{day.isoformat()}T00:00:00Z"


def _tag(issue: Issue, specific: str) -> str:
    domain = issue.mailbox.rpartition("@")[2].lower() or "example.org"
    return f"tag:{domain},{issue.date.isoformat()}:{quote(specific, safe='')}"


def _add(parent: ET.Element, name: str, text: str = "", /, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text:
        element.text = text
    return element


def atom_feed(issues: Sequence[tuple[str, Issue]], /, *, base_url: str = "") -> str:
    """The feed of ``issues`` (``(folder name, public issue)`` pairs, newest first) as an XML document."""
    if not issues:
        raise ValueError("a feed needs at least one issue")
    ET.register_namespace("", ATOM)
    newest, oldest = issues[0][1], issues[-1][1]
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "title", newest.title)
    if newest.strapline:
        _add(feed, "subtitle", newest.strapline)
    site = f"{base_url.rstrip('/')}/" if base_url else ""
    _add(feed, "id", site or _tag(oldest, "archive"))
    _add(feed, "updated", _stamp(max(issue.date for _, issue in issues)))
    author = _add(feed, "author")
    _add(author, "name", newest.title)
    _add(author, "email", newest.mailbox)
    _add(feed, "link", rel="alternate", type="text/html", href=f"{site}index.html")
    if site:
        _add(feed, "link", rel="self", type="application/atom+xml", href=f"{site}{FEED_FILE}")
    _add(feed, "generator", "soc-bulletin")
    for folder, issue in issues:
        _entry(feed, folder, issue, base_url)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _entry(feed: ET.Element, folder: str, issue: Issue, base_url: str) -> None:
    """An issue's entry: title, id, dates, its page, and a summary (the preheader and the articles' titles)."""
    entry = _add(feed, "entry")
    _add(entry, "title", f"Issue {issue.number} · {issue.date_label}")
    page = web_url(base_url, folder)
    _add(entry, "id", page or _tag(issue, folder))
    _add(entry, "updated", _stamp(issue.date))
    _add(entry, "published", _stamp(issue.date))
    _add(entry, "link", rel="alternate", type="text/html", href=f"{page or quote(folder) + '/'}index.html")
    titles = "; ".join(article.title for article in issue.articles)
    summary = " ".join(f"{part.rstrip('.')}." for part in (issue.preheader, f"In this issue: {titles}" if titles else "") if part)
    _add(entry, "summary", summary or issue.title)
