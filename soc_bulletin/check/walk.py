"""Find the values worth checking in an issue or article file, by their role.

The walk follows the file format on the YAML nodes themselves, tolerantly:
a value of the wrong shape is skipped (the loader reports it), so a file
with one broken block still has every other block checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TypeGuard

import yaml

from ..content.yamlfile import NULL_TAG, node_at

__all__ = ["Item", "Role", "article_items", "issue_items"]


class Role(Enum):
    """What a value is, which decides how it is checked."""

    ADDRESS = "address"      # an email address on its own
    URL = "url"              # a link block's target
    MARKDOWN = "markdown"    # block Markdown (paragraphs, lists, headings)
    INLINE = "inline"        # inline Markdown (a list item)
    IMAGE = "image"          # an image block's mapping (src, alt)


@dataclass(frozen=True, slots=True)
class Item:
    """One value to check: its role, its node and what to call it in messages.

    ``label`` is a link block's ``text`` node, judged against its URL.
    """

    role: Role
    node: yaml.Node
    what: str
    label: yaml.Node | None = None


def _text(node: yaml.Node | None) -> TypeGuard[yaml.ScalarNode]:
    """A non-blank string (blank required values are the loader's SB011)."""
    return isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG and isinstance(node.value, str) and bool(node.value.strip())


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def issue_items(root: yaml.Node, /) -> Iterator[Item]:
    """The team mailbox and the welcome text of ``issue.yaml``."""
    if _text(mailbox := node_at(root, "mailbox")):
        yield Item(Role.ADDRESS, mailbox, "team mailbox address")
    if _text(body := node_at(root, "welcome", "body")):
        yield Item(Role.MARKDOWN, body, "welcome text")


def article_items(root: yaml.Node, /) -> Iterator[Item]:
    """Every Markdown text, address, link and image of an article file, in file order."""
    for block in _items(node_at(root, "blocks")):
        if not isinstance(block, yaml.MappingNode) or len(block.value) != 1:
            continue
        key, value = block.value[0]
        yield from _BLOCKS.get(str(key.value), _nothing)(value)


def _nothing(node: yaml.Node) -> Iterator[Item]:
    return iter(())


def _text_block(node: yaml.Node) -> Iterator[Item]:
    if _text(node):
        yield Item(Role.MARKDOWN, node, "text")


def _list_block(node: yaml.Node) -> Iterator[Item]:
    for item in _items(node) if isinstance(node, yaml.SequenceNode) else [node]:
        if _text(item):
            yield Item(Role.INLINE, item, "list item")


def _callout_block(node: yaml.Node) -> Iterator[Item]:
    if _text(body := node_at(node, "body")):
        yield Item(Role.MARKDOWN, body, "callout text")


def _image_block(node: yaml.Node) -> Iterator[Item]:
    if isinstance(node, yaml.MappingNode):
        yield Item(Role.IMAGE, node, "image")


def _link_block(node: yaml.Node) -> Iterator[Item]:
    if _text(url := node_at(node, "url")):
        text = node_at(node, "text")
        yield Item(Role.URL, url, "link", label=text if _text(text) else None)


def _contact(node: yaml.Node) -> Iterator[Item]:
    if _text(email := node_at(node, "email")):
        yield Item(Role.ADDRESS, email, "contact address")


def _contacts_block(node: yaml.Node) -> Iterator[Item]:
    for person in _items(node_at(node, "people")):
        yield from _contact(person)


_BLOCKS = {
    "text": _text_block,
    "list": _list_block,
    "callout": _callout_block,
    "image": _image_block,
    "link": _link_block,
    "contact": _contact,
    "contacts": _contacts_block,
}
