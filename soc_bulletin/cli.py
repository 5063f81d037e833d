"""The ``soc-bulletin`` command line: parse, call one library function, print.

Exit codes: 0 ok, 1 problems found (bad content, failed sends), 2 usage or
configuration error. Errors become one line each, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import BulletinError, ConfigError, ContentError, SubscriberError

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_dir

    issue_dir = Path(args.issue_dir)
    out_dir = Path(args.output) if args.output else Path("build") / issue_dir.resolve().name
    result = build_dir(issue_dir, out_dir)
    for path in result.files:
        print(f"wrote {path}")
    print(f"HTML size: {result.html_bytes:,} bytes ({result.html_bytes / 1024:.1f} KiB)")
    return EXIT_OK


def _add_build(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("build", help="render an issue to index.html, index.txt and index.mjml")
    p.add_argument("issue_dir", metavar="ISSUE_DIR", help="an issue folder such as issues/2019-08")
    p.add_argument("-o", "--output", metavar="OUT_DIR", help="default: build/<issue folder name>")
    p.set_defaults(handler=_cmd_build)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="soc-bulletin",
        description="Author, check, render and send the SOC partnerships bulletin.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_build(sub)
    for register in _registrars():
        register(sub)
    return parser


def _registrars() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    """Commands that live in their own modules, each with a ``register(subparsers)``."""
    from . import cli_check, cli_send, cli_site, cli_subscribers

    return [cli_check.register, cli_subscribers.register, cli_send.register, cli_site.register]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except (ContentError, SubscriberError) as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found.", file=sys.stderr)
        return EXIT_PROBLEMS
    except ConfigError as exc:
        print(f"soc-bulletin: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BulletinError as exc:
        print(f"soc-bulletin: error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("soc-bulletin: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
