"""Parsed issue files kept between loads, for a process that loads one folder again and again (the preview).

A file is parsed again only when its (resolved path, ``st_mtime_ns``,
``st_size``, ``st_ino``) changed, like ``make`` trusting timestamps: an
atomic save (a new inode) or any write that moves the time or the size is
seen. What is kept is immutable or never changed by a reader: the YAML node
tree, the problems, and an article built from the file when building it
looked at no other file (its images' paths are judged on disk, so an
article with a local image is built again each time).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..problems import Problem
from .model import Article
from .yamlfile import read_yaml_text

__all__ = ["FileCache"]

#: An article built from a file, with the problems found building it.
ArticleReading = tuple[Article | None, tuple[Problem, ...]]


@dataclass(slots=True)
class _Entry:
    signature: tuple[int, int, int]
    name: str
    node: yaml.Node | None
    problems: tuple[Problem, ...]
    text: str
    articles: dict[str, ArticleReading] = field(default_factory=dict)  # by the issue folder it was built for


class FileCache:
    """Parsed YAML files, reused while a file is unchanged; pass one to ``read_issue(..., cache=)`` on each reload.

    Not thread-safe (a plain dict): use one per thread, as the preview does
    with its one rebuilding thread. ``parses`` counts the files parsed.
    """

    def __init__(self) -> None:
        self._entries: dict[Path, _Entry] = {}
        self.parses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def read_yaml(self, path: Path, /) -> tuple[yaml.Node | None, list[Problem]]:
        """:func:`~soc_bulletin.content.yamlfile.read_yaml` of ``path``, parsed only if it changed since the last read."""
        key, signature = self._identify(path)
        entry = self._entries.get(key) if key is not None else None
        if entry is None or entry.signature != signature or entry.name != str(path):
            self.parses += 1
            node, problems, text = read_yaml_text(path)
            if key is None or signature is None:  # cannot be stat'ed: nothing to keep
                if key is not None:
                    self._entries.pop(key, None)
                return node, problems
            entry = self._entries[key] = _Entry(signature, str(path), node, tuple(problems), text)
        return entry.node, list(entry.problems)

    def text(self, path: Path, /) -> str | None:
        """The text of ``path`` as last parsed, while the file is unchanged (None: never parsed here, or changed since)."""
        key, signature = self._identify(path)
        entry = self._entries.get(key) if key is not None else None
        return entry.text if entry is not None and entry.signature == signature and entry.name == str(path) else None

    def article(self, path: Path, root: Path, /) -> ArticleReading | None:
        """The article built from ``path`` (as last read) for the issue folder ``root``, if one was kept."""
        entry = self._entries.get(_resolved(path) or path)
        return entry.articles.get(str(root)) if entry is not None and entry.name == str(path) else None

    def keep_article(self, path: Path, root: Path, reading: ArticleReading, /) -> None:
        """Keep the article built from ``path`` as last read (call it only when building it read no other file)."""
        entry = self._entries.get(_resolved(path) or path)
        if entry is not None and entry.name == str(path):
            entry.articles[str(root)] = reading

    def _identify(self, path: Path) -> tuple[Path | None, tuple[int, int, int] | None]:
        key = _resolved(path)
        if key is None:
            return None, None
        try:
            info = os.stat(key)
        except (OSError, ValueError):
            return key, None
        return key, (info.st_mtime_ns, info.st_size, info.st_ino)


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None
