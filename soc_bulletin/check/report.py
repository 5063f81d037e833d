"""The result of a check and its three printed forms: compiler-style text, GitHub annotations, JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..problems import Problem, Severity
from ..terminal import printable
from .codes import CODES

__all__ = ["CheckReport", "format_github", "format_json", "format_text"]


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every problem found (sorted by file, line, column) and the files that were read.

    Iterating a report gives its problems.
    """

    problems: tuple[Problem, ...]
    files: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that fail a check."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems that only inform."""
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def failed(self, *, strict: bool = False) -> bool:
        """Whether the check fails: any error, or with ``strict`` any problem at all."""
        return bool(self.problems if strict else self.errors)

    def summary(self) -> str:
        """One line: how many files, errors and warnings."""
        files = _plural(len(self.files), "file")
        if not self.problems:
            return f"{files} checked: no problems found."
        return f"{files} checked: {_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}."


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_text(report: CheckReport, /) -> str:
    """One ``path:line:col: CODE message`` line per problem, then the summary.

    Control and invisible characters (from file names or quoted content) are
    written as escapes, so nothing from a file can drive the terminal.
    """
    return "".join(f"{printable(str(p))}\n" for p in report) + report.summary() + "\n"


def format_github(report: CheckReport, /, *, root: Path | None = None) -> str:
    """GitHub Actions workflow commands, so problems show on the pull request's diff.

    Paths are made relative to ``root`` (the repository) when they lie inside it.
    """
    lines = []
    for p in report:
        props = [f"file={_property(_relative(p.path, root))}"]
        if p.line:
            props += [f"line={p.line}", f"col={p.column or 1}"]
        props.append(f"title={_property(f'{p.code} {CODES.get(p.code, p.code)}')}")
        lines.append(f"::{p.severity.value} {','.join(props)}::{printable(_data(f'{p.code} {p.message}'))}\n")
    return "".join(lines) + report.summary() + "\n"


def format_json(report: CheckReport, /) -> str:
    """A JSON list of problems: path, line, column, code, title, severity, message."""
    return json.dumps([
        {
            "path": p.path, "line": p.line, "column": p.column, "code": p.code,
            "title": CODES.get(p.code, ""), "severity": p.severity.value, "message": p.message,
        }
        for p in report
    ], indent=2, ensure_ascii=False) + "\n"


def _relative(path: str, root: Path | None) -> str:
    if root is None:
        return path
    try:
        return Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix() if Path(path).resolve().is_relative_to(root.resolve()) else path
    except (OSError, ValueError):
        return path


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
