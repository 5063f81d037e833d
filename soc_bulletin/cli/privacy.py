"""``soc-bulletin privacy purge`` and ``soc-bulletin subscribers export|forget``: people's data kept no longer than
needed, a copy of it for the person, and its erasure (docs/editors.md, "Privacy").

Exit codes: 0 done; 2 an address that is not one, or settings that cannot be used; 74 a store that cannot be trusted or
reached (nothing is erased either way).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from ..errors import ConfigError
from ..terminal import printable
from .exits import Exit
from .paths import relative
from .suppressions import opened, store_options

__all__ = ["register", "register_subject"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``privacy`` command."""
    parser = sub.add_parser("privacy", help="apply [privacy]: forget what is older than the settings keep")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    purge = actions.add_parser("purge", help="hash old delivery rows, drop old bounce texts and expired requests")
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.add_argument("--today", metavar="DATE", type=_date,
                       help="purge as of this day, YYYY-MM-DD (for tests and operators; default: today, or SOC_BULLETIN_TODAY)")
    store_options(purge)
    purge.set_defaults(handler=_purge)


def register_subject(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export`` and ``forget`` to the ``subscribers`` command's actions."""
    export = actions.add_parser("export", help="print as JSON everything held about an address (subject access)")
    export.add_argument("address", metavar="ADDRESS")
    forget = actions.add_parser("forget", help="erase addresses from the store; list the CSV files still naming them")
    forget.add_argument("addresses", metavar="ADDRESS", nargs="+")
    for action in (export, forget):
        action.add_argument("--subscribers", metavar="CSV", action="append", default=[],
                            help="a list to search besides the settings' (repeatable)")
        store_options(action)
    export.set_defaults(handler=_export)
    forget.set_defaults(handler=_forget)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-12-07") from exc


def _addresses(addresses: list[str]) -> None:
    """ConfigError (exit 2, one line) for the first argument that is not an email address."""
    from ..store.privacy import erasable_key

    for address in addresses:
        try:
            erasable_key(address)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc


def _export(args: argparse.Namespace) -> int:
    from .. import config
    from ..loop.subject import subject_access

    _addresses([args.address])
    settings = config.load_settings(args.config)
    with opened(args, readonly=True) as store:
        found = subject_access(store, settings, args.address, lists=args.subscribers)
    json.dump(found, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return Exit.OK


def _forget(args: argparse.Namespace) -> int:
    from .. import config
    from ..loop.subject import forget

    _addresses(args.addresses)
    settings = config.load_settings(args.config)
    with opened(args) as store:
        results = forget(store, settings, args.addresses, lists=args.subscribers)
        where = store.where
    for number, result in enumerate(results, 1):
        done = ", ".join(f"{n} {kind}" for kind, n in result.counts.items() if n) or "nothing held but the erasure"
        print(printable(relative(f"address {number}: erased from {where} ({done}); kept suppressed under a keyed hash")))
        for file, lines in result.lists:
            shown = ", ".join(map(str, lines))
            print(printable(relative(f"  still in {file} (line {shown}): remove it there and from the partner's export")))
    return Exit.OK


def _purge(args: argparse.Namespace) -> int:
    from .. import config
    from ..store.privacy import purge

    settings = config.load_settings(args.config)
    with opened(args, readonly=args.dry_run) as store:
        counts = purge(store, settings, day=args.today, dry_run=args.dry_run)
        where = store.where
    verb = "would go" if args.dry_run else "done"
    keep = settings.privacy
    print(printable(relative(f"{where}: deliveries kept {keep.keep_delivery_days} days, bounce evidence "
                             f"{keep.keep_bounce_evidence_days} days ({verb}):")))
    for kind, count in counts.items():
        print(f"  {kind:<28}{count:>9,}")
    return Exit.OK
