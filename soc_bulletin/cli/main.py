"""The ``soc-bulletin`` command line: parse, call one library function, print.

Exit codes: :class:`~soc_bulletin.cli.exits.Exit`, the same for every
command; an error of ours exits with its class's ``exit_code``. :func:`main`
is the one error boundary: every error becomes one printable line each, with
paths inside the working directory shown relative to it, never a traceback
(``--debug`` shows it for a bug).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from ..errors import BulletinError, ContentError, SubscriberError
from ..terminal import printable
from .exits import Exit
from .paths import relative

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["describe_os_error", "main"]


Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse with printable error messages; usage errors exit 2; a closed pipe is raised (the boundary makes it quiet).

    argparse's own printing swallows an OSError; help, usage and the exit message are written here instead.
    """

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(Exit.USAGE, f"{self.prog}: error: {printable(message)}\n")

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        (file or sys.stdout).write(self.format_help())

    def print_usage(self, file: SupportsWrite[str] | None = None) -> None:
        (file or sys.stdout).write(self.format_usage())

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise SystemExit(status)


def _parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser: argparse.ArgumentParser = _Parser(  # its commands' parsers are _Parsers too (argparse makes them of its type)
        prog="soc-bulletin",
        description="Author, check, render and send the SOC partnerships bulletin.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--debug", action="store_true", help="on an internal error, show the traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _registrars():
        register(sub)
    return parser


class _Version(argparse.Action):
    """``--version``: the installed package's version (pyproject.toml's), looked up only when asked for."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option: str | None = None) -> None:
        import importlib.metadata

        try:
            version = importlib.metadata.version("soc_bulletin")
        except importlib.metadata.PackageNotFoundError:  # run from a source tree that is not installed
            version = "unknown (not installed)"
        sys.stdout.write(f"soc-bulletin {version}\n")
        parser.exit()


def _registrars() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    """Commands that live in their own modules, each with a ``register(subparsers)``."""
    from . import build as cli_build
    from . import check as cli_check
    from . import loop as cli_loop
    from . import privacy as cli_privacy
    from . import send as cli_send
    from . import site as cli_site
    from . import subscribers as cli_subscribers

    return [cli_build.register, cli_check.register, cli_subscribers.register, cli_send.register, cli_site.register, cli_loop.register,
            cli_privacy.register]


def _error(message: str) -> None:
    """Each line of ``message`` as ``soc-bulletin: error: ...`` on stderr, made printable, paths relative."""
    for line in relative(str(message)).rstrip("\n").split("\n"):
        print(f"soc-bulletin: error: {printable(line)}", file=sys.stderr)


_OS_ADVICE = {
    errno.ENOENT: "{path} does not exist; check the path",
    errno.ENOTDIR: "{path}: part of this path is a file, not a folder; choose a path inside a folder",
    errno.EISDIR: "{path} is a folder, where a file is needed; give the path of a file",
    errno.EEXIST: "{path} already exists (a file where a folder is needed?); remove it or choose another path",
    errno.ENOTEMPTY: "{path} is a folder that is not empty; empty it or choose another path",
    errno.EACCES: "permission denied for {path}; check its permissions and its folder's, or choose another path",
    errno.EPERM: "operation not permitted on {path}; check its permissions and its folder's, or choose another path",
    errno.ENOSPC: "no space left on the device for {path}; free some space and run again",
    errno.EDQUOT: "disk quota exceeded for {path}; free some space and run again",
    errno.EROFS: "{path} is on a read-only filesystem; choose a folder you can write to",
    errno.ENAMETOOLONG: "{path}: the name is too long; choose a shorter path",
    errno.ELOOP: "{path}: too many symbolic links (a loop?); fix the links",
    errno.EMFILE: "too many open files while using {path}; close other programs or raise the limit (ulimit -n)",
    errno.EIO: "input/output error on {path}; the disk or network share may be failing",
    errno.EXDEV: "{path} is on another device; choose a path on the same filesystem",
    errno.ETXTBSY: "{path} is busy (in use by a running program); choose another path",
}


def describe_os_error(exc: OSError, /) -> str:
    """One line naming the path and what to do about an operating-system error."""
    raw = exc.filename2 if exc.filename2 is not None else exc.filename
    path = os.fsdecode(raw) if isinstance(raw, str | bytes) else ("" if raw is None else str(raw))
    advice = _OS_ADVICE.get(exc.errno or 0)
    if advice is None:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"{path}: {reason}" if path else reason
    if not path:
        advice = advice.replace("{path}: ", "").replace(" for {path}", "").replace(" on {path}", "")
        advice = advice.replace(" while using {path}", "").replace("{path}", "a file")
    return advice.format(path=path)


def _silence_stdout() -> None:
    """After a broken pipe, send what is left of stdout to /dev/null so the exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _stdout_broken() -> bool:
    """Whether stdout cannot take what is left in its buffer (then it is silenced, so the exit is quiet)."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()
        return True
    return False


def _flush_stdout() -> None:
    """Flush stdout inside the boundary, so a full disk or closed pipe is reported, not ignored at exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _silence_stdout()
        raise OSError(exc.errno, exc.strerror, "standard output") from exc


def _traceback() -> None:
    import traceback

    for line in traceback.format_exc().splitlines():
        print(printable(line), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (argparse usage errors exit 2)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parsed: list[argparse.Namespace] = []  # filled by _run: --debug as argparse read it (or guessed before)
    try:
        return _run(argv, parsed)
    except BulletinError as exc:  # each error class says its exit code
        _report_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print("soc-bulletin: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return Exit.CLOSED_PIPE
    except OSError as exc:
        return _os_error(exc, _debug(argv, parsed))
    except Exception as exc:  # a bug: one line, or the traceback with --debug
        _bug(exc, _debug(argv, parsed))
        return Exit.SOFTWARE


def _run(argv: list[str], parsed: list[argparse.Namespace], /) -> int:
    """Parse ``argv`` (into ``parsed``), set up logging and run the command's handler; stdout flushed inside the boundary."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit:
        _flush_stdout()  # --help or --version into a closed pipe is quiet too
        raise
    parsed.append(args)
    import logging

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    code = handler(args)
    _flush_stdout()
    return code


def _debug(argv: list[str], parsed: list[argparse.Namespace], /) -> bool:
    """``--debug`` as argparse read it, or, when the arguments could not be parsed, whether it is among them."""
    return bool(parsed[0].debug) if parsed else "--debug" in argv


def _report_error(exc: BulletinError, /) -> None:
    """An error of the project: each problem on its line and their count, or the error's one line."""
    if isinstance(exc, ContentError | SubscriberError):
        for problem in exc.problems:
            print(printable(relative(str(problem))), file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found.", file=sys.stderr)
    else:
        _error(str(exc))


def _os_error(exc: OSError, debug: bool, /) -> int:
    """An operating-system error, as one line naming the path (a closed standard output: quiet, 141)."""
    if debug:
        _traceback()
    if exc.filename is None and _stdout_broken():
        if exc.errno == errno.EPIPE:
            return Exit.CLOSED_PIPE
        exc = OSError(exc.errno, exc.strerror, "standard output")
    _error(describe_os_error(exc))
    return Exit.USAGE


def _bug(exc: Exception, debug: bool, /) -> None:
    """A bug: one line naming it, or the traceback with --debug."""
    if debug:
        _traceback()
        _error(f"internal error (a bug, please report it): {type(exc).__name__}")
        return
    detail = " ".join(str(exc).split())
    detail = detail if len(detail) <= 300 else detail[:300] + "..."
    print(printable(f"soc-bulletin: internal error (a bug, please report it): {type(exc).__name__}: {detail}; "
                    "run again with --debug for the details"), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
