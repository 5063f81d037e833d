"""The suppression list: addresses that must never be sent to, whatever list or segment.

A CSV file (``subscribers/suppressed.csv`` by default) with the columns
``address``, ``reason`` (unsubscribed, bounced, complained...), ``date`` and
``source`` (who added it: one-click, mail, bounce, complaint, manual; files
written before the column existed are read as they are). The list itself is
kept by the store (:mod:`soc_bulletin.store`): a CSV list is imported into it
(``suppressions import``, and before every send) and exported from it
(:func:`write_suppressions`); the editors' hand-kept file still works that way.

Problem codes: SB640-SB643.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

from ..errors import SubscriberError
from ..problems import Problem, Severity
from .csvsource import iter_rows, spreadsheet_safe
from .lockedfile import locked
from .subscribers import Subscriber

__all__ = [
    "COLUMNS", "DEFAULT_SUPPRESSIONS", "HASHED", "HEADER", "SOURCES", "Suppression", "Suppressions", "is_hashed",
    "load_suppressions", "source_of", "suppression_key", "write_suppressions",
]

log = logging.getLogger(__name__)

DEFAULT_SUPPRESSIONS = Path("subscribers") / "suppressed.csv"
COLUMNS = ("address", "reason", "date")  # the columns every list has had (exports of other stores write these)
HEADER = (*COLUMNS, "source")  # the header of a list this module creates
#: who added an entry: the unsubscribe service, a mailed request, a bounce, a complaint, a person
SOURCES = ("one-click", "mail", "bounce", "complaint", "manual", "preferences", "moved", "erased")
#: what the key of an erased address starts with: the rest is its keyed hash (:mod:`soc_bulletin.store.hashing`); no
#: address as the store keys it can start so (``:`` is not allowed unquoted)
HASHED = "h:"
_SOURCE_OF_REASON = {"bounced": "bounce", "complained": "complaint"}
_ALIASES = {
    "address": "address", "email": "address", "emailaddress": "address", "mail": "address",
    "reason": "reason", "date": "date", "source": "source",
}


@dataclass(frozen=True, slots=True)
class Suppression:
    """One suppressed address, as written in the file (normalised when valid)."""

    address: str
    reason: str = ""
    date: str = ""
    line: int = 0
    source: str = ""


@dataclass(frozen=True)
class Suppressions:
    """The suppressed addresses; ``address in suppressions`` ignores case and normalises.

    Also accepts a :class:`Subscriber` on the left of ``in``. ``problems``
    holds the warnings found reading the file (rows kept anyway). An entry of
    an erased address holds its keyed hash (:mod:`soc_bulletin.store.hashing`),
    matched through ``hasher``, the store's.
    """

    entries: tuple[Suppression, ...] = ()
    path: str = ""
    problems: tuple[Problem, ...] = ()
    _by_key: MappingProxyType[str, Suppression] = field(init=False, repr=False, compare=False)
    hasher: Callable[[str], str] | None = field(default=None, repr=False, compare=False)
    _hashed: bool = field(init=False, default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Suppression] = {}
        for entry in self.entries:
            by_key.setdefault(suppression_key(entry.address), entry)
        object.__setattr__(self, "_by_key", MappingProxyType(by_key))
        object.__setattr__(self, "_hashed", self.hasher is not None and any(map(is_hashed, by_key)))

    def get(self, address: str | Subscriber, /) -> Suppression | None:
        """The entry that suppresses ``address``, or None."""
        if isinstance(address, Subscriber):
            found = self._by_key.get(address.key)
        else:
            found = self._by_key.get(address.strip().casefold()) or self._by_key.get(suppression_key(address))
        if found is None and self._hashed and self.hasher is not None:
            key = address.key if isinstance(address, Subscriber) else suppression_key(address)
            found = self._by_key.get(self.hasher(key))
        return found

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str | Subscriber) and self.get(address) is not None

    def beside(self, other: Suppressions, /) -> Suppressions:
        """Both lists as one, named as this one, with ``other``'s problems (the store's list beside a CSV list that a
        send would import)."""
        return Suppressions(self.entries + other.entries, self.path, other.problems, hasher=self.hasher or other.hasher)

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Suppression]:
        return iter(self._by_key.values())


def is_hashed(key: str, /) -> bool:
    """Whether ``key`` is a keyed hash (an erased or expired address) rather than an address."""
    return key.startswith(HASHED)


def source_of(entry: Suppression, /) -> str:
    """Who added ``entry``: its ``source`` column, else guessed from its reason (bounced, complained), else manual."""
    if entry.source in SOURCES:
        return entry.source
    return _SOURCE_OF_REASON.get(entry.reason.casefold(), "manual")


def write_suppressions(entries: Iterable[Suppression], out: TextIO, /) -> int:
    """Write ``entries`` as a CSV suppression list (address, reason, date, source), spreadsheet-safe; returns the rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for entry in entries:
        writer.writerow([spreadsheet_safe(v) for v in (entry.address, entry.reason, entry.date, entry.source)])
        count += 1
    return count


