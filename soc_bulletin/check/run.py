"""Run every check over issue folders and article files, and collect the problems.

The loader's problems (files, YAML, schema) come first and are not
repeated; then each file's values are judged by role (addresses, links,
Markdown and HTML, images), then the rendered edition. A failure inside a
check becomes an SB900 problem on that file; it never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from urllib.parse import unquote

import yaml

from ..config import Settings
from ..content.load import ARTICLES_DIR, ISSUE_FILE, IssueSource, issue_folder_of, load_article
from ..content.paths import escape_reason
from ..content.translate import read_translation, translation_language
from ..content.wording import catalogue_problems
from ..content.yamlfile import node_at, read_yaml
from ..errors import BulletinError, ConfigError, RenderError
from ..problems import Problem
from ..render.project import Project
from ..render.renderer import Edition
from . import images, links
from .addresses import AddressChecker, address_attempts
from .audience import SegmentNames, audience_nodes, check_audiences, segment_names, shown_path
from .codes import Verdict
from .edition import check_edition
from .editorial import empty_sections, known_kinds, lost_dashes, same_numbers, section_kinds, template_text
from .html import scan_html
from .locate import SourceFile
from .markup import Kind, scan
from .report import CheckReport
from .walk import Item, Role, article_items, issue_items

__all__ = ["EditionOf", "check_editions", "check_paths", "check_project", "check_source"]

log = logging.getLogger(__name__)

#: An edition to judge: its audience (None: every article) and languages (None: the issue's own).
EditionOf = tuple[frozenset[str] | None, tuple[str, ...] | None]


def check_paths(paths: Iterable[str | Path], /, *, deliverability: bool = False, settings: Settings | None = None) -> CheckReport:
    """Check issue folders and article files; every problem, sorted. Never raises on content.

    A path may be an issue folder, its ``issue.yaml``, a folder of issue
    folders (such as ``issues``) or a single article file. ``deliverability``
    also asks the DNS whether each address's domain takes email. ``settings``
    (``--config``) are those of every path; by default each issue folder's are
    found from it (once per folder), and its editions rendered with its layouts.
    Raises :class:`ConfigError` for a path that does not exist or holds no issue,
    and for settings that cannot be read (the segments of ``audience`` come from them).
    """
    issues, articles = _targets([Path(p) for p in paths])
    checker = _Checker(settings=settings)
    if deliverability:  # dnspython is imported only when DNS is asked for
        from .deliverability import add_sending_domain_problems, address_resolver

        first = checker.project(issues[0] if issues else _folder_of(articles[0]))
        checker.addresses = AddressChecker(deliverability=True, resolver=address_resolver(first.settings))
    for folder in issues:
        checker.guarded(folder / ISSUE_FILE, partial(checker.issue, checker.project(folder)))
        if deliverability:  # the sending domain's SPF, DMARC and DKIM key (SB701-SB707)
            checker.guarded(folder / ISSUE_FILE, partial(add_sending_domain_problems, checker.problems, checker.project(folder)))
    for path in articles:
        checker.guarded(path, partial(checker.article_file, path, _folder_of(path)))
    return checker.report()


def check_project(project: Project, /, *, segments: Path | None = None, editions: bool = True) -> CheckReport:
    """Check the issue of ``project`` as it will be sent: its settings, layouts and segments (``segments``: the file
    ``send --segments`` names), its editions rendered once for the run; ``editions=False`` leaves them to
    :func:`check_editions` (a send judges those it sends)."""
    checker = _Checker(settings=project.settings, segments=segments, editions=editions)
    checker.projects[project.issue_dir.resolve()] = project
    checker.guarded(project.source.issue_path, partial(checker.issue, project))
    return checker.report()


def check_editions(project: Project, editions: Mapping[str, EditionOf], /) -> CheckReport:
    """The rendered ``editions`` of ``project`` (name: audience and languages, see :meth:`Project.edition`) judged as
    ``check`` judges its own (SB500-SB511), each problem of one edition of several naming it."""
    checker = _Checker(settings=project.settings)
    source = project.source
    files = [SourceFile.read(path, root, folder=project.issue_dir, text=project.cache.text(path)) for path, root in source.nodes.items()]
    issue_file = next(file for file in files if file.path == str(source.issue_path))
    articles = [file for file in files if file is not issue_file]
    checker.guarded(source.issue_path, partial(checker.edition, project, issue_file, articles, None, editions))
    return checker.report()


def check_source(source: IssueSource, /, *, edition: Edition | None = None, settings: Settings | None = None) -> CheckReport:
    """Check an issue folder already read with ``read_issue``: what :func:`check_paths` reports on it, without reading it again.

    For a process that reads the folder itself (the preview), which may also hand over the ``edition`` it rendered
    from ``source``. Raises :class:`ConfigError` for settings that cannot be read (``settings``: found from the folder).
    """
    project = Project(source.issue_path.parent, settings=settings, source=source)
    checker = _Checker(settings=project.settings)
    checker.projects[project.issue_dir.resolve()] = project
    checker.guarded(source.issue_path, partial(checker.issue, project, edition))
    return checker.report()


def _targets(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Issue folders and lone article files; an article of a checked issue is not checked twice."""
    if not paths:
        raise ConfigError("give at least one issue folder or article file to check")
    issues: list[Path] = []
    articles: list[Path] = []
    for path in paths:
        if path.is_dir():
            if (path / ISSUE_FILE).is_file():
                issues.append(path)
            elif path.name == ARTICLES_DIR:
                articles += sorted(path.glob("*.yaml"))
            elif folders := _issue_folders(path):  # a folder of issue folders
                issues += folders
            else:
                raise ConfigError(f"{path} is not an issue folder: it has no {ISSUE_FILE}, and no issue folders in it; "
                                  f"give an issue folder such as issues/2019-08 (soc-bulletin new-issue {path} starts one)")
        elif path.is_file() and path.name == ISSUE_FILE:
            issues.append(path.parent)
        elif path.is_file() and path.suffix in (".yaml", ".yml"):
            articles.append(path)
        elif path.exists():
            raise ConfigError(f"{path} is not an issue folder or an article file (.yaml)")
        else:
            raise ConfigError(f"{path}: no such file or folder")
    seen = {folder.resolve() for folder in issues}
    issues = list(dict.fromkeys(issues))
    articles = [a for a in dict.fromkeys(articles) if _folder_of(a).resolve() not in seen]
    return issues, articles


