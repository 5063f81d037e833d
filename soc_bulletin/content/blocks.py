"""Reading an article and its blocks from YAML, as the schema describes them; every string is judged."""

from __future__ import annotations

import difflib
import html
import re
from pathlib import Path

import yaml

from .model import (
    LOCAL_IMAGE_PATH,
    PLACEHOLDER_SYNTAX,
    UNSAFE_CHARACTERS,
    Article,
    Block,
    BulletList,
    Callout,
    Contact,
    Contacts,
    Figure,
    Figures,
    Image,
    Link,
    Quote,
    Text,
    is_safe,
)
from .paths import image_path_problem, is_remote_src, sentence, short
from .schema import ARTICLE, BLOCK_KINDS, BLOCKS, CONTACT, FIGURE, SEGMENT_NAME, Mapping, Scalar
from .yamlfile import Fields, NodeReader, character_name

__all__ = ["ContentReader", "mapping", "read_article", "required_text"]

_ONE_LINE = re.compile(r"[\t\n]")
_MARKDOWN_BRACKET = re.compile(r"\\([\[\]])")


class ContentReader(NodeReader):
    """A reader of issue and article files: judges every string, knows the issue folder ``root``.

    ``consulted_files`` says whether reading looked at other files (an image's path on disk).
    """

    def __init__(self, path: str, /, *, root: Path | None = None) -> None:
        super().__init__(path)
        self.root = root
        self.consulted_files = False

    def judge(self, node: yaml.ScalarNode, value: str, what: str, /, *, multiline: bool) -> None:
        """SB015 for control and direction-changing characters, SB016 for placeholder syntax."""
        self._judge_characters(node, value, what, multiline)
        if "[" in value or "&" in value:  # else no placeholder syntax, however written
            self._judge_placeholders(node, value, what)

    def _judge_characters(self, node: yaml.ScalarNode, value: str, what: str, multiline: bool) -> None:
        """SB015 at the first control or direction-changing character, or line break or tab in a one-line value."""
        checked = value if multiline else value.rstrip("\n")  # a folded scalar ends in a line break
        if is_safe(checked) and (multiline or ("\n" not in checked and "\t" not in checked)):
            return
        found = [m for m in (UNSAFE_CHARACTERS.search(checked), None if multiline else _ONE_LINE.search(checked)) if m]
        if not found:
            return
        first = min(found, key=lambda m: m.start())
        self._say_character(node, checked, what, first.group(), first.start())

    def _say_character(self, node: yaml.ScalarNode, checked: str, what: str, char: str, at: int) -> None:
        if char in "\t\n":
            kind = "line break" if char == "\n" else "tab"
            self.problem(node, "SB015", f"{sentence(what)} must be on one line; delete the {kind} at character {at + 1}.", offset=at)
        else:
            more = len(UNSAFE_CHARACTERS.findall(checked)) - 1
            also = f" (and {more} more)" if more > 0 else ""
            self.problem(
                node, "SB015",
                f"{sentence(what)} contains the invisible or control character {character_name(char)} at character {at + 1}{also}; delete it.",
                offset=at,
            )

    def _judge_placeholders(self, node: yaml.ScalarNode, value: str, what: str) -> None:
        """SB016 for placeholder syntax, as written, HTML-escaped or with Markdown's escaped brackets."""
        candidates = [value]
        if "&" in value:
            candidates.append(html.unescape(value))
        if "\\" in value:
            candidates.append(_MARKDOWN_BRACKET.sub(r"\1", value))
        for candidate in candidates:
            if match := PLACEHOLDER_SYNTAX.search(candidate):
                self.problem(
                    node, "SB016",
                    f"{sentence(what)} contains '{short(match.group())}', the form of a value the email fills in for each reader "
                    "(such as the unsubscribe link); content may not use it, so write it without the double brackets.",
                    offset=match.start() if candidate is value else 0,
                )
                break

def mapping(reader: NodeReader, node: yaml.Node, shape: Mapping, /) -> Fields | None:
    """``node`` read as the mapping ``shape`` describes: its allowed and required keys."""
    return reader.fields(node, shape.what, required=shape.required, optional=shape.optional)


def _shape(kind: str) -> Mapping:
    shape = BLOCKS[kind]
    assert isinstance(shape, Mapping)
    return shape


def _multiline(shape: Mapping, name: str) -> bool:
    value = shape[name].value
    return isinstance(value, Scalar) and value.multiline


def audience_names(reader: NodeReader, node: yaml.Node, /) -> tuple[str, ...] | None:
    """The segment names of an ``audience``; SB014 for a name no segment can have (it also names a folder of a build)."""
    before = len(reader.problems)
    names = reader.texts(node, "'audience'")
    if len(reader.problems) > before:  # already wrong (a control character, placeholder syntax): said once
        return names
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for name, item in zip(names or (), items, strict=False):
        if not SEGMENT_NAME.fullmatch(name) and name != "":
            reader.problem(item, "SB014", f"The audience '{short(name)}' is not a segment name: a segment's name holds only letters, "
                           "digits, '-', '_' and '.', such as 'police-wales'.")
            return None
    return names


