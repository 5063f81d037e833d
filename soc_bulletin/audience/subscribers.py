"""Subscriber lists: CSV files read as a stream, validated and deduplicated.

A list has a header row with an ``email`` column and optionally ``name``,
``organisation``, ``region`` and ``segments`` (tags separated by ``;``, or
by ``,`` inside a quoted field); common aliases from Excel, Outlook and Gmail
exports are recognised in any case. Other columns are kept as attributes for
personalisation. Outlook's separate first and last names make the name when
there is no name column.

Problem codes: SB600-SB605 concern a whole file, SB610-SB613 one row.
"""

from __future__ import annotations

import csv
import functools
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from ..problems import Problem, Severity
from .csvsource import iter_rows, spreadsheet_safe

__all__ = [
    "CANONICAL_COLUMNS",
    "Merge",
    "ROW_CODES",
    "Subscriber",
    "SubscriberReport",
    "extra_columns",
    "iter_subscribers",
    "read_subscribers",
    "write_subscribers",
]

log = logging.getLogger(__name__)

CANONICAL_COLUMNS = ("email", "name", "organisation", "region", "segments")

# Problems that stand for one invalid row (the row is left out); others concern the file.
ROW_CODES = frozenset({"SB610", "SB611", "SB612", "SB613"})

_ALIASES = {
    "email": ("email", "e-mail", "email address", "e-mail address", "mail", "primary email", "e-mail 1 - value"),
    "name": ("name", "full name", "display name", "contact name"),
    "organisation": (
        "organisation", "organization", "organisation name", "organization name",
        "company", "company name", "org", "employer", "organization 1 - name",
    ),
    "region": ("region", "area"),
    "segments": ("segments", "segment", "tags", "tag", "groups", "categories", "lists"),
    "first name": ("first name", "given name", "forename"),
    "last name": ("last name", "surname", "family name"),
}
_TAG_SPLIT = re.compile(r"[;,]")


def _header_key(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.casefold())


_FIELD_OF = {_header_key(alias): name for name, aliases in _ALIASES.items() for alias in aliases}


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One person on a list. Read from a file, ``email`` is normalised and ``tags`` lower case.

    ``attributes`` holds the extra columns as ``(column, value)`` pairs in
    header order (empty values left out); a mapping or list is accepted and
    converted, as is any iterable of tags.
    """

    email: str
    name: str = ""
    organisation: str = ""
    region: str = ""
    tags: frozenset[str] = frozenset()
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.tags, frozenset):
            object.__setattr__(self, "tags", frozenset(self.tags))
        if isinstance(self.attributes, Mapping):
            object.__setattr__(self, "attributes", tuple(self.attributes.items()))
        elif not isinstance(self.attributes, tuple):
            object.__setattr__(self, "attributes", tuple(tuple(pair) for pair in self.attributes))

    @property
    def key(self) -> str:
        """The address compared case-insensitively, for deduplication and suppression."""
        return self.email.casefold()

    def attribute(self, column: str, /, default: str = "") -> str:
        """The value of an extra column (matched case-insensitively), or ``default``."""
        wanted = column.casefold()
        return next((value for key, value in self.attributes if key.casefold() == wanted), default)

    def merged_with(self, other: Subscriber, /) -> Subscriber:
        """This subscriber with a duplicate folded in: tags unioned, first non-empty values kept."""
        attributes = dict(self.attributes)
        for key, value in other.attributes:
            attributes.setdefault(key, value)
        return replace(
            self,
            name=self.name or other.name,
            organisation=self.organisation or other.organisation,
            region=self.region or other.region,
            tags=self.tags | other.tags,
            attributes=tuple(attributes.items()),
        )


@dataclass(frozen=True, slots=True)
class Merge:
    """A duplicate row folded into the first row with the same address."""

    path: str
    line: int
    email: str
    into_path: str
    into_line: int

    def __str__(self) -> str:
        into = f"line {self.into_line}" if self.into_path == self.path else f"{self.into_path}:{self.into_line}"
        return f"{self.path}:{self.line}: {self.email} is a duplicate of {into}; merged into it."


@dataclass(frozen=True)
class SubscriberReport:
    """What reading lists found: unique subscribers in first-seen order, and what went wrong.

    ``rows`` counts data rows read (valid or not); ``invalid`` the rows left
    out, each with a problem in ``problems`` (which also holds file problems
    and warnings); ``merged`` the duplicates folded into earlier rows.
    """

    subscribers: tuple[Subscriber, ...]
    problems: list[Problem]
    merged: list[Merge]
    rows: int
    invalid: int = 0

    @property
    def valid(self) -> int:
        """Rows that held a valid subscriber, duplicates included."""
        return self.rows - self.invalid

    @property
    def errors(self) -> list[Problem]:
        """The problems that are errors (warnings left out)."""
        return [p for p in self.problems if p.severity is Severity.ERROR]


@dataclass(frozen=True, slots=True)
class _Columns:
    """Where each field sits in a file's rows, from its header."""

    width: int
    email: int
    name: int | None = None
    organisation: int | None = None
    region: int | None = None
    segments: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    extras: tuple[tuple[int, str], ...] = field(default_factory=tuple)


