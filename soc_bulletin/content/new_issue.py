"""Start the next issue: ``issue.yaml`` with the previous issue's title, mailbox and sections, and no articles.

The new file is commented for the editor, passes ``check`` with warnings
only (sections without articles yet, a welcome and preheader to write) and
takes ``new-article`` at once. It is parsed again and compared with what was
meant before it is written; an existing ``issue.yaml`` is never replaced.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, ContentError
from ..problems import Problem
from ..terminal import printable
from .new_article import yaml_scalar
from .paths import ARTICLES_DIR, ISSUE_FILE
from .schema import LANGUAGE_TAG
from .yamlfile import NULL_TAG, node_at, read_yaml

__all__ = ["TEMPLATE_TEXT", "NewIssue", "latest_issue", "months_later", "new_issue", "read_previous"]

#: The words of a new issue that the editor replaces (``check`` warns while they are there, SB017).
WELCOME_TEMPLATE = "Write the welcome to Issue {number} here: a few sentences on what this issue holds."
PREHEADER_TEMPLATE = "Write one line that sums up this issue; inboxes show it after the subject."
TEMPLATE_TEXT = (
    "Write the welcome to Issue ", "Write one line that sums up this issue", "Your bulletin's title", "your.team@example.org",
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class Previous:
    """What a new issue takes from the one before: title, strapline, mailbox, number, date, sections."""

    title: str = "Your bulletin's title"
    strapline: str = ""
    mailbox: str = "your.team@example.org"
    number: int = 0
    date: dt.date | None = None
    sections: tuple[tuple[str, tuple[str, ...]], ...] = (("News", ()),)
    #: Each other language's words the next issue keeps: {"cy": {"title": ..., "strapline": ..., "welcome": ..., kind: heading}}.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewIssue:
    """What :func:`new_issue` wrote, and where it started from (``previous`` is None for a first issue)."""

    issue_file: Path
    number: int
    date: dt.date
    previous: Path | None
    sections: tuple[str, ...]


def months_later(day: dt.date, months: int = 3, /) -> dt.date:
    """``day`` ``months`` on, on the same day of the month or the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ConfigError(f"the date {day.isoformat()} cannot be moved {months} months on (past the year {dt.MAXYEAR}); "
                          "correct the previous issue's date, or give the new issue's with --date")
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_issue(issues_dir: str | Path, /, *, exclude: str | Path | None = None) -> Path | None:
    """The issue folder of ``issues_dir`` with the latest date (then number, then name); None when there is none."""
    issues_dir = Path(issues_dir)
    if not issues_dir.is_dir():
        return None
    skip = Path(exclude).resolve() if exclude is not None else None
    found: list[tuple[dt.date, int, str, Path]] = []
    for folder in issues_dir.iterdir():
        if not (folder / ISSUE_FILE).is_file() or folder.resolve() == skip:
            continue
        try:
            previous = read_previous(folder)
        except ContentError:
            previous = Previous()
        found.append((previous.date or dt.date.min, previous.number, folder.name, folder))
    return max(found)[3] if found else None


def read_previous(issue_dir: Path, /) -> Previous:
    """The parts of ``issue_dir/issue.yaml`` a new issue copies; ContentError when the file cannot be read."""
    root, problems = read_yaml(issue_dir / ISSUE_FILE)
    if root is None:
        raise ContentError(problems)
    if not isinstance(root, yaml.MappingNode) or not all(node_at(root, key) is not None for key in ("title", "number", "date")):
        line, column = root.start_mark.line + 1, root.start_mark.column + 1
        raise ContentError([Problem(str(issue_dir / ISSUE_FILE), line, column, "SB012", f"This is not an issue's {ISSUE_FILE}: it must "
                                    "map 'title', 'number', 'date' and the other keys of an issue to values; give the previous issue's folder.")])
    defaults = Previous()
    number = _text(node_at(root, "number"))
    sections = _sections(node_at(root, "sections"))
    return Previous(
        translations=_translations(node_at(root, "translations")),
        title=_text(node_at(root, "title")).strip() or defaults.title,
        strapline=_text(node_at(root, "strapline")).strip(),
        mailbox=_text(node_at(root, "mailbox")).strip() or defaults.mailbox,
        number=int(number) if number.isdigit() else 0,
        date=_date(node_at(root, "date")),
        sections=sections or defaults.sections,
    )