def _issue_folders(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if (p / ISSUE_FILE).is_file())


#: The issue folder an article belongs to (where its image paths start).
_folder_of = issue_folder_of


class _Checker:
    """Collects the problems of one run; holds what the checks share (the address cache)."""

    def __init__(self, *, settings: Settings | None = None, segments: Path | None = None, editions: bool = True) -> None:
        self.addresses = AddressChecker()
        self.settings, self.segments_file, self.judge_editions = settings, segments, editions
        self.problems: list[Problem] = []
        self.files: list[str] = []
        #: each issue folder's project (its settings found once, its files read once), by the folder resolved
        self.projects: dict[Path, Project] = {}
        self._segments: dict[Path, SegmentNames] = {}
        #: each issue checked: its number, and where the number is written
        self.numbers: list[tuple[int, SourceFile]] = []

    def project(self, folder: Path, /) -> Project:
        """The project of the issue ``folder``, made once per run."""
        key = folder.resolve()
        if key not in self.projects:
            self.projects[key] = Project(folder, settings=self.settings)
        return self.projects[key]

    def report(self) -> CheckReport:
        """Every problem found, sorted, and the files checked."""
        self.problems += same_numbers(self.numbers)
        return CheckReport(tuple(sorted(set(self.problems))), tuple(sorted(set(self.files))))

    def guarded(self, path: Path, step: Callable[[], None], /) -> None:
        """Run ``step``; a bug in a check becomes a problem on ``path``, not a traceback (settings that cannot be read stop the run)."""
        try:
            step()
        except ConfigError:
            raise
        except Exception as exc:  # the promise: a check never ends in a traceback
            log.exception("checking %s failed", path)
            self.problems.append(Problem(str(path), 0, 0, "SB900", f"The check stopped here because of an internal error ({type(exc).__name__}: {exc}); please report it."))

    def issue(self, project: Project, edition: Edition | None = None) -> None:
        """Every check of the issue folder of ``project`` (rendered unless ``edition`` is given)."""
        folder, source = project.issue_dir, project.source
        self.problems += source.problems
        self.files.append(str(source.issue_path))
        issue_file = None
        article_files = []
        for path, root in source.nodes.items():
            file = SourceFile.read(path, root, folder=folder, text=project.cache.text(path))
            if path == source.issue_path:
                issue_file = file
                if source.issue is not None:
                    self.numbers.append((source.issue.number, file))
                self.guarded(path, partial(self.content, file, issue_items))
                self.guarded(path, partial(self.editorial, file, folder, issue=True))
            else:
                article_files.append(file)
                self.guarded(path, partial(self.content, file, article_items))
                self.guarded(path, partial(self.editorial, file, folder, issue=False))
        self.files += [str(p) for p in source.article_paths.values()]
        self.files += [str(p) for p in source.translation_paths.values()]
        listed = {p.resolve() for p in (*source.article_paths.values(), *source.translation_paths.values())}
        refused = set(source.refused)  # links out of the folder: the loader reported them, never read
        for path in sorted((folder / ARTICLES_DIR).glob("*.yaml")):
            if (named := translation_language(path)) and named[0] in source.article_paths:
                continue  # a translation into a language the issue does not list: SB072, the loader's
            if path not in refused and path.resolve() not in listed:  # SB022 is the loader's; its content is still checked
                self.guarded(path, partial(self.article_file, path, folder))
        if source.issue is not None:
            self.problems += catalogue_problems(source.issue.languages)
        if source.issue is not None and issue_file is not None and self.judge_editions:
            self.guarded(source.issue_path, partial(self.edition, project, issue_file, article_files, edition))

    def editorial(self, file: SourceFile, folder: Path, /, *, issue: bool) -> None:
        """Template text left in, empty sections, blocks that lost their '- ', audiences that are not segments."""
        self.problems += template_text(file)
        if issue:
            self.problems += empty_sections(file, str(folder))
        else:
            found, blocks = lost_dashes(file)
            if found:  # the loader's "one key" on the block above gives way to the block that lost its dash
                self.problems = [p for p in self.problems if not (
                    p.path == file.path and p.code == "SB030" and (p.line, p.column) in blocks and p.message.startswith("Each block"))]
                self.problems += found
        reported = {(p.line, p.column) for p in self.problems if p.path == file.path}  # a name already wrong is not also "not a segment"
        if issue:  # nor a kind already wrong also unknown
            self.problems += [p for p in section_kinds(file, *self.kinds(folder)) if (p.line, p.column) not in reported]
        names = [n for n in audience_nodes(file.root, issue=issue) if (n.start_mark.line + 1, n.start_mark.column + 1) not in reported]
        if names:
            segments = self.segments(folder)
            self.problems += [*segments.problems, *check_audiences(file, names, segments)]

    def kinds(self, folder: Path, /) -> tuple[dict[str, str], str]:
        """The section kinds known to the issue ``folder`` (its layouts' colours, the other issues'), and the colours file as shown."""
        project = self.project(folder)
        colours = project.layouts / "colours.yaml"
        try:
            found = project.renderer.colours  # read with the layouts, compiled once for the run
        except RenderError:  # the layouts do not compile (the edition's SB500 says why): their colours on their own
            try:
                found = yaml.safe_load(colours.read_text(encoding="utf-8"))
            except (OSError, UnicodeError, yaml.YAMLError) as exc:
                raise ConfigError(f"cannot read the layouts' colours {colours}: {exc}") from exc
        shown = "the colours.yaml of your own layouts ([render] layouts)" if project.settings.layouts is None else shown_path(colours)
        return known_kinds(folder, found if isinstance(found, dict) else {}), shown

    def segments(self, folder: Path, /) -> SegmentNames:
        """The segment names of the issue's project, read once per folder."""
        key = folder.resolve()
        if key not in self._segments:
            project = self.project(folder)
            self._segments[key] = segment_names(project.settings, path=self.segments_file, cache=project.cache)
        return self._segments[key]

    def edition(self, project: Project, issue_file: SourceFile, articles: list[SourceFile], edition: Edition | None,
                editions: Mapping[str, EditionOf] | None = None) -> None:
        """The editions rendered as ``send`` renders them: the project's layouts, table of contents, browser and preference
        links. ``editions`` (name: audience and languages) are those a send sends; by default the whole issue in each of
        its languages (the bilingual one only a list's readers of both receive: send judges it), or the ``edition`` given."""
        issue = project.source.issue
        assert issue is not None  # judged only when the issue could be read
        sent = editions is not None  # a send's editions: what all of them share is said once, without a name
        if editions is None:
            editions = {"" if language == issue.main_language else language: (None, (language,)) for language in issue.languages}
        judged: dict[str, list[Problem]] = {}
        manage = bool(project.settings.service_url)
        for name, (audience, languages) in editions.items() if edition is None else [("", (None, None))]:
            try:
                rendered = edition if edition is not None else project.edition(audience, languages, manage=manage)
            except BulletinError as exc:
                judged[name] = [issue_file.problem(None, Verdict("SB500", f"The edition could not be rendered: {exc}"))]
                continue
            judged[name] = check_edition(rendered, issue_file, articles)
        self.problems += _named(judged, sent=sent)

    def article_file(self, path: Path, folder: Path) -> None:
        """An article on its own: the loader's problems, then its content (unless the loader refused to read it)."""
        self.files.append(str(path))
        _, problems = self.translation(path, folder) or load_article(path, root=folder)
        self.problems += problems
        if any(p.code in _UNREAD for p in problems):
            return
        root, _ = read_yaml(path)
        if root is not None:
            file = SourceFile.read(path, root, folder=folder)
            self.content(file, article_items)
            self.editorial(file, folder, issue=False)

    def translation(self, path: Path, folder: Path, /) -> tuple[object, list[Problem]] | None:
        """A translation (``<slug>.<lang>.yaml`` beside ``<slug>.yaml``) read against its main file, or None for another file."""
        named = translation_language(path)
        main = path.with_name(f"{named[0]}.yaml") if named else None
        if main is None or not main.is_file() or escape_reason(main, folder.resolve()) or escape_reason(path, folder.resolve()):
            return None
        main_node, _ = read_yaml(main)
        if main_node is None:
            return None
        _, article, problems = read_translation(path, main, main_node, main.stem, root=folder)
        return article, problems

    def content(self, file: SourceFile, items: Callable[[yaml.Node], Iterator[Item]]) -> None:
        """Judge each value of one file by its role."""
        for item in items(file.root):
            value = str(item.node.value)
            if item.role is Role.ADDRESS:
                self.problems += [file.problem(item.node, v) for v in self.addresses.check(value, what=item.what)]
            elif item.role is Role.URL:
                self.target(file, item.node, 0, value, item.what)
                if item.label is not None and (verdict := links.link_text_verdict(str(item.label.value), value)):
                    self.problems.append(file.problem(item.label, verdict))
            elif item.role in (Role.MARKDOWN, Role.INLINE):
                self.markdown(file, item.node, value, inline=item.role is Role.INLINE)
            elif item.role is Role.IMAGE:
                self.image(file, item.node)

    def target(self, file: SourceFile, node: yaml.Node, offset: int, url: str, what: str) -> None:
        """A link's target: a mailto: address or a web address."""
        if url.strip().lower().startswith("mailto:"):
            start = url.lower().index("mailto:") + len("mailto:")
            address = unquote(url[start:].split("?")[0]).strip()
            verdicts = self.addresses.check(address, what=f"{what} address")
            self.problems += [file.problem(node, v, offset=offset + start) for v in verdicts]
        else:
            self.problems += [file.problem(node, v, offset=offset) for v in links.check_url(url, what=what)]

    def markdown(self, file: SourceFile, node: yaml.Node, source: str, *, inline: bool) -> None:
        findings = scan(source, inline=inline)
        seen = {finding.offset for finding in findings}
        for at, address, bracketed in address_attempts(source):  # what Markdown leaves as text: invalid ones are reported
            if at in seen or at - 1 in seen:
                continue
            for judged in self.addresses.check(address, what="email address"):
                if judged.code == "SB101":
                    shows = " It shows as plain text, not a link, until it is corrected." if bracketed else ""
                    self.problems.append(file.problem(node, Verdict("SB101", judged.message + shows), offset=at))
        for finding in findings:
            at = finding.offset
            if finding.kind is Kind.LINK:
                self.target(file, node, at, finding.value, "link")
                if finding.label and (verdict := links.link_text_verdict(finding.label, finding.value)):
                    self.problems.append(file.problem(node, verdict, offset=at))
            elif finding.kind is Kind.HTML:
                for found in scan_html(finding.value):
                    if found.verdict is not None:
                        self.problems.append(file.problem(node, found.verdict, offset=at + found.offset))
                    if found.href is not None:
                        self.target(file, node, at + found.offset, found.href, "link")
            else:
                self.problems.append(file.problem(node, _MARKDOWN_VERDICTS[finding.kind](finding.value), offset=at))

    def image(self, file: SourceFile, node: yaml.Node) -> None:
        src, alt = node_at(node, "src"), node_at(node, "alt")
        src_text = str(src.value) if isinstance(src, yaml.ScalarNode) and src.value else ""
        if src_text:
            if images.is_remote(src_text):
                verdicts = links.check_url(src_text, what="image address")
            else:
                verdicts = images.check_file(src_text, file.folder, self.project(file.folder).image)
            self.problems += [file.problem(src, v) for v in verdicts]
        if isinstance(alt, yaml.ScalarNode) and isinstance(alt.value, str):
            self.problems += [file.problem(alt, v) for v in images.check_alt(alt.value, src_text)]


