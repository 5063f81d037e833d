"""The send ledger: each recipient's state for one issue and segment, crash-safe.

States: ``pending`` -> ``sending`` (claimed, possibly on the wire) -> ``sent``
(the server answered 250), or ``failed-temporary`` (retried by a rerun) or
``failed-permanent`` (5xx; never retried). A row is marked ``sent`` only after
the server accepted the message, and claimed before it is handed over, so a
crash at any moment can repeat at most the rows left in ``sending``.

:class:`Ledger` is the interface; :class:`SQLiteLedger` keeps one SQLite file
per send in WAL mode with full synchronisation. A PostgreSQL ledger would
claim with ``SELECT ... FOR UPDATE SKIP LOCKED`` behind the same methods.
"""

from __future__ import annotations

import fcntl
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .errors import ConfigError

__all__ = ["Counts", "Ledger", "LedgerRow", "SQLiteLedger", "State"]


class State(str, Enum):
    """Where one recipient stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED_TEMPORARY = "failed-temporary"
    FAILED_PERMANENT = "failed-permanent"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """A recipient as the ledger knows it; ``edition`` names the edition they get."""

    address: str
    name: str
    edition: str
    state: State = State.PENDING
    attempts: int = 0
    reply: str = ""


@dataclass(frozen=True, slots=True)
class Counts:
    """How many recipients are in each state."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed_temporary: int = 0
    failed_permanent: int = 0
    suppressed: int = 0

    @property
    def total(self) -> int:
        """Every recipient."""
        return self.pending + self.sending + self.sent + self.failed_temporary + self.failed_permanent + self.suppressed

    @property
    def remaining(self) -> int:
        """Recipients a rerun would still try."""
        return self.pending + self.sending + self.failed_temporary


class Ledger(ABC):
    """Where a send records its progress; every method commits durably before returning."""

    @abstractmethod
    def add(self, rows: Iterable[LedgerRow], /) -> int:
        """Add recipients as pending; those already known are left as they are. Returns how many were new."""

    @abstractmethod
    def recover(self) -> int:
        """Start of a run: rows left ``sending`` by a crash and ``failed-temporary`` rows become pending again."""

    @abstractmethod
    def claim(self, limit: int, /) -> list[LedgerRow]:
        """Mark up to ``limit`` pending rows ``sending`` (in list order) and return them."""

    @abstractmethod
    def mark(self, updates: Sequence[tuple[str, State, str]], /) -> None:
        """Record outcomes: (address, new state, server reply)."""

    @abstractmethod
    def counts(self) -> Counts:
        """How many rows are in each state."""

    @abstractmethod
    def editions(self) -> set[str]:
        """The edition keys of rows not yet settled (pending, sending, failed-temporary)."""

    @abstractmethod
    def rows(self, state: State | None = None, /) -> list[LedgerRow]:
        """All rows, or those in ``state``."""

    @abstractmethod
    def close(self) -> None:
        """Release the ledger."""


class SQLiteLedger(Ledger):
    """A ledger in one SQLite file (WAL, ``synchronous=FULL``)."""

    def __init__(self, path: str | Path, /, *, issue: str, segment: str, lock: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = None
        if lock:  # one sender per ledger: a second run of the same send refuses to start
            self._lock = open(self.path.with_name(self.path.name + ".lock"), "w")
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                self._lock.close()
                raise ConfigError(f"another send is using {self.path}; wait for it to finish") from exc
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        with self._tx():
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS recipients ("
                " seq INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
                " edition TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
                " reply TEXT NOT NULL DEFAULT '', updated REAL NOT NULL)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS by_state ON recipients (state, seq)")
            for key, value in (("issue", issue), ("segment", segment)):
                self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, value))
        stored = dict(self._db.execute("SELECT key, value FROM meta"))
        if (stored["issue"], stored["segment"]) != (issue, segment):
            raise ConfigError(f"{self.path} is the ledger of issue {stored['issue']} segment {stored['segment']}, not {issue} {segment}")

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)

    def add(self, rows: Iterable[LedgerRow], /) -> int:
        now = time.time()
        before = self._db.total_changes
        with self._tx():
            self._db.executemany(
                "INSERT OR IGNORE INTO recipients (address, name, edition, state, updated) VALUES (?, ?, ?, 'pending', ?)",
                ((r.address, r.name, r.edition, now) for r in rows),
            )
        return self._db.total_changes - before

    def recover(self) -> int:
        with self._tx():
            cursor = self._db.execute(
                "UPDATE recipients SET state='pending', updated=? WHERE state IN ('sending', 'failed-temporary')", (time.time(),)
            )
        return cursor.rowcount

    def claim(self, limit: int, /) -> list[LedgerRow]:
        with self._tx():
            found = self._db.execute(
                "SELECT address, name, edition, state, attempts, reply FROM recipients WHERE state='pending'"
                " ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
            self._db.executemany(
                "UPDATE recipients SET state='sending', attempts=attempts+1, updated=? WHERE address=?",
                ((time.time(), row[0]) for row in found),
            )
        return [LedgerRow(a, n, e, State.SENDING, attempts + 1, reply) for a, n, e, _, attempts, reply in found]

    def mark(self, updates: Sequence[tuple[str, State, str]], /) -> None:
        if not updates:
            return
        now = time.time()
        with self._tx():
            self._db.executemany(
                "UPDATE recipients SET state=?, reply=?, updated=? WHERE address=?",
                ((state.value, reply, now, address) for address, state, reply in updates),
            )

    def counts(self) -> Counts:
        found = dict(self._db.execute("SELECT state, COUNT(*) FROM recipients GROUP BY state").fetchall())
        return Counts(**{s.name.lower(): found.get(s.value, 0) for s in State})

    def editions(self) -> set[str]:
        found = self._db.execute("SELECT DISTINCT edition FROM recipients WHERE state IN ('pending', 'sending', 'failed-temporary')")
        return {edition for (edition,) in found}

    def rows(self, state: State | None = None, /) -> list[LedgerRow]:
        query = "SELECT address, name, edition, state, attempts, reply FROM recipients"
        found = self._db.execute(query + (" WHERE state=? ORDER BY seq" if state else " ORDER BY seq"), (state.value,) if state else ())
        return [LedgerRow(a, n, e, State(s), t, r) for a, n, e, s, t, r in found]

    def close(self) -> None:
        self._db.close()
        if self._lock is not None:
            self._lock.close()


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")
