"""Erasure, subject access and retention in the SQLite store (:mod:`.privacy`): ``store.db`` and each issue's file.

Every connection that removes an address sets ``secure_delete`` (freed space is overwritten with zeros); afterwards
each changed file is vacuumed when nobody else is using it and its write-ahead log is checkpointed and truncated,
so no copy of the address stays in the file, its free pages or its ``-wal``.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import LedgerError
from .hashing import Hasher
from .privacy import UNSENT, Cutoffs, PrivacyBackend, iso_time
from .sqlite_ledger import _FEEDBACK, SQLiteLedger
from .sqlite_store import SQLiteStore

__all__ = ["SQLitePrivacy"]

log = logging.getLogger(__name__)

_UNSENT = "(" + ", ".join(f"'{state}'" for state in UNSENT) + ")"
#: the rows listed in the in-memory table ``hashing`` (old key, its hash) keep their state and counts under the hash
#: (a row already kept under it, an older send to the same person, gives way); bounce texts go with the address; a
#: row not yet sent is skipped with the reply given
_HASH_ROWS = (
    "DELETE FROM feedback WHERE key IN (SELECT new FROM temp.hashing)",
    "DELETE FROM recipients WHERE key IN (SELECT new FROM temp.hashing)",
    "UPDATE feedback SET key = (SELECT new FROM temp.hashing WHERE old = feedback.key), detail = ''"
    " WHERE key IN (SELECT old FROM temp.hashing)",
    f"UPDATE recipients SET key = (SELECT new FROM temp.hashing WHERE old = recipients.key), address = (SELECT new FROM"
    f" temp.hashing WHERE old = recipients.key), name = '', reply = CASE WHEN state IN {_UNSENT} THEN ? ELSE '' END,"
    f" state = CASE WHEN state IN {_UNSENT} THEN 'skipped' ELSE state END WHERE key IN (SELECT old FROM temp.hashing)",
)


class SQLitePrivacy(PrivacyBackend):
    """The SQL of :mod:`.privacy` for ``store``."""

    def __init__(self, store: SQLiteStore, /) -> None:
        self.store = store
        store._conn.create_function("casefold", 1, _casefold, deterministic=True)

    def _ledgers(self, *, write: bool) -> Iterator[tuple[str, SQLiteLedger]]:
        """Each issue's ledger in turn, for the caller to close (a send may be running: no lock is taken; SQLite waits
        for its writes). One that cannot be read stops the work with its LedgerError."""
        for issue in self.store.issues():
            path = self.store.folder / f"{issue}.sqlite3"
            if path.is_file():
                yield issue, SQLiteLedger(path, identity=issue, create=write, lock=False)

    # -- subject access ----------------------------------------------------------------------------

    def held(self, key: str, hashed: str | None, /) -> dict[str, Any]:
        read, keys = self.store._read, (key, hashed or key)
        found: dict[str, Any] = {
            "requests": [{"kind": k, "address": a, "created": iso_time(float(str(c))), "expires": iso_time(float(str(e)))}
                         for k, a, c, e in read("SELECT kind, address, created, expires FROM requests WHERE key = ?"
                                                " OR instr(casefold(payload), ?) > 0 ORDER BY created", (key, key))],
            "suppressions": [{"address": a, "reason": r, "date": d, "source": s, "added": iso_time(float(str(t)))}
                             for a, r, d, s, t in read("SELECT address, reason, date, source, added FROM suppressions"
                                                       " WHERE key IN (?, ?) ORDER BY added", keys)],
            "lifted": [{"source": s, "day": d} for s, d in read("SELECT source, day FROM lifted WHERE key IN (?, ?)", keys)],
            "links": [str(t) for (t,) in read("SELECT token FROM links WHERE casefold(address) = ?", (key,))],
            "soft_bounces": [{"reference": r, "day": d, "status": s}
                             for r, d, s in read("SELECT reference, day, status FROM soft WHERE key = ? ORDER BY day", (key,))],
            "deliveries": [],
        }
        for issue, ledger in self._ledgers(write=False):
            try:
                found["deliveries"] += _rows_of(issue, ledger._conn, keys)
            finally:
                ledger.close()
        return found

    # -- erasure -----------------------------------------------------------------------------------

    def erase(self, key: str, hashed: str, /) -> dict[str, int]:
        counts: dict[str, int] = {}
        db = self.store._conn
        db.execute("PRAGMA secure_delete = ON")
        with self.store._tx() as tx:
            for kind, statement, params in (
                ("own record", "DELETE FROM people WHERE key = ?", (key,)),
                ("requests", "DELETE FROM requests WHERE key = ? OR instr(casefold(payload), ?) > 0", (key, key)),
                ("suppression entries", "DELETE FROM suppressions WHERE key = ?", (key,)),
                ("lifts", "DELETE FROM lifted WHERE key = ?", (key,)),
                ("link tokens", "DELETE FROM links WHERE casefold(address) = ?", (key,)),
                ("soft bounces", "DELETE FROM soft WHERE key = ?", (key,)),
            ):
                counts[kind] = tx.execute(statement, params).rowcount
        rows = 0
        for _, ledger in self._ledgers(write=True):
            try:
                rows += _hash_rows(ledger, lambda _: hashed, "key = ?", (key,), "erased")[0]  # no bounce text is left
                _compact(ledger._conn, ledger.path)  # also what earlier changes of the row (its case) left in free space
            finally:
                ledger.close()
        counts["delivery rows hashed"] = rows
        _compact(db, self.store.path)
        return counts

    # -- retention ---------------------------------------------------------------------------------

    def expire(self, cutoffs: Cutoffs, hasher: Hasher | None, /, *, dry_run: bool) -> dict[str, int]:
        counts = dict.fromkeys(("delivery rows hashed", "bounce texts dropped", "handled messages forgotten",
                                "soft bounces deleted", "expired requests deleted"), 0)
        for issue, ledger in self._ledgers(write=False):  # most ledgers have nothing to expire: only read
            try:
                rows = _count(ledger._conn, "recipients", "updated < ? AND key NOT LIKE 'h:%'", (cutoffs.deliveries,))
                texts = _count(ledger._conn, "feedback", "recorded < ? AND detail <> ''",
                               (cutoffs.evidence,)) if _has_feedback(ledger._conn) else 0
            finally:
                ledger.close()
            if (rows or texts) and not dry_run and hasher is not None:  # counted again as done: another purge may be at it
                ledger = SQLiteLedger(ledger.path, identity=issue, lock=False)
                try:
                    rows, texts = _hash_rows(ledger, hasher, "updated < ?", (cutoffs.deliveries,), "expired",
                                             evidence_before=cutoffs.evidence)
                    _compact(ledger._conn, ledger.path)
                finally:
                    ledger.close()
            counts["delivery rows hashed"] += rows
            counts["bounce texts dropped"] += texts
        store_db = self.store._conn
        for kind, table, where, value in (("handled messages forgotten", "processed", "at < ?", cutoffs.evidence),
                                          ("soft bounces deleted", "soft", "day < ?", cutoffs.evidence_day),
                                          ("expired requests deleted", "requests", "expires <= ?", cutoffs.now)):
            counts[kind] = _count(store_db, table, where, (value,))
            if counts[kind] and not dry_run:
                with self.store._tx() as tx:
                    counts[kind] = tx.execute(f"DELETE FROM {table} WHERE {where}", (value,)).rowcount
        if not dry_run and any(counts.values()):
            store_db.execute("PRAGMA secure_delete = ON")
            _compact(store_db, self.store.path)
        return counts


def _casefold(text: object) -> str | None:
    return text.casefold() if isinstance(text, str) else None


def _has_feedback(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'feedback'").fetchone() is not None


def _count(db: sqlite3.Connection, table: str, where: str, params: tuple[object, ...]) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0])


def _rows_of(issue: str, db: sqlite3.Connection, keys: tuple[str, str]) -> list[dict[str, Any]]:
    """The rows of ``keys`` in one issue's ledger, with their feedback and the send's facts."""
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    found = []
    for key, address, name, segment, edition, version, state, attempts, reply, updated in db.execute(
            "SELECT key, address, name, segment, edition, version, state, attempts, reply, updated FROM recipients"
            " WHERE key IN (?, ?)", keys).fetchall():
        feedback = db.execute("SELECT kind, status, permanent, detail, reference, recorded FROM feedback WHERE key = ?"
                              " ORDER BY recorded", (key,)).fetchall() if _has_feedback(db) else []
        found.append({
            "issue": issue, "address": address, "name": name, "segment": segment, "edition": edition, "version": version,
            "state": state, "attempts": attempts, "reply": reply, "updated": iso_time(float(updated)),
            "send_started": iso_time(float(meta.get("started") or 0)), "list_id": meta.get("list_id", ""),
            "feedback": [{"kind": k, "status": s, "permanent": bool(p), "detail": d, "reference": r,
                          "recorded": iso_time(float(t))} for k, s, p, d, r, t in feedback]})
    return found


def _hash_rows(ledger: SQLiteLedger, hasher: Callable[[str], str], where: str, params: tuple[object, ...], why: str, *,
               evidence_before: float | None = None) -> tuple[int, int]:
    """Replace the address of the rows ``where`` selects with its keyed hash (see :data:`_HASH_ROWS`); rows not yet sent
    are marked skipped with the reply ``why``. Also drops bounce texts recorded before ``evidence_before``. Returns
    (rows hashed, texts dropped)."""
    db = ledger._conn
    db.execute("PRAGMA secure_delete = ON")
    db.execute("PRAGMA temp_store = MEMORY")  # the pairs of old keys and hashes never reach a file
    with ledger._tx() as tx:
        tx.execute(_FEEDBACK)
        tx.execute("CREATE TEMP TABLE hashing (old TEXT PRIMARY KEY, new TEXT NOT NULL)")
        try:
            keys = [str(k) for (k,) in tx.execute(f"SELECT key FROM recipients WHERE {where} AND key NOT LIKE 'h:%'", params)]
            tx.executemany("INSERT INTO temp.hashing VALUES (?, ?)", ((key, hasher(key)) for key in keys))
            for statement in _HASH_ROWS[:-1]:
                tx.execute(statement)
            hashed = int(tx.execute(_HASH_ROWS[-1], (why,)).rowcount)
        finally:
            tx.execute("DROP TABLE temp.hashing")
        dropped = tx.execute("UPDATE feedback SET detail = '' WHERE recorded < ? AND detail <> ''",
                             (evidence_before,)).rowcount if evidence_before is not None else 0
    return hashed, int(dropped)


def _compact(db: sqlite3.Connection, path: Path) -> None:
    """Rewrite the file without free pages (when no other connection is reading it) and empty its write-ahead log, so
    nothing removed stays in either. A log that a reader holds is retried for a few seconds, then LedgerError."""
    with contextlib.suppress(sqlite3.OperationalError):  # a send reading the file: secure_delete already zeroed the space
        db.execute("VACUUM")
    for _ in range(50):
        busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if not busy:
            return
        time.sleep(0.1)
    raise LedgerError(f"{path}: its write-ahead log is held by another program; run the command again when it has finished")
