"""Load an issue folder (``issue.yaml`` + ``articles/*.yaml``) into the model.

Every problem is collected with its file, line and column; one broken
article never stops the others from loading. :func:`load_issue` raises
:class:`ContentError` with all of them; :func:`read_issue` returns them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ContentError
from .model import (
    Article, Block, BulletList, Callout, Contact, Contacts, Figure, Figures,
    Image, Issue, Link, Quote, Section, Text, Welcome,
)
from .problems import Problem, Severity
from .yamlfile import Fields, NodeReader, read_yaml

__all__ = ["ARTICLES_DIR", "ISSUE_FILE", "IssueSource", "load_article", "load_issue", "read_issue"]

ISSUE_FILE = "issue.yaml"
ARTICLES_DIR = "articles"

ISSUE_KEYS = ("title", "number", "date", "mailbox", "welcome", "sections")
ISSUE_OPTIONAL = ("strapline", "subject", "preheader", "slug")
ARTICLE_KEYS = ("title", "blocks")
ARTICLE_OPTIONAL = ("standfirst", "audience")
BLOCK_KINDS = ("text", "list", "figures", "quote", "callout", "image", "link", "contact", "contacts")
CONTACT_KEYS = ("email",)
CONTACT_OPTIONAL = ("name", "role", "organisation")


@dataclass
class IssueSource:
    """What reading an issue folder found: the issue (None if unusable) and the problems.

    ``article_paths`` maps each referenced slug to its file; ``nodes`` keeps
    each file's YAML tree so checks can locate values by key path.
    """

    issue: Issue | None
    problems: list[Problem]
    issue_path: Path
    article_paths: dict[str, Path] = field(default_factory=dict)
    nodes: dict[Path, yaml.Node] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """The problems that make the issue unusable (warnings left out)."""
        return [p for p in self.problems if p.severity is Severity.ERROR]


def load_issue(issue_dir: str | Path, /) -> Issue:
    """Read an issue folder into an :class:`Issue`; raise ContentError on any error."""
    source = read_issue(issue_dir)
    if source.errors or source.issue is None:
        raise ContentError(source.errors)
    return source.issue


def load_article(path: str | Path, /) -> tuple[Article | None, list[Problem]]:
    """Read one article file; the slug is the file name without ``.yaml``."""
    path = Path(path)
    node, problems = read_yaml(path)
    if node is None:
        return None, problems
    reader = NodeReader(str(path))
    article = _article(reader, node, path.stem)
    return article, problems + reader.problems


def read_issue(issue_dir: str | Path, /) -> IssueSource:
    """Read an issue folder, collecting every problem instead of raising."""
    issue_dir = Path(issue_dir)
    issue_path = issue_dir / ISSUE_FILE
    source = IssueSource(None, [], issue_path)
    if not issue_path.is_file():
        source.problems.append(Problem(str(issue_path), 0, 0, "SB005", f"There is no {ISSUE_FILE} in {issue_dir}; an issue folder needs one."))
        return source
    root, problems = read_yaml(issue_path)
    source.problems += problems
    if root is None:
        return source
    source.nodes[issue_path] = root
    reader = NodeReader(str(issue_path))
    fields = reader.fields(root, "the issue file", required=ISSUE_KEYS, optional=ISSUE_OPTIONAL)
    sections: list[Section] = []
    if fields is not None and "sections" in fields:
        sections = _sections(reader, fields, issue_dir, source)
    issue = _issue(reader, fields, sections) if fields is not None else None
    source.problems += reader.problems
    source.problems += _unreferenced(issue_dir, source.article_paths)
    source.problems.sort()
    source.issue = issue
    return source


def _issue(reader: NodeReader, f: Fields, sections: list[Section]) -> Issue | None:
    number = reader.integer(f.values["number"], "'number'") if "number" in f else None
    date = reader.date(f.values["date"], "'date'") if "date" in f else None
    welcome = _welcome(reader, f.values["welcome"]) if "welcome" in f else None
    title, mailbox = _required_text(reader, f, "title"), _required_text(reader, f, "mailbox")
    slug = f.text("slug")
    if slug and not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", slug):
        reader.problem(f.node("slug"), "SB014", "'slug' may use only lower-case letters, digits, '.', '_' and '-', such as 2019-08.")
        return None
    if number is None or date is None or welcome is None or not title or not mailbox:
        return None
    return Issue(
        title=title, number=number, date=date, mailbox=mailbox, welcome=welcome,
        sections=tuple(sections), strapline=f.text("strapline"), subject=f.text("subject"),
        preheader=f.text("preheader"), slug=slug,
    )


def _welcome(reader: NodeReader, node: yaml.Node) -> Welcome | None:
    f = reader.fields(node, "'welcome'", required=("body",), optional=("title",))
    if f is None:
        return None
    body = _required_text(reader, f, "body")
    return Welcome(body=body, title=f.text("title", "Welcome")) if body else None


def _sections(reader: NodeReader, f: Fields, issue_dir: Path, source: IssueSource) -> list[Section]:
    items = reader.sequence(f.values["sections"], "'sections'") or []
    sections = []
    for node in items:
        s = reader.fields(node, "a section", required=("kind", "articles"), optional=("audience",))
        if s is None:
            continue
        kind = _required_text(reader, s, "kind")
        audience = reader.texts(s.values["audience"], "'audience'") if "audience" in s else ()
        articles = []
        for slug_node in (reader.sequence(s.values["articles"], "'articles'") or []) if "articles" in s else []:
            article = _referenced_article(reader, slug_node, issue_dir, source)
            if article is not None:
                articles.append(article)
        if kind:
            sections.append(Section(kind=kind, articles=tuple(articles), audience=audience or ()))
    return sections


def _referenced_article(reader: NodeReader, slug_node: yaml.Node, issue_dir: Path, source: IssueSource) -> Article | None:
    slug = reader.text(slug_node, "An article reference")
    if slug is None:
        return None
    slug = slug.removesuffix(".yaml")
    if slug in source.article_paths:
        reader.problem(slug_node, "SB021", f"The article '{slug}' is listed twice; list each article once.")
        return None
    path = issue_dir / ARTICLES_DIR / f"{slug}.yaml"
    if not path.is_file():
        existing = sorted(p.stem for p in (issue_dir / ARTICLES_DIR).glob("*.yaml"))
        close = difflib.get_close_matches(slug, existing, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        reader.problem(slug_node, "SB020", f"The article '{slug}' has no file {path}.{hint}")
        return None
    source.article_paths[slug] = path
    node, problems = read_yaml(path)
    source.problems += problems
    if node is None:
        return None
    source.nodes[path] = node
    article_reader = NodeReader(str(path))
    article = _article(article_reader, node, slug)
    source.problems += article_reader.problems
    return article if not any(p.severity is Severity.ERROR for p in article_reader.problems) else None


def _unreferenced(issue_dir: Path, referenced: dict[str, Path]) -> list[Problem]:
    known = {path.name for path in referenced.values()}  # all live in issue_dir/articles
    return [
        Problem(str(path), 0, 0, "SB022", f"No section of {ISSUE_FILE} lists the article '{path.stem}'; add it or remove the file.", Severity.WARNING)
        for path in sorted((issue_dir / ARTICLES_DIR).glob("*.yaml"))
        if path.name not in known
    ]


def _article(reader: NodeReader, node: yaml.Node, slug: str) -> Article | None:
    f = reader.fields(node, "the article", required=ARTICLE_KEYS, optional=ARTICLE_OPTIONAL)
    if f is None:
        return None
    title = _required_text(reader, f, "title")
    audience = reader.texts(f.values["audience"], "'audience'") if "audience" in f else ()
    blocks = []
    for block_node in (reader.sequence(f.values["blocks"], "'blocks'") or []) if "blocks" in f else []:
        block = _block(reader, block_node)
        if block is not None:
            blocks.append(block)
    return Article(slug=slug, title=title, standfirst=f.text("standfirst"), blocks=tuple(blocks), audience=audience or ())


def _block(reader: NodeReader, node: yaml.Node) -> Block | None:
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        reader.problem(node, "SB030", f"Each block must be a mapping with one key, one of: {', '.join(BLOCK_KINDS)}.")
        return None
    key_node, value = node.value[0]
    kind = str(key_node.value)
    if kind not in BLOCK_KINDS:
        close = difflib.get_close_matches(kind, BLOCK_KINDS, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else f"Use one of: {', '.join(BLOCK_KINDS)}."
        reader.problem(key_node, "SB030", f"Unknown block type '{kind}'. {hint}")
        return None
    return _BLOCK_READERS[kind](reader, value)


def _required_text(reader: NodeReader, f: Fields, key: str) -> str:
    node = f.node(key)
    if node is None:
        return ""
    value = reader.text(node, f"'{key}'")
    if value is not None and not value.strip():
        reader.problem(node, "SB011", f"'{key}' must not be empty.")
        return ""
    return value or ""


def _text_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    value = reader.text(node, "A text block")
    return Text(value) if value else None


def _list_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    items = reader.texts(node, "A list block")
    return BulletList(items) if items else None


def _figures_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    figures = []
    for item in reader.sequence(node, "A figures block") or []:
        f = reader.fields(item, "a key figure", required=("value", "label"))
        if f is not None and "value" in f and "label" in f:
            figures.append(Figure(value=_required_text(reader, f, "value"), label=_required_text(reader, f, "label")))
    return Figures(tuple(figures)) if figures else None


def _quote_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "a quote", required=("text",), optional=("speaker", "role"))
    if f is None or not (text := _required_text(reader, f, "text")):
        return None
    return Quote(text=text, speaker=f.text("speaker"), role=f.text("role"))


def _callout_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "a callout", required=("title", "body"))
    if f is None:
        return None
    title, body = _required_text(reader, f, "title"), _required_text(reader, f, "body")
    return Callout(title=title, body=body) if title and body else None


def _image_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "an image", required=("src", "alt"), optional=("caption", "width"))
    if f is None:
        return None
    src, alt = _required_text(reader, f, "src"), _required_text(reader, f, "alt")
    width = None
    if (width_node := f.node("width")) is not None:
        width = reader.integer(width_node, "'width'")
        if width is not None and not 1 <= width <= 600:
            reader.problem(width_node, "SB014", "'width' must be between 1 and 600 pixels.")
            width = None
    return Image(src=src, alt=alt, caption=f.text("caption"), width=width) if src and alt else None


def _link_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "a link", required=("url",), optional=("text",))
    if f is None or not (url := _required_text(reader, f, "url")):
        return None
    return Link(url=url, text=f.text("text"))


def _contact(reader: NodeReader, node: yaml.Node) -> Contact | None:
    f = reader.fields(node, "a contact", required=CONTACT_KEYS, optional=CONTACT_OPTIONAL)
    if f is None or not (email := _required_text(reader, f, "email")):
        return None
    return Contact(email=email, name=f.text("name"), role=f.text("role"), organisation=f.text("organisation"))


def _contact_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    contact = _contact(reader, node)
    return Contacts((contact,)) if contact else None


def _contacts_block(reader: NodeReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "a contacts block", required=("people",), optional=("title",))
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