#: Loader codes for a file it refused to read; the checks do not read it either.
_UNREAD = frozenset({"SB024"})

_MARKDOWN_VERDICTS: dict[Kind, Callable[[str], Verdict]] = {
    Kind.BARE_URL: links.bare_url,
    Kind.BARE_ADDRESS: links.bare_address,
    Kind.IMAGE: lambda src: Verdict("SB405", f"The image '{src}' written in Markdown text is removed from the email; use an image block with alt text instead."),
    Kind.RULE: lambda _: Verdict("SB305", "The horizontal rule (a line of ---, *** or ___) is removed from the email; delete it.", warning=True),
    Kind.NUMBERING: lambda start: Verdict("SB305", f"This numbered list starts at {start}, but the email numbers every list from 1; start it at 1 or write the numbers as text.", warning=True),
    Kind.CODE: lambda _: Verdict("SB305", "This text is indented by four spaces or fenced with ```, so it becomes a code block the email does not show as such; remove the indentation or the fence.", warning=True),
}


def _named(judged: dict[str, list[Problem]], /, *, sent: bool) -> list[Problem]:
    """The problems of each edition judged (by name), each naming its edition when there are several (the main one
    "" never); what every edition a send sends shares is said once, without a name; what is the same is said once."""
    shared = set.intersection(*map(set, judged.values())) if sent and len(judged) > 1 else set()
    found = [p if p in shared or not name or len(judged) == 1 else _of_edition(p, name) for name, problems in judged.items() for p in problems]
    return list(dict.fromkeys(found))


def _of_edition(problem: Problem, name: str, /) -> Problem:
    """A problem of the edition ``name`` (its language, or a send's edition key), saying which."""
    if problem.path != "" and problem.code not in _EDITION_CODES:
        return problem  # a problem of a file (a link, an address): the same in every edition, said once
    return replace(problem, message=f"The {name} edition: {problem.message[:1].lower()}{problem.message[1:]}")


#: The codes of the rendered edition as a whole (its size, subject, preheader), said for each language edition.
_EDITION_CODES = frozenset({"SB501", "SB502", "SB503", "SB504", "SB505"})
