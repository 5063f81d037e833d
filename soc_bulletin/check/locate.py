"""Placing problems: from an offset inside a YAML string to ``line:column`` in its file.

PyYAML marks where each scalar starts and ends, not where its characters
came from, and a block scalar's value has lost the file's indentation.
:func:`position` maps an offset in the value back to the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..problems import Problem, Severity
from .codes import Verdict

__all__ = ["SourceFile", "find_text", "position"]


def position(node: yaml.Node, offset: int = 0, /, *, lines: Sequence[str]) -> tuple[int, int]:
    """The 1-based ``(line, column)`` in the file of character ``offset`` of ``node``'s value.

    A literal block (``|``) starts on the line after its key, indented;
    a one-line plain scalar starts at its mark. Quoted, folded and
    multi-line scalars are searched for the text at ``offset`` instead,
    since escapes and folding move characters around.
    """
    start = node.start_mark
    if not isinstance(node, yaml.ScalarNode) or not isinstance(node.value, str):
        return start.line + 1, start.column + 1
    value: str = node.value
    offset = max(0, min(offset, len(value)))
    if node.style == "|":
        first = start.line + 1
        line_in_value = value.count("\n", 0, offset)
        column_in_line = offset - (value.rfind("\n", 0, offset) + 1)
        return first + line_in_value + 1, _indent(lines, first) + column_in_line + 1
    if offset == 0 or (not node.style and start.line == node.end_mark.line):
        return start.line + 1, start.column + offset + 1
    found = _search(node, value, offset, lines)
    return found if found is not None else (start.line + 1, start.column + 1)


def _indent(lines: Sequence[str], first: int) -> int:
    """The indentation of a block scalar: that of its first non-blank line."""
    for line in lines[first:]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 0


def _search(node: yaml.Node, value: str, offset: int, lines: Sequence[str]) -> tuple[int, int] | None:
    """Find the word at ``offset`` in the file region of ``node`` (same occurrence number)."""
    rest = value[offset:]
    needle = rest.split(maxsplit=1)[0] if rest.strip() else ""
    if not needle or value[offset].isspace():
        return None
    occurrence = value.count(needle, 0, offset)
    start, end = node.start_mark, node.end_mark
    region = lines[start.line : end.line + 1]
    if not region:
        return None
    text = "\n".join(region)
    index = start.column - 1
    for _ in range(occurrence + 1):
        index = text.find(needle, index + 1)
        if index < 0:
            return None
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return start.line + line + 1, column + 1


def find_text(lines: Sequence[str], needle: str, /) -> tuple[int, int] | None:
    """The 1-based position of the first occurrence of ``needle`` in ``lines``."""
    for number, line in enumerate(lines, start=1):
        column = line.find(needle)
        if column >= 0:
            return number, column + 1
    return None


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One YAML file being checked: its name as shown, text lines, node tree and issue folder.

    ``folder`` is where image paths start (the issue folder).
    """

    path: str
    lines: tuple[str, ...]
    root: yaml.Node
    folder: Path

    @classmethod
    def read(cls, path: Path, root: yaml.Node, /, *, folder: Path, text: str | None = None) -> SourceFile:
        """The file's lines as PyYAML counts them (the loader has already decoded it: pass its ``text`` when kept)."""
        if text is None:
            try:
                text = path.read_bytes().decode("utf-8-sig", errors="replace")
            except OSError:
                text = ""
        return cls(str(path), tuple(text.splitlines()), root, folder)

    def problem(self, node: yaml.Node | None, verdict: Verdict, /, *, offset: int = 0) -> Problem:
        """``verdict`` placed at ``offset`` in ``node``'s value (the file itself when None)."""
        line, column = position(node, offset, lines=self.lines) if node is not None else (0, 0)
        severity = Severity.WARNING if verdict.warning else Severity.ERROR
        return Problem(self.path, line, column, verdict.code, verdict.message, severity)
