"""Which language edition each subscriber receives, and the ledger's name for it.

A subscriber's language is the ``language`` column of their list (or what they
chose on the preference page): one of the issue's languages, ``both`` for one
message in every language (:func:`~soc_bulletin.render.languages.bilingual`),
or empty for the issue's main language. Editions are still rendered once per
audience and language, never per recipient, and each person has one ledger
row: a ``both`` subscriber gets one bilingual message, never one per language.
The main language's edition keeps the audience's key (``everyone``), so an
issue in one language is recorded as before; another is ``<audience>@<lang>``
(``everyone@cy``, ``police-wales@cy+en``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..audience.subscribers import Subscriber
from ..content.model import Issue
from ..render.languages import BOTH, bilingual, split_key, with_language

__all__ = ["LANGUAGE_COLUMN", "edition_languages", "in_language", "language_warnings", "split_key", "with_language"]

#: The list column (and person's attribute) that holds a subscriber's language.
LANGUAGE_COLUMN = "language"


def _chosen(subscriber: Subscriber) -> str:
    return subscriber.attribute(LANGUAGE_COLUMN).strip()


def edition_languages(subscriber: Subscriber, issue: Issue, /) -> tuple[str, ...]:
    """The languages of the edition ``subscriber`` receives (matched ignoring case; unknown: the main language)."""
    chosen = _chosen(subscriber).casefold()
    if chosen == BOTH and len(issue.languages) > 1:
        return bilingual(issue)
    found = next((language for language in issue.languages if language.casefold() == chosen), None)
    return (found,) if found is not None else (issue.main_language,)


def language_warnings(subscribers: Iterable[Subscriber], issue: Issue, /) -> list[str]:
    """One line per language value that is none of the issue's, ``both`` or empty: those subscribers get the main language."""
    known = {language.casefold() for language in issue.languages} | {BOTH, ""}
    unknown = Counter(value for value in map(_chosen, subscribers) if value.casefold() not in known)
    return [f"warning: {count} subscriber(s) have the language '{value}', which is none of {', '.join(issue.languages)} or "
            f"'{BOTH}'; they receive the {issue.main_language} edition." for value, count in sorted(unknown.items())]


def in_language(url: str, language: str, /) -> str:
    """The footer's https unsubscribe link ``url`` asking the service to answer in ``language`` (English needs nothing)."""
    return f"{url}&lang={language}" if language != "en" and url.startswith("https:") and "?" in url else url
