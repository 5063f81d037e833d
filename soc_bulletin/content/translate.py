"""Reading an article's translation, ``articles/<slug>.<lang>.yaml``, against its main file.

A translation has the main file's structure: the same blocks in the same
order, the same number of list items, figures and contacts. Each field the
main file has is translated, except the fields the schema marks
``inherited`` (addresses, URLs, an image's path, names), which a translation
may leave out to have the main file's value: ``- contact:`` alone repeats a
contact. The two files are merged node by node (the translation's nodes keep
their own lines) and the merged tree is read as any article, so a
translation is judged as its main file is; problems of the inherited values
are the main file's, said there once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from ..problems import Problem, Severity
from .blocks import ContentReader, read_article
from .cache import FileCache
from .model import Article
from .paths import ARTICLES_DIR
from .schema import ARTICLE, BLOCKS, LANGUAGE_TAG, Field, Mapping, Sequence, Value
from .yamlfile import MAP_TAG, NULL_TAG, SEQ_TAG, read_yaml

__all__ = ["read_translation", "translation_language", "translation_path"]

_NOUNS = {"blocks": "blocks", "list": "list items", "figures": "key figures", "people": "contacts"}


def translation_path(article: Path, language: str, /) -> Path:
    """Where the ``language`` translation of the article file ``article`` lives: ``articles/<slug>.<language>.yaml``."""
    return article.with_name(f"{article.stem}.{language}.yaml")


def translation_language(path: Path, /) -> tuple[str, str] | None:
    """The slug and language of a translation's file name (``jmlit.cy.yaml`` -> ``("jmlit", "cy")``), or None."""
    stem = path.name.removesuffix(".yaml")
    slug, dot, language = stem.partition(".")
    return (slug, language) if dot and LANGUAGE_TAG.fullmatch(language) else None


class _TranslationReader(ContentReader):
    """A reader that leaves out the problems of the values the main file lends (reported in the main file)."""

    def __init__(self, path: str, /, *, root: Path, lent: set[int], explained: set[int]) -> None:
        super().__init__(path, root=root)
        self.lent = lent
        self.explained = explained

    def problem(self, node: yaml.Node | None, code: str, message: str, *, warning: bool = False, offset: int = 0) -> None:
        if node is None or (id(node) not in self.lent and not (code == "SB011" and id(node) in self.explained)):
            super().problem(node, code, message, warning=warning, offset=offset)


