"""The bulletin as typed, immutable values: no I/O, no rendering.

An :class:`Issue` holds a :class:`Welcome` and :class:`Section` s; a section
holds :class:`Article` s; an article is a title, a standfirst and an ordered
tuple of blocks. The YAML loader and Python code build the same objects.

Text fields named ``body``, ``markdown`` or list ``items`` are Markdown;
every other string is plain text and is escaped when rendered.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeAlias

__all__ = [
    "Article",
    "Block",
    "BulletList",
    "Callout",
    "Contact",
    "Contacts",
    "Figure",
    "Figures",
    "Image",
    "Issue",
    "Link",
    "Quote",
    "Section",
    "Text",
    "Welcome",
    "LOCAL_IMAGE_PATH",
    "PLACEHOLDER_SYNTAX",
    "UNSAFE_CHARACTERS",
    "is_safe",
    "slugify",
    "strip_unsafe",
]

#: Characters no content string may hold: C0 controls other than tab and line feed
#: (which multi-line fields allow), DEL, C1 controls, the line and paragraph separators,
#: and the bidirectional embeddings, overrides and isolates that can disguise text.
UNSAFE_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

#: The characters of a local image path: letters and digits of any script, spaces and ``-_.()+,~@!/``.
LOCAL_IMAGE_PATH = re.compile(r"[\w .()+,~@!/-]+")

#: What a per-recipient placeholder looks like (``[[unsubscribe_url]]``); content may not use it.
PLACEHOLDER_SYNTAX = re.compile(r"\[\[\s*[A-Za-z_][\w.-]*\s*\]\]")


def strip_unsafe(text: str, /) -> str:
    """``text`` without :data:`UNSAFE_CHARACTERS` (the loader reports them; rendering drops them)."""
    return text if is_safe(text) else UNSAFE_CHARACTERS.sub("", text)


def is_safe(text: str, /) -> bool:
    """Whether ``text`` holds none of :data:`UNSAFE_CHARACTERS`.

    Each of them is unprintable, so printable text (line breaks and tabs
    aside) is known safe without the slower search.
    """
    return text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable() or not UNSAFE_CHARACTERS.search(text)


@lru_cache(maxsize=1024)
def slugify(text: str, /) -> str:
    """Lower-case ASCII words joined by hyphens: ``"Meet the..."`` -> ``"meet-the"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Text:
    """One or more Markdown paragraphs (may include lists and ``###`` headings)."""

    markdown: str


@dataclass(frozen=True, slots=True)
class BulletList:
    """A bullet list; each item is inline Markdown."""

    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Figure:
    """A key figure: a prominent ``value`` ("1,289") and the words that follow it."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Figures:
    """A group of key figures, shown large."""

    figures: tuple[Figure, ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation with the person who said it and their role."""

    text: str
    speaker: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True)
class Callout:
    """A boxed aside with a title and a Markdown body."""

    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Image:
    """An image: a local path (relative to the issue folder) or an https URL.

    ``alt`` is required: it is what a screen reader or a client with images
    off shows. ``width`` is the display width in pixels (at most 600).
    """

    src: str
    alt: str
    caption: str = ""
    width: int | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A prominent link (``https:`` or ``mailto:``), shown as a button."""

    url: str
    text: str = ""

    @property
    def label(self) -> str:
        """The visible words: ``text``, or the URL itself."""
        return self.text or self.url.removeprefix("mailto:")


@dataclass(frozen=True, slots=True)
class Contact:
    """Someone readers can write to. Only ``email`` is required."""

    email: str
    name: str = ""
    role: str = ""
    organisation: str = ""


@dataclass(frozen=True, slots=True)
class Contacts:
    """A contact block: an optional heading and one or more contacts."""

    contacts: tuple[Contact, ...]
    title: str = ""


Block: TypeAlias = Text | BulletList | Figures | Quote | Callout | Image | Link | Contacts


@dataclass(frozen=True, slots=True)
class Article:
    """An article: ``slug`` names it in the issue file and in URLs.

    ``audience`` lists the segments it is for; empty means everyone.
    """

    slug: str
    title: str
    standfirst: str = ""
    blocks: tuple[Block, ...] = ()
    audience: tuple[str, ...] = ()
    #: The language the article is written in when it differs from its edition's (an untranslated article, marked as such).
    language: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A feature section such as "From the Centre": a kind and its articles."""

    kind: str
    articles: tuple[Article, ...]
    audience: tuple[str, ...] = ()
    #: The heading shown, when it is not ``kind`` (a translation's: the kind still picks the colour).
    heading: str = ""

    @property
    def label(self) -> str:
        """The words shown above the section: its ``heading``, else its ``kind``."""
        return self.heading or self.kind

    @property
    def slug(self) -> str:
        """The kind as a slug, used to pick the section's colour."""
        return slugify(self.kind)


@dataclass(frozen=True, slots=True)
class Welcome:
    """The editor's welcome at the top of the issue (Markdown body)."""

    body: str
    title: str = "Welcome"


@dataclass(frozen=True, slots=True)
class Issue:
    """One issue of the bulletin.

    ``mailbox`` is the team address shown in the footer and used as Reply-To.
    ``subject`` defaults to "<title> – <Month Year>, Issue <number>".
    ``languages`` are the issue's languages (BCP 47 tags), the main one first;
    ``language`` is the one this object is written in, and ``translations``
    holds the issue in each other language (see :meth:`in_language`).
    """

    title: str
    number: int
    date: dt.date
    mailbox: str
    welcome: Welcome
    sections: tuple[Section, ...]
    strapline: str = ""
    subject: str = ""
    preheader: str = ""
    slug: str = field(default="")
    languages: tuple[str, ...] = ("en",)
    language: str = "en"
    translations: tuple[Issue, ...] = ()

    def in_language(self, language: str, /) -> Issue:
        """The issue as written in ``language`` (one of :attr:`languages`); ValueError for another."""
        if language == self.language:
            return self
        for translation in self.translations:
            if translation.language == language:
                return translation
        raise ValueError(f"the issue has no '{language}' version; its languages are {', '.join(self.languages)}")

    @property
    def main_language(self) -> str:
        """The issue's first language: a subscriber who names none reads it."""
        return self.languages[0]

    @property
    def date_label(self) -> str:
        """The date as printed on the masthead: "August 2019"."""
        return self.date.strftime("%B %Y")

    @property
    def email_subject(self) -> str:
        """The subject line: ``subject`` or one made from title, date and number."""
        return self.subject or f"{self.title} – {self.date_label}, Issue {self.number}"

    @property
    def articles(self) -> tuple[Article, ...]:
        """Every article in reading order."""
        return tuple(a for s in self.sections for a in s.articles)

    @property
    def key(self) -> str:
        """A stable identifier of the issue: ``slug`` or ``YYYY-MM`` (only ``A-Za-z0-9._-``)."""
        return re.sub(r"[^A-Za-z0-9._-]+", "-", self.slug).strip("-.") or self.date.strftime("%Y-%m")
