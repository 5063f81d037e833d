"""``soc-bulletin suppressions import|export``: the suppression list kept in a PostgreSQL ledger, to and from CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import config
from ..errors import ConfigError
from ..terminal import printable
from .exits import Exit

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``suppressions`` command (registered with ``send``, the commands of sending)."""
    p = sub.add_parser("suppressions", help="the suppression list in a PostgreSQL ledger: import or export CSV")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = actions.add_parser("import", help="add every address of a CSV suppression list (address, reason, date)")
    i.add_argument("file", metavar="FILE")
    e = actions.add_parser("export", help="write the list as CSV (address, reason, date)")
    e.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    for action in (i, e):
        action.add_argument("--ledger", metavar="URL", help="postgresql://user@host/db (default from settings: [ledger] url)")
        action.add_argument("--config", help="settings file (default: the soc-bulletin.toml found from the working directory)")
    i.set_defaults(handler=_import)
    e.set_defaults(handler=_export)


def _url(args: argparse.Namespace) -> str:
    url = args.ledger or config.load_settings(args.config).ledger.url
    if not url:
        raise ConfigError("no PostgreSQL ledger: give --ledger postgresql://... or set [ledger] url in soc-bulletin.toml "
                          "(without one, the CSV file is the suppression list)")
    return str(url)


def _import(args: argparse.Namespace) -> int:
    from ..send.postgres_suppressions import import_csv

    added, already, problems = import_csv(_url(args), args.file)
    for problem in problems:
        print(printable(str(problem)), file=sys.stderr)
    print(printable(f"Imported {args.file}: {added} address(es) added, {already} already suppressed."))
    return Exit.OK


def _export(args: argparse.Namespace) -> int:
    from ..send.postgres_suppressions import export_csv

    url = _url(args)
    if not args.output:
        export_csv(url, sys.stdout)
        return Exit.OK
    try:
        with Path(args.output).open("w", encoding="utf-8", newline="") as out:
            count = export_csv(url, out)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    print(printable(f"Exported {count} suppressed address(es) to {args.output}."))
    return Exit.OK