def read_subscribers(*paths: str | Path) -> SubscriberReport:
    """Read, validate and deduplicate lists; problems are collected, never raised.

    Addresses equal case-insensitively after normalisation are merged into the
    first row seen (across all files); each merge is listed in ``merged``.
    """
    found: list[Subscriber] = []
    origin: list[tuple[str, int]] = []
    index: dict[str, int] = {}
    problems: list[Problem] = []
    merged: list[Merge] = []
    rows = invalid = 0
    for path in paths:
        name = str(path)
        for line, item in iter_subscribers(path):
            if isinstance(item, Problem):
                problems.append(item)
                if item.code in ROW_CODES:
                    rows += 1
                    invalid += 1
                continue
            rows += 1
            key = item.key
            position = index.get(key)
            if position is None:
                index[item.email if key == item.email else key] = len(found)  # share the string when equal
                found.append(item)
                origin.append((name, line))
            else:
                found[position] = found[position].merged_with(item)
                merged.append(Merge(name, line, item.email, *origin[position]))
    log.info("read %d rows: %d subscribers, %d invalid, %d merged", rows, len(found), invalid, len(merged))
    return SubscriberReport(tuple(found), problems, merged, rows, invalid)


def iter_subscribers(path: str | Path, /) -> Iterator[tuple[int, Subscriber | Problem]]:
    """Stream one list: ``(line, Subscriber)`` per valid row, ``(line, Problem)`` otherwise.

    ``line`` is where the row starts in the file. Each data row yields exactly
    one item; problems with codes outside :data:`ROW_CODES` concern the file.
    No deduplication here.
    """
    name = str(path)
    rows = iter_rows(path, name=name)
    columns: _Columns | None = None
    for line, item in rows:
        if isinstance(item, Problem):
            yield line, item
            if item.severity is Severity.WARNING:
                continue
            return  # no usable header: the rest cannot be read as rows
        columns, problems = _columns(item, name, line)
        for problem in problems:
            yield line, problem
        break
    else:
        yield 1, Problem(name, 1, 0, "SB601", "The file is empty; it needs a header row such as 'email,name,organisation,region,segments'.")
        return
    if columns is None:
        return
    for line, item in rows:
        yield line, item if isinstance(item, Problem) else _subscriber(item, columns, name, line)


def extra_columns(path: str | Path, /) -> list[str]:
    """The header names of a list's extra columns (kept as attributes), in order."""
    for _line, item in iter_rows(path):
        if isinstance(item, Problem):
            if item.severity is Severity.WARNING:
                continue
            return []
        columns, _problems = _columns(item, str(path), 1)
        return [header for _index, header in columns.extras] if columns else []
    return []


