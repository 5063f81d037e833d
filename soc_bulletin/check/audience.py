"""Audiences: every name in an ``audience`` list must be a segment that ``send`` knows (SB060).

The segments are those of the project's segments file (``[sending] segments``
in ``soc-bulletin.toml``, by default ``subscribers/segments.yaml``) plus the
built-in ``all``; ``send`` refuses an issue that names any other, so ``check``
reports it first, at the name, with the closest segment. Without a segments
file the names cannot be checked (``send --segments`` may name one): a warning.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from ..config import Settings
from ..content.cache import FileCache
from ..content.schema import segment_name_problem
from ..content.yamlfile import NULL_TAG, node_at, read_yaml
from ..problems import Problem
from .codes import Verdict
from .locate import SourceFile

__all__ = ["SegmentNames", "audience_nodes", "check_audiences", "segment_names"]

ALL = "all"


@dataclass(frozen=True, slots=True)
class SegmentNames:
    """The segment names an audience may use, the segments file as shown, and its own problems."""

    names: frozenset[str]
    shown: str
    exists: bool
    problems: tuple[Problem, ...] = ()


def shown_path(path: Path, /) -> str:
    """``path`` relative to the working directory when it is inside it."""
    try:
        resolved, here = path.resolve(), Path.cwd().resolve()
        return os.path.relpath(resolved, here) if resolved.is_relative_to(here) else str(path)
    except (OSError, ValueError):
        return str(path)


def segment_names(settings: Settings, /, *, path: Path | None = None, cache: FileCache | None = None) -> SegmentNames:
    """The segments ``send`` will know: those of the file ``path`` (``send --segments``), else of the ``settings``'
    ``[sending] segments``; ``cache`` shares the parsed file with the rest of the run."""
    path = path if path is not None else settings.resolve(settings.sending.segments)
    shown = shown_path(path)
    if not path.exists():
        return SegmentNames(frozenset({ALL}), shown, exists=False)
    root, problems = read_yaml(path, display=shown) if cache is None else cache.read_yaml(path)
    problems = [replace(p, path=shown) for p in problems]
    names = {ALL}
    if isinstance(root, yaml.MappingNode):
        names.update(str(key.value) for key, _ in root.value if isinstance(key, yaml.ScalarNode))
        for key, _ in root.value:  # the segments' own mistakes (a second 'all', a name not allowed), as send reports them
            if isinstance(key, yaml.ScalarNode) and (refused := segment_name_problem(str(key.value))):
                problems = [*problems, Problem(shown, key.start_mark.line + 1, key.start_mark.column + 1, *refused)]
    return SegmentNames(frozenset(names), shown, exists=True, problems=tuple(p for p in problems if p.code != "SB002"))


def audience_nodes(root: yaml.Node, /, *, issue: bool) -> Iterator[yaml.ScalarNode]:
    """Every audience name of an article file, or of the sections of ``issue.yaml``."""
    places = [node_at(item, "audience") for item in _items(node_at(root, "sections"))] if issue else [node_at(root, "audience")]
    for place in places:
        for name in _items(place) if isinstance(place, yaml.SequenceNode) else [place]:
            if isinstance(name, yaml.ScalarNode) and name.tag != NULL_TAG and str(name.value).strip():
                yield name


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def check_audiences(file: SourceFile, names: list[yaml.ScalarNode], segments: SegmentNames, /) -> list[Problem]:
    """SB060 for each audience name that is not a segment, with the closest one."""
    problems = []
    for node in names:
        name = str(node.value).strip()
        if name in segments.names:
            continue
        if not segments.exists:  # send --segments may name another file; send checks the names against it
            problems.append(file.problem(node, Verdict(
                "SB060", f"The audience '{name}' cannot be checked: there is no segments file {segments.shown} (the settings' "
                "[sending] segments); create it, or send with --segments naming the file that defines it.", warning=True)))
            continue
        close = difflib.get_close_matches(name, sorted(segments.names), n=1, cutoff=0.6)
        known = ", ".join(sorted(segments.names - {ALL}))
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {known}; or define '{name}' there."
        message = f"The audience '{name}' is not a segment in {segments.shown}; {hint}"
        problems.append(file.problem(node, Verdict("SB060", message)))
    return problems
