"""The fixed words of every edition and page, from gettext catalogues (Babel), and dates in each language.

The catalogues are the ``.po`` files shipped in ``soc_bulletin/locale/<lang>/LC_MESSAGES/messages.po``,
read as they are at run time (nothing is compiled or downloaded); ``messages.pot`` beside them lists
every string the layouts, the text edition, the archive and the service write, and a test keeps it
in step with the sources. A language without a catalogue, or a catalogue that lacks a string of
``messages.pot``, is refused (``check``: SB073), never shown half in English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import ContentError
from ..problems import Problem

__all__ = ["LOCALE_DIR", "TEMPLATE", "Wording", "catalogue_problems", "wording"]

#: The catalogues shipped with the package: ``<lang>/LC_MESSAGES/messages.po`` and ``messages.pot``.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"


def _catalogue_path(language: str, folder: Path) -> Path:
    return folder / language.replace("-", "_") / "LC_MESSAGES" / "messages.po"


def _read(path: Path) -> dict[str, str]:
    """``msgid -> msgstr`` of a ``.po`` or ``.pot`` file (the header left out), parsed once per version of the file."""
    status = path.stat()
    return dict(_parsed(path, status.st_mtime_ns, status.st_size))


@lru_cache(maxsize=16)
def _parsed(path: Path, _mtime_ns: int, _size: int) -> tuple[tuple[str, str], ...]:
    from babel.messages.pofile import read_po  # noqa: PLC0415 - Babel is loaded only when words are needed

    with path.open("rb") as file:
        catalogue = read_po(file)
    return tuple((str(m.id), str(m.string)) for m in catalogue if m.id and isinstance(m.id, str))


@dataclass(frozen=True, slots=True)
class Wording:
    """One language's fixed words: call it with an English message (and its ``%(name)s`` values) for the words shown."""

    language: str
    messages: tuple[tuple[str, str], ...]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", dict(self.messages))  # made once: the words are looked up many times an edition

    def __call__(self, message: str, /, **values: object) -> str:
        text = self._lookup.get(message) or message
        return text % values if values else text

    def month_year(self, date: dt.date, /) -> str:
        """``date`` as a masthead shows it: "August 2019", "Awst 2019"."""
        from babel.dates import format_date  # noqa: PLC0415

        return str(format_date(date, "LLLL y", locale=self.language.replace("-", "_")))

    def language_name(self, language: str, /) -> str:
        """``language``'s name in this language: "Saesneg" for ``en`` in Welsh."""
        from babel import Locale  # noqa: PLC0415

        name = Locale.parse(language.replace("-", "_")).get_display_name(self.language.replace("-", "_"))
        return str(name) if name else language


@lru_cache(maxsize=32)
def wording(language: str, /, folder: Path = LOCALE_DIR) -> Wording:
    """The fixed words of ``language``; ContentError (SB073) when it has no complete catalogue in ``folder``."""
    problems = catalogue_problems((language,), folder)
    if problems:
        raise ContentError(problems)
    messages = _read(_catalogue_path(language, folder))
    return Wording(language, tuple(sorted(messages.items())))


def catalogue_problems(languages: tuple[str, ...], folder: Path = LOCALE_DIR, /) -> list[Problem]:
    """SB073 for each language without a catalogue, and for each string of ``messages.pot`` a catalogue lacks."""
    template = folder / "messages.pot"
    wanted = _read(template) if template.is_file() else {}
    problems = []
    for language in languages:
        path = _catalogue_path(language, folder)
        if not path.is_file():
            problems.append(Problem(str(path), 0, 0, "SB073", f"There is no catalogue of the fixed words for '{language}' ({path}); "
                                    "copy another language's messages.po there and translate it."))
            continue
        have = _read(path)
        for message in wanted:
            if not have.get(message):
                problems.append(Problem(str(path), 0, 0, "SB073", f"The '{language}' catalogue lacks the words for '{message}'; add them."))
    return problems