def _date(node: yaml.Node | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(_text(node))
    except ValueError:
        return None


def _sections(items: yaml.Node | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each section's kind and audience (the segments it is for), as the previous issue lists them."""
    sections = []
    for item in items.value if isinstance(items, yaml.SequenceNode) else []:
        kind = _text(node_at(item, "kind")).strip()
        audience = node_at(item, "audience")
        names = audience.value if isinstance(audience, yaml.SequenceNode) else [audience] if audience is not None else []
        if kind:
            sections.append((kind, tuple(n for n in (_text(a).strip() for a in names) if n)))
    return tuple(sections)


def _translations(table: yaml.Node | None) -> dict[str, dict[str, str]]:
    """Per language, the previous issue's translated title, strapline, welcome title and section headings."""
    translations = {}
    for key, value in table.value if isinstance(table, yaml.MappingNode) else []:
        headings = node_at(value, "sections")
        words = {str(k.value): _text(v).strip() for k, v in (headings.value if isinstance(headings, yaml.MappingNode) else [])}
        words |= {name: _text(node_at(value, *path)).strip() for name, path in
                  (("title", ("title",)), ("strapline", ("strapline",)), ("welcome", ("welcome", "title")))}
        translations[str(key.value)] = {k: v for k, v in words.items() if v}
    return translations


def _text(node: yaml.Node | None) -> str:
    """A one-line scalar's text, or "" for anything else."""
    if isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG and "\n" not in str(node.value):
        return str(node.value)
    return ""


def new_issue(
    issue_dir: str | Path, /, *, previous: str | Path | None = None, number: int | None = None, date: dt.date | None = None,
    languages: tuple[str, ...] = (),
) -> NewIssue:
    """Write ``issue_dir/issue.yaml`` (and an empty ``articles/``) for the issue after ``previous``.

    ``previous`` defaults to the latest issue beside ``issue_dir``; with none,
    a first issue. The number is the previous one's plus one and the date three
    months on, unless given. Raises :class:`ConfigError` when ``issue_dir``
    already holds an issue or has a name that cannot name an issue, when
    ``previous`` is not an issue folder or its date cannot be moved on, and
    :class:`ContentError` when the previous ``issue.yaml`` cannot be read as an issue. ``languages`` (the main one
    first) starts an issue in several: ``translations`` with the previous issue's words in each other language kept,
    the rest for the editor to write (``check`` says what is missing).
    """
    issue_dir = Path(issue_dir)
    issue_file = _new_issue_file(issue_dir)
    previous = _previous_folder(issue_dir, previous)
    before = read_previous(previous) if previous is not None else Previous()
    if number is None:
        number = before.number + 1
    if number < 1:
        raise ConfigError(f"the issue number must be 1 or more, not {number}")
    if date is None:
        date = months_later(before.date) if before.date is not None else _date_of_folder(issue_dir)
    _check_languages(languages)
    text = issue_text(before, number=number, date=date, folder=issue_dir, previous=previous)
    text += translations_text(before, languages, number)
    if yaml.safe_load(text) != _expected(before, number, date, languages):
        raise ConfigError(f"the new {ISSUE_FILE} would not read back as written; please report it")  # pragma: no cover
    (issue_dir / ARTICLES_DIR).mkdir(parents=True, exist_ok=True)
    with issue_file.open("x", encoding="utf-8", newline="\n") as file:
        file.write(text)
    return NewIssue(issue_file, number, date, previous, tuple(kind for kind, _ in before.sections))


def _check_languages(languages: tuple[str, ...]) -> None:
    if any(not LANGUAGE_TAG.fullmatch(language) for language in languages) or len(set(languages)) != len(languages):
        raise ConfigError(f"--languages {','.join(languages)}: give BCP 47 tags, each once, the main one first, such as en,cy")


def _new_issue_file(issue_dir: Path) -> Path:
    """Where the new issue's file goes; ConfigError for a folder name that cannot name an issue, or one that holds one."""
    issue_file = issue_dir / ISSUE_FILE
    if not _NAME.fullmatch(issue_dir.name):
        raise ConfigError(f"the folder name {printable(repr(issue_dir.name))} may use only letters, digits, '.', '_' and '-' (it names "
                          "the issue in links and the ledger); choose one such as 2019-11")
    if issue_file.exists() or issue_file.is_symlink():
        raise ConfigError(f"{issue_file} already exists; choose a new folder for the next issue, such as {issue_dir.parent / 'YYYY-MM'}")
    if issue_dir.exists() and not issue_dir.is_dir():
        raise ConfigError(f"{issue_dir} is a file; give the folder to create for the new issue, such as issues/2019-11")
    return issue_file


def _previous_folder(issue_dir: Path, previous: str | Path | None) -> Path | None:
    """The previous issue's folder: ``previous`` when it is one, else the latest beside ``issue_dir`` (None: a first issue)."""
    if previous is None:
        return latest_issue(issue_dir.parent, exclude=issue_dir)
    if not Path(previous).is_dir():
        raise ConfigError(f"{previous} does not exist; give the folder of the previous issue with --from, such as issues/2019-08")
    if not (Path(previous) / ISSUE_FILE).is_file():
        raise ConfigError(f"{previous} is not an issue folder (it has no {ISSUE_FILE}); give the previous issue's folder with --from")
    return Path(previous)


def _date_of_folder(issue_dir: Path) -> dt.date:
    """The first day of the month a ``YYYY-MM`` folder is named after, else of this month."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", issue_dir.name)
    if found and 1 <= int(found[2]) <= 12:
        return dt.date(int(found[1]), int(found[2]), 1)
    return dt.date.today().replace(day=1)


def _expected(before: Previous, number: int, date: dt.date, languages: tuple[str, ...] = ()) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "title": before.title, "number": number, "date": date, "preheader": PREHEADER_TEMPLATE, "mailbox": before.mailbox,
        "welcome": {"title": "Welcome", "body": WELCOME_TEMPLATE.format(number=number) + "\n"},
        "sections": [{"kind": kind, "articles": [], **({"audience": list(audience)} if audience else {})}
                     for kind, audience in before.sections],
    }
    if before.strapline:
        expected["strapline"] = before.strapline
    if len(languages) > 1:
        expected["languages"] = list(languages)
        expected["translations"] = {language: _translation(before, language, number) for language in languages[1:]}
    return expected


def _translation(before: Previous, language: str, number: int) -> dict[str, Any]:
    """What ``translations: <language>:`` of the new issue holds: the previous issue's words, template words for the new ones."""
    kept = before.translations.get(language, {})
    words: dict[str, Any] = {"title": kept.get("title", before.title)}
    if before.strapline:
        words["strapline"] = kept.get("strapline", before.strapline)
    words |= {"preheader": PREHEADER_TEMPLATE, "welcome": {"title": kept.get("welcome", "Welcome"),
                                                           "body": WELCOME_TEMPLATE.format(number=number) + "\n"}}
    headings = {kind: kept[kind] for kind, _ in before.sections if kind in kept}
    if headings:
        words["sections"] = headings
    return words


def translations_text(before: Previous, languages: tuple[str, ...], number: int, /) -> str:
    """The ``languages`` and ``translations`` of a new issue in several languages ("" for one)."""
    if len(languages) < 2:
        return ""
    lines = [f"languages: [{', '.join(languages)}]           # the first is the main language; docs/format.md", "translations:"]
    for language in languages[1:]:
        words = _translation(before, language, number)
        lines += [f"  {language}:", f"    title: {yaml_scalar(words['title'])}"]
        if "strapline" in words:
            lines.append(f"    strapline: {yaml_scalar(words['strapline'])}")
        lines += [f"    preheader: {yaml_scalar(PREHEADER_TEMPLATE)}", "    welcome:", f"      title: {yaml_scalar(words['welcome']['title'])}",
                  "      body: |", f"        {WELCOME_TEMPLATE.format(number=number)}"]
        headings = words.get("sections", {})
        if headings:
            lines.append("    sections:                       # each section's kind: its heading (check names any missing)")
            lines += [f"      {yaml_scalar(kind)}: {yaml_scalar(heading)}" for kind, heading in headings.items()]
        lines.append(f"    # untranslated: [article-name]   # articles sent in the main language in the {language} edition")
    return "\n".join(lines) + "\n"


def _flow_item(name: str) -> str:
    return name if _NAME.fullmatch(name) else json.dumps(name, ensure_ascii=False)


def issue_text(before: Previous, /, *, number: int, date: dt.date, folder: Path, previous: Path | None) -> str:
    """The commented ``issue.yaml`` of the new issue."""
    origin = f"started from {previous.as_posix()}" if previous else "the first issue"
    month = f"{calendar.month_name[date.month]} {date.year}"
    lines = [
        f"# {folder.as_posix()}/{ISSUE_FILE}: Issue {number}, {origin}.",
        "#",
        "# Write the welcome and the preheader, then add each article with",
        f"#   soc-bulletin new-article {folder.as_posix()} <article-name> --section \"<kind>\"",
        f"# and see every problem with:   soc-bulletin check {folder.as_posix()}",
        "# docs/editors.md walks through the whole quarter.",
        "",
        f"title: {yaml_scalar(before.title)}",
        f"number: {number}",
        f"date: {date.isoformat()}                  # the masthead shows \"{month}\"",
    ]
    if before.strapline:
        lines.append(f"strapline: {yaml_scalar(before.strapline)}")
    lines += [
        "# subject: ...                      # optional; the default is the title, month and number",
        f"preheader: {yaml_scalar(PREHEADER_TEMPLATE)}",
        f"mailbox: {yaml_scalar(before.mailbox)}",
        "welcome:",
        "  title: Welcome",
        "  body: |                           # Markdown",
        f"    {WELCOME_TEMPLATE.format(number=number)}",
        "sections:                           # in reading order; new-article adds each article to its section",
    ]
    for kind, audience in before.sections:
        lines.append(f"  - kind: {yaml_scalar(kind)}")
        if audience:
            lines.append(f"    audience: [{', '.join(_flow_item(name) for name in audience)}]")
        lines.append("    articles: []")
    return "\n".join(lines) + "\n"
