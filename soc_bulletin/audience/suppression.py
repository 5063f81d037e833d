"""The suppression list: addresses that must never be sent to, whatever list or segment.

A CSV file (``subscribers/suppressed.csv`` by default) with the columns
``address``, ``reason`` (unsubscribed, bounced, complained...), ``date`` and
``source`` (who added it: one-click, mail, bounce, complaint, manual; files
written before the column existed are read as they are, and get it at the next
write). Sending, the unsubscribe service and bounce processing add to it with
:func:`add_suppression`, safely at the same moment (:mod:`.lockedfile`); an
address already on the list is not added twice. :func:`remove_suppression`
takes back what one source added (the undo of a one-click unsubscribe).

Problem codes: SB640-SB643.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from email_validator import EmailNotValidError, validate_email

from ..errors import SubscriberError
from ..problems import Problem, Severity
from .csvsource import CsvFormat, iter_rows, sniff, spreadsheet_safe
from .lockedfile import locked, replace_contents
from .subscribers import Subscriber

__all__ = [
    "DEFAULT_SUPPRESSIONS", "SOURCES", "Suppression", "Suppressions", "add_suppression", "load_suppressions",
    "remove_suppression",
]

log = logging.getLogger(__name__)

DEFAULT_SUPPRESSIONS = Path("subscribers") / "suppressed.csv"
COLUMNS = ("address", "reason", "date")  # the columns every list has had (exports of other stores write these)
HEADER = (*COLUMNS, "source")  # the header of a list this module creates
#: who added an entry: the unsubscribe service, a mailed request, a bounce, a complaint, a person
SOURCES = ("one-click", "mail", "bounce", "complaint", "manual")
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
    holds the warnings found reading the file (rows kept anyway).
    """

    entries: tuple[Suppression, ...] = ()
    path: str = ""
    problems: tuple[Problem, ...] = ()
    _by_key: MappingProxyType[str, Suppression] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Suppression] = {}
        for entry in self.entries:
            by_key.setdefault(_key(entry.address), entry)
        object.__setattr__(self, "_by_key", MappingProxyType(by_key))

    def get(self, address: str | Subscriber, /) -> Suppression | None:
        """The entry that suppresses ``address``, or None."""
        if isinstance(address, Subscriber):
            return self._by_key.get(address.key)
        return self._by_key.get(address.strip().casefold()) or self._by_key.get(_key(address))

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str | Subscriber) and self.get(address) is not None

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Suppression]:
        return iter(self._by_key.values())


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


def add_suppression(path: str | Path, address: str, reason: str, *, date: dt.date | str | None = None,
                    source: str | None = None) -> Suppression:
    """Add one address to the suppression file, creating it with a header if needed; the entry is returned.

    An address already suppressed is not added again: its entry is returned.
    ``source`` is one of :data:`SOURCES` (default: ``bounce`` for the reason
    ``bounced``, ``complaint`` for ``complained``, else ``manual``). Keeps the
    file's encoding, delimiter, line ending and column order (a ``source``
    column is added to a file without one); the row is written in one append
    under an exclusive lock, then flushed and fsynced. ``date`` defaults to today.
    """
    address, reason = address.strip(), " ".join(reason.split())
    if not address or any(c in address for c in "\r\n"):
        raise ValueError(f"Cannot suppress {address!r}: give one email address.")
    if not reason:
        raise ValueError("Give a reason, such as 'unsubscribed', 'bounced' or 'complained'.")
    source = source or _SOURCE_OF_REASON.get(reason, "manual")
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}; one of {', '.join(SOURCES)}.")
    with contextlib.suppress(EmailNotValidError):  # else as written: a bounce may report an address we would not accept
        address = validate_email(address, check_deliverability=False).normalized
    if date is None:
        date = dt.date.today()
    entry = Suppression(address, reason, date if isinstance(date, str) else date.isoformat(), source=source)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path, exclusive=True) as out:
        assert out is not None
        existing = _load(path).get(entry.address)
        if existing is not None:
            return existing
        fmt, order, ends_with_newline = _existing(path)
        head = b""
        if order is not None and "source" not in order:
            head = _with_source_column(path, fmt)
            if head:
                order.append("source")
        values = {"address": entry.address, "reason": entry.reason, "date": entry.date, "source": entry.source}
        text = io.StringIO()
        writer = csv.writer(text, delimiter=fmt.delimiter, lineterminator=fmt.newline)
        if order is None:
            writer.writerow(HEADER)
            order = list(HEADER)
        elif not ends_with_newline:
            text.write(fmt.newline)
        writer.writerow([spreadsheet_safe(values.get(column, "")) for column in order])
        row = text.getvalue().encode(fmt.encoding)
        if head:
            replace_contents(path, head + row)
        else:
            out.write(row)
            out.flush()
            os.fsync(out.fileno())
    log.info("suppressed %s (%s, %s) in %s", entry.address, entry.reason, entry.source, path)
    return entry


