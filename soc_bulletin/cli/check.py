"""``soc-bulletin check`` and ``new-article``: the contributor's commands.

``check`` prints every problem (text, GitHub annotations or JSON) and a
summary; it exits 0 when there is no error, 1 when there is, 2 on a usage
error. ``new-article`` starts an article from a commented template;
``new-issue`` starts the next issue from the previous one.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import gc
import re
import sys
from pathlib import Path

from ..errors import ConfigError
from ..terminal import printable, printable_json
from .exits import Exit

__all__ = ["register"]



def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], /) -> None:
    """Add the ``check`` and ``new-article`` commands."""
    check = subparsers.add_parser(
        "check", help="report every problem of an issue folder or article files",
        description="Report every problem of issue folders or article files as path:line:col: CODE message "
        "(codes are listed in CONTRIBUTING.md). Exit 0 when there is no error, 1 when there is, 2 on a usage error.",
    )
    check.add_argument("paths", metavar="PATH", nargs="+", help="an issue folder (issues/2019-08), a folder of them (issues) or article files")
    check.add_argument("--format", choices=("text", "github", "json"), default="text", help="text (default), github (workflow annotations on the pull request) or json")
    check.add_argument("--deliverability", action="store_true", help="also ask the DNS whether each address's domain accepts email (needs the network)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("--config", help="settings file, whose layouts and segments the issues are judged with "
                       "(default: the soc-bulletin.toml found from each issue folder upwards, then from the working directory)")
    check.set_defaults(handler=_check)

    new = subparsers.add_parser(
        "new-article", help="start an article from a commented template and list it in issue.yaml",
        description="Write ISSUE_DIR/articles/SLUG.yaml from a commented template and add SLUG to the section KIND of issue.yaml "
        "(creating the section at the end if there is none), keeping the rest of issue.yaml as it is.",
    )
    new.add_argument("issue_dir", metavar="ISSUE_DIR", help="an issue folder such as issues/2019-08")
    new.add_argument("slug", metavar="SLUG", help="the article's name in kebab-case, such as youth-diversion-ceredigion")
    new.add_argument("--section", metavar="KIND", help="the section of issue.yaml to add it to, such as 'Community Resilience' (required, but for --lang)")
    new.add_argument("--lang", metavar="LANG", help="start the article's translation into LANG (such as cy), articles/SLUG.LANG.yaml, from its main file")
    new.add_argument("--new-section", action="store_true", help="start the section KIND at the end when issue.yaml has none of that name")
    new.set_defaults(handler=_new_article)

    issue = subparsers.add_parser(
        "new-issue", help="start the next issue from the previous one (title, mailbox, sections; no articles)",
        description="Write ISSUE_DIR/issue.yaml for the next issue: number + 1 and the date three months on (or --number/--date), "
        "the previous issue's title, strapline, mailbox and sections with no articles, and a welcome to write. "
        "Without --from, the previous issue is the latest beside ISSUE_DIR; with none, a first issue.",
    )
    issue.add_argument("issue_dir", metavar="ISSUE_DIR", help="the new issue's folder, such as issues/2019-11")
    issue.add_argument("--from", dest="previous", metavar="PREVIOUS_DIR", help="the issue to start from, such as issues/2019-08")
    issue.add_argument("--number", type=_number, help="the issue's number (default: the previous one's + 1)")
    issue.add_argument("--date", type=_date, help="the issue's date, YYYY-MM-DD (default: three months after the previous one)")
    issue.add_argument("--languages", metavar="LANGS", help="an issue in several languages, the main one first, such as en,cy "
                       "(default: English only); the previous issue's words in the others are kept")
    issue.set_defaults(handler=_new_issue)


def _check(args: argparse.Namespace) -> int:
    from ..check import check_paths, format_github, format_json, format_text
    from ..config import load_settings

    # errors (a folder that cannot be listed...) go to the CLI's one error boundary
    settings = load_settings(args.config) if args.config else None  # else each issue folder's, found once from it
    report = check_paths(args.paths, deliverability=args.deliverability, settings=settings)
    if args.format == "json":
        sys.stdout.write(printable_json(format_json(report)))
    else:
        output = format_github(report, root=Path.cwd()) if args.format == "github" else format_text(report)
        sys.stdout.write("\n".join(printable(line) for line in output.split("\n")))
    _skip_the_collector_at_exit()
    return Exit.PROBLEMS if report.failed(strict=args.strict) else Exit.OK


def _skip_the_collector_at_exit() -> None:
    """Let the interpreter's exit leave what ``check`` built to the OS instead of walking it with the garbage collector.

    The collector's passes over every imported and rendered object at exit cost about a sixth of a
    ``check`` run; :func:`gc.freeze` at exit moves them out of its reach. ``check`` writes nothing, and
    Python never promises finalisers at exit, so no output changes. Registered at most once.
    """
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def _new_article(args: argparse.Namespace) -> int:
    from ..content.new_article import new_article

    if args.lang is not None:
        from ..content.new_translation import new_translation

        path = new_translation(args.issue_dir, args.slug, args.lang)
        print(printable(f"wrote {path}"))
        print(printable(f"translate it, then run: soc-bulletin check {args.issue_dir}"))
        return Exit.OK
    if args.section is None:
        raise ConfigError("new-article needs --section KIND (the section to list the article in), or --lang LANG to start a translation")
    created = new_article(args.issue_dir, args.slug, section=args.section, new_section=args.new_section)
    print(printable(f"wrote {created.article}"))
    print(printable(f"added '{args.slug}' to {created.issue_file}"))
    print(printable(f"edit {created.article}, then run: soc-bulletin check {args.issue_dir}"))
    return Exit.OK


def _number(text: str) -> int:
    """An issue number for argparse: a whole number from 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not an issue number; give a whole number such as 12")
    return int(text)


def _date(text: str) -> dt.date:
    """A date for argparse, written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write it as YYYY-MM-DD, such as 2019-11-01") from None


def _new_issue(args: argparse.Namespace) -> int:
    from ..content.new_issue import new_issue

    languages = tuple(x.strip() for x in args.languages.split(",")) if args.languages else ()
    created = new_issue(args.issue_dir, previous=args.previous, number=args.number, date=args.date, languages=languages)
    origin = f"after issue {created.number - 1} in {created.previous}" if created.previous else "the first issue"
    print(printable(f"wrote {created.issue_file}: issue {created.number}, dated {created.date.isoformat()}, {origin}"))
    if created.sections:
        print(printable(f"sections, with no articles yet: {', '.join(created.sections)}"))
    folder = Path(args.issue_dir)
    month = re.fullmatch(r"(\d{4})-(\d{2})", folder.name)
    if month and (int(month[1]), int(month[2])) != (created.date.year, created.date.month):
        print(printable(f"note: the folder is named {folder.name} but the issue is dated {created.date.isoformat()}; "
                        "give --date to change it"))
    print(printable(f"next: write the welcome in {created.issue_file}, then add articles with "
                    f"soc-bulletin new-article {args.issue_dir} <article-name> --section \"<section>\""))
    return Exit.OK