def load_suppressions(path: str | Path | None = None, /) -> Suppressions:
    """Read the suppression list; a missing file is an empty list.

    ``None`` means :data:`DEFAULT_SUPPRESSIONS`. Raises SubscriberError when
    the file cannot be trusted (unreadable, no address column, broken CSV),
    since sending then might reach people who asked not to be.
    """
    path = Path(DEFAULT_SUPPRESSIONS if path is None else path)
    if not path.exists():
        log.info("no suppression list at %s", path)
        return Suppressions(path=str(path))
    try:
        with locked(path, exclusive=False):  # never half a row that a writer is appending
            return _load(path)
    except OSError:  # a folder, no permission to open it: _load reports it as a problem of the file
        return _load(path)


def _load(path: Path) -> Suppressions:
    """The list in ``path`` (the caller holds a lock, or none is possible)."""
    name = str(path)
    if not path.exists():
        return Suppressions(path=name)
    entries: list[Suppression] = []
    problems: list[Problem] = []
    places: dict[str, int] | None = None
    for line, item in iter_rows(path, name=name):
        if isinstance(item, Problem):
            problems.append(item)
        elif places is None:
            places = _places(item)
            if "address" not in places:
                problems.append(Problem(name, line, 0, "SB640", "The header has no 'address' column; name the first column 'address'."))
                break
        else:
            entry = _entry(item, places, name, line, problems)
            if entry is not None:
                entries.append(entry)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise SubscriberError(errors)
    log.info("%d suppressed addresses in %s", len(entries), name)
    return Suppressions(tuple(entries), name, tuple(problems))


#: an address whose normal form is its own case-folded self: plain ASCII, no quotes, brackets or blanks (no IDNA label,
#: checked apart). It is the common case, and a miss by the full normalisation costs a ``validate_email`` (~100 µs)
#: on every row a send claims.
_PLAIN = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]+")


def suppression_key(address: str, /) -> str:
    """The address as the store keys it: normalised by email-validator when valid, casefolded."""
    address = address.strip()
    if _PLAIN.fullmatch(address) and "xn--" not in address.casefold():
        return address.casefold()
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - 25 ms, only when an address is read
    with contextlib.suppress(EmailNotValidError):
        address = validate_email(address, check_deliverability=False).normalized
    return address.casefold()


def _places(header: list[str]) -> dict[str, int]:
    places: dict[str, int] = {}
    for index, title in enumerate(header):
        column = _ALIASES.get(re.sub(r"[^0-9a-z]", "", title.casefold()))
        if column:
            places.setdefault(column, index)
    return places


def _entry(fields: list[str], places: dict[str, int], name: str, line: int, problems: list[Problem]) -> Suppression | None:
    def cell(column: str) -> str:
        index = places.get(column)
        return fields[index].strip() if index is not None and index < len(fields) else ""

    address = cell("address")
    if is_hashed(address):  # an erased address, exported from a store: kept as it is
        return Suppression(address, cell("reason"), cell("date"), line, cell("source"))
    if not address:
        problems.append(Problem(name, line, 0, "SB641", "The row has no address; fill it in or delete the row.", Severity.WARNING))
        return None
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - 25 ms, only when an address is read
    try:
        checked = validate_email(address, check_deliverability=False, allow_display_name=True)
        if "<" in address:
            problems.append(Problem(
                name, line, 0, "SB643",
                f"'{address}' is suppressed as '{checked.normalized}'; write the address alone in the address column.",
                Severity.WARNING,
            ))
        address = checked.normalized
    except EmailNotValidError as exc:
        problems.append(Problem(
            name, line, 0, "SB642",
            f"'{address}' is not a valid email address, but it is suppressed as written: {exc}",
            Severity.WARNING,
        ))
    return Suppression(address, cell("reason"), cell("date"), line, cell("source"))
