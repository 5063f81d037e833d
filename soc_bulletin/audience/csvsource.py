"""Streaming the rows of the CSV files that Excel and Outlook really export.

Detects the encoding (UTF-8 with or without BOM, UTF-16 LE/BE, Windows-1252
as a last resort) and the delimiter (``,``, ``;`` or tab, or Excel's
``sep=;`` first line), then yields each record with the physical line where
it starts, which stays right when quoted fields hold newlines. Only one
record is in memory at a time.

A stray NUL byte does not make a UTF-8 file UTF-16: only a file whose zero
bytes fall in the pattern of UTF-16 text is read as UTF-16, and a record
holding a NUL is reported (SB610) and left out. A cell that starts with
Excel's text prefix ``'`` followed by a formula character (``'=1+2``, as
``subscribers import`` writes to neutralise formulas) is read without the
``'``, so lists round-trip.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..problems import Problem, Severity

__all__ = ["FORMULA_START", "CsvFormat", "iter_rows", "sniff", "spreadsheet_safe"]

_SAMPLE = 64 * 1024
_CHUNK = 1024 * 1024
_DELIMITERS = (",", ";", "\t")
_SEP_LINE = re.compile(r'^"?sep=(.)"?\s*$')
#: characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str, /) -> str:
    """``value`` with ``'`` in front when a spreadsheet would run it as a formula (read back unchanged)."""
    return "'" + value if value.startswith(FORMULA_START) else value
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE with BOM"),
)


@dataclass(frozen=True, slots=True)
class CsvFormat:
    """How a CSV file is written: what :func:`sniff` found.

    ``encoding`` is a codec without BOM handling; ``bom`` is the number of
    BOM bytes to skip. ``sep_line`` is true when the first line is Excel's
    ``sep=;`` hint rather than the header. ``bad_line`` is the first line
    that could not be decoded (0 if none): in a file read as Windows-1252,
    the first line that is not UTF-8.
    """

    encoding: str = "utf-8"
    bom: int = 0
    delimiter: str = ","
    newline: str = "\n"
    sep_line: bool = False
    label: str = "UTF-8"
    bad_line: int = 0


def sniff(path: str | Path, /) -> CsvFormat:
    """Detect the encoding, delimiter and line ending of a CSV file.

    Reads the file in chunks (never whole); raises OSError if it cannot be read.
    """
    path = Path(path)
    with path.open("rb") as raw:
        sample = raw.read(_SAMPLE)
        encoding, bom, label = _encoding(sample)
        raw.seek(bom)
        bad_line = _bad_line(raw, encoding)
        if bad_line and encoding == "utf-8" and not bom:
            encoding, label = "cp1252", "Windows-1252"
        raw.seek(bom)
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        first = header = text.readline()
        for _ in range(100):  # the header is the first line that is not blank
            if header.strip() or not header:
                break
            header = text.readline()
        text.detach()
    newline = next((end for end in ("\r\n", "\n", "\r") if first.endswith(end)), "\n")
    found = _SEP_LINE.match(first)
    delimiter = found.group(1) if found else _delimiter(header)
    return CsvFormat(encoding, bom, delimiter, newline, bool(found), label, bad_line)


def iter_rows(path: str | Path, /, *, name: str | None = None) -> Iterator[tuple[int, list[str] | Problem]]:
    """Yield ``(line, fields)`` for each non-blank record, the header first.

    ``line`` is the physical line (1-based) where the record starts. A record
    that is not valid CSV is yielded as a :class:`Problem` and reading goes on;
    a file that cannot be read or decoded yields one Problem (SB600, SB602)
    and stops. A file read as Windows-1252 first yields a warning (SB603).
    """
    name = str(path) if name is None else name
    try:
        fmt = sniff(path)
        raw = Path(path).open("rb")  # noqa: SIM115 - closed by the "with raw" below, after the OSError check
    except OSError as exc:
        yield 0, Problem(name, 0, 0, "SB600", f"The file cannot be read: {exc.strerror or exc}.")
        return
    with raw:
        raw.seek(fmt.bom)
        errors = "replace" if fmt.encoding == "cp1252" else "strict"
        text = io.TextIOWrapper(raw, encoding=fmt.encoding, errors=errors, newline="")
        if fmt.encoding == "cp1252":
            yield fmt.bad_line, Problem(
                name, fmt.bad_line, 0, "SB603",
                "This line is not UTF-8, so the file was read as Windows-1252; "
                "save it from Excel as 'CSV UTF-8' to be sure accents are right.",
                Severity.WARNING,
            )
        elif fmt.bad_line:
            yield fmt.bad_line, Problem(name, fmt.bad_line, 0, "SB602", _decode_message(fmt))
            return
        offset = 1 if fmt.sep_line else 0
        if fmt.sep_line:
            text.readline()
        yield from _records(text, fmt.delimiter, name, offset)


