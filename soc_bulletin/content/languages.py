"""An issue's languages: ``languages:`` and ``translations:`` in ``issue.yaml``, and the articles' translation files.

The first language is the issue's main one, in which ``issue.yaml`` and each
``articles/<slug>.yaml`` are written. Every other language needs, for the
issue to be sent, the issue's words in ``translations: {<lang>: ...}`` (title,
welcome, each section's heading, and the strapline, subject and preheader
when the main file has them) and each article's ``articles/<slug>.<lang>.yaml``,
unless the article is listed under ``untranslated:`` (it is then sent in the
main language, marked as such). A missing translation is an error (SB070)
at the place that asks for it; a translation that differs in structure is SB071.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import yaml

from ..problems import Problem, Severity
from .blocks import ContentReader, mapping, required_text
from .cache import FileCache
from .model import Article, Issue, Welcome
from .paths import ARTICLES_DIR, ISSUE_FILE, short
from .schema import LANGUAGE_TAG, TRANSLATION, WELCOME
from .translate import read_translation, translation_path
from .yamlfile import Fields, node_at

__all__ = ["Translations", "read_languages"]

#: The fields of ``issue.yaml`` a translation gives when the main file has them (title and welcome always).
_WORDS = ("title", "strapline", "subject", "preheader", "welcome")


@dataclasses.dataclass(frozen=True)
class _Folder:
    """What the loader read of the issue folder: ``issue.yaml``'s tree, the articles' files and trees, the containment rule."""

    root: yaml.Node
    article_paths: dict[str, Path]
    nodes: dict[Path, yaml.Node]
    escape: Callable[[Path], str]
    cache: FileCache | None = None


@dataclasses.dataclass
class Translations:
    """What reading the languages found: each translation file read, and its problems."""

    #: (slug, language) -> the translation's file, for each file read.
    files: dict[tuple[str, str], Path] = dataclasses.field(default_factory=dict)
    nodes: dict[Path, yaml.Node] = dataclasses.field(default_factory=dict)
    problems: list[Problem] = dataclasses.field(default_factory=list)


def _language_list(reader: ContentReader, f: Fields) -> tuple[str, ...] | None:
    """``languages`` (default ``[en]``): BCP 47 tags, each once; None when one is wrong."""
    node = f.node("languages")
    if node is None:
        return ("en",)
    languages = reader.texts(node, "'languages'")
    if not languages:
        if languages is not None:
            reader.problem(node, "SB011", "'languages' must name at least one language, such as [en, cy].")
        return None
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for language, item in zip(languages, items, strict=False):
        if not LANGUAGE_TAG.fullmatch(language):
            reader.problem(item, "SB014", f"'{short(language)}' is not a language tag: write a BCP 47 tag such as 'en', 'cy' or 'en-GB'.")
            return None
        if languages.count(language) > 1:
            reader.problem(item, "SB014", f"'languages' names '{language}' twice; name each language once.")
            return None
    return languages


def read_languages(reader: ContentReader, f: Fields, issue: Issue, root: yaml.Node, article_paths: dict[str, Path],
                   nodes: dict[Path, yaml.Node], escape: Callable[[Path], str], *,
                   cache: FileCache | None = None) -> tuple[Issue, Translations]:
    """``issue`` with its languages and translations; problems of ``issue.yaml`` go to ``reader``, the others to the result.

    ``root`` is ``issue.yaml``'s tree; ``article_paths`` and ``nodes`` are the
    articles' files and trees as the loader read them; ``escape`` says why a
    file must not be read (a link out of the folder). Without every
    translation complete, ``translations`` stays empty (the errors say why).
    """
    folder = _Folder(root, article_paths, nodes, escape, cache)
    found = Translations()
    languages = _language_list(reader, f)
    if languages is None:
        return issue, found
    table = f.node("translations")
    given: dict[str, yaml.Node] = {}
    if table is not None:
        if not isinstance(table, yaml.MappingNode):
            reader.problem(table, "SB012", "'translations' must be a mapping of languages to their words, such as 'cy: {title: ...}'.")
        else:
            for key, value in table.value:
                language = str(key.value)
                if language not in languages[1:]:
                    reader.problem(key, "SB072", f"'translations' has words for '{short(language)}', which is not one of the issue's "
                                   f"other languages ({', '.join(languages)}); add it to 'languages' or remove them.", warning=True)
                else:
                    given[language] = value
    issue = dataclasses.replace(issue, languages=languages, language=languages[0])
    languages_node = f.node("languages")
    versions = []
    for index, language in enumerate(languages[1:], start=1):
        node = given.get(language)
        if node is None:
            at = node_at(languages_node, index) if languages_node is not None else None
            reader.problem(at or languages_node, "SB070", f"The issue is in '{language}' but 'translations' has no '{language}:' with its "
                           "title, welcome and section headings; write them (see docs/format.md).")
            continue
        version = _version(reader, f, issue, language, node, folder, found)
        if version is not None:
            versions.append(version)
    complete = len(versions) == len(languages) - 1
    return dataclasses.replace(issue, translations=tuple(versions) if complete else ()), found


def _version(reader: ContentReader, f: Fields, issue: Issue, language: str, node: yaml.Node, folder: _Folder,
             found: Translations) -> Issue | None:
    """The issue in ``language``, from its ``translations`` entry ``node`` and its articles' translation files."""
    t = mapping(reader, node, TRANSLATION)
    if t is None:
        return None
    _lacking(reader, t, f, language, node)
    welcome = _welcome(reader, t, language)
    headings = _headings(reader, t, issue, language, node)
    untranslated = _untranslated(reader, t, folder.root)
    before = len(reader.problems), len(found.problems)
    sections = []
    for section in issue.sections:
        articles = tuple(a for a in (_article(reader, article, language, folder, untranslated, found, issue.language)
                                     for article in section.articles) if a is not None)
        sections.append(dataclasses.replace(section, articles=articles, heading=headings.get(section.kind, "")))
    new = reader.problems[before[0]:] + found.problems[before[1]:]
    if welcome is None or any(p.code == "SB070" or p.severity is Severity.ERROR for p in new):
        return None
    return dataclasses.replace(
        issue, title=t.text("title"), strapline=t.text("strapline"), subject=t.text("subject"), preheader=t.text("preheader"),
        welcome=welcome, sections=tuple(sections), language=language, translations=(),
    )


