"""The ledger in one SQLite file per issue: WAL, ``synchronous=FULL``, marked with its own application id.

A file that is empty, corrupt, another program's, another issue's or
unreadable raises :class:`LedgerError`; it is never replaced by a fresh one.
A file that disappears or is replaced while a send runs stops the send.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO

from ..errors import LedgerError
from .ledger import Counts, EditionVersion, Feedback, Ledger, LedgerRow, RunTargets, State

__all__ = ["SQLiteLedger"]

APPLICATION_ID = 0x534F4342  # "SOCB": marks a file as a soc_bulletin ledger
SCHEMA_VERSION = 2


class SQLiteLedger(Ledger):
    """A ledger in one SQLite file per issue.

    ``identity`` is the issue's identity (its folder name); a file made for
    another issue is refused. ``create=False`` opens an existing file only
    (read-only, no lock), as ``status`` does. ``blocked`` tells which of a
    batch of keys were suppressed since the send began (the store's list): a
    claim marks those suppressed instead of sending to them.
    """

    def __init__(self, path: str | Path, /, *, identity: str, create: bool = True, lock: bool = True,
                 blocked: Callable[[list[str]], set[str]] | None = None) -> None:
        self.path = Path(path)
        self.identity = identity
        self._blocked = blocked
        self._lock: IO[str] | None = None
        self._db: sqlite3.Connection | None = None
        existed = _check_file(self.path)
        if not existed and not create:
            raise LedgerError(f"{self.path}: no ledger here; no send of this issue has started")
        try:
            if lock:
                self._take_lock()
            if not existed:
                _create(self.path, identity)
            self._db = _connect(self.path, readonly=not create)
            self._verify()
            self._stat = _identity_of(self.path)
        except BaseException:
            self.close()
            raise

    def _take_lock(self) -> None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._lock = open(self.path.with_name(self.path.name + ".lock"), "w")  # noqa: SIM115 - held for the send
        except OSError as exc:
            raise LedgerError(f"cannot create the ledger in {self.path.parent}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise LedgerError(f"another send is using {self.path}; wait for it to finish") from exc

    def _verify(self) -> None:
        db = self._conn
        try:
            app, version = db.execute("PRAGMA application_id").fetchone()[0], db.execute("PRAGMA user_version").fetchone()[0]
            if app != APPLICATION_ID:
                raise LedgerError(f"{self.path} is not a soc_bulletin ledger (another program's file); move it away")
            if version != SCHEMA_VERSION:
                raise LedgerError(f"{self.path} is a ledger of format {version}, this version reads format {SCHEMA_VERSION}")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise LedgerError(f"{self.path} is damaged ({check}); restore it from a backup")
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path} cannot be read as a ledger ({exc}); restore it from a backup") from exc
        if stored.get("issue") != self.identity:
            raise LedgerError(f"{self.path} is the ledger of issue {stored.get('issue')!r}, not {self.identity!r}")

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise LedgerError(f"{self.path} is closed")
        return self._db

    def _guard(self) -> None:
        """Stop at once if the file was deleted, replaced or emptied under us."""
        if _identity_of(self.path) != self._stat:
            raise LedgerError(f"the ledger {self.path} was deleted or replaced during the send; stopped")

    def _tx(self) -> _Transaction:
        self._guard()
        return _Transaction(self._conn, self.path)

    def begin_run(self, run: str, targets: Iterable[LedgerRow], /, *, listed: Callable[[str], bool],
                  suppressed: Callable[[str], bool]) -> RunTargets:
        now = time.time()
        with self._tx() as db:
            db.execute("UPDATE recipients SET state='pending', updated=? WHERE state='sending'", (now,))
            known = {key: State(state) for key, state in db.execute("SELECT key, state FROM recipients")}
            new = already = refused = 0
            inserts: list[tuple[str, str, str, str, str, str, str, str, float]] = []
            updates: list[tuple[str, str, str, str, str, float, str]] = []  # after the inserts: a key listed twice is inserted, then updated
            left_out: list[tuple[str, str, str, str, str, float, str]] = []  # list members suppressed before the send
            for row in targets:
                state = known.get(row.key)
                if row.state is State.SUPPRESSED:
                    if state is None:
                        inserts.append((row.key, row.address, row.name, row.segment, row.edition, "suppressed", "suppressed", run, now))
                        known[row.key] = State.SUPPRESSED
                    elif state not in (State.SENT, State.FAILED_PERMANENT):
                        left_out.append((row.address, row.name, row.segment, row.edition, run, now, row.key))
                    continue
                if state is None:
                    new += 1
                    inserts.append((row.key, row.address, row.name, row.segment, row.edition, "pending", "", run, now))
                elif state is State.SENT:
                    already += 1
                elif state is State.FAILED_PERMANENT:
                    refused += 1
                else:
                    updates.append((row.address, row.name, row.segment, row.edition, run, now, row.key))
                known[row.key] = State.SENT if state is State.SENT else State.PENDING
            db.executemany("INSERT INTO recipients (key, address, name, segment, edition, state, reply, run, updated)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
            db.executemany("UPDATE recipients SET address=?, name=?, segment=?, edition=?, state='pending', run=?, updated=?"
                           " WHERE key=?", updates)
            db.executemany("UPDATE recipients SET address=?, name=?, segment=?, edition=?, state='suppressed',"
                           " reply='suppressed', run=?, updated=? WHERE key=?", left_out)
            gone: list[str] = []
            blocked: list[str] = []
            for (address,) in db.execute(
                "SELECT address FROM recipients WHERE state IN ('pending', 'failed-temporary') AND run IS NOT ?"
                " ORDER BY seq", (run,)).fetchall():
                if suppressed(address):
                    blocked.append(address)
                elif not listed(address):
                    gone.append(address)
            db.executemany("UPDATE recipients SET state='suppressed', reply='suppressed', updated=? WHERE address=?",
                           ((now, a) for a in blocked))
            db.executemany("UPDATE recipients SET state='skipped', reply='no longer on the lists', updated=? WHERE address=?",
                           ((now, a) for a in gone))
            to_send = db.execute("SELECT COUNT(*) FROM recipients WHERE run=? AND state IN ('pending', 'failed-temporary')",
                                 (run,)).fetchone()[0]
            db.execute("UPDATE recipients SET state='pending' WHERE run=? AND state='failed-temporary'", (run,))
        return RunTargets(new, to_send, already, refused, gone, blocked)

    def claim(self, run: str, limit: int, /) -> list[LedgerRow]:
        with self._tx() as db:
            while True:
                found = db.execute(
                    "SELECT seq, key, address, name, edition, attempts, reply, segment FROM recipients"
                    " WHERE state='pending' AND run=? ORDER BY seq LIMIT ?", (run, limit)).fetchall()
                blocked = self._blocked([row[1] for row in found]) if found and self._blocked else set()
                if blocked:  # suppressed since the run began (an unsubscribe, a bounce read elsewhere)
                    db.executemany("UPDATE recipients SET state='suppressed', reply='suppressed', updated=? WHERE key=?",
                                   ((time.time(), key) for key in blocked))
                    found = [row for row in found if row[1] not in blocked]
                    if not found:
                        continue
                break
            if found:  # the run's pending rows up to the last found are exactly those found: one statement claims them
                db.execute("UPDATE recipients SET state='sending', attempts=attempts+1, updated=? WHERE state='pending' AND run=? AND seq<=?",
                           (time.time(), run, found[-1][0]))
        return [LedgerRow(a, n, e, State.SENDING, attempts + 1, reply, s) for _, _, a, n, e, attempts, reply, s in found]

    def mark(self, updates: Sequence[tuple[str, State, str]], /) -> None:
        if not updates:
            return
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE recipients SET state=?, reply=?, updated=?, version=CASE WHEN ?='sent' THEN"
                " COALESCE((SELECT MAX(version) FROM editions WHERE editions.edition=recipients.edition), 0) ELSE version END"
                " WHERE address=?",
                ((state.value, reply, now, state.value, address) for address, state, reply in updates))

    def counts(self) -> Counts:
        self._guard()
        found = dict(self._conn.execute("SELECT state, COUNT(*) FROM recipients GROUP BY state").fetchall())
        return Counts(**{s.name.lower(): found.get(s.value, 0) for s in State})

    def rows(self, state: State | None = None, /) -> list[LedgerRow]:
        query = "SELECT address, name, edition, state, attempts, reply, segment, version FROM recipients"
        found = self._conn.execute(query + (" WHERE state=? ORDER BY seq" if state else " ORDER BY seq"),
                                   (state.value,) if state else ())
        return [LedgerRow(a, n, e, State(s), t, r, g, v) for a, n, e, s, t, r, g, v in found]

    def versions(self) -> list[EditionVersion]:
        found = self._conn.execute("SELECT edition, version, fingerprint, articles, recorded FROM editions ORDER BY edition, version")
        return [EditionVersion(e, v, f, json.loads(a), r) for e, v, f, a, r in found]

    def record_version(self, edition: str, fingerprint: str, articles: Mapping[str, str], /, *, new: bool) -> int:
        with self._tx() as db:
            latest = db.execute("SELECT MAX(version) FROM editions WHERE edition=?", (edition,)).fetchone()[0] or 0
            version = latest + 1 if new or not latest else latest
            db.execute("INSERT OR REPLACE INTO editions VALUES (?, ?, ?, ?, ?)",
                       (edition, version, fingerprint, json.dumps(dict(articles), sort_keys=True), time.time()))
        return int(version)

    def sent_with(self, edition: str, version: int, /) -> int:
        found = self._conn.execute("SELECT COUNT(*) FROM recipients WHERE state='sent' AND edition=? AND version=?",
                                   (edition, version)).fetchone()
        return int(found[0])

    def meta(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, key: str, value: str, /) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def record_feedback(self, address: str, kind: str, /, *, status: str = "", permanent: bool = True, detail: str = "",
                        reference: str = "") -> bool:
        with self._tx() as db:
            db.execute(_FEEDBACK)
            found = db.execute("SELECT key FROM recipients WHERE key=?", (address.casefold(),)).fetchone()
            if found is None:
                return False
            db.execute("INSERT OR IGNORE INTO feedback (key, kind, status, permanent, detail, reference, recorded)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)", (found[0], kind, status, int(permanent), detail, reference, time.time()))
        return True

    def feedback(self) -> list[Feedback]:
        db = self._conn
        if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='feedback'").fetchone() is None:
            return []  # a ledger no bounce was recorded in (or written before bounces were)
        found = db.execute("SELECT r.address, f.kind, f.status, f.permanent, f.detail, f.reference, f.recorded"
                           " FROM feedback f JOIN recipients r ON r.key = f.key ORDER BY f.recorded, f.rowid")
        return [Feedback(a, k, s, bool(p), d, ref, when) for a, k, s, p, d, ref, when in found]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE editions (edition TEXT NOT NULL, version INTEGER NOT NULL, fingerprint TEXT NOT NULL,
    articles TEXT NOT NULL, recorded REAL NOT NULL, PRIMARY KEY (edition, version));
CREATE TABLE recipients (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, address TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL, segment TEXT NOT NULL, edition TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, reply TEXT NOT NULL DEFAULT '',
    run TEXT, updated REAL NOT NULL);
CREATE INDEX by_run ON recipients (run, state, seq);
"""
#: bounces and complaints that came back after the send; made on first use, so older ledgers need no migration
_FEEDBACK = """CREATE TABLE IF NOT EXISTS feedback (key TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    permanent INTEGER NOT NULL, detail TEXT NOT NULL, reference TEXT NOT NULL, recorded REAL NOT NULL,
    PRIMARY KEY (key, kind, reference))"""


def _check_file(path: Path) -> bool:
    """Whether a ledger file exists; LedgerError when something unusable is in its place."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise LedgerError(f"cannot read the ledger {path}: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise LedgerError(f"{path} is not a file; a ledger is expected there")
    if info.st_size == 0:
        raise LedgerError(f"the ledger {path} is empty (truncated?); restore it from a backup, never delete it to start over")
    return True


def _create(path: Path, identity: str) -> None:
    """Make a new ledger atomically: written beside, then linked into place (never over an existing file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # names and addresses: the owner's only
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.executescript(_SCHEMA)
            db.execute("INSERT INTO meta VALUES ('issue', ?), ('created', ?)", (identity, str(time.time())))
        finally:
            db.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.link(tmp, path)
    except FileExistsError as exc:
        raise LedgerError(f"{path} appeared while it was being created; run again") from exc
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"cannot create the ledger {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    try:
        if readonly:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        else:
            db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
    except sqlite3.Error as exc:
        raise LedgerError(f"{path} cannot be read as a ledger ({exc}); restore it from a backup") from exc
    return db


def _identity_of(path: Path) -> tuple[int, int] | None:
    """The file's device and inode, or None when it is gone or empty."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if info.st_size else None


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error); SQLite errors become LedgerError."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db, self.path = db, path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot write the ledger {self.path}: {exc}") from exc
        return self.db

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            self.db.execute("ROLLBACK" if kind else "COMMIT")
        except sqlite3.Error as error:
            raise LedgerError(f"cannot write the ledger {self.path}: {error}") from error
        if isinstance(exc, sqlite3.Error):
            raise LedgerError(f"cannot write the ledger {self.path}: {exc}") from exc
