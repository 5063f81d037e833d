"""Load an issue folder (``issue.yaml`` + ``articles/*.yaml``) into the model.

Every problem is collected with its file, line and column; one broken
article never stops the others from loading. :func:`load_issue` raises
:class:`ContentError` with all of them; :func:`read_issue` returns them.

The issue folder is a trust boundary: article names are kebab-case words,
and no article or image is read unless it resolves (symlinks followed)
inside the folder. Every string read is judged too: no control or
direction-changing characters, and no placeholder syntax (``[[name]]``)
that sending would fill in.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from ..errors import ContentError
from ..problems import Problem, Severity
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
    Issue,
    Link,
    Quote,
    Section,
    Text,
    Welcome,
    slugify,
)
from .yamlfile import Fields, NodeReader, character_name, read_yaml

__all__ = [
    "ARTICLES_DIR", "ISSUE_FILE", "SLUG_PATTERN", "IssueSource", "escape_reason", "image_path_problem",
    "is_remote_src", "issue_folder_of", "load_article", "load_issue", "read_issue",
]

ISSUE_FILE = "issue.yaml"
ARTICLES_DIR = "articles"

ISSUE_KEYS = ("title", "number", "date", "mailbox", "welcome", "sections")
ISSUE_OPTIONAL = ("strapline", "subject", "preheader", "slug")
ARTICLE_KEYS = ("title", "blocks")
ARTICLE_OPTIONAL = ("standfirst", "audience")
BLOCK_KINDS = ("text", "list", "figures", "quote", "callout", "image", "link", "contact", "contacts")
CONTACT_KEYS = ("email",)
CONTACT_OPTIONAL = ("name", "role", "organisation")

#: An article's name: lower-case words of a-z and digits joined by single hyphens.
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ONE_LINE = re.compile(r"[\t\n]")
_MARKDOWN_BRACKET = re.compile(r"\\([\[\]])")


def issue_folder_of(article: str | Path, /) -> Path:
    """The issue folder an article file belongs to: the parent of its ``articles/`` folder, else its own folder."""
    article = Path(article)
    return article.parent.parent if article.parent.name == ARTICLES_DIR else article.parent


def is_remote_src(src: str, /) -> bool:
    """Whether an image ``src`` is a URL (judged as a link) rather than a path in the issue folder."""
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE)) and not re.match(r"^[a-z]:[\\/]", src, re.IGNORECASE)


def escape_reason(path: Path, root: Path, /) -> str:
    """Why ``path`` must not be read for the issue folder ``root`` (already resolved), or "" when it may.

    Symlinks are followed; a path that resolves outside ``root``, or that
    cannot be resolved (a loop), is refused. A path that does not exist is
    not refused here: whoever reads it reports it missing.
    """
    try:
        real = path.resolve()
    except (OSError, RuntimeError, ValueError):
        return "it is a link that cannot be followed"
    return "" if real.is_relative_to(root) else "it is a link to a place outside the issue folder"


def image_path_problem(src: str, root: Path, /) -> str:
    """The SB406 message for a local image ``src`` that leaves the issue folder ``root``, or "".

    Absolute paths, ``..`` and backslashes are refused as written; then the
    path must resolve, symlinks followed, inside the folder.
    """
    relative = PurePosixPath(src.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts or re.match(r"^[a-z]:", src, re.IGNORECASE):
        return f"The image path '{_short(src)}' leaves the issue folder; put the image in the folder's images/ and write 'images/{_short(relative.name)}'."
    if escape_reason(root / relative, root.resolve()):
        return f"The image '{_short(src)}' is a link to a file outside the issue folder, which is never read; put the image itself in the folder's images/."
    return ""


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


def _refusal(path: Path, reason: str) -> str:
    return f"The article file {path} is not read: {reason}; put the article itself in the folder's {ARTICLES_DIR}/."


class _ContentReader(NodeReader):
    """A reader of issue and article files: judges every string, knows the issue folder ``root``."""

    def __init__(self, path: str, /, *, root: Path | None = None) -> None:
        super().__init__(path)
        self.root = root

    def judge(self, node: yaml.ScalarNode, value: str, what: str, /, *, multiline: bool) -> None:
        """SB015 for control and direction-changing characters, SB016 for placeholder syntax."""
        checked = value if multiline else value.rstrip("\n")  # a folded scalar ends in a line break
        found = [m for m in (UNSAFE_CHARACTERS.search(checked), None if multiline else _ONE_LINE.search(checked)) if m]
        if found:
            first = min(found, key=lambda m: m.start())
            char, at = first.group(), first.start()
            if char in "\t\n":
                kind = "line break" if char == "\n" else "tab"
                self.problem(node, "SB015", f"{_sentence(what)} must be on one line; delete the {kind} at character {at + 1}.", offset=at)
            else:
                more = len(UNSAFE_CHARACTERS.findall(checked)) - 1
                also = f" (and {more} more)" if more > 0 else ""
                self.problem(
                    node, "SB015",
                    f"{_sentence(what)} contains the invisible or control character {character_name(char)} at character {at + 1}{also}; delete it.",
                    offset=at,
                )
        if "[" not in value and "&" not in value:  # no placeholder syntax, however written
            return
        candidates = [value]
        if "&" in value:
            candidates.append(html.unescape(value))
        if "\\" in value:
            candidates.append(_MARKDOWN_BRACKET.sub(r"\1", value))
        for candidate in candidates:
            if match := PLACEHOLDER_SYNTAX.search(candidate):
                self.problem(
                    node, "SB016",
                    f"{_sentence(what)} contains '{_short(match.group())}', the form of a value the email fills in for each reader "
                    "(such as the unsubscribe link); content may not use it, so write it without the double brackets.",
                    offset=match.start() if candidate is value else 0,
                )
                break


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
    #: Files of the folder that were refused unread (links out of the folder).
    refused: list[Path] = field(default_factory=list)

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


def load_article(path: str | Path, /, *, root: str | Path | None = None) -> tuple[Article | None, list[Problem]]:
    """Read one article file; the slug is the file name without ``.yaml``.

    ``root`` is the issue folder (default: :func:`issue_folder_of`); the file
    and its images must resolve inside it, or they are not read.
    """
    path = Path(path)
    folder = Path(root) if root is not None else issue_folder_of(path)
    if reason := escape_reason(path, folder.resolve()):
        return None, [Problem(str(path), 0, 0, "SB024", _refusal(path, reason))]
    node, problems = read_yaml(path)
    if node is None:
        return None, problems
    reader = _ContentReader(str(path), root=folder)
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
    real = issue_dir.resolve()
    if issue_path.is_symlink() and (reason := escape_reason(issue_path, real)):
        source.problems.append(Problem(str(issue_path), 0, 0, "SB024", f"The file {issue_path} is not read: {reason}; the issue folder must hold its own {ISSUE_FILE}."))
        source.refused.append(issue_path)
        return source
    root, problems = read_yaml(issue_path)
    source.problems += problems
    if root is None:
        return source
    source.nodes[issue_path] = root
    reader = _ContentReader(str(issue_path), root=issue_dir)
    fields = reader.fields(root, "the issue file", required=ISSUE_KEYS, optional=ISSUE_OPTIONAL)
    sections: list[Section] = []
    if fields is not None and "sections" in fields:
        folder = _Folder(issue_dir, real)
        sections = _sections(reader, fields, folder, source)
    issue = _issue(reader, fields, sections) if fields is not None else None
    source.problems += reader.problems
    source.problems += _unreferenced(_Folder(issue_dir, real), source)
    source.problems.sort()
    source.issue = issue
    return source


class _Folder:
    """An issue folder and its resolved place; judges its article files cheaply.

    Only ``articles/`` and the file itself can be links (a slug has no
    ``/``), so a file is resolved only when one of them is a link.
    """

    def __init__(self, path: Path, real: Path) -> None:
        self.path = path
        self.real = real
        articles = path / ARTICLES_DIR
        self.plain_articles = not articles.is_symlink()

    def escape(self, article: Path) -> str:
        """Why the article file must not be read, or ""."""
        if self.plain_articles and not article.is_symlink():
            return ""
        return escape_reason(article, self.real)


def _issue(reader: _ContentReader, f: Fields, sections: list[Section]) -> Issue | None:
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


def _welcome(reader: _ContentReader, node: yaml.Node) -> Welcome | None:
    f = reader.fields(node, "'welcome'", required=("body",), optional=("title",))
    if f is None:
        return None
    body = _required_text(reader, f, "body", multiline=True)
    return Welcome(body=body, title=f.text("title", "Welcome")) if body else None


def _sections(reader: _ContentReader, f: Fields, folder: _Folder, source: IssueSource) -> list[Section]:
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
            article = _referenced_article(reader, slug_node, folder, source)
            if article is not None:
                articles.append(article)
        if kind:
            sections.append(Section(kind=kind, articles=tuple(articles), audience=audience or ()))
    return sections


def _referenced_article(reader: _ContentReader, slug_node: yaml.Node, folder: _Folder, source: IssueSource) -> Article | None:
    slug = reader.text(slug_node, "An article reference")
    if slug is None:
        return None
    slug = slug.removesuffix(".yaml")
    if not SLUG_PATTERN.fullmatch(slug):
        example = slugify(slug) or "youth-diversion-ceredigion"
        reader.problem(slug_node, "SB023", f"The article name '{_short(slug)}' is not allowed: use lower-case letters a-z, digits and single hyphens, such as '{example}' (its file is {ARTICLES_DIR}/<name>.yaml).")
        return None
    path = folder.path / ARTICLES_DIR / f"{slug}.yaml"
    if slug in source.article_paths or path in source.refused:
        reader.problem(slug_node, "SB021", f"The article '{slug}' is listed twice; list each article once.")
        return None
    if reason := folder.escape(path):
        reader.problem(slug_node, "SB024", _refusal(path, reason))
        source.refused.append(path)
        return None
    if not path.is_file():  # missing, or a folder or FIFO: never opened
        if path.exists():
            source.refused.append(path)
        existing = sorted(p.stem for p in (folder.path / ARTICLES_DIR).glob("*.yaml") if p.is_file())
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
    article_reader = _ContentReader(str(path), root=folder.path)
    article = _article(article_reader, node, slug)
    source.problems += article_reader.problems
    return article if not any(p.severity is Severity.ERROR for p in article_reader.problems) else None


def _unreferenced(folder: _Folder, source: IssueSource) -> list[Problem]:
    """SB022 for each article file no section lists; SB024 (unread) for one that links out of the folder."""
    known = {path.name for path in source.article_paths.values()}  # all live in folder/articles
    problems = []
    for path in sorted((folder.path / ARTICLES_DIR).glob("*.yaml")):
        if path.name in known or path in source.refused:
            continue
        if reason := folder.escape(path):
            problems.append(Problem(str(path), 0, 0, "SB024", _refusal(path, reason)))
            source.refused.append(path)
        else:
            problems.append(Problem(
                str(path), 0, 0, "SB022", f"No section of {ISSUE_FILE} lists the article '{path.stem}'; add it or remove the file.", Severity.WARNING,
            ))
    return problems


def _article(reader: _ContentReader, node: yaml.Node, slug: str) -> Article | None:
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
    standfirst = f.text("standfirst", multiline=True)
    return Article(slug=slug, title=title, standfirst=standfirst, blocks=tuple(blocks), audience=audience or ())


def _block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1 or not isinstance(node.value[0][0], yaml.ScalarNode):
        reader.problem(node, "SB030", f"Each block must be a mapping with one key, one of: {', '.join(BLOCK_KINDS)}.")
        return None
    key_node, value = node.value[0]
    kind = str(key_node.value)
    if kind not in BLOCK_KINDS:
        close = difflib.get_close_matches(kind, BLOCK_KINDS, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else f"Use one of: {', '.join(BLOCK_KINDS)}."
        reader.problem(key_node, "SB030", f"Unknown block type '{_short(kind)}'. {hint}")
        return None
    return _BLOCK_READERS[kind](reader, value)


def _required_text(reader: NodeReader, f: Fields, key: str, *, multiline: bool = False) -> str:
    node = f.node(key)
    if node is None:
        return ""
    value = reader.text(node, f"'{key}'", multiline=multiline)
    if value is not None and not value.strip():
        reader.problem(node, "SB011", f"'{key}' must not be empty.")
        return ""
    return value or ""


def _text_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    value = reader.text(node, "A text block", multiline=True)
    return Text(value) if value else None


def _list_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    items = reader.texts(node, "A list block", multiline=True)
    return BulletList(items) if items else None


def _figures_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    figures = []
    for item in reader.sequence(node, "A figures block") or []:
        f = reader.fields(item, "a key figure", required=("value", "label"))
        if f is not None and "value" in f and "label" in f:
            figures.append(Figure(value=_required_text(reader, f, "value"), label=_required_text(reader, f, "label")))
    return Figures(tuple(figures)) if figures else None


def _quote_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "a quote", required=("text",), optional=("speaker", "role"))
    if f is None or not (text := _required_text(reader, f, "text", multiline=True)):
        return None
    return Quote(text=text, speaker=f.text("speaker"), role=f.text("role"))


def _callout_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "a callout", required=("title", "body"))
    if f is None:
        return None
    title, body = _required_text(reader, f, "title"), _required_text(reader, f, "body", multiline=True)
    return Callout(title=title, body=body) if title and body else None


def _image_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "an image", required=("src", "alt"), optional=("caption", "width"))
    if f is None:
        return None
    src, alt = _required_text(reader, f, "src"), _required_text(reader, f, "alt")
    if src and reader.root is not None and not is_remote_src(src) and (message := image_path_problem(src, reader.root)):
        reader.problem(f.node("src"), "SB406", message)
        src = ""
    elif src and not is_remote_src(src) and not LOCAL_IMAGE_PATH.fullmatch(src):
        reader.problem(f.node("src"), "SB014", "The image path may hold only letters, digits, spaces and - _ . ( ) + , ~ @ ! /; rename the file, such as 'images/team-photo.png'.")
        src = ""
    width = None
    if (width_node := f.node("width")) is not None:
        width = reader.integer(width_node, "'width'")
        if width is not None and not 1 <= width <= 600:
            reader.problem(width_node, "SB014", "'width' must be between 1 and 600 pixels.")
            width = None
    return Image(src=src, alt=alt, caption=f.text("caption", multiline=True), width=width) if src and alt else None


def _link_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    f = reader.fields(node, "a link", required=("url",), optional=("text",))
    if f is None or not (url := _required_text(reader, f, "url")):
        return None
    return Link(url=url, text=f.text("text"))


def _contact(reader: _ContentReader, node: yaml.Node) -> Contact | None:
    f = reader.fields(node, "a contact", required=CONTACT_KEYS, optional=CONTACT_OPTIONAL)
    if f is None or not (email := _required_text(reader, f, "email")):
        return None
    return Contact(email=email, name=f.text("name"), role=f.text("role"), organisation=f.text("organisation"))


def _contact_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
    contact = _contact(reader, node)
    return Contacts((contact,)) if contact else None


def _contacts_block(reader: _ContentReader, node: yaml.Node) -> Block | None:
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