def read_article(reader: ContentReader, node: yaml.Node, slug: str) -> Article | None:
    """An article from its file's YAML tree; problems go to ``reader``."""
    f = mapping(reader, node, ARTICLE)
    if f is None:
        return None
    title = required_text(reader, f, "title")
    audience = audience_names(reader, f.values["audience"]) if "audience" in f else ()
    blocks = []
    for block_node in (reader.sequence(f.values["blocks"], "'blocks'") or []) if "blocks" in f else []:
        block = _block(reader, block_node)
        if block is not None:
            blocks.append(block)
    standfirst = f.text("standfirst", multiline=_multiline(ARTICLE, "standfirst"))
    return Article(slug=slug, title=title, standfirst=standfirst, blocks=tuple(blocks), audience=audience or ())


def _block(reader: ContentReader, node: yaml.Node) -> Block | None:
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1 or not isinstance(node.value[0][0], yaml.ScalarNode):
        reader.problem(node, "SB030", f"Each block must be a mapping with one key, one of: {', '.join(BLOCK_KINDS)}.")
        return None
    key_node, value = node.value[0]
    kind = str(key_node.value)
    if kind not in BLOCK_KINDS:
        close = difflib.get_close_matches(kind, BLOCK_KINDS, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else f"Use one of: {', '.join(BLOCK_KINDS)}."
        reader.problem(key_node, "SB030", f"Unknown block type '{short(kind)}'. {hint}")
        return None
    return _BLOCK_READERS[kind](reader, value)


def required_text(reader: NodeReader, f: Fields, key: str, *, multiline: bool = False) -> str:
    node = f.node(key)
    if node is None:
        return ""
    value = reader.text(node, f"'{key}'", multiline=multiline)
    if value is not None and not value.strip():
        reader.problem(node, "SB011", f"'{key}' must not be empty.")
        return ""
    return value or ""


def _text_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    value = reader.text(node, "A text block", multiline=True)
    return Text(value) if value else None


def _list_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    items = reader.texts(node, "A list block", multiline=True)
    return BulletList(items) if items else None


def _figures_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    figures = []
    for item in reader.sequence(node, "A figures block") or []:
        f = mapping(reader, item, FIGURE)
        if f is not None and "value" in f and "label" in f:
            figures.append(Figure(value=required_text(reader, f, "value"), label=required_text(reader, f, "label")))
    return Figures(tuple(figures)) if figures else None


def _quote_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    f = mapping(reader, node, _shape("quote"))
    if f is None or not (text := required_text(reader, f, "text", multiline=True)):
        return None
    return Quote(text=text, speaker=f.text("speaker"), role=f.text("role"))


def _callout_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    f = mapping(reader, node, _shape("callout"))
    if f is None:
        return None
    title, body = required_text(reader, f, "title"), required_text(reader, f, "body", multiline=True)
    return Callout(title=title, body=body) if title and body else None


def _image_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    f = mapping(reader, node, _shape("image"))
    if f is None:
        return None
    src, alt = required_text(reader, f, "src"), required_text(reader, f, "alt")
    src = _image_src(reader, f, src)
    width = _image_width(reader, f)
    return Image(src=src, alt=alt, caption=f.text("caption", multiline=True), width=width) if src and alt else None


def _image_src(reader: ContentReader, f: Fields, src: str) -> str:
    """``src`` when it is a web address or a safe path to an image in the issue folder; "" (and a problem) when not."""
    on_disk = bool(src) and reader.root is not None and not is_remote_src(src)
    reader.consulted_files |= on_disk
    if on_disk and reader.root is not None and (message := image_path_problem(src, reader.root)):
        reader.problem(f.node("src"), "SB406", message)
        return ""
    if src and not is_remote_src(src) and not LOCAL_IMAGE_PATH.fullmatch(src):
        reader.problem(f.node("src"), "SB014", "The image path may hold only letters, digits, spaces and - _ . ( ) + , ~ @ ! /; rename the file, such as 'images/team-photo.png'.")
        return ""
    return src


def _image_width(reader: ContentReader, f: Fields) -> int | None:
    """The ``width`` in pixels, from 1 to 600; None when not given or wrong (a problem)."""
    width_node = f.node("width")
    if width_node is None:
        return None
    width = reader.integer(width_node, "'width'")
    if width is not None and not 1 <= width <= 600:
        reader.problem(width_node, "SB014", "'width' must be between 1 and 600 pixels.")
        return None
    return width


def _link_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    f = mapping(reader, node, _shape("link"))
    if f is None or not (url := required_text(reader, f, "url")):
        return None
    return Link(url=url, text=f.text("text"))


def _contact(reader: ContentReader, node: yaml.Node) -> Contact | None:
    f = mapping(reader, node, CONTACT)
    if f is None or not (email := required_text(reader, f, "email")):
        return None
    return Contact(email=email, name=f.text("name"), role=f.text("role"), organisation=f.text("organisation"))


def _contact_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    contact = _contact(reader, node)
    return Contacts((contact,)) if contact else None


def _contacts_block(reader: ContentReader, node: yaml.Node) -> Block | None:
    f = mapping(reader, node, _shape("contacts"))
    if f is None or "people" not in f:
        return None
    people = [c for item in reader.sequence(f.values["people"], "'people'") or [] if (c := _contact(reader, item))]
    return Contacts(tuple(people), title=f.text("title")) if people else None


_BLOCK_READERS = {
    "text": _text_block,
    "list": _list_block,
    "figures": _figures_block,
    "quote": _quote_block,
    "callout": _callout_block,
    "image": _image_block,
    "link": _link_block,
    "contact": _contact_block,
    "contacts": _contacts_block,
}
