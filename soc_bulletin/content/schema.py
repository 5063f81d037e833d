"""The file format, described once: every key of ``issue.yaml`` and of an article file, and what each value is.

The loader takes its allowed and required keys from here; ``check`` walks the
same description to find every value with a :class:`Role` (an address, a URL,
Markdown, an image), so a field renamed or added here is loaded and checked
alike. A value is a :class:`Scalar`, a :class:`Sequence` of values, or a
:class:`Mapping` of named :class:`Field` s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "ARTICLE", "BLOCKS", "BLOCK_KINDS", "CONTACT", "FIGURE", "ISSUE", "LANGUAGE_TAG", "SECTION", "SEGMENT_NAME", "TRANSLATION", "WELCOME",
    "Field", "Keyed", "Mapping", "Role", "Scalar", "Sequence", "Value", "segment_name_problem",
]

#: A segment's name, as segments.yaml defines it and an ``audience`` names it (also a folder name of ``build --all-editions``).
SEGMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


#: A language tag as BCP 47 writes it (language, optional script, region, variants): ``en``, ``cy``, ``en-GB``, ``sr-Latn``.
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*")


def segment_name_problem(name: str, /) -> tuple[str, str] | None:
    """Why segments.yaml may not define a segment called ``name`` (code and message), or None: SB630, SB631."""
    if name.casefold() == "all":
        return "SB630", "'all' is built in (every subscriber); give this segment another name."
    if not SEGMENT_NAME.fullmatch(name):
        return "SB631", f"The segment name '{name}' may hold only letters, digits, '-', '_' and '.', such as 'police-wales'."
    return None


class Role(StrEnum):
    """What a value is, which decides how ``check`` judges it (plain values have none)."""

    ADDRESS = "address"      # an email address on its own
    URL = "url"              # a link's target
    MARKDOWN = "markdown"    # block Markdown (paragraphs, lists, headings)
    INLINE = "inline"        # inline Markdown (a list item)
    IMAGE = "image"          # an image's path or URL (judged with the image's other fields)


@dataclass(frozen=True, slots=True)
class Scalar:
    """One value. ``what`` names it in messages ("contact address"); ``label``: the sibling field holding a link's words."""

    role: Role | None = None
    what: str = ""
    multiline: bool = False
    label: str = ""


@dataclass(frozen=True, slots=True)
class Sequence:
    """A list of values of one shape."""

    item: Value


@dataclass(frozen=True, slots=True)
class Field:
    """A key of a mapping, whether it must be there, and its value.

    ``inherited``: a translation (``articles/<slug>.<lang>.yaml``) may leave it
    out and have the main file's value (an address, a URL, an image's path);
    every other field the main file has, a translation must translate.
    """

    name: str
    value: Value
    required: bool = False
    inherited: bool = False


@dataclass(frozen=True, slots=True)
class Mapping:
    """A mapping with known keys; ``what`` names it in messages ("a quote")."""

    what: str
    fields: tuple[Field, ...]
    #: The keys that must be there (worked out once: the loader asks for each mapping it reads).
    required: tuple[str, ...] = field(init=False, repr=False, compare=False)
    #: The keys that may be there.
    optional: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "required", tuple(f.name for f in self.fields if f.required))
        object.__setattr__(self, "optional", tuple(f.name for f in self.fields if not f.required))

    def __getitem__(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True, slots=True)
class Keyed:
    """A mapping whose keys the file chooses (language tags, section kinds), each holding a ``value``."""

    what: str
    value: Value


Value = Scalar | Sequence | Mapping | Keyed

_PLAIN = Scalar()
_TEXTS = Sequence(_PLAIN)

CONTACT = Mapping("a contact", (
    Field("email", Scalar(Role.ADDRESS, "contact address"), required=True, inherited=True),
    Field("name", _PLAIN, inherited=True), Field("role", _PLAIN, inherited=True), Field("organisation", _PLAIN, inherited=True),
))
FIGURE = Mapping("a key figure", (Field("value", _PLAIN, required=True, inherited=True), Field("label", _PLAIN, required=True)))

#: The blocks of an article: each is a one-key mapping ``{kind: value}``, in this order in the documentation.
BLOCKS: dict[str, Value] = {
    "text": Scalar(Role.MARKDOWN, "text", multiline=True),
    "list": Sequence(Scalar(Role.INLINE, "list item", multiline=True)),
    "figures": Sequence(FIGURE),
    "quote": Mapping("a quote", (
        Field("text", Scalar(what="quote", multiline=True), required=True), Field("speaker", _PLAIN, inherited=True), Field("role", _PLAIN),
    )),
    "callout": Mapping("a callout", (
        Field("title", _PLAIN, required=True), Field("body", Scalar(Role.MARKDOWN, "callout text", multiline=True), required=True),
    )),
    "image": Mapping("an image", (
        Field("src", Scalar(Role.IMAGE, "image"), required=True, inherited=True), Field("alt", _PLAIN, required=True),
        Field("caption", Scalar(multiline=True)), Field("width", _PLAIN, inherited=True),
    )),
    "link": Mapping("a link", (Field("url", Scalar(Role.URL, "link", label="text"), required=True, inherited=True), Field("text", _PLAIN))),
    "contact": CONTACT,
    "contacts": Mapping("a contacts block", (Field("people", Sequence(CONTACT), required=True, inherited=True), Field("title", _PLAIN))),
}
BLOCK_KINDS = tuple(BLOCKS)

ARTICLE = Mapping("the article", (
    Field("title", _PLAIN, required=True),
    Field("blocks", Sequence(_PLAIN), required=True),  # each item is one of BLOCKS
    Field("standfirst", Scalar(multiline=True)),
    Field("audience", _TEXTS, inherited=True),
))
WELCOME = Mapping("'welcome'", (Field("body", Scalar(Role.MARKDOWN, "welcome text", multiline=True), required=True), Field("title", _PLAIN)))
SECTION = Mapping("a section", (Field("kind", _PLAIN, required=True), Field("articles", _TEXTS, required=True), Field("audience", _TEXTS)))
#: One language's words of ``issue.yaml``: ``translations: {cy: ...}``; ``sections`` maps each section's kind to its heading,
#: ``untranslated`` lists the articles sent in the main language only (marked as such) in this language's edition.
TRANSLATION = Mapping("a translation", (
    Field("title", _PLAIN), Field("strapline", _PLAIN), Field("subject", _PLAIN), Field("preheader", _PLAIN),
    Field("welcome", WELCOME), Field("sections", Keyed("section headings", _PLAIN)), Field("untranslated", _TEXTS),
))
ISSUE = Mapping("the issue file", (
    Field("title", _PLAIN, required=True), Field("number", _PLAIN, required=True), Field("date", _PLAIN, required=True),
    Field("mailbox", Scalar(Role.ADDRESS, "team mailbox address"), required=True), Field("welcome", WELCOME, required=True),
    Field("sections", Sequence(SECTION), required=True),
    Field("strapline", _PLAIN), Field("subject", _PLAIN), Field("preheader", _PLAIN), Field("slug", _PLAIN),
    Field("languages", _TEXTS), Field("translations", Keyed("translations", TRANSLATION)),
))
