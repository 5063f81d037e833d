"""The static web archive: every issue as a web page, and an index of them, newest first.

Layout of a site::

    SITE_DIR/index.html              every issue: title, number, date, articles and standfirsts
    SITE_DIR/accessibility.html      the accessibility statement (site/accessibility.py), linked from every page
    SITE_DIR/<folder>/index.html     the email HTML (greeting and unsubscribe filled for the web)
    SITE_DIR/<folder>/index.txt      the text edition (UTF-8)
    SITE_DIR/<folder>/text.html      the text edition as a page
    SITE_DIR/<folder>/index.cy.html  an issue of several languages: the same three pages in each other language
    SITE_DIR/<folder>/images/...     the issue's local images
    SITE_DIR/feed.xml                an Atom feed of the issues (RFC 4287), linked from every page

Each language's pages of an issue link to the others' (``hreflang`` in the head,
and a link above the email, in the language it leads to).
``<folder>`` is the issue folder's name (``2019-08``), so an issue's URL never
changes: :func:`web_url` gives the "view in browser" link a sender puts in the
email. Pages carry no scripts, web fonts or trackers. Each issue's web page
gets a line above the email linking to the list of issues and the statement.

The archive is public: articles and sections with an ``audience`` (meant for
some segments only) are left out, and listed in :attr:`ArchiveResult.left_out`,
unless ``include_restricted``; so is a draft (template words left in, a section
with no article).
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from ..check.editorial import unfinished
from ..content.load import ISSUE_FILE, load_issue
from ..content.model import Issue
from ..content.wording import Wording, wording
from ..errors import ConfigError, ContentError, RenderError
from ..problems import Problem
from ..render.build import edition_issue, image_files
from ..render.languages import greeter, language_page
from ..render.renderer import DEFAULT_LAYOUTS, fill_placeholders, render_issue, web_url
from .accessibility import statement
from .feed import FEED_FILE, atom_feed

__all__ = ["ArchiveResult", "build_archive", "issue_folders", "public_issue", "web_placeholders", "web_url"]

log = logging.getLogger(__name__)

INDEX_TEMPLATE = "archive.html.j2"
TEXT_TEMPLATE = "archive-text.html.j2"
STATEMENT_TEMPLATE = "archive-accessibility.html.j2"
STATEMENT_PAGE = "accessibility.html"

# Above the email on its web page: back to the list, the statement, and the issue in its other languages. The
# "view in browser" bar's class gives the links their dark-scheme colour.
def _archive_links(_: Wording, alternates: str, /) -> str:
    label, issues, accessibility = escape(_("Archive")), escape(_("All issues")), escape(_("Accessibility statement"))
    return (
        f'<nav aria-label="{label}" class="sb-top" style="max-width:600px;margin:0 auto;padding:8px 24px;'
        f'text-align:center;font:14px/1.5 Arial,Helvetica,sans-serif;"><a href="../index.html" style="color:#1d3557;">'
        f'{issues}</a> · <a href="../{STATEMENT_PAGE}" style="color:#1d3557;">{accessibility}</a>{alternates}</nav>'
    )
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """What :func:`build_archive` wrote: the files, and the issue folders newest first."""

    files: list[Path] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    #: what was not published: ``"2019-08: article 'x' (for police)"``, one per article or section
    left_out: list[str] = field(default_factory=list)
    #: issues not published because they are drafts: ``"2019-11: the section 'News' has no article"``
    drafts: list[str] = field(default_factory=list)


def public_issue(issue: Issue, folder: str, /) -> tuple[Issue, list[str]]:
    """``issue`` without the sections and articles that have an audience, and a line for each left out."""
    left_out = []
    for section in issue.sections:
        if section.audience:
            left_out.append(f"{folder}: the section '{section.kind}' (for {', '.join(section.audience)}), "
                            f"with {len(section.articles)} article(s)")
            continue
        left_out += [f"{folder}: the article '{a.slug}' (for {', '.join(a.audience)})" for a in section.articles if a.audience]
    return edition_issue(issue, ()), left_out


def web_placeholders(issue: Issue, /) -> dict[str, str]:
    """Placeholder values for a page anyone may read: no name (greeted in the issue's language), unsubscribe by writing to the team."""
    return {"greeting": greeter((issue.language,))(""), "unsubscribe_url": f"mailto:{issue.mailbox}?subject=Unsubscribe"}


def _alternates(issue: Issue, language: str, /) -> tuple[str, str]:
    """The ``hreflang`` links of the head of ``language``'s page of ``issue``, and the visible links to the other languages."""
    if len(issue.languages) < 2:
        return "", ""
    head = "".join(f'<link rel="alternate" hreflang="{other}" href="{language_page("", other, issue) or "index.html"}">\n'
                   for other in issue.languages)
    shown = "".join(f' · <a href="{language_page("", other, issue) or "index.html"}" hreflang="{other}" lang="{other}" '
                    f'style="color:#1d3557;">{escape(_own_name(other))}</a>' for other in issue.languages if other != language)
    return head, shown


def _own_name(language: str, /) -> str:
    """A language's name in itself ("Cymraeg", "English"): how a link to a page in it is labelled."""
    from ..content.wording import wording  # noqa: PLC0415

    name = wording(language).language_name(language)
    return name[:1].upper() + name[1:]


def issue_folders(issues_dir: str | Path, /) -> list[Path]:
    """The subfolders of ``issues_dir`` that hold an ``issue.yaml``, sorted by name."""
    issues_dir = Path(issues_dir)
    return sorted(p for p in issues_dir.iterdir() if p.is_dir() and (p / ISSUE_FILE).is_file())


def _environment(layouts: Path) -> jinja2.Environment:
    # A project's own layouts folder may predate a page: the package's template stands in for it.
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(layouts), jinja2.FileSystemLoader(DEFAULT_LAYOUTS)])
    return jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _page(env: jinja2.Environment, name: str, /, **context: object) -> str:
    try:
        return env.get_template(name).render(**context)
    except (OSError, jinja2.TemplateError) as exc:
        raise RenderError(f"layout error in {name}: {exc}") from exc


