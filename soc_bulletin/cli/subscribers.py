"""``soc-bulletin subscribers check|stats|import``: look after subscriber lists (``export|forget``: :mod:`.privacy`).

Exit codes: 0 ok, 1 invalid rows or files that cannot be used as lists, 2 usage
or configuration (as for every command: a path that does not exist, or a
folder where a file is needed); 74 a store that ``stats`` cannot trust or reach.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..terminal import printable
from .exits import Exit
from .privacy import register_subject
from .suppressions import opened, store_options

if TYPE_CHECKING:  # the audience stage is imported by the handlers, so that other commands start without it
    from ..audience.subscribers import SubscriberReport
    from ..problems import Problem

__all__ = ["register"]



def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``subscribers`` command and its actions."""
    parser = subparsers.add_parser("subscribers", help="check, count and normalise subscriber lists (CSV)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    check = actions.add_parser("check", help="report invalid rows and merged duplicates; exit 1 if any row is invalid")
    check.add_argument("files", metavar="FILE", nargs="+", help="CSV lists exported from Excel, Outlook...")
    check.add_argument("--segments", metavar="PATH", help="also warn about tags in these segments that no subscriber has")
    check.set_defaults(handler=_check)

    stats = actions.add_parser("stats", help="count rows, duplicates, suppressed addresses and recipients per segment")
    stats.add_argument("files", metavar="FILE", nargs="+")
    stats.add_argument("--segments", metavar="PATH", help="default from settings: [sending] segments, if it exists")
    stats.add_argument("--suppressed", metavar="PATH", help="a CSV list counted beside the store's (default "
                       "from settings: [sending] suppressed, if it exists)")
    store_options(stats)
    stats.set_defaults(handler=_stats)

    convert = actions.add_parser(
        "import", help="write a messy export as the canonical CSV; dropped rows go to stderr (exit 1 if any)"
    )
    convert.add_argument("file", metavar="FILE")
    convert.add_argument("-o", "--output", metavar="OUT", help="default: standard output")
    convert.set_defaults(handler=_import)
    register_subject(actions)  # export, forget: subject access and erasure


def _format(item: Problem) -> str:
    """``file:line: message`` for rows (no column), the usual form otherwise; always printable."""
    from ..problems import Problem, Severity

    if isinstance(item, Problem) and item.line and not item.column:
        tag = " (warning)" if item.severity is Severity.WARNING else ""
        return printable(f"{item.path}:{item.line}: {item.code} {item.message}{tag}")
    return printable(str(item))


def _summary(report: SubscriberReport) -> str:
    return (
        f"{report.rows} rows: {report.valid} valid, {report.invalid} invalid, "
        f"{len(report.merged)} duplicates merged, {len(report.subscribers)} subscribers."
    )


def _existing(*paths: str | None) -> None:
    """ConfigError (exit 2) for a path named on the command line that does not exist or is a folder."""
    for path in paths:
        if path is None:
            continue
        if not Path(path).exists():
            raise ConfigError(f"{path} does not exist; check the path")
        if Path(path).is_dir():
            raise ConfigError(f"{path} is a folder; give the file itself")


def _check(args: argparse.Namespace) -> int:
    from ..audience.segments import load_segments
    from ..audience.subscribers import read_subscribers

    _existing(*args.files, args.segments)
    report = read_subscribers(*args.files)
    problems = list(report.problems)
    if args.segments:
        problems += load_segments(args.segments).check(report.subscribers)
    for problem in problems:
        print(_format(problem))
    for merge in report.merged:
        print(printable(str(merge)))
    print(_summary(report))
    return Exit.PROBLEMS if report.errors else Exit.OK


def _stats(args: argparse.Namespace) -> int:
    from .. import config
    from ..audience.list_stats import list_stats
    from ..audience.segments import project_segments
    from ..audience.subscribers import read_subscribers
    from ..audience.suppression import load_suppressions

    if args.suppressed and not Path(args.suppressed).exists():
        raise ConfigError(f"the suppression list {args.suppressed} does not exist; check the path (leave --suppressed out for the default)")
    _existing(*args.files, args.segments, args.suppressed)
    settings = config.load_settings(args.config)  # the defaults are the files a send of the project reads
    report = read_subscribers(*args.files)
    segments = project_segments(settings, args.segments)
    from_file = load_suppressions(args.suppressed or settings.resolve(settings.sending.suppressed))
    with opened(args, readonly=True, settings=settings) as store:  # the store's list, with what a send would import from the file
        stats = list_stats(report, segments, store.suppressions().beside(from_file))
    for problem in stats.problems:
        print(_format(problem), file=sys.stderr)
    width = max(len(name) for name in [*segments, "duplicates merged"]) + 2
    for label, count in stats.counts:
        print(f"{label:<{width}}{count:>7,}")
    print("\nrecipients per segment, after suppression:")
    for name, count in stats.per_segment:
        print(f"{printable(name):<{width}}{count:>7,}")
    return Exit.PROBLEMS if stats.unusable else Exit.OK


def _import(args: argparse.Namespace) -> int:
    from ..audience.list_file import write_list_file
    from ..audience.list_stats import unusable
    from ..audience.subscribers import extra_columns, read_subscribers, write_subscribers

    _existing(args.file)
    report = read_subscribers(args.file)
    for problem in report.problems:
        print(_format(problem), file=sys.stderr)
    for merge in report.merged:
        print(printable(str(merge)), file=sys.stderr)
    if unusable(report):
        print("Nothing written.", file=sys.stderr)
        return Exit.PROBLEMS
    columns = extra_columns(args.file)
    neutralised: list[tuple[int, str]] = []
    if args.output:
        write_list_file(Path(args.output), report.subscribers, columns, neutralised)
        where = printable(args.output)
    else:
        try:
            write_subscribers(report.subscribers, sys.stdout, columns=columns, neutralised=neutralised)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:  # a full disk: the CLI's boundary names standard output
            raise OSError(exc.errno, exc.strerror, "standard output") from exc
        where = "standard output"
    print(f"Wrote {len(report.subscribers)} subscribers to {where}; {report.invalid} invalid rows dropped, "
          f"{len(report.merged)} duplicates merged.", file=sys.stderr)
    if neutralised:
        print(f"{len(neutralised)} cell(s) that a spreadsheet would run as a formula (starting with = + - @) "
              "were written with a ' in front; check those values.", file=sys.stderr)
    return Exit.PROBLEMS if report.invalid else Exit.OK
