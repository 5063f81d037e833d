"""Reading YAML files as located nodes, and strict mapping readers over them.

PyYAML's composed nodes keep the line and column of every value, which the
loader needs to report ``path:line:col`` for each problem. Scalars are read
from nodes directly, so a file is parsed once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import stat
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml

from ..problems import Problem, Severity
from ..terminal import printable
from .yaml_mistakes import explain

__all__ = ["MAX_FILE_BYTES", "Fields", "NodeReader", "character_name", "node_at", "read_yaml", "read_yaml_text"]

#: The largest YAML file read (an article is a few KB); a larger one is refused unread.
MAX_FILE_BYTES = 1024 * 1024

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# SafeLoader's implicit resolvers by first character ("" for an empty value); it has none for any character (None).
_IMPLICIT: dict[str | None, list[tuple[str, re.Pattern[str]]]] = yaml.resolver.Resolver.yaml_implicit_resolvers
assert issubclass(_Base, yaml.resolver.Resolver) and None not in _IMPLICIT and not yaml.resolver.Resolver.yaml_path_resolvers


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader (libyaml's when there), resolving tags as it does in fewer steps.

    Safe loading has no path resolvers, so a plain scalar's tag depends
    only on its first character's implicit resolvers, and a quoted or block
    scalar, a list and a mapping always get the default tag.
    """

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        """Nothing to do: no path resolvers."""

    def ascend_resolver(self) -> None:
        """Nothing to do: no path resolvers."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return str(tag)
            return STR_TAG
        return SEQ_TAG if kind is yaml.SequenceNode else MAP_TAG

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
_CORE = "tag:yaml.org,2002:"
#: Tags a plain YAML file resolves to by itself ("=" is a value, "<<" a merge key, both kept as text).
_PLAIN_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "value", "merge"))
# So only a written tag gives another: the resolvers' "yaml" tag is for a plain "!", "&" or "*", which are indicators.
assert {tag for resolvers in _IMPLICIT.values() for tag, _ in resolvers} - {_CORE + "yaml"} <= _PLAIN_TAGS
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "TAB", 0x0A: "LINE FEED", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE"}


def character_name(char: str, /) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: a character named for a message (controls have no Unicode name)."""
    code = ord(char)
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(code, "a control character")
    return f"U+{code:04X} {name}"


def read_yaml(path: Path, /, *, display: str | None = None) -> tuple[yaml.Node | None, list[Problem]]:
    """Parse one YAML file into a node tree; problems instead of exceptions (see :func:`read_yaml_text`)."""
    node, problems, _ = read_yaml_text(path, display=display)
    return node, problems


def read_yaml_text(path: Path, /, *, display: str | None = None) -> tuple[yaml.Node | None, list[Problem], str]:
    """Parse one YAML file into a node tree; problems instead of exceptions; and its text ("" when not decoded).

    Reports files that cannot be read, are not regular files, are over
    :data:`MAX_FILE_BYTES`, are not UTF-8, are empty, hold control
    characters, are not valid YAML, or use tags or aliases (a plain file
    needs neither, and aliases can multiply a small file into a huge one),
    each at the line and column where it goes wrong.
    """
    name = display or str(path)
    data = _read_bytes(path, name)
    if isinstance(data, Problem):
        return None, [data], ""
    text = _decoded(data, name)
    if isinstance(text, Problem):
        return None, [text], ""
    if not text.strip():
        return None, [Problem(name, 1, 1, "SB002", "The file is empty; it must hold a YAML mapping.")], text
    node = _composed(text, name)
    if isinstance(node, Problem):
        return None, [node], text
    if node is None or _is_null(node):
        return None, [Problem(name, 1, 1, "SB002", "The file is empty; it must hold a YAML mapping.")], text
    refused = _refused_features(node, text, name) if _may_tag_or_anchor(text) else []
    return (None, refused, text) if refused else (node, [], text)


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG and not node.value


def _read_bytes(path: Path, name: str) -> bytes | Problem:
    """The file's bytes; a problem for what is not a regular file, cannot be read or is too large."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a folder, a FIFO or a device is never opened
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            return Problem(name, 0, 0, "SB004", f"The file cannot be read: it is {kind}.")
        if info.st_size > MAX_FILE_BYTES:
            return _too_large(name, info.st_size)
        with open(path, "rb") as file:  # the size it has, and more only if it grew since
            data = file.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += file.read(MAX_FILE_BYTES + 1 - len(data))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Problem(name, 0, 0, "SB004", f"The file cannot be read: {printable(reason)}.")
    if len(data) > MAX_FILE_BYTES:  # it grew after the stat
        return _too_large(name, len(data))
    return data


def _decoded(data: bytes, name: str) -> str | Problem:
    """The UTF-8 text (a BOM dropped); a problem at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return Problem(name, line, column, "SB001", f"The file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8.")


