"""What an editor or contributor left unfinished, and blocks that lost their ``- ``.

- SB017 (warning): the example words of the ``new-article`` or ``new-issue``
  template, still there;
- SB025 (warning): a section of ``issue.yaml`` with no article yet;
- SB026: a section kind that is neither in the layouts' ``colours.yaml`` nor
  in another issue of the folder (a misspelt kind would start a new section);
- SB027: two issue folders checked together with the same number;
- SB030: a block written without its ``- `` is read by YAML as a second key
  of the block above; it is reported at the block that lost its dash.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

import yaml

from ..content.model import Issue, slugify
from ..content.new_article import TEMPLATE_TEXT as ARTICLE_TEMPLATE
from ..content.new_issue import TEMPLATE_TEXT as ISSUE_TEMPLATE
from ..content.schema import BLOCK_KINDS
from ..content.yamlfile import NULL_TAG, node_at
from ..problems import Problem
from .codes import Verdict
from .locate import SourceFile

__all__ = ["empty_sections", "known_kinds", "lost_dashes", "same_numbers", "section_kinds", "template_text", "unfinished"]

_TEMPLATE = (*ARTICLE_TEMPLATE, *ISSUE_TEMPLATE)


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """Every value (not key) of a file, in file order."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag != NULL_TAG and isinstance(node.value, str):
            yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            yield from _scalars(value)


def _template_words(value: str) -> str:
    stripped = value.strip()
    for words in _TEMPLATE:
        if stripped == words or (len(words) >= 12 and words in value):
            return words
    return ""


def _model_texts(value: object) -> Iterator[str]:
    """Every string of a model object (an issue, its sections and articles), depth first."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _model_texts(getattr(value, field.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _model_texts(item)


def unfinished(issue: Issue, /) -> str:
    """Why ``issue`` is still a draft ("" when it is not): a template's words left in, or a section with no article.

    The same facts as SB017 and SB025, for what publishes an issue without checking it (the web archive).
    """
    for text in _model_texts(issue):
        if words := _template_words(text):
            return f"still the template's words '{words.strip()}'"
    empty = [section.kind for section in issue.sections if not section.articles]
    return f"the section '{empty[0]}' has no article" if empty else ""


def template_text(file: SourceFile, /) -> list[Problem]:
    """SB017 for each value that still holds a template's example words."""
    problems = []
    for node in _scalars(file.root):
        words = _template_words(str(node.value))
        if not words:
            continue
        value = " ".join(str(node.value).split())
        shown = value if len(value) <= 60 else value[:57] + "..."
        if "@" in words:
            message = f"'{words}' is the template's example address; write the real address."
        else:
            message = f"'{shown}' is still the template's example text; replace it with your own words."
        problems.append(file.problem(node, Verdict("SB017", message, warning=True), offset=max(0, str(node.value).find(words))))
    return problems


def empty_sections(file: SourceFile, issue_dir: str, /) -> list[Problem]:
    """SB025 for each section of ``issue.yaml`` that lists no article."""
    problems = []
    sections = node_at(file.root, "sections")
    for section in sections.value if isinstance(sections, yaml.SequenceNode) else []:
        articles, kind = node_at(section, "articles"), node_at(section, "kind")
        if not (isinstance(articles, yaml.SequenceNode) and not articles.value or isinstance(articles, yaml.ScalarNode)
                and articles.tag == NULL_TAG):
            continue
        name = str(kind.value) if isinstance(kind, yaml.ScalarNode) else "?"
        message = (f"The section '{name}' has no articles yet, so its heading would stand alone in the email; add one with "
                   f"soc-bulletin new-article {issue_dir} <name> --section \"{name}\", or delete the section.")
        problems.append(file.problem(articles, Verdict("SB025", message, warning=True)))
    return problems


def known_kinds(folder: Path, colours: Mapping[str, object], /) -> dict[str, str]:
    """The section kinds an issue in ``folder`` may use, by slug: the layouts' ``colours`` and the other issues' kinds."""
    known = {slug: " ".join(w.capitalize() if n == 0 or len(w) > 3 else w for n, w in enumerate(slug.split("-")))
             for slug in colours if slug != "default"}
    for other in sorted(folder.resolve().parent.glob("*/issue.yaml")):
        if other.parent.resolve() != folder.resolve():
            known |= _kinds_of(other)
    return known