def remove_suppression(path: str | Path, address: str, /, *, sources: tuple[str, ...] = ("one-click",)) -> int:
    """Take ``address`` off the list where one of ``sources`` put it; returns the rows removed.

    Rows added by other sources stay (an undo never lifts a bounce or a
    complaint). The other rows are kept byte for byte; the file is rewritten
    atomically under the exclusive lock.
    """
    path = Path(path)
    if not path.exists():
        return 0
    key = _key(address)
    with locked(path, exclusive=True):
        fmt = sniff(path)
        places: dict[str, int] | None = None
        starts: list[int] = []
        drop: set[int] = set()
        for line, item in iter_rows(path):
            if isinstance(item, Problem):
                continue
            if places is None:
                places = _places(item)
                continue
            starts.append(line)
            entry = _entry(item, places, str(path), line, [])
            if entry is not None and _key(entry.address) == key and entry.source in sources:
                drop.add(line)
        if not drop:
            return 0
        raw = path.read_bytes()
        lines = re.split(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)", raw[fmt.bom:].decode(fmt.encoding))
        ends = {start: (starts[i + 1] if i + 1 < len(starts) else len(lines) + 1) for i, start in enumerate(starts)}
        gone = {n for start in drop for n in range(start, ends[start])}
        kept = "".join(text for n, text in enumerate(lines, 1) if n not in gone)
        replace_contents(path, raw[:fmt.bom] + kept.encode(fmt.encoding))
    log.info("took %s off %s (%d row(s))", address, path, len(drop))
    return len(drop)


def _with_source_column(path: Path, fmt: CsvFormat) -> bytes:
    """The file's bytes with ``source`` added to its header line; empty when the header cannot be extended safely."""
    raw = path.read_bytes()
    try:
        text = raw[fmt.bom:].decode(fmt.encoding)
    except UnicodeDecodeError:
        return b""
    lines = re.split(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)", text)
    index = 1 if fmt.sep_line else 0
    if index >= len(lines) or not lines[index].strip() or lines[index].count('"') % 2:
        return b""
    header = lines[index]
    body = header.rstrip("\r\n")
    lines[index] = body + fmt.delimiter + "source" + header[len(body):]
    return raw[:fmt.bom] + "".join(lines).encode(fmt.encoding)


#: an address whose normal form is its own case-folded self: plain ASCII, no quotes, brackets or blanks (no IDNA label,
#: checked apart). It is the common case, and a miss by the full normalisation costs a ``validate_email`` (~100 µs)
#: on every row a send claims.
_PLAIN = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]+")


def _key(address: str) -> str:
    address = address.strip()
    if _PLAIN.fullmatch(address) and "xn--" not in address.casefold():
        return address.casefold()
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
    if not address:
        problems.append(Problem(name, line, 0, "SB641", "The row has no address; fill it in or delete the row.", Severity.WARNING))
        return None
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


def _existing(path: Path) -> tuple[CsvFormat, list[str] | None, bool]:
    """The format, column order and final newline of an existing non-empty file."""
    if not path.exists() or path.stat().st_size == 0:
        return CsvFormat(), None, True
    fmt = sniff(path)
    header = next((item for _line, item in iter_rows(path) if not isinstance(item, Problem)), None)
    if header is None:
        return fmt, None, True
    places = _places(header)
    if "address" not in places:
        raise SubscriberError([Problem(str(path), 1, 0, "SB640", "The header has no 'address' column; name the first column 'address'.")])
    order = [""] * len(header)
    for column, index in places.items():
        order[index] = column
    with path.open("rb") as raw:
        raw.seek(-min(4, path.stat().st_size), os.SEEK_END)
        tail = raw.read()
    return fmt, order, tail.endswith("\n".encode(fmt.encoding))