def _lacking(reader: ContentReader, t: Fields, f: Fields, language: str, node: yaml.Node) -> None:
    """SB070 for each of the issue's words (its title, welcome, and what else it has) that the translation lacks."""
    for name in _WORDS:
        if name not in t and (name in ("title", "welcome") or name in f):
            there = f" (issue.yaml:{f.values[name].start_mark.line + 1})" if name in f else ""
            reader.problem(node, "SB070", f"The '{language}' translation lacks '{name}'{there}; translate it.")


def _welcome(reader: ContentReader, t: Fields, language: str) -> Welcome | None:
    node = t.node("welcome")
    w = mapping(reader, node, WELCOME) if node is not None else None
    if w is None:
        return None
    body = required_text(reader, w, "body", multiline=True)
    if "title" not in w:
        reader.problem(node, "SB070", f"The '{language}' welcome lacks its 'title'; translate it (the main language's is 'Welcome' when not written).")
        return None
    return Welcome(body=body, title=w.text("title")) if body else None


def _headings(reader: ContentReader, t: Fields, issue: Issue, language: str, node: yaml.Node) -> dict[str, str]:
    table = t.node("sections")
    headings: dict[str, str] = {}
    if isinstance(table, yaml.MappingNode):
        for key, value in table.value:
            heading = reader.text(value, f"The heading of '{short(str(key.value))}'")
            if heading is not None:
                headings[str(key.value)] = heading
    elif table is not None:
        reader.problem(table, "SB012", "'sections' of a translation must map each section's kind to its heading, such as 'Economic Crime: Troseddau Economaidd'.")
    kinds = {s.kind for s in issue.sections}
    for kind in headings.keys() - kinds:
        reader.problem(node_at(table, kind) if table is not None else node, "SB071",
                       f"'{short(kind)}' is not the kind of a section of this issue; remove its heading or correct the kind.", warning=True)
    for kind in dict.fromkeys(s.kind for s in issue.sections):
        if kind not in headings:
            reader.problem(table or node, "SB070", f"The '{language}' translation lacks the heading of the section '{short(kind)}'; "
                           f"add '{short(kind)}: <heading>' under its 'sections'.")
    return headings


def _untranslated(reader: ContentReader, t: Fields, root: yaml.Node) -> set[str]:
    node = t.node("untranslated")
    if node is None:
        return set()
    slugs = reader.texts(node, "'untranslated'") or ()
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for slug, item in zip(slugs, items, strict=False):
        if _slug_node(root, slug) is None:  # listed in no section (a listed one without its file is SB020's)
            reader.problem(item, "SB014", f"'untranslated' names '{short(slug)}', which is not an article of this issue; use an article's name.")
    return set(slugs)


def _article(reader: ContentReader, article: Article, language: str, folder: _Folder, untranslated: set[str], found: Translations,
             main_language: str) -> Article | None:
    """The ``language`` version of ``article``: its translation, or (listed as untranslated) itself, marked as in the main language."""
    main_path = folder.article_paths[article.slug]
    path = translation_path(main_path, language)
    if article.slug in untranslated:
        if path.is_file():
            found.problems.append(Problem(str(path), 1, 1, "SB071", f"'{article.slug}' is listed as untranslated into '{language}' in "
                                          f"{ISSUE_FILE}, so this translation is not sent; remove it from 'untranslated'.", Severity.WARNING))
        return dataclasses.replace(article, language=main_language)
    if reason := folder.escape(path):
        found.problems.append(Problem(str(path), 0, 0, "SB024", f"The translation {path} is not read: {reason}."))
        return None
    if not path.is_file():
        at = _slug_node(folder.root, article.slug)
        reader.problem(at, "SB070", f"The article '{article.slug}' has no '{language}' translation ({ARTICLES_DIR}/{path.name}); write one "
                       f"(soc-bulletin new-article --lang {language} {ARTICLES_DIR}/{main_path.name}) or list it under "
                       f"'translations: {language}: untranslated:' to send it in the main language.")
        return None
    node, translated, problems = read_translation(path, main_path, folder.nodes[main_path], article.slug, root=reader.root or path.parent,
                                                  cache=folder.cache)
    found.problems += problems
    found.files[(article.slug, language)] = path
    if node is not None:
        found.nodes[path] = node
    return translated


def _slug_node(root: yaml.Node, slug: str) -> yaml.Node | None:
    """The node naming the article ``slug`` in ``issue.yaml``'s sections."""
    sections = node_at(root, "sections")
    for section in sections.value if isinstance(sections, yaml.SequenceNode) else []:
        articles = node_at(section, "articles")
        for item in articles.value if isinstance(articles, yaml.SequenceNode) else []:
            if isinstance(item, yaml.ScalarNode) and str(item.value).removesuffix(".yaml") == slug:
                return item
    return None
