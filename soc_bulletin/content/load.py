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
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ContentError
from ..problems import Problem, Severity
from .blocks import ContentReader, audience_names, mapping, read_article, required_text
from .cache import FileCache
from .languages import read_languages
from .model import Article, Issue, Section, Welcome, slugify
from .paths import (
    ARTICLES_DIR,
    ISSUE_FILE,
    SLUG_PATTERN,
    escape_reason,
    image_path_problem,
    is_remote_src,
    issue_folder_of,
    short,
)
from .schema import BLOCK_KINDS, ISSUE, SECTION, WELCOME
from .translate import translation_language
from .yamlfile import Fields, node_at, read_yaml

__all__ = [
    "ARTICLES_DIR", "BLOCK_KINDS", "ISSUE_FILE", "SLUG_PATTERN", "FileCache", "IssueSource", "escape_reason", "image_path_problem",
    "is_remote_src", "issue_folder_of", "load_article", "load_issue", "read_issue",
]

def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _refusal(path: Path, reason: str) -> str:
    return f"The article file {path} is not read: {reason}; put the article itself in the folder's {ARTICLES_DIR}/."


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
    #: (slug, language) -> the file of each article translation read.
    translation_paths: dict[tuple[str, str], Path] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """The problems that make the issue unusable (warnings left out)."""
        return [p for p in self.problems if p.severity is Severity.ERROR]


def load_issue(issue_dir: str | Path, /, *, cache: FileCache | None = None) -> Issue:
    """Read an issue folder into an :class:`Issue`; raise ContentError on any error (``cache``: see :func:`read_issue`)."""
    source = read_issue(issue_dir, cache=cache)
    if source.errors or source.issue is None:
        raise ContentError(source.errors)
    return source.issue


def load_article(
    path: str | Path, /, *, root: str | Path | None = None, cache: FileCache | None = None,
) -> tuple[Article | None, list[Problem]]:
    """Read one article file; the slug is the file name without ``.yaml``.

    ``root`` is the issue folder (default: :func:`issue_folder_of`); the file
    and its images must resolve inside it, or they are not read. ``cache``:
    see :func:`read_issue`.
    """
    path = Path(path)
    folder = Path(root) if root is not None else issue_folder_of(path)
    if reason := escape_reason(path, folder.resolve()):
        return None, [Problem(str(path), 0, 0, "SB024", _refusal(path, reason))]
    _, article, problems = _article_file(path, folder, cache)
    return article, problems


def _article_file(path: Path, root: Path, cache: FileCache | None) -> tuple[yaml.Node | None, Article | None, list[Problem]]:
    """An article file's node tree, the article built from it, and the problems of both.

    With a cache, an unchanged file is not parsed again, nor its article
    built again unless it has local images (whose paths are judged on disk).
    """
    node, problems = read_yaml(path) if cache is None else cache.read_yaml(path)
    if node is None:
        return None, None, problems
    if cache is not None and (kept := cache.article(path, root)) is not None:
        return node, kept[0], problems + list(kept[1])
    reader = ContentReader(str(path), root=root)
    article = read_article(reader, node, path.stem)
    if cache is not None and not reader.consulted_files:
        cache.keep_article(path, root, (article, tuple(reader.problems)))
    return node, article, problems + reader.problems


def read_issue(issue_dir: str | Path, /, *, cache: FileCache | None = None) -> IssueSource:
    """Read an issue folder, collecting every problem instead of raising.

    ``cache`` (one :class:`FileCache` passed to every reload of the folder)
    skips parsing the files unchanged since the last read.
    """
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
    root, problems = read_yaml(issue_path) if cache is None else cache.read_yaml(issue_path)
    source.problems += problems
    if root is None:
        return source
    source.nodes[issue_path] = root
    reader = ContentReader(str(issue_path), root=issue_dir)
    fields = mapping(reader, root, ISSUE)
    sections: list[Section] = []
    if fields is not None and "sections" in fields:
        folder = _Folder(issue_dir, real, cache)
        sections = _sections(reader, fields, folder, source)
    issue = _issue(reader, fields, sections) if fields is not None else None
    if issue is not None and fields is not None:
        issue, found = read_languages(reader, fields, issue, root, source.article_paths, source.nodes, _Folder(issue_dir, real).escape,
                                      cache=cache)
        source.translation_paths, source.problems = found.files, source.problems + found.problems
        source.nodes.update(found.nodes)
    source.problems += reader.problems
    source.issue = issue
    source.problems += _unreferenced(_Folder(issue_dir, real), source)
    source.problems.sort()
    return source


class _Folder:
    """An issue folder and its resolved place; judges its article files cheaply.

    Only ``articles/`` and the file itself can be links (a slug has no
    ``/``), so a file is resolved only when one of them is a link.
    """

    def __init__(self, path: Path, real: Path, cache: FileCache | None = None) -> None:
        self.path = path
        self.real = real
        self.cache = cache
        self.articles = path / ARTICLES_DIR
        self.plain_articles = not self.articles.is_symlink()

    def article_files(self) -> list[Path]:
        """The folder's ``articles/*.yaml``, sorted (as ``glob``, without its pattern matching)."""
        try:
            with os.scandir(self.articles) as entries:
                return sorted(self.articles / entry.name for entry in entries if entry.name.endswith(".yaml"))
        except OSError:
            return []

    def escape(self, article: Path) -> str:
        """Why the article file must not be read, or ""."""
        if self.plain_articles and not article.is_symlink():
            return ""
        return escape_reason(article, self.real)


