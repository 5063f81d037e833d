"""The language versions of an edition: one for a one-language edition, two (in turn) for a bilingual one.

A bilingual edition (a subscriber who reads both) is the whole issue in the
first language, then the whole issue in the second, each half led by a link
to the other: each half reads as the one-language edition does, none is
shorter or later in the day, and a screen reader switches voice once per
half, not once per paragraph. The ``<html>`` carries the first language;
every section of the other half carries its own ``lang`` (the layout marks
the sections with a class, :func:`mark_languages` turns it into the attribute,
as MJML passes no ``lang`` through). An article sent untranslated is not
repeated: the first half says how many articles only the last half holds.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..content.model import Issue, Section
from ..content.wording import Wording, wording

__all__ = ["BOTH", "Other", "Version", "bilingual", "edition_subject", "editions_of", "greeter", "language_page", "mark_languages", "split_key", "versions",
           "with_language"]

#: A subscriber's language that asks for every language of the issue in one message.
BOTH = "both"

_LANGUAGE_CLASS = re.compile(r'class="([^"]*?\bsb-lang-([A-Za-z0-9-]+)\b[^"]*)"')


def with_language(key: str, languages: tuple[str, ...], issue: Issue, /) -> str:
    """The edition key of audience ``key`` in ``languages``: ``key`` itself for the main language alone."""
    return key if languages == (issue.main_language,) else f"{key}@{'+'.join(languages)}"


def split_key(key: str, /) -> tuple[str, tuple[str, ...] | None]:
    """An edition key's audience key and languages (None: the issue's main language)."""
    audience, at, languages = key.partition("@")
    return audience, tuple(languages.split("+")) if at else None


@dataclass(frozen=True, slots=True)
class Other:
    """The link from one half of a bilingual edition to the other: its anchor and words (in the other language)."""

    anchor: str
    label: str
    lang: str


@dataclass(frozen=True, slots=True)
class Version:
    """One language's part of an edition, as the layouts and the text edition write it."""

    issue: Issue
    sections: tuple[Section, ...]
    words: Wording
    date_label: str
    lang: str
    #: " sb-lang-<lang>" in a bilingual edition (its sections get that ``lang``), else "".
    css: str = ""
    #: Whether the greeting opens this part (the first only).
    greet: bool = True
    anchor: str = ""
    other: Other | None = None
    #: The sentence saying how many articles this part leaves to the last one (untranslated, so written there only), or "".
    elsewhere: str = ""


def bilingual(issue: Issue, /) -> tuple[str, ...]:
    """The languages of ``issue``'s bilingual edition: the other languages first, the main one last (``cy``, ``en``).

    The Welsh Language Standards ask that Welsh be treated no less favourably:
    in a message in both languages it comes first.
    """
    return (*issue.languages[1:], issue.languages[0])


def editions_of(issue: Issue, /) -> list[tuple[str, ...]]:
    """Every language edition of ``issue``: each language alone, then the bilingual one when there are several."""
    return [(language,) for language in issue.languages] + ([bilingual(issue)] if len(issue.languages) > 1 else [])


def versions(issue: Issue, audience: frozenset[str] | None, languages: tuple[str, ...],
             filter_sections: Callable[[Issue, frozenset[str] | None], tuple[Section, ...]], /) -> tuple[Version, ...]:
    """The versions of ``issue`` in ``languages`` for ``audience`` (ValueError: a language the issue lacks)."""
    bilingual = len(languages) > 1
    made = []
    for index, language in enumerate(languages):
        version = issue.in_language(language)
        words = wording(language)
        following = languages[(index + 1) % len(languages)]
        _ = wording(following)
        other = Other(f"sb-{following}", _("Read this bulletin in %(language)s", language=_.language_name(following)), following)
        sections = filter_sections(version, audience)
        elsewhere = ""
        if index < len(languages) - 1:  # an untranslated article is in the last part only
            sections, elsewhere = _translated_only(sections, words, languages[-1])
        made.append(Version(
            issue=version, sections=sections, words=words, date_label=words.month_year(version.date),
            lang=language, css=f" sb-lang-{language}" if bilingual else "", greet=index == 0,
            anchor=f"sb-{language}" if bilingual else "", other=other if bilingual and index == 0 else None, elsewhere=elsewhere,
        ))
    return tuple(made)


def _translated_only(sections: tuple[Section, ...], _: Wording, last: str) -> tuple[tuple[Section, ...], str]:
    """The sections without their untranslated articles (those in the ``last`` part only), and the line that says how many."""
    kept = tuple(dataclasses.replace(s, articles=tuple(a for a in s.articles if not a.language)) for s in sections)
    elsewhere = ""
    if count := sum(len(s.articles) for s in sections) - sum(len(s.articles) for s in kept):
        elsewhere = _("%(count)s more articles are in %(language)s only, in the %(language)s version below.",
                      count=count, language=_.language_name(last))
    return tuple(s for s in kept if s.articles), elsewhere


def edition_subject(parts: tuple[Version, ...], /) -> str:
    """The subject line: each version's, joined by " / " ("Welsh / English")."""
    subjects = []
    for part in parts:
        _ = part.words
        subjects.append(part.issue.subject or _("%(title)s – %(date)s, Issue %(number)s", title=part.issue.title, date=part.date_label,
                                                number=part.issue.number))
    return " / ".join(subjects)


def greeter(languages: tuple[str, ...], /) -> Callable[[str], str]:
    """A function from a recipient's name ("" when unknown) to their greeting, each language's in turn ("Annwyl Jo, / Dear Jo,")."""
    forms = []
    for language in languages:
        _ = wording(language)
        forms.append((_("Dear %(name)s,"), _("Hello,")))

    def greeting(name: str, /) -> str:
        return " / ".join(dear.replace("%(name)s", name) if name else hello for dear, hello in forms)

    return greeting


def language_page(web_url: str, language: str, issue: Issue, /) -> str:
    """The archive page of ``issue`` in ``language`` under its page ``web_url`` (``.../2019-08/index.cy.html``);
    "" for the main language, whose page is ``web_url`` itself."""
    return "" if language == issue.main_language else f"{web_url}index.{language}.html"


def mark_languages(html: str, /) -> str:
    """``html`` with ``lang`` on each element the layout marked with an ``sb-lang-<lang>`` class."""
    if "sb-lang-" not in html:
        return html
    return _LANGUAGE_CLASS.sub(lambda m: f'lang="{m.group(2)}" class="{m.group(1)}"', html)