class _Merge:
    """The merged node tree of a translation and its main file, and the differences found on the way."""

    def __init__(self, path: Path, main_path: Path) -> None:
        self.path = str(path)
        self.main = f"{ARTICLES_DIR}/{main_path.name}"
        self.problems: list[Problem] = []
        self.lent: set[int] = set()
        #: The merged mappings whose missing fields SB070 names (the reader's SB011 would say it again).
        self.explained: set[int] = set()

    def _say(self, node: yaml.Node, code: str, message: str, *, warning: bool = False) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(Problem(self.path, node.start_mark.line + 1, node.start_mark.column + 1, code, message, severity))

    def _at(self, node: yaml.Node) -> str:
        return f"{self.main}:{node.start_mark.line + 1}"

    def _lend(self, node: yaml.Node) -> None:
        self.lent.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self._lend(item)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._lend(key)
                self._lend(value)

    def value(self, shape: Value, main: yaml.Node, node: yaml.Node, what: str) -> yaml.Node:
        """``node`` (the translation's) with what the main file lends filled in."""
        if isinstance(shape, Mapping):
            return self.mapping(shape, main, node)
        if isinstance(shape, Sequence) and isinstance(main, yaml.SequenceNode) and isinstance(node, yaml.SequenceNode):
            return self.sequence(main, node, what, lambda m, n: self.value(shape.item, m, n, what))
        return node

    def sequence(self, main: yaml.SequenceNode, node: yaml.SequenceNode, what: str,
                 merge: Callable[[yaml.Node, yaml.Node], yaml.Node]) -> yaml.Node:
        if len(node.value) != len(main.value):
            noun = _NOUNS.get(what, "items")
            self._say(node, "SB071", f"The translation has {len(node.value)} {noun} where the main file has {len(main.value)} "
                      f"({self._at(main)}); a translation keeps the main file's structure.")
        items = [merge(m, n) for m, n in zip(main.value, node.value, strict=False)] + node.value[len(main.value):]
        return yaml.SequenceNode(SEQ_TAG, items, node.start_mark, node.end_mark)

    def mapping(self, shape: Mapping, main: yaml.Node, node: yaml.Node) -> yaml.Node:
        node = _empty_mapping(node)
        if not isinstance(main, yaml.MappingNode) or not isinstance(node, yaml.MappingNode):
            return node  # the reader says what is wrong with it
        theirs: dict[str, tuple[yaml.Node, yaml.Node]] = {str(k.value): (k, v) for k, v in main.value if isinstance(k, yaml.ScalarNode)}
        pairs = [self._pair(shape, main, theirs, key, value) for key, value in node.value]
        merged = yaml.MappingNode(MAP_TAG, pairs, node.start_mark, node.end_mark)
        written = {str(k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
        for field in shape.fields:
            if field.name in theirs and field.name not in written:
                self._missing(field, theirs[field.name], node, merged)
        return merged

    def _pair(self, shape: Mapping, main: yaml.MappingNode, theirs: dict[str, tuple[yaml.Node, yaml.Node]], key: yaml.Node,
              value: yaml.Node) -> tuple[yaml.Node, yaml.Node]:
        """A field of the translation, merged with the main file's (a warning for a field the main file has not)."""
        name = str(key.value) if isinstance(key, yaml.ScalarNode) else ""
        field = next((f for f in shape.fields if f.name == name), None)
        if field is not None and name in theirs:
            value = self.value(field.value, theirs[name][1], value, name)
        elif field is not None:
            self._say(key, "SB071", f"The translation has '{name}', which the main file ({self._at(main)}) has not; "
                      "a translation keeps the main file's structure.", warning=True)
        return key, value

    def _missing(self, field: Field, theirs: tuple[yaml.Node, yaml.Node], node: yaml.MappingNode, merged: yaml.MappingNode) -> None:
        """A field only the main file has: lent when the translation inherits it, else SB070."""
        if field.inherited:
            key, value = theirs
            self._lend(key)
            self._lend(value)
            merged.value.append((key, value))
        else:
            self._say(node, "SB070", f"The translation lacks '{field.name}', which the main file has at "
                      f"{self._at(theirs[1])}; translate it.")
            self.explained.add(id(merged))

    def blocks(self, main: yaml.SequenceNode, node: yaml.SequenceNode) -> yaml.Node:
        return self.sequence(main, node, "blocks", self.block)

    def block(self, main: yaml.Node, node: yaml.Node) -> yaml.Node:
        kinds = [_block_kind(n) for n in (main, node)]
        if None in kinds or kinds[0] not in BLOCKS or kinds[1] not in BLOCKS:
            return node  # the reader (or the main file) says what is wrong
        if kinds[0] != kinds[1]:
            self._say(node, "SB071", f"This block is a '{kinds[1]}' where the main file has a '{kinds[0]}' ({self._at(main)}); "
                      "keep the blocks in the main file's order.")
            return node
        assert isinstance(main, yaml.MappingNode) and isinstance(node, yaml.MappingNode)
        kind = str(kinds[0])
        key, value = node.value[0]
        merged = self.value(BLOCKS[kind], main.value[0][1], value, kind)
        return yaml.MappingNode(MAP_TAG, [(key, merged)], node.start_mark, node.end_mark)


def _empty_mapping(node: yaml.Node) -> yaml.Node:
    """An empty mapping for a null (``- contact:`` alone: everything lent), else ``node``."""
    if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG:
        return yaml.MappingNode(MAP_TAG, [], node.start_mark, node.end_mark)
    return node


def _block_kind(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1 and isinstance(node.value[0][0], yaml.ScalarNode):
        return str(node.value[0][0].value)
    return None


def read_translation(path: Path, main_path: Path, main: yaml.Node, slug: str, /, *,
                     root: Path, cache: FileCache | None = None) -> tuple[yaml.Node | None, Article | None, list[Problem]]:
    """The translation at ``path`` of the article ``slug`` (whose file ``main_path`` reads as ``main``).

    Returns the translation's own node tree (what ``check`` walks), the
    translated article and the problems: the reader's, SB070 for each field
    the main file has and the translation lacks, SB071 where the structure differs.
    """
    node, problems = read_yaml(path) if cache is None else cache.read_yaml(path)
    if node is None:
        return None, None, problems
    merge = _Merge(path, main_path)
    merged = merge.mapping(ARTICLE, main, node)
    if isinstance(merged, yaml.MappingNode):
        mine = dict((str(k.value), i) for i, (k, _) in enumerate(merged.value) if isinstance(k, yaml.ScalarNode))
        theirs = next((v for k, v in main.value if k.value == "blocks"), None) if isinstance(main, yaml.MappingNode) else None
        if "blocks" in mine and isinstance(theirs, yaml.SequenceNode):
            key, blocks = merged.value[mine["blocks"]]
            if isinstance(blocks, yaml.SequenceNode) and id(blocks) not in merge.lent:
                merged.value[mine["blocks"]] = (key, merge.blocks(theirs, blocks))
    reader = _TranslationReader(str(path), root=root, lent=merge.lent, explained=merge.explained)
    article = read_article(reader, merged, slug)
    return node, article, sorted(problems + merge.problems + reader.problems)
