"""YAML syntax errors in plain words, at the line where the mistake is.

PyYAML reports where it gave up, which is often lines after the mistake and
in a parser's words ("did not find expected key", "while scanning an
alias"). :func:`explain` recognises the mistakes people make when they
write an article by hand and says what to do, at the line and column of
the mistake itself:

- a quote that is never closed, or closed only by a quote lines further on;
- a value containing ``: `` (a colon and a space), which needs quotes;
- Word's curly quotes, which YAML does not treat as quotes;
- text after the closing quote of a quoted value;
- a value starting with ``*``, ``&``, ``@`` or a backquote;
- a tab used for indentation;
- a line indented too little (ending a ``|`` text too early) or too much;
- an item of a list written without its ``- ``;
- a ``[`` or ``{`` list that is never closed, or a value that starts with
  ``[`` or ``{`` and goes on after it closes (``[Draft] news``);
- a quote inside a quoted value that ends it early;
- no space after a key's colon (``title:Diverting``);
- a backslash inside double quotes;
- a ``---`` line starting a second document.

Anything else keeps PyYAML's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

__all__ = ["Explained", "explain"]

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the one read_yaml uses, so its tokens match its errors
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
#: A line that starts a ``key:`` (possibly as a list item): the shape an unclosed quote swallows.
_KEY_LINE = re.compile(r"^\s*(?:-\s+)*[^\s:#\"'][^:#]*:(?:\s|$)")
#: ``key: value`` or ``- value`` at the start of a line: group "value" is where the value starts.
_VALUE_START = re.compile(r"^(?P<lead>\s*(?:-\s+)*(?:[^\s:#\"'][^:#]*?:\s+|-\s+)?)(?P<value>.*)$")
_BLOCK_SCALAR = re.compile(r"[|>][0-9+-]*\s*(?:#.*)?$")
_CURLY = "\u201c\u201d\u2018\u2019\u201e\u201f"


@dataclass(frozen=True, slots=True)
class Explained:
    """A mistake placed and said: 1-based ``line`` and ``column``, and the ``message``."""

    line: int
    column: int
    message: str


def explain(text: str, exc: yaml.MarkedYAMLError, /) -> Explained:
    """Where the mistake behind ``exc`` is in ``text``, and what to do about it."""
    lines = _LINE_BREAK.split(text)
    for rule in (_unclosed_quote, _runaway_quote, _tab, _special_start, _no_space_after_colon, _colon_in_value, _after_quote,
                 _indentation, _missing_dash, _text_indent, _unclosed_flow, _escape, _second_document):
        found = rule(text, lines, exc)
        if found is not None:
            return found
    return _pyyaml_words(exc)


def _pyyaml_words(exc: yaml.MarkedYAMLError) -> Explained:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = (exc.problem or "invalid YAML").rstrip(".")
    hint = f" ({exc.context})" if exc.context else ""
    return Explained(line, column, f"YAML syntax error: {what}{hint}.")


def _line(lines: list[str], index: int) -> str:
    return lines[index] if 0 <= index < len(lines) else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _quoted(value: str) -> str:
    """``value`` as YAML in quotes, whole: the editor pastes it over the line's value."""
    value = value.strip()
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _quote_name(char: str) -> str:
    return "double quote (\")" if char == '"' else "single quote (')"


