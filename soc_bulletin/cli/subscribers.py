"""``soc-bulletin subscribers check|stats|import``: look after subscriber lists.

Exit codes: 0 ok, 1 invalid rows or files that cannot be used as lists, 2 usage
or configuration (as for every command: a path that does not exist, or a
folder where a file is needed).
"""

from __future__ import annotations

import argparse
import os
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
    stats.add_argument("--segments", metavar="PATH", help="default: subscribers/segments.yaml if it exists")
    stats.add_argument("--suppressed", metavar="PATH", help="a CSV list counted beside the store's (default: "
                       "subscribers/suppressed.csv if it exists)")
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


def _unusable(report: SubscriberReport) -> bool:
    from ..audience.subscribers import ROW_CODES
    from ..problems import Severity

    return any(p.severity is Severity.ERROR and p.code not in ROW_CODES for p in report.problems)


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
    from ..audience.segments import load_segments, select_recipients
    from ..audience.subscribers import read_subscribers
    from ..audience.suppression import load_suppressions

    if args.suppressed and not Path(args.suppressed).exists():
        raise ConfigError(f"the suppression list {args.suppressed} does not exist; check the path (leave --suppressed out for the default)")
    _existing(*args.files, args.segments, args.suppressed)
    report = read_subscribers(*args.files)
    segments = load_segments(args.segments)
    from_file = load_suppressions(args.suppressed)
    with opened(args, readonly=True) as store:  # the store's list, with what a send would import from the file
        suppressions = store.suppressions().beside(from_file)
    for problem in [*report.problems, *suppressions.problems, *segments.check(report.subscribers)]:
        print(_format(problem), file=sys.stderr)
    suppressed = sum(1 for s in report.subscribers if s in suppressions)
    rows = [
        ("rows", report.rows),
        ("valid", report.valid),
        ("invalid", report.invalid),
        ("duplicates merged", len(report.merged)),
        ("subscribers", len(report.subscribers)),
        ("suppressed", suppressed),
    ]
    width = max(len(name) for name in [*segments, "duplicates merged"]) + 2
    for label, count in rows:
        print(f"{label:<{width}}{count:>7,}")
    print("\nrecipients per segment, after suppression:")
    for name, segment in segments.items():
        print(f"{printable(name):<{width}}{len(select_recipients(report.subscribers, segment, suppressions)):>7,}")
    return Exit.PROBLEMS if _unusable(report) else Exit.OK


def _import(args: argparse.Namespace) -> int:
    from ..audience.subscribers import extra_columns, read_subscribers, write_subscribers

    _existing(args.file)
    report = read_subscribers(args.file)
    for problem in report.problems:
        print(_format(problem), file=sys.stderr)
    for merge in report.merged:
        print(printable(str(merge)), file=sys.stderr)
    if _unusable(report):
        print("Nothing written.", file=sys.stderr)
        return Exit.PROBLEMS
    columns = extra_columns(args.file)
    neutralised: list[tuple[int, str]] = []
    if args.output:
        _write_file(Path(args.output), report, columns, neutralised)
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


def _write_file(path: Path, report: SubscriberReport, columns: list[str], neutralised: list[tuple[int, str]]) -> None:
    """Write through a temporary file in the same folder, so OUT is never half written.

    A symbolic link to a file is followed (the file is replaced, the link kept);
    anything else that is not a regular file (``/dev/stdout``, a device, a FIFO)
    is written to directly, never replaced.
    """
    import tempfile

    from ..audience.subscribers import write_subscribers

    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give the name of the file to write, such as {path / 'subscribers.csv'}")
    if path.is_symlink() and path.is_file():
        path = path.resolve()
    if path.is_symlink() or (path.exists() and not path.is_file()):
        try:
            with path.open("w", encoding="utf-8", newline="") as out:
                write_subscribers(report.subscribers, out, columns=columns, neutralised=neutralised)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        return
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except FileNotFoundError as exc:
        raise ConfigError(f"cannot write {path}: the folder {path.parent} does not exist; create it or choose another path") from exc
    except OSError as exc:  # the CLI's boundary names the path and says what to do
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            write_subscribers(report.subscribers, out, columns=columns, neutralised=neutralised)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