def _with_canonical(html: str, url: str, /, alternates: str = "") -> str:
    """An issue's page with its canonical address (when the site has one), the archive's feed and its other languages."""
    feed = f'<link rel="alternate" type="application/atom+xml" title="All issues" href="../{FEED_FILE}">\n'
    canonical = f'<link rel="canonical" href="{escape(url)}">\n' if url else ""
    return html.replace("</head>", f"{canonical}{feed}{alternates}</head>", 1)


def _with_archive_links(html: str, words: Wording, /, alternates: str = "") -> str:
    match = _BODY_START.search(html)
    if match is None:
        raise RenderError("the layout's HTML has no <body> to put the archive's links in")
    return html[:match.end()] + _archive_links(words, alternates) + html[match.end():]


def _write(path: Path, content: str, files: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8", newline="\n")
    files.append(path)


def _remove_stale(folder: Path, written: list[Path], /) -> None:
    """Delete what an earlier run wrote in an issue's ``folder`` that this run did not (images of an article since restricted)."""
    kept = {path.resolve() for path in written}
    for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
        if path.is_file() and not path.is_symlink() and path.resolve() not in kept:
            path.unlink()
            log.info("removed %s (no longer published)", path)
        elif path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()


def build_archive(
    issues_dir: str | Path, site_dir: str | Path, /, *, base_url: str = "", layouts: Path | None = None,
    include_restricted: bool = False,
) -> ArchiveResult:
    """Write the web archive of every issue folder in ``issues_dir`` to ``site_dir``.

    Every issue is loaded first; if any has errors, :class:`ContentError`
    carries all of them and nothing is written. ``base_url`` (where the site
    is published) only adds canonical links: the pages link to each other by
    relative URLs, so the site works from any address or from disk. Articles
    and sections with an audience are left out unless ``include_restricted``.
    Raises :class:`ConfigError` when ``issues_dir`` is missing, is one issue
    folder, or holds none, or when the newest issue's mailbox (the
    accessibility statement's contact) is not one address.
    """
    issues_dir, site_dir = Path(issues_dir), Path(site_dir)
    layouts = layouts or DEFAULT_LAYOUTS
    folders = _archive_folders(issues_dir, site_dir, base_url)
    result = ArchiveResult()
    loaded, drafts, images = _load_issues(folders, site_dir, include_restricted, result)
    if not loaded:
        raise ConfigError(f"every issue in {issues_dir} is a draft ({'; '.join(result.drafts)}); finish one to publish the archive")

    loaded.sort(key=lambda item: (item[1].date, item[1].number), reverse=True)
    newest_folder, newest = loaded[0]
    try:  # before anything is written: the newest issue's mailbox is where problems are reported
        statement_text = Markup(statement(newest.mailbox))  # our own text, each part escaped by statement()
    except ConfigError as exc:
        raise ConfigError(f"{newest_folder / ISSUE_FILE}: {exc}") from exc
    env = _environment(layouts)
    entries = [_issue_pages(env, folder, issue, images[folder], site_dir, base_url, layouts, result) for folder, issue in loaded]
    _unpublish(drafts)
    canonical = f"{base_url.rstrip('/')}/" if base_url else ""
    _write(site_dir / "index.html", _page(env, INDEX_TEMPLATE, title=newest.title, entries=entries, canonical=canonical,
                                          statement_href=STATEMENT_PAGE, feed=FEED_FILE), result.files)
    _write(site_dir / STATEMENT_PAGE, _page(env, STATEMENT_TEMPLATE, title=newest.title, statement=statement_text,
                                            canonical=canonical and f"{canonical}{STATEMENT_PAGE}"), result.files)
    _write(site_dir / FEED_FILE, atom_feed([(folder.name, issue) for folder, issue in loaded], base_url=base_url), result.files)
    return result


def _unpublish(drafts: list[Path]) -> None:
    """Remove the pages an earlier run published of issues that are drafts again."""
    for out in drafts:
        if out.is_dir() and not out.is_symlink():
            _remove_stale(out, [])
            if not any(out.iterdir()):
                out.rmdir()


def _check_base_url(base_url: str) -> None:
    """ConfigError unless ``base_url`` is empty or an http(s):// address with nothing a page would have to escape."""
    if base_url and not base_url.lower().startswith(("https://", "http://")) or any(c in base_url for c in "\"'<> \t\r\n"):
        raise ConfigError(f"the archive's base URL {base_url!r} must be an https:// address, such as https://bulletin.example.org/")


def _archive_folders(issues_dir: Path, site_dir: Path, base_url: str) -> list[Path]:
    """The issue folders of ``issues_dir``; ConfigError for a bad base URL, a folder that holds no issues or is one,
    or a site folder that overlaps them."""
    _check_base_url(base_url)
    if not issues_dir.exists():
        raise ConfigError(f"{issues_dir} does not exist; give the folder that holds the issue folders, such as issues")
    if not issues_dir.is_dir():
        raise ConfigError(f"{issues_dir} is a file; give the folder that holds the issue folders, such as issues")
    if (issues_dir / ISSUE_FILE).is_file():
        raise ConfigError(f"{issues_dir} is one issue folder; give the folder that holds every issue, such as {issues_dir.parent}")
    folders = issue_folders(issues_dir)
    if not folders:
        raise ConfigError(f"no folder in {issues_dir} holds an {ISSUE_FILE}; give the folder that holds the issue folders, such as issues")
    site = site_dir.resolve()
    if any(site.is_relative_to(p) or p.is_relative_to(site) for p in (issues_dir.resolve(), *(f.resolve() for f in folders))):
        raise ConfigError(f"the site folder {site_dir} overlaps the issues in {issues_dir}, which it would overwrite; write the site "
                          "to a folder of its own, such as site")
    return folders


def _load_issues(folders: list[Path], site_dir: Path, include_restricted: bool, result: ArchiveResult,
                 ) -> tuple[list[tuple[Path, Issue]], list[Path], dict[Path, dict[str, Path]]]:
    """Every finished issue (public parts only unless ``include_restricted``), the site folders of drafts, and each
    issue's images; ContentError with every issue's problems. Drafts and what was left out go in ``result``."""
    loaded: list[tuple[Path, Issue]] = []
    drafts: list[Path] = []
    problems: list[Problem] = []
    for folder in folders:
        try:
            issue = load_issue(folder)
        except ContentError as exc:
            problems += exc.problems
            continue
        if why := unfinished(issue):  # a draft is never published (send refuses it too), nor left from an earlier run
            result.drafts.append(f"{folder.name}: {why}")
            drafts.append(site_dir / folder.name)
            continue
        if not include_restricted:
            issue, left_out = public_issue(issue, folder.name)
            result.left_out.extend(left_out)
        loaded.append((folder, issue))
    images: dict[Path, dict[str, Path]] = {}
    for folder, issue in loaded:
        images[folder], missing = image_files(issue, folder)
        problems += missing
    if problems:
        raise ContentError(problems)
    return loaded, drafts, images


def _issue_pages(env: jinja2.Environment, folder: Path, issue: Issue, images: dict[str, Path], site_dir: Path, base_url: str,
                 layouts: Path, result: ArchiveResult) -> dict[str, object]:
    """Write an issue's pages in each language and its images, remove what an earlier run left; its index entry."""
    name = folder.name
    out = site_dir / name
    for language in issue.languages:
        _language_pages(env, issue, language, web_url(base_url, name), out, layouts, result.files)
    for src, source in images.items():
        target = out / src
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        result.files.append(target)
    result.issues.append(name)
    _remove_stale(out, result.files)
    log.info("archived %s (issue %d)", name, issue.number)
    return {
        "folder": name, "issue": issue, "alternates": [
            (other, f"{quote(name)}/{language_page('', other, issue)}", _own_name(other)) for other in issue.languages[1:]],
        "href": f"{quote(name)}/index.html", "text_href": f"{quote(name)}/text.html",
    }


def _language_pages(env: jinja2.Environment, issue: Issue, language: str, url: str, out: Path, layouts: Path, files: list[Path]) -> None:
    """An issue's web page, text edition and text page in ``language`` (``index.html`` or ``index.<lang>.html``...)."""
    edition = render_issue(issue, layouts=layouts, languages=(language,))
    version = edition.issue
    suffix = "" if language == issue.main_language else f".{language}"
    head, shown = _alternates(issue, language)
    page_url = url and (language_page(url, language, issue) or url)
    web_page = _with_archive_links(fill_placeholders(edition.html, web_placeholders(version)), wording_of(version), shown)
    _write(out / f"index{suffix}.html", _with_canonical(web_page, page_url, head), files)
    text = fill_placeholders(edition.text, web_placeholders(version))
    _write(out / f"index{suffix}.txt", text, files)
    page = _page(env, TEXT_TEMPLATE, issue=version, text=text, canonical=url and f"{url}text{suffix}.html",
                 statement_href=f"../{STATEMENT_PAGE}", web_href=f"index{suffix}.html", subject=edition.subject,
                 date_label=wording_of(version).month_year(version.date), _=wording_of(version))
    _write(out / f"text{suffix}.html", page, files)


def wording_of(issue: Issue, /) -> Wording:
    """The fixed words of ``issue``'s language."""
    return wording(issue.language)