def _issue(reader: ContentReader, f: Fields, sections: list[Section]) -> Issue | None:
    number = reader.integer(f.values["number"], "'number'") if "number" in f else None
    date = reader.date(f.values["date"], "'date'") if "date" in f else None
    welcome = _welcome(reader, f.values["welcome"]) if "welcome" in f else None
    title, mailbox = required_text(reader, f, "title"), required_text(reader, f, "mailbox")
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


def _welcome(reader: ContentReader, node: yaml.Node) -> Welcome | None:
    f = mapping(reader, node, WELCOME)
    if f is None:
        return None
    body = required_text(reader, f, "body", multiline=True)
    return Welcome(body=body, title=f.text("title", "Welcome")) if body else None


def _sections(reader: ContentReader, f: Fields, folder: _Folder, source: IssueSource) -> list[Section]:
    items = reader.sequence(f.values["sections"], "'sections'") or []
    sections = []
    for node in items:
        s = mapping(reader, node, SECTION)
        if s is None:
            continue
        kind = required_text(reader, s, "kind")
        audience = audience_names(reader, s.values["audience"]) if "audience" in s else ()
        articles = []
        for slug_node in (reader.sequence(s.values["articles"], "'articles'") or []) if "articles" in s else []:
            article = _referenced_article(reader, slug_node, folder, source)
            if article is not None:
                articles.append(article)
        if kind:
            sections.append(Section(kind=kind, articles=tuple(articles), audience=audience or ()))
    return sections


def _referenced_article(reader: ContentReader, slug_node: yaml.Node, folder: _Folder, source: IssueSource) -> Article | None:
    slug = reader.text(slug_node, "An article reference")
    if slug is None:
        return None
    slug = slug.removesuffix(".yaml")
    if not SLUG_PATTERN.fullmatch(slug):
        example = slugify(slug) or "youth-diversion-ceredigion"
        reader.problem(slug_node, "SB023", f"The article name '{short(slug)}' is not allowed: use lower-case letters a-z, digits and single hyphens, such as '{example}' (its file is {ARTICLES_DIR}/<name>.yaml).")
        return None
    path = folder.articles / f"{slug}.yaml"
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
        existing = sorted(p.stem for p in folder.article_files() if p.is_file())
        close = difflib.get_close_matches(slug, existing, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        reader.problem(slug_node, "SB020", f"The article '{slug}' has no file {path}.{hint}")
        return None
    source.article_paths[slug] = path
    node, article, problems = _article_file(path, folder.path, folder.cache)
    source.problems += problems
    if node is None:
        return None
    source.nodes[path] = node
    return article if not any(p.severity is Severity.ERROR for p in problems) else None


def _unreferenced(folder: _Folder, source: IssueSource) -> list[Problem]:
    """SB022 for each article file no section lists (with the listed name that has no file, when one is close);
    SB024 (unread) for one that links out of the folder."""
    known = {path.name for path in source.article_paths.values()}  # all live in folder/articles
    root = source.nodes.get(source.issue_path)
    sections = node_at(root, "sections") if root is not None else None
    listed = [str(n.value).removesuffix(".yaml") for s in (sections.value if isinstance(sections, yaml.SequenceNode) else [])
              for n in _items(node_at(s, "articles")) if isinstance(n, yaml.ScalarNode)]
    unfiled = [slug for slug in listed if slug not in source.article_paths]
    languages = source.issue.languages if source.issue is not None else ()
    known |= {path.name for path in source.translation_paths.values()}
    problems = []
    for path in folder.article_files():
        if path.name in known or path in source.refused:
            continue
        if (named := translation_language(path)) and named[0] in source.article_paths:
            if named[1] not in languages:
                problems.append(Problem(str(path), 1, 1, "SB072", f"This is a translation into '{named[1]}', which is not one of the issue's "
                                        f"languages in {ISSUE_FILE}, so it is not sent; add '{named[1]}' to 'languages' or remove the file.",
                                        Severity.WARNING))
            continue
        if reason := folder.escape(path):
            problems.append(Problem(str(path), 0, 0, "SB024", _refusal(path, reason)))
            source.refused.append(path)
            continue
        close = difflib.get_close_matches(path.stem, unfiled, n=1)
        hint = (f"{ISSUE_FILE} lists '{close[0]}', which has no file: did you mean that? Rename the file or the entry so they match"
                if close else f"add '- {path.stem}' to the articles of its section in {ISSUE_FILE}")
        problems.append(Problem(str(path), 0, 0, "SB022", f"No section of {ISSUE_FILE} lists the article '{path.stem}', so it would not "
                                f"be sent; {hint}, or remove the file."))
    return problems
