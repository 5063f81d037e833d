"""Reading YAML files as located nodes, and strict mapping readers over them.

PyYAML's composed nodes keep the line and column of every value, which the
loader needs to report ``path:line:col`` for each problem. Scalars are read
from nodes directly, so a file is parsed once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml

from .problems import Problem, Severity

__all__ = ["Fields", "NodeReader", "node_at", "read_yaml"]

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def read_yaml(path: Path, /, *, display: str | None = None) -> tuple[yaml.Node | None, list[Problem]]:
    """Parse one YAML file into a node tree; problems instead of exceptions.

    Reports files that cannot be read, are not UTF-8, are empty, or are not
    valid YAML, each at the line and column where it goes wrong.
    """
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, 0, 0, "SB004", f"The file cannot be read: {exc.strerror or exc}.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Problem(
                name, line, column, "SB001",
                f"The file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8.",
            )
        ]
    if not text.strip():
        return None, [Problem(name, 1, 1, "SB002", "The file is empty; it must hold a YAML mapping.")]
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = (exc.problem or "invalid YAML").rstrip(".")
        hint = f" ({exc.context})" if exc.context else ""
        return None, [Problem(name, line, column, "SB003", f"YAML syntax error: {what}{hint}.")]
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        return None, [Problem(name, 1, 1, "SB003", f"YAML syntax error: {exc}.")]
    if node is None:
        return None, [Problem(name, 1, 1, "SB002", "The file is empty; it must hold a YAML mapping.")]
    return node, []


def node_at(node: yaml.Node, /, *keys: str | int) -> yaml.Node | None:
    """The node reached by following mapping keys and sequence indexes, or None."""
    for key in keys:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            found = next((v for k, v in node.value if k.value == key), None)
            if found is None:
                return None
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def _sentence(words: str) -> str:
    """``words`` with a capital first letter, to start a message."""
    return words[:1].upper() + words[1:]


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "empty"
    return {INT_TAG: "a number", TIMESTAMP_TAG: "a date"}.get(node.tag, "a value")


class NodeReader:
    """Collects problems for one file and reads typed values from nodes."""

    def __init__(self, path: str, /) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node | None, code: str, message: str, *, warning: bool = False) -> None:
        """Record a problem at ``node`` (or at the top of the file)."""
        line, column = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(Problem(self.path, line, column, code, message, severity))

    def text(self, node: yaml.Node, what: str) -> str | None:
        """A string; numbers and other scalars are taken as written."""
        if isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG:
            return str(node.value)
        self.problem(node, "SB012", f"{what} must be text, not {_kind(node)}.")
        return None

    def integer(self, node: yaml.Node, what: str) -> int | None:
        """A whole number."""
        if isinstance(node, yaml.ScalarNode) and node.tag == INT_TAG:
            try:
                return int(node.value.replace("_", ""), 0)
            except ValueError:
                pass
        self.problem(node, "SB012", f"{what} must be a whole number, such as 11.")
        return None

    def date(self, node: yaml.Node, what: str) -> dt.date | None:
        """A date written as YYYY-MM-DD."""
        if isinstance(node, yaml.ScalarNode):
            try:
                return dt.date.fromisoformat(str(node.value))
            except ValueError:
                pass
        self.problem(node, "SB014", f"{what} must be a date written as YYYY-MM-DD, such as 2019-08-01.")
        return None

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        """The items of a list."""
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        self.problem(node, "SB012", f"{what} must be a list, not {_kind(node)}.")
        return None

    def texts(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        """A list of strings; a single string is taken as a list of one."""
        if isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG:
            return (str(node.value),)
        items = self.sequence(node, what)
        if items is None:
            return None
        values = [self.text(item, f"Each item of {what}") for item in items]
        return tuple(v for v in values if v is not None) if None not in values else None

    def fields(self, node: yaml.Node, what: str, *, required: Sequence[str], optional: Sequence[str] = ()) -> Fields | None:
        """A mapping whose keys are checked against the allowed ones."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "SB012", f"{_sentence(what)} must be a mapping of keys to values, not {_kind(node)}.")
            return None
        return Fields(self, node, what, required=required, optional=optional)


class Fields:
    """A mapping node read strictly: unknown, duplicate and missing keys are problems."""

    def __init__(self, reader: NodeReader, node: yaml.MappingNode, what: str, *, required: Sequence[str], optional: Sequence[str]) -> None:
        self.reader = reader
        self.mapping = node
        self.values: dict[str, yaml.Node] = {}
        allowed = [*required, *optional]
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f" Did you mean '{close[0]}'?" if close else f" Allowed keys: {', '.join(allowed)}."
                reader.problem(key_node, "SB010", f"Unknown key '{key}' in {what}.{hint}")
            elif key in self.values:
                reader.problem(key_node, "SB013", f"The key '{key}' appears twice in {what}; keep one.")
            else:
                self.values[key] = value_node
        for key in required:
            if key not in self.values:
                reader.problem(node, "SB011", f"{_sentence(what)} is missing the required key '{key}'.")

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def __iter__(self) -> Iterator[tuple[str, yaml.Node]]:
        return iter(self.values.items())

    def node(self, key: str) -> yaml.Node | None:
        """The value node of ``key``, if present."""
        return self.values.get(key)

    def text(self, key: str, default: str = "") -> str:
        """The string under ``key``, or ``default`` when absent or wrong."""
        node = self.values.get(key)
        if node is None:
            return default
        value = self.reader.text(node, f"'{key}'")
        return default if value is None else value