def _composed(text: str, name: str) -> yaml.Node | None | Problem:
    """The node tree of ``text``; a problem at the place where it is not YAML."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:  # in plain words at the mistake (yaml_mistakes), else PyYAML's
        said = explain(text, exc)
        return Problem(name, said.line, said.column, "SB003", printable(said.message))
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: C0 and C1 controls, DEL
        at = max(0, min(exc.position, len(text)))
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        char = character_name(chr(exc.character)) if isinstance(exc.character, int) else "a control character"
        return Problem(name, line, column, "SB015", f"The file contains the control character {char}; delete it.")
    except yaml.YAMLError as exc:
        return Problem(name, 1, 1, "SB003", f"YAML syntax error: {printable(' '.join(str(exc).split()))}.")
    except RecursionError:  # only without libyaml, which stops at 1000 levels itself
        return Problem(name, 1, 1, "SB006", "The file is nested too deeply to be an issue or article file.")
    return node


def _may_tag_or_anchor(text: str) -> bool:
    """Whether ``text`` may hold a tag ("!") or an anchor ("&", which an alias needs).

    Either starts a token: at the start, or after a space or a flow
    indicator. A file without one (its "!" and "&" inside words) has
    neither, so its tree need not be walked; ``str.find`` scans fastest.
    """
    for char in "!&":
        at = text.find(char)
        while at != -1:
            if at == 0 or text[at - 1].isspace() or text[at - 1] in "[]{},:\ufeff":
                return True
            at = text.find(char, at + 1)
    return False


def _too_large(name: str, size: int) -> Problem:
    return Problem(
        name, 0, 0, "SB006",
        f"The file is {size / 1024 / 1024:.1f} MB; an issue or article file must be under {MAX_FILE_BYTES // 1024 // 1024} MB, so it is not read.",
    )


def _refused_features(root: yaml.Node, text: str, name: str) -> list[Problem]:
    """SB007 for each explicit tag (``!!python/object``, ``!!binary``...) and each alias (``*name``).

    An alias makes the composed tree share a node, so it is found by
    identity; the file is then parsed for the aliases' exact places.
    """
    problems = []
    seen: set[int] = set()
    shared = False
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared = True
            continue
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace(_CORE, "!!", 1)
            problems.append(Problem(
                name, node.start_mark.line + 1, node.start_mark.column + 1, "SB007",
                f"The YAML tag '{printable(tag)}' is not allowed; delete it and write a plain value.",
            ))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += [key, value]
    if shared:
        try:
            aliases = [event.start_mark for event in yaml.parse(text, Loader=_Loader) if isinstance(event, yaml.AliasEvent) and event.start_mark is not None]
        except yaml.YAMLError:  # it composed, so this does not happen
            aliases = []
        problems += [
            Problem(name, mark.line + 1, mark.column + 1, "SB007", "YAML aliases ('*name') are not allowed; write the value out in full.")
            for mark in aliases or [root.start_mark]
        ]
    return sorted(problems)


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

    def problem(self, node: yaml.Node | None, code: str, message: str, *, warning: bool = False, offset: int = 0) -> None:
        """Record a problem at ``node`` (or at the top of the file).

        ``offset`` is a character of a plain one-line value, which is where
        it is in the file too; in other values the problem is at the value's start.
        """
        line, column = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        if node is not None and offset and isinstance(node, yaml.ScalarNode) and not node.style and node.start_mark.line == node.end_mark.line:
            column += offset
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(Problem(self.path, line, column, code, printable(message), severity))

    def text(self, node: yaml.Node, what: str, *, multiline: bool = False) -> str | None:
        """A string; numbers and other scalars are taken as written.

        ``multiline`` says whether the field may hold line breaks (and tabs);
        :meth:`judge` sees every string read.
        """
        if isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG:
            value = str(node.value)
            self.judge(node, value, what, multiline=multiline)
            return value
        self.problem(node, "SB012", f"{what} must be text, not {_kind(node)}.")
        return None

    def judge(self, node: yaml.ScalarNode, value: str, what: str, /, *, multiline: bool) -> None:
        """A hook for readers that judge the strings they read (none here)."""

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

    def texts(self, node: yaml.Node, what: str, *, multiline: bool = False) -> tuple[str, ...] | None:
        """A list of strings; a single string is taken as a list of one."""
        if isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG:
            value = self.text(node, what, multiline=multiline)
            return None if value is None else (value,)
        items = self.sequence(node, what)
        if items is None:
            return None
        values = [self.text(item, f"Each item of {what}", multiline=multiline) for item in items]
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
            if not isinstance(key_node, yaml.ScalarNode):
                reader.problem(key_node, "SB012", f"A key in {what} must be a word, not {_kind(key_node)}.")
                continue
            key = str(key_node.value)
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f" Did you mean '{close[0]}'?" if close else f" Allowed keys: {', '.join(allowed)}."
                reader.problem(key_node, "SB010", f"Unknown key '{_short(key)}' in {what}.{hint}")
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

    def text(self, key: str, default: str = "", *, multiline: bool = False) -> str:
        """The string under ``key``, or ``default`` when absent or wrong."""
        node = self.values.get(key)
        if node is None:
            return default
        value = self.reader.text(node, f"'{key}'", multiline=multiline)
        return default if value is None else value


def _short(text: str) -> str:
    """``text`` cut to a length fit for a one-line message."""
    return text if len(text) <= 60 else text[:57] + "..."
