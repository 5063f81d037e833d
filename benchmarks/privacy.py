"""Erasure and retention on a large SQLite store, beside what the same files cost to rewrite once.

    python benchmarks/privacy.py [-n 200000] [--issues 2]

Makes a store in a temporary folder with ``--issues`` ledgers of N rows each (every row sent, a link token per
address), then measures, each beside its yardstick measured on the same files in the same run:

- the purge a send or ``bounces`` runs at its start when nothing is old enough (the cost every send now pays),
  beside opening the store and listing its issues (what every send already did);
- ``forget`` of one address (its rows hashed, then every file vacuumed and its log truncated), beside ``VACUUM``
  of the same files (the floor: an erasure must rewrite them to leave no byte behind);
- a purge that hashes every row (once per issue, ``keep_delivery_days`` after its send), beside one ``UPDATE``
  rewriting the two indexed columns it changes (key and address) of every row of a copy of the files, and a
  ``VACUUM`` of each.

The goals, judged at the end: the nothing-to-do purge adds at most 1 s per million rows to a send's start; an
erasure takes at most 3 times its yardstick; a full purge at most 60 s per million rows (its keys are hashed one by
one and land in random places of two unique indexes, where the yardstick appends in order: the ratio is shown).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from soc_bulletin.config import Settings
from soc_bulletin.store import privacy
from soc_bulletin.store.ledger import LedgerRow, State
from soc_bulletin.store.sqlite_store import SQLiteStore

ADD_PER_MILLION = 1.0  # seconds a nothing-to-do purge may add to a send's start, per million rows
TIMES_FLOOR = 3.0  # an erasure, against rewriting the same files
FULL_PURGE_PER_MILLION = 60.0  # seconds to hash a million rows, once per issue


def populate(folder: Path, rows: int, issues: int) -> None:
    with SQLiteStore(folder) as store:
        addresses = [f"person.{n}@example.org" for n in range(rows)]
        store.remember_links((f"token{n:012d}", a) for n, a in enumerate(addresses))
        for number in range(issues):
            ledger = store.ledger(f"2026-{number + 1:02d}")
            assert ledger is not None
            ledger.begin_run("r", (LedgerRow(a, f"Person {n}", "all") for n, a in enumerate(addresses)),
                             listed=lambda a: True, suppressed=lambda a: False)
            claimed = ledger.claim("r", rows)
            ledger.mark([(row.address, State.SENT, "250 2.0.0 queued") for row in claimed])
            ledger.close()


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def vacuum_all(folder: Path) -> None:
    for path in sorted(folder.glob("*.sqlite3")) + [folder / "store.db"]:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()


def rewrite_all(folder: Path) -> None:
    for path in sorted(folder.glob("*.sqlite3")):
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("UPDATE recipients SET key = 'x' || key, address = 'x' || address")
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200_000, help="rows per ledger (default 200,000)")
    parser.add_argument("--issues", type=int, default=2)
    args = parser.parse_args()
    settings, ok = Settings(), True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ledger"
        print(f"making {args.issues} ledger(s) of {args.n:,} rows ...", flush=True)
        populate(folder, args.n, args.issues)
        million = args.n * args.issues / 1_000_000

        def listing() -> None:
            with SQLiteStore(folder) as store:
                store.issues()

        def idle_purge() -> None:
            with SQLiteStore(folder) as store:
                privacy.purge(store, settings)

        base, idle = timed(listing), timed(idle_purge)
        added = max(0.0, idle - base)
        ok &= added <= ADD_PER_MILLION * max(million, 0.001)
        print(f"purge, nothing old:  {idle:7.2f} s   open and list the store: {base:7.2f} s   "
              f"added {added / max(million, 0.001):.2f} s per million rows (goal <= {ADD_PER_MILLION})")

        def forget_one() -> None:
            with SQLiteStore(folder) as store:
                privacy.forget(store, f"person.{args.n // 2}@example.org")

        floor, erase = timed(lambda: vacuum_all(folder)), timed(forget_one)
        ok &= erase <= TIMES_FLOOR * floor
        print(f"forget one address:  {erase:7.2f} s   VACUUM of every file:    {floor:7.2f} s   "
              f"x{erase / floor:.2f} (goal <= {TIMES_FLOOR})")

        later = dt.date.today() + dt.timedelta(days=settings.privacy.keep_delivery_days + 1)

        def full_purge() -> None:
            with SQLiteStore(folder) as store:
                counts = privacy.purge(store, settings, day=later)
            assert counts["delivery rows hashed"] == args.issues * (args.n - 1), counts

        copy = Path(tmp) / "copy"
        shutil.copytree(folder, copy)
        floor, purge = timed(lambda: rewrite_all(copy)), timed(full_purge)
        ok &= purge <= FULL_PURGE_PER_MILLION * max(million, 0.001)
        print(f"purge, every row:    {purge:7.2f} s   UPDATE + VACUUM of each: {floor:7.2f} s   x{purge / floor:.2f}, "
              f"{purge / max(million, 0.001):.1f} s per million rows (goal <= {FULL_PURGE_PER_MILLION})")
    print("goals met" if ok else "goals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
