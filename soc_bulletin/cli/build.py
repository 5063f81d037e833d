"""``soc-bulletin build``: render an issue (or what a segment receives, or every edition) to files.

``--segment NAME`` writes the editions members of NAME receive (found by
``audience.editions.segment_editions`` on the subscriber list, ``[sending]
subscribers``): one edition to OUT_DIR, several each to OUT_DIR/<edition>/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..terminal import printable
from .exits import Exit
from .paths import issue_folder, shown

__all__ = ["register"]

if TYPE_CHECKING:  # the stages are imported by the handler, so that other commands start without them
    from ..content.model import Issue
    from ..render.project import Project


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``build`` command."""
    p = sub.add_parser(
        "build", help="render an issue to index.html, index.txt and index.mjml",
        description="Render an issue to files, with a sample greeting and unsubscribe link. By default every article is in it; "
        "--segment NAME writes what members of that segment receive, --all-editions every edition in its own folder.",
    )
    p.add_argument("issue_dir", metavar="ISSUE_DIR", help="an issue folder such as issues/2019-08 (or its issue.yaml)")
    p.add_argument("-o", "--output", metavar="OUT_DIR", help="default: build/<issue folder name>")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--segment", metavar="NAME", help="what members of this segment of segments.yaml receive")
    which.add_argument("--all-editions", action="store_true", help="every edition, each in OUT_DIR/<edition>/")
    p.add_argument("--lang", metavar="LANG", help="the edition in LANG, one of the issue's languages (such as cy), or 'both' for "
                   "the bilingual edition (default: the main language; with --all-editions: every language)")
    p.add_argument("--config", help="settings file (default: the soc-bulletin.toml found from the issue folder upwards, then from the working directory)")
    p.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    from .. import config
    from ..render.project import Project

    issue_dir = issue_folder(args.issue_dir)
    project = Project(issue_dir, settings=config.load_settings(args.config, start=issue_dir))  # read once, images too
    settings = project.settings
    _log("settings: %s; layouts: %s", shown(settings.path) if settings.path else "none (defaults)",
             shown(settings.layouts) if settings.layouts else "the package's own")
    out_dir = Path(args.output) if args.output else Path("build") / issue_dir.resolve().name
    languages = _languages(args.lang, project.issue) if args.lang is not None else None
    if args.all_editions:
        _all_editions(project, out_dir, languages)
    elif args.segment is None:
        _whole_issue(project, out_dir, languages)
    else:
        _segment(args.segment, project, out_dir, languages)
    return Exit.OK


def _all_editions(project: Project, out_dir: Path, languages: tuple[str, ...] | None) -> None:
    from ..render.as_sent import shown_size
    from ..render.build import build_editions

    results = build_editions(project, out_dir, languages=languages)
    for name, result in results.items():
        print(printable(f"{name}: {out_dir / name / 'index.html'} ({len(result.articles)} articles, "
                        f"HTML part as sent {shown_size(result.sent_bytes)})"))
        _size_warning(result.sent_bytes, f"edition '{name}'")
    if len({name.partition("@")[2] for name in results}) > 1:
        print("Each edition in each language ('@cy'), and the bilingual one ('@cy+en') that readers of both receive.")
    if len(results) == 1:
        print("1 edition: no article or section has an audience, so everyone receives the same.")
    else:
        print(f"{len(results)} editions: one per segment an article or section is for, and 'everyone' for the rest; "
              "a reader in several of those segments receives the articles of each.")


def _whole_issue(project: Project, out_dir: Path, languages: tuple[str, ...] | None) -> None:
    from ..render.build import build_dir

    result = build_dir(project, out_dir, languages=languages)
    _print_files(result.files, result.sent_bytes)
    if result.audiences:
        print(printable(f"This build holds every article, also those only for {', '.join(result.audiences)}; to see what one "
                        "segment receives, use --segment NAME (or --all-editions)."))


def _segment(name: str, project: Project, out_dir: Path, languages: tuple[str, ...] | None) -> None:
    from ..audience.editions import segment_editions
    from ..render.build import EVERYONE, audiences, build_dir, contained

    settings = project.settings
    segments_file, lists = settings.resolve(settings.sending.segments), settings.resolve(settings.sending.subscribers)
    found = segment_editions(name, audiences(project.issue), segments_file=segments_file, lists=lists, cache=project.cache)
    _log("segment '%s' from %s", name, shown(segments_file))
    several = len(found.editions) > 1
    for audience, members in found.editions:
        key = "+".join(sorted(audience)) or EVERYONE
        result = build_dir(project, contained(out_dir, key) if several else out_dir, audience=audience, languages=languages)
        _print_files(result.files, result.sent_bytes, f"edition '{key}'")
        who = f"{members} member(s) of '{name}' receive" if found.source else f"a member of '{name}' receives"
        print(printable(f"Edition '{key}', what {who}: {len(result.articles)} articles "
                        f"({', '.join(result.articles) or 'none'})."))
    if found.source:
        print(printable(f"Editions as the members of '{name}' on {shown(found.source)} receive them."))
    else:
        print(printable(f"No subscriber list at {shown(lists)}: this is the edition of a "
                        f"member of '{name}' in no other segment an article or section is for."))


def _languages(lang: str, issue: Issue) -> tuple[str, ...]:
    """The languages ``--lang`` names: one of the issue's, or ``both`` (its bilingual edition); ConfigError for another."""
    from ..render.languages import BOTH, bilingual

    if lang == BOTH and len(issue.languages) > 1:
        return bilingual(issue)
    if lang not in issue.languages:
        raise ConfigError(f"--lang {lang}: the issue's languages are {', '.join(issue.languages)}"
                          + (f" (or '{BOTH}')" if len(issue.languages) > 1 else ""))
    return (lang,)


def _log(message: str, *args: object) -> None:
    """Log progress (shown with --verbose); logging is imported only when used."""
    import logging

    logging.getLogger(__name__).info(message, *args)


def _print_files(files: list[Path], sent_bytes: int, what: str = "") -> None:
    from ..render.as_sent import shown_size

    for path in files:
        print(printable(f"wrote {path}"))
    print(f"HTML part as sent: {sent_bytes:,} bytes ({shown_size(sent_bytes)}; Gmail clips over 102 KB)")
    _size_warning(sent_bytes, what)


def _size_warning(sent_bytes: int, what: str) -> None:
    """The size warning of ``check`` (SB501/SB502), on stderr, when the HTML part as sent is near or past Gmail's 102 KB."""
    from ..render.as_sent import size_advice

    if advice := size_advice(sent_bytes):
        print(printable(f"warning: {what + ': ' if what else ''}{advice}"), file=sys.stderr)
