"""Find the values worth checking in an issue or article file, by the role the schema gives them.

The walk follows :mod:`soc_bulletin.content.schema` (the loader's own
description of the format) on the YAML nodes themselves, tolerantly: a value
of the wrong shape is skipped (the loader reports it), so a file with one
broken block still has every other block checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeGuard

import yaml

from ..content.schema import ARTICLE, BLOCKS, ISSUE, Keyed, Mapping, Role, Scalar, Sequence, Value
from ..content.yamlfile import NULL_TAG, node_at

__all__ = ["Item", "Role", "article_items", "issue_items"]


@dataclass(frozen=True, slots=True)
class Item:
    """One value to check: its role, its node and what to call it in messages.

    ``label`` is a link's visible words, judged against its URL. For an
    image, ``node`` is the image's whole mapping (its path and alt text).
    """

    role: Role
    node: yaml.Node
    what: str
    label: yaml.Node | None = None


def _text(node: yaml.Node | None) -> TypeGuard[yaml.ScalarNode]:
    """A non-blank string (blank required values are the loader's SB011)."""
    return isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG and isinstance(node.value, str) and bool(node.value.strip())


def issue_items(root: yaml.Node, /) -> Iterator[Item]:
    """Every value of ``issue.yaml`` with a role (the team mailbox, the welcome text)."""
    yield from _walk(root, ISSUE, None)


def article_items(root: yaml.Node, /) -> Iterator[Item]:
    """Every value with a role in an article file: the blocks in file order, then the article's own fields."""
    blocks = node_at(root, "blocks")
    for block in blocks.value if isinstance(blocks, yaml.SequenceNode) else []:
        if isinstance(block, yaml.MappingNode) and len(block.value) == 1:
            key, value = block.value[0]
            shape = BLOCKS.get(str(key.value))
            if shape is not None:
                yield from _walk(value, shape, None)
    yield from _walk(root, ARTICLE, None)


def _walk(node: yaml.Node, value: Value, parent: yaml.Node | None) -> Iterator[Item]:
    if isinstance(value, Scalar):
        yield from _scalar(node, value, parent)
    elif isinstance(value, Sequence):
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]  # a lone value is a list of one
        for item in items:
            yield from _walk(item, value.item, node)
    elif isinstance(value, Keyed):
        for _, child in node.value if isinstance(node, yaml.MappingNode) else []:
            yield from _walk(child, value.value, node)
    elif isinstance(node, yaml.MappingNode):
        yield from _fields(node, value)


def _fields(node: yaml.MappingNode, value: Mapping) -> Iterator[Item]:
    for field in value.fields:
        child = node_at(node, field.name)
        if child is not None:
            yield from _walk(child, field.value, node)


def _scalar(node: yaml.Node, value: Scalar, parent: yaml.Node | None) -> Iterator[Item]:
    """The item a written scalar with a role is: an image (its mapping), else the text with its label."""
    if value.role is None or not _text(node):
        return
    if value.role is Role.IMAGE and isinstance(parent, yaml.MappingNode):
        yield Item(Role.IMAGE, parent, value.what)
    elif value.role is not Role.IMAGE:
        label = node_at(parent, value.label) if value.label and parent is not None else None
        yield Item(value.role, node, value.what, label=label if _text(label) else None)