def write_subscribers(
    subscribers: Iterable[Subscriber], out: TextIO, /, *, columns: Iterable[str] = (),
    neutralised: list[tuple[int, str]] | None = None,
) -> int:
    """Write the canonical CSV (UTF-8, comma, LF) to an open text file; return the row count.

    The header is ``email,name,organisation,region,segments`` followed by
    ``columns``, the attributes to keep. Open ``out`` with ``newline=""``.
    A cell that a spreadsheet would run as a formula (it starts with ``=``,
    ``+``, ``-``, ``@``, a tab or a CR) is written with a ``'`` in front, as
    OWASP advises against CSV injection; each such cell is appended to
    ``neutralised`` as ``(line in the output, column)``. Reading the file back
    drops the ``'`` again.
    """
    extras = list(columns)
    header = [*CANONICAL_COLUMNS, *extras]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_safe_cell(title, 1, title, neutralised) for title in header])
    count = 0
    line = 1
    for s in subscribers:
        line += 1
        tags = ";".join(sorted(s.tags))
        values = [s.email, s.name, s.organisation, s.region, tags, *(s.attribute(c) for c in extras)]
        writer.writerow([_safe_cell(value, line, title, neutralised) for value, title in zip(values, header, strict=True)])
        line += sum(value.count("\n") + value.count("\r") - value.count("\r\n") for value in values)
        count += 1
    return count


def _safe_cell(value: str, line: int, column: str, neutralised: list[tuple[int, str]] | None) -> str:
    """``value``, with ``'`` in front when a spreadsheet would read it as a formula."""
    safe = spreadsheet_safe(value)
    if safe is not value and neutralised is not None:
        neutralised.append((line, column))
    return safe


def _columns(header: list[str], name: str, line: int) -> tuple[_Columns | None, list[Problem]]:
    places: dict[str, int] = {}
    extras: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    problems = []
    for index, raw in enumerate(header):
        title = " ".join(raw.split())
        key = _header_key(title)
        if not key:
            continue  # unnamed columns, such as the empty ones Excel leaves at the end
        field_name = _FIELD_OF.get(key)
        target = field_name or key
        if target in seen:
            problems.append(Problem(
                name, line, 0, "SB605",
                f"The columns '{seen[target]}' and '{title}' mean the same; only '{seen[target]}' is used.",
                Severity.WARNING,
            ))
            continue
        seen[target] = title
        if field_name in CANONICAL_COLUMNS:
            places[field_name] = index
            continue
        if field_name:
            places[field_name.replace(" ", "_")] = index
        extras.append((index, title))
    if "email" not in places:
        problems.append(Problem(
            name, line, 0, "SB604",
            "The header has no email column; name one column 'email' "
            "(also accepted: 'E-mail', 'Email Address', 'E-mail Address').",
        ))
        return None, problems
    return _Columns(len(header), extras=tuple(extras), **places), problems


@functools.lru_cache(maxsize=4096)
def _shared_tags(text: str) -> frozenset[str]:
    """Tags from a ``segments`` cell; equal cells share one frozenset, which saves memory."""
    return frozenset(sys.intern(" ".join(tag.split()).lower()) for tag in _TAG_SPLIT.split(text) if tag.strip())


def _subscriber(fields: list[str], columns: _Columns, name: str, line: int) -> Subscriber | Problem:
    if len(fields) > columns.width and any(value.strip() for value in fields[columns.width:]):
        return Problem(
            name, line, 0, "SB613",
            f"The row has {len(fields)} values but the header has {columns.width} columns; "
            "put quotes around any value that contains the delimiter.",
        )

    def cell(index: int | None) -> str:
        return " ".join(fields[index].split()) if index is not None and index < len(fields) else ""

    raw = fields[columns.email].strip() if columns.email < len(fields) else ""
    if not raw:
        return Problem(name, line, 0, "SB611", "The row has no email address; fill it in or delete the row.")
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - 25 ms, only when an address is read
    try:
        checked = validate_email(raw, check_deliverability=False, allow_display_name=True)
    except EmailNotValidError as exc:
        return Problem(name, line, 0, "SB612", f"'{raw}' is not a valid email address: {exc}")
    full_name = cell(columns.name) or (checked.display_name or "").strip()
    if not full_name:
        full_name = " ".join(part for part in (cell(columns.first_name), cell(columns.last_name)) if part)
    tags = _shared_tags(cell(columns.segments))
    attributes = tuple(
        (title, value) for index, title in columns.extras
        if index < len(fields) and (value := fields[index].strip())
    )
    return Subscriber(
        checked.normalized,
        full_name,
        sys.intern(cell(columns.organisation)),  # few distinct values: share them
        sys.intern(cell(columns.region)),
        tags,
        attributes,
    )