def _kinds_of(issue_file: Path) -> dict[str, str]:
    """The section kinds another issue's file uses, by slug (none when it cannot be read: its own check says so).

    Read once per process while the file is unchanged: ``check issues/`` asks it of every other issue for each one.
    """
    try:
        stat = issue_file.stat()
    except OSError:
        return {}
    return dict(_kinds_read(issue_file, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=256)
def _kinds_read(issue_file: Path, _mtime_ns: int, _size: int, /) -> tuple[tuple[str, str], ...]:
    try:
        data = yaml.safe_load(issue_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, yaml.YAMLError):
        return ()
    kinds = {}
    sections = data.get("sections") if isinstance(data, dict) else None
    for section in sections if isinstance(sections, list) else []:
        kind = section.get("kind") if isinstance(section, dict) else None
        if isinstance(kind, str) and slugify(kind):
            kinds[slugify(kind)] = kind
    return tuple(kinds.items())


def section_kinds(file: SourceFile, known: Mapping[str, str], colours_file: str, /) -> list[Problem]:
    """SB026 for each section kind of ``issue.yaml`` not in ``known`` (see :func:`known_kinds`), with the closest one."""
    problems = []
    sections = node_at(file.root, "sections")
    for section in sections.value if isinstance(sections, yaml.SequenceNode) else []:
        kind = node_at(section, "kind")
        if not isinstance(kind, yaml.ScalarNode) or not isinstance(kind.value, str) or not slugify(kind.value):
            continue
        slug = slugify(kind.value)
        if slug in known:
            continue
        close = difflib.get_close_matches(slug, list(known), n=1, cutoff=0.6)
        hint = f"did you mean '{known[close[0]]}'? If not, to" if close else "to"
        message = (f"The section kind '{kind.value}' is not one the layouts or an earlier issue know, so it would start a new section "
                   f"in the default colour; {hint} start a new kind, add '{slug}: \"#rrggbb\"' to {colours_file}.")
        problems.append(file.problem(kind, Verdict("SB026", message)))
    return problems


def same_numbers(numbers: list[tuple[int, SourceFile]], /) -> list[Problem]:
    """SB027 at the number of each issue checked whose number another issue checked has too."""
    problems = []
    for number, file in numbers:
        others = [str(Path(other.path).parent) for n, other in numbers if n == number and other is not file]
        if others:
            message = (f"This is Issue {number}, and so is {', '.join(others)}; give each issue its own number (the next "
                       f"after the latest is {max(n for n, _ in numbers) + 1}).")
            problems.append(file.problem(node_at(file.root, "number"), Verdict("SB027", message)))
    return problems


def lost_dashes(file: SourceFile, /) -> tuple[list[Problem], set[tuple[int, int]]]:
    """SB030 at each block kind written as a second key of the block above (its ``- `` left out).

    Also returns the ``(line, column)`` of each block mapping concerned, where
    the loader reported "one key" on the block above instead.
    """
    problems, blocks = [], set()
    items = node_at(file.root, "blocks")
    for block in items.value if isinstance(items, yaml.SequenceNode) else []:
        if not isinstance(block, yaml.MappingNode) or len(block.value) < 2:
            continue
        lost = [key for key, _ in block.value[1:] if isinstance(key, yaml.ScalarNode) and str(key.value) in BLOCK_KINDS]
        if not lost:
            continue
        blocks.add((block.start_mark.line + 1, block.start_mark.column + 1))
        dash = max(0, block.start_mark.column - 2)
        for key in lost:
            message = (f"'{key.value}:' starts a new block but has no '- ' in front, so it is read as part of the block "
                       f"above; write '- {key.value}:' with the '- ' lined up with the other blocks (at column {dash + 1}).")
            problems.append(file.problem(key, Verdict("SB030", message)))
    return problems, blocks
