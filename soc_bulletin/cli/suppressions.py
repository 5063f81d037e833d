"""``soc-bulletin suppressions import|export|list``: the store's suppression list, to and from CSV."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..terminal import printable
from .exits import Exit
from .paths import relative

if TYPE_CHECKING:
    from ..config import Settings
    from ..store.base import Store

__all__ = ["register", "store_options"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``suppressions`` command (registered with ``send``, the commands of sending)."""
    p = sub.add_parser("suppressions", help="the store's suppression list: import or export CSV, list it")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = actions.add_parser("import", help="add every address of a CSV suppression list (address, reason, date, source)")
    i.add_argument("file", metavar="FILE")
    e = actions.add_parser("export", help="write the list as CSV (address, reason, date, source)")
    e.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    li = actions.add_parser("list", help="how many addresses are suppressed, by source")
    for action in (i, e, li):
        store_options(action)
    i.set_defaults(handler=_import)
    e.set_defaults(handler=_export)
    li.set_defaults(handler=_list)


def store_options(parser: argparse.ArgumentParser) -> None:
    """``--ledger``, ``--ledger-dir`` and ``--config``: where the store is, as every command that uses it says."""
    parser.add_argument("--ledger", metavar="URL", help="a PostgreSQL store, postgresql://user@host/db (default from settings: [ledger] url)")
    parser.add_argument("--ledger-dir", help="the SQLite store's folder (default from settings: <project>/.ledger)")
    parser.add_argument("--config", help="settings file (default: the soc-bulletin.toml found from the working directory)")


def opened(args: argparse.Namespace, *, readonly: bool = False, settings: Settings | None = None) -> Store:
    """The store the arguments name (``settings``: already read from ``--config``)."""
    from .. import config
    from ..store.open import open_store

    settings = settings or config.load_settings(args.config)
    store = open_store(settings, url=args.ledger, ledger_dir=args.ledger_dir, readonly=readonly)
    if store.created:  # the first use, or the wrong folder: say so before anything is written there
        print(printable(relative(f"note: a new store was made in {store.where}")), file=sys.stderr)
    return store


def _import(args: argparse.Namespace) -> int:
    from ..store.open import named_csv

    path = named_csv(args.file)
    with opened(args) as store:
        result = store.import_suppressions(path)
        where = store.where
    for problem in result.problems:
        print(printable(str(problem)), file=sys.stderr)
    print(printable(f"Imported {args.file} into {where}: {result.added} entr(ies) added, {result.already} already there."))
    return Exit.OK


def _export(args: argparse.Namespace) -> int:
    from ..audience.suppression import write_suppressions

    with opened(args, readonly=True) as store:
        entries = store.suppressions()
    if not args.output:
        write_suppressions(entries.entries, sys.stdout)
        return Exit.OK
    try:
        with open(os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),  # personal data: the owner's only
                  "w", encoding="utf-8", newline="") as out:
            count = write_suppressions(entries.entries, out)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    print(printable(f"Exported {count} suppression entr(ies) ({len(entries)} address(es)) to {args.output}."))
    return Exit.OK


def _list(args: argparse.Namespace) -> int:
    with opened(args, readonly=True) as store:
        entries = store.suppressions()
        where = store.where
    sources = Counter(entry.source for entry in entries.entries)
    shown = ", ".join(f"{n} {source}" for source, n in sorted(sources.items())) or "none"
    print(printable(f"{len(entries)} address(es) suppressed in {where} (entries by source: {shown})."))
    return Exit.OK