def _records(text: io.TextIOWrapper, delimiter: str, name: str, offset: int) -> Iterator[tuple[int, list[str] | Problem]]:
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    done = 0  # physical lines consumed by the records read so far
    header = True  # the first record that is not blank
    while True:
        start = offset + done + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            done = reader.line_num
            header = False
            yield start, Problem(name, start, 0, "SB610", _csv_message(str(exc)))
            continue
        except UnicodeDecodeError:  # the file changed since it was sniffed
            yield start, Problem(name, start, 0, "SB602", "The file cannot be decoded near this line; save it from Excel as 'CSV UTF-8'.")
            return
        done = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if any("\x00" in field for field in fields):
            if header:  # nothing after a header that is not text can be trusted
                yield start, Problem(name, start, 0, "SB602", "The header line holds a NUL byte (\\x00), which is not text; "
                                     "this is not a CSV list, or it is damaged.")
                return
            yield start, Problem(
                name, start, 0, "SB610",
                "The record starting on this line holds a NUL byte (\\x00), which is not text; "
                "the file may be damaged: delete the byte or the row.",
            )
            continue
        header = False
        if any(field[:1] == "'" for field in fields):
            fields = [_unprefixed(field) for field in fields]
        yield start, fields


def _unprefixed(field: str) -> str:
    """``field`` without Excel's text prefix when it guards a formula character (``'=x`` -> ``=x``)."""
    return field[1:] if field[:1] == "'" and field[1:2] in FORMULA_START else field


def _csv_message(error: str) -> str:
    if error == "unexpected end of data":
        return "A quote (\") opened in the record starting on this line is never closed; close or remove it."
    if error.startswith("field larger than field limit"):
        return (
            "A field in the record starting on this line is too long; "
            "a quote (\") is probably never closed."
        )
    return (
        f"The record starting on this line is not valid CSV ({error}); "
        "put quotes around the whole field and double any quote inside it (\"\")."
    )


def _encoding(sample: bytes) -> tuple[str, int, str]:
    for bom, encoding, label in _BOMS:
        if sample.startswith(bom):
            return encoding, len(bom), label
    # UTF-16 without BOM: the ASCII of a header and addresses puts a zero in every other
    # byte, on one side. A stray NUL in UTF-8 is far rarer and falls on either side.
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if max(even, odd) * 8 >= len(sample) > 0 and min(even, odd) * 4 <= max(even, odd):
        return ("utf-16-be", 0, "UTF-16 BE") if even > odd else ("utf-16-le", 0, "UTF-16 LE")
    return "utf-8", 0, "UTF-8"


def _decode_message(fmt: CsvFormat) -> str:
    return f"This line is not valid {fmt.encoding.upper()}; save the file from Excel as 'CSV UTF-8'."


def _bad_line(raw: io.BufferedReader, encoding: str) -> int:
    """The first line (1-based) that does not decode, or 0; reads the file in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    last = ""
    try:
        while chunk := raw.read(_CHUNK):
            text = decoder.decode(chunk)
            lines += _count_lines(last + text) - _count_lines(last)  # a CRLF split across chunks
            last = text[-1:] or last
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        # exc.object holds the bytes the decoder had buffered plus the chunk
        text = exc.object[: exc.start].decode(encoding, errors="replace")
        return lines + _count_lines(last + text) - _count_lines(last) + 1
    return 0


def _count_lines(text: str) -> int:
    """Line breaks as the csv module counts them: CRLF, LF or a lone CR."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _delimiter(header: str) -> str:
    """The delimiter used most in the header line, outside quotes; ``,`` if none."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","