def _unclosed_quote(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """The quote opened at the context mark runs to the end of the file."""
    mark = exc.context_mark
    if exc.context != "while scanning a quoted scalar" or mark is None:
        return None
    char = _line(lines, mark.line)[mark.column : mark.column + 1] or '"'
    return Explained(mark.line + 1, mark.column + 1,
                     f"The {_quote_name(char)} that starts this value is never closed; put a {char} at the end of the value.")


def _runaway_quote(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """A quoted value that swallowed the lines after it up to a later quote (the error comes lines later)."""
    stop = exc.problem_mark.index if exc.problem_mark is not None else len(text)
    try:
        for token in yaml.scan(text, Loader=_LOADER):
            start, end = token.start_mark, token.end_mark
            if start.index > stop:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") and end.line > start.line:
                swallowed = lines[start.line + 1 : end.line + 1]
                if any(_KEY_LINE.match(line) for line in swallowed):
                    char = token.style
                    return Explained(start.line + 1, start.column + 1,
                                     f"The {_quote_name(char)} that starts this value is not closed on this line, so the value runs on "
                                     f"to the next {char} (line {end.line + 1}); put a {char} at the end of the value.")
    except yaml.YAMLError:
        pass
    return None


def _tab(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    mark = exc.problem_mark
    if mark is None:
        return None
    line = _line(lines, mark.line)
    at_mark = line[mark.column : mark.column + 1] == "\t"
    if not at_mark and "tab" not in (exc.problem or ""):
        return None
    column = mark.column if at_mark else line.find("\t")
    if column < 0:
        return None
    return Explained(mark.line + 1, column + 1, "This line has a tab where YAML needs spaces; replace the tab with spaces.")


_SPECIAL = {
    "while scanning an alias": "*", "while scanning an anchor": "&",
}
_SPECIAL_WHY = {"*": "YAML reads it as an alias", "&": "YAML reads it as an anchor", "@": "YAML keeps it for itself",
                "`": "YAML keeps it for itself", "%": "YAML reads it as a directive"}


def _special_start(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """A value that starts with ``*``, ``&``, ``@`` or a backquote (``**bold**`` in a list, ``& co``)."""
    mark = exc.context_mark if exc.context in _SPECIAL else exc.problem_mark
    problem = exc.problem or ""
    if mark is None or (exc.context not in _SPECIAL and "cannot start any token" not in problem
                        and not problem.startswith("found undefined alias")):
        return None
    line = _line(lines, mark.line)
    char = line[mark.column : mark.column + 1]
    if char not in _SPECIAL_WHY:
        return None
    value = line[mark.column :].split(" #", 1)[0]
    return Explained(mark.line + 1, mark.column + 1,
                     f"A value cannot start with {char} ({_SPECIAL_WHY[char]}); put the whole value in quotes: {_quoted(value)}.")


def _colon_in_value(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """``title: Ceredigion: the project``, curly quotes around such a value, or a key indented more than the line above."""
    mark = exc.problem_mark
    if mark is None or not (exc.problem or "").startswith("mapping values are not allowed"):
        return None
    line = _line(lines, mark.line)
    lead = _VALUE_START.match(line)
    start = len(lead["lead"]) if lead else _indent(line)
    written = re.match(r"^(\s*(?:-\s+)*)([^:#]+?):\s", line)
    if written and " " in written[2].strip():  # "- Legal Powers: ..." is text, not a key of the format (keys are one word)
        start = len(written[1])
    value = line[start:].split(" #", 1)[0].rstrip()
    above = _previous_key(lines, mark.line)
    if above is not None and _indent(line) > above[0]:
        column, key = above
        return Explained(mark.line + 1, _indent(line) + 1,
                         f"This line is indented more than '{key}:' above ({_indent(line)} spaces instead of {column}), so YAML reads "
                         f"it as more of that value; line it up with '{key}:' (or put a value containing ': ' in quotes).")
    if value[:1] in _CURLY:
        straight = re.sub("[\u201c\u201d\u201e\u201f]", '"', re.sub("[\u2018\u2019]", "'", value))
        return Explained(mark.line + 1, start + 1,
                         f"Curly quotes ({value[0]}) are not quotes to YAML, so the ': ' inside this value starts another key; "
                         f"write straight quotes instead: {_quoted(straight.strip(chr(34) + chr(39)))}.")
    return Explained(mark.line + 1, start + 1,
                     f"This value contains ': ' (a colon and a space), which YAML reads as the start of another key; "
                     f"put the text in quotes: {_quoted(value)}.")


def _previous_key(lines: list[str], index: int) -> tuple[int, str] | None:
    """The column and name of the ``key: value`` (a plain value on the same line) on the nearest non-blank line above ``index``."""
    for number in range(index - 1, -1, -1):
        line = lines[number]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = re.match(r"^(\s*(?:-\s+)*)([^\s:#\"'][^:#]*?):\s+([^\s#|>\"'].*)$", line)
        return (len(found[1]), found[2]) if found else None
    return None


_CLOSING = {'"': '"', "'": "'", "]": "[", "}": "{"}


def _after_quote(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """``title: "Ceredigion" project``, ``title: "He said "hi""`` or ``title: [Draft] news``: text after the value ended."""
    mark = exc.problem_mark
    if mark is None or exc.problem not in ("did not find expected key", "did not find expected '-' indicator") and not (
        exc.problem or "").startswith("expected <block end>"):
        return None
    line = _line(lines, mark.line)
    before = line[: mark.column].rstrip()
    if not before or before[-1] not in _CLOSING or not line[mark.column :].strip():
        return None
    lead = _VALUE_START.match(line)
    start = len(lead["lead"]) if lead else 0
    if line[start : start + 1] != _CLOSING[before[-1]] or start >= len(before) - 1:
        return None
    value = line[start:].split(" #", 1)[0].rstrip()
    if value[0] in "[{":
        return Explained(mark.line + 1, start + 1,
                         f"A value starting with {value[0]} is read as a list or mapping that ends at its {before[-1]}; "
                         f"put the whole value in quotes: {_quoted(value)}.")
    if len(value) > 1 and value[-1] == value[0]:  # a quote inside the value ended it early
        return Explained(mark.line + 1, start + 1,
                         f"The {_quote_name(value[0])} inside this value ends it early; put the value in the other quotes: "
                         f"{_quoted(value[1:-1])}.")
    return Explained(mark.line + 1, start + 1,
                     f"Text follows the closing quote of this value; put the whole value in quotes: {_quoted(value)}.")


def _indentation(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """A line of a mapping indented less than the lines it belongs with."""
    mark = exc.problem_mark
    if mark is None or exc.context != "while parsing a block mapping" or not (
        exc.problem == "did not find expected key" or (exc.problem or "").startswith("expected <block end>")):
        return None
    line = _line(lines, mark.line)
    above = next((lines[n] for n in range(mark.line - 1, -1, -1) if lines[n].strip() and not lines[n].lstrip().startswith("#")), "")
    here, there = _indent(line), _indent(above.replace("- ", "  ", 1) if above.lstrip().startswith("- ") else above)
    if here == there and line.lstrip().startswith("- "):
        return Explained(mark.line + 1, here + 1,
                         "This line starts a list item ('- ') among keys; indent it under the key whose list it belongs to "
                         "(such as 'blocks:'), 2 spaces more than that key.")
    if here == there or not line.strip():
        return None
    return Explained(mark.line + 1, here + 1,
                     f"This line is indented by {here} spaces, but the line above by {there}; keys of the same block must line "
                     f"up, so indent this line by {there} spaces.")


def _missing_dash(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """A list item written without ``- ``."""
    mark, context = exc.problem_mark, exc.context_mark
    if mark is None or context is None or exc.context != "while parsing a block collection":
        return None
    line = _line(lines, mark.line)
    word = line.strip().split(": ", 1)[0].rstrip(":") + (":" if ":" in line else "")
    if mark.column == context.column:
        return Explained(mark.line + 1, mark.column + 1,
                         f"This line is in the list that starts on line {context.line + 1} but has no '- ' in front; "
                         f"write '- {word}' lined up with the other items.")
    return Explained(mark.line + 1, mark.column + 1,
                     f"This line is indented by {mark.column} spaces, but the items of the list that starts on line "
                     f"{context.line + 1} by {context.column}; line it up with them, starting with '- '.")


def _text_indent(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """A line of a ``|`` text indented less than the text above it, or a plain line where a key was expected."""
    mark = exc.context_mark
    if mark is None or exc.context != "while scanning a simple key":
        return None
    line = _line(lines, mark.line)
    here = _indent(line)
    for number in range(mark.line - 1, -1, -1):
        above = lines[number]
        if not above.strip():
            continue
        if _BLOCK_SCALAR.search(above.rstrip()) and ":" in above:
            body = [b for b in lines[number + 1 : mark.line] if b.strip()]
            key = re.match(r"^(\s*(?:-\s+)*)([^:]+):", above)
            key_column, name = (len(key[1]), key[2].strip()) if key else (_indent(above), "text")
            wanted = _indent(body[0]) if body else key_column + 2
            return Explained(mark.line + 1, here + 1,
                             f"This line is indented by {here} spaces, less than the text under '{name}: |' needs ({wanted}), so it is "
                             f"not part of that text; indent it by {wanted} spaces like the rest of the text.")
        if _indent(above) <= here:
            break
    return Explained(mark.line + 1, here + 1,
                     "This line is neither 'key: value' nor part of a text above it; if it continues a text, indent it like "
                     "that text; if it is a key, write ': ' after it.")


def _unclosed_flow(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    mark = exc.context_mark
    if mark is None or exc.context not in ("while parsing a flow sequence", "while parsing a flow mapping"):
        return None
    opening, closing, what = ("[", "]", "list") if "sequence" in exc.context else ("{", "}", "mapping")
    return Explained(mark.line + 1, mark.column + 1,
                     f"The {what} opened with '{opening}' here is not closed; end it with '{closing}' on the same line, with commas "
                     f"between the items (put an item containing a comma in quotes).")


def _no_space_after_colon(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """``title:Diverting`` on the line above: no space after the colon, so the key and the lines below run together."""
    mark = exc.problem_mark
    if mark is None or not (exc.problem or "").startswith("mapping values are not allowed"):
        return None
    for number in range(mark.line - 1, -1, -1):
        line = lines[number]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = re.match(r"^(\s*(?:-\s+)*)([A-Za-z_][\w-]*):(\S.*)$", line)
        if found is None or ": " in line:
            return None
        column = len(found[1]) + len(found[2])
        return Explained(number + 1, column + 1, f"There is no space after the ':' of '{found[2]}:'; write "
                                                 f"'{found[2]}: {found[3].strip()}' (a key, a colon, a space, the value).")
    return None


def _escape(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """A backslash inside double quotes (``"C:\\new"``), which starts an escape."""
    mark = exc.context_mark
    if mark is None or exc.context != "while parsing a quoted scalar" or "escape" not in (exc.problem or "") and "number" not in (
            exc.problem or ""):
        return None
    return Explained(mark.line + 1, mark.column + 1,
                     "A backslash (\\) inside double quotes starts an escape such as \\n; put the value in single quotes "
                     "instead, or write each backslash twice.")


def _second_document(text: str, lines: list[str], exc: yaml.MarkedYAMLError) -> Explained | None:
    """A line ``---`` (or a directive) starting a second document."""
    mark = exc.problem_mark
    if mark is None or not (exc.problem or "").startswith("but found another document"):
        return None
    return Explained(mark.line + 1, 1, "A file holds one article (or one issue); this line starts another document: delete the "
                                       "'---' line, or move what follows to a file of its own.")
