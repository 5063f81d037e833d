"""The embedded store: one ledger file per issue (``<issue>.sqlite3``) and ``store.db`` for everything about people.

Why two kinds of file: a send takes its issue's ledger file alone (a lock per
issue, so two issues can be sent at once and an issue's delivery data can be
archived or deleted whole), while the suppression list, link tokens, the
store's secret and bounce memory are about people across issues and live in
one file that the unsubscribe service and bounce processing write while a send
runs (WAL; a running send reads what was added to it at most once a second). ``store.db`` is made
readable by its owner only (it holds addresses and the secret), marked with
its own application id, and on first use takes in what earlier versions kept
in ``bounces.db`` (handled messages, soft bounces).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..audience.suppression import Suppressions
from ..errors import LedgerError
from .base import DAY, Store, days_counted, entries_of, quota_grant
from .hashing import is_hashed
from .ledger import Ledger
from .people import Person, Request
from .privacy import PrivacyBackend
from .sqlite_ledger import SQLiteLedger
from .state import legacy_bounces

__all__ = ["STORE_FILE", "SQLiteStore"]

STORE_FILE = "store.db"
APPLICATION_ID = 0x534F4353  # "SOCS"
SCHEMA_VERSION = 2
#: people's own records (version 2): sign-ups and preferences, requests waiting for their link, the journal
_PEOPLE = """
CREATE TABLE people (key TEXT PRIMARY KEY, address TEXT NOT NULL, origin TEXT NOT NULL, details TEXT NOT NULL,
    paused_until TEXT NOT NULL, consent TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE requests (digest TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, address TEXT NOT NULL,
    payload TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX requests_by_key ON requests (key, created);
CREATE TABLE journal (at REAL NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL);
"""
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE suppressions (key TEXT NOT NULL, source TEXT NOT NULL, address TEXT NOT NULL, reason TEXT NOT NULL,
    date TEXT NOT NULL, added REAL NOT NULL, PRIMARY KEY (key, source));
CREATE INDEX suppressions_added ON suppressions (added);
CREATE TABLE lifted (key TEXT NOT NULL, source TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (key, source));
CREATE TABLE links (token TEXT PRIMARY KEY, address TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE processed (digest TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE soft (key TEXT NOT NULL, reference TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL,
    PRIMARY KEY (key, reference));
""" + _PEOPLE
#: the messages taken for the daily limit (time, count); made on first use, so older stores need no new format
_QUOTA = "CREATE TABLE IF NOT EXISTS quota (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, count INTEGER NOT NULL)"


class SQLiteStore(Store):
    """The store in the folder ``folder`` (the project's ``.ledger``); ``readonly`` never creates or writes."""

    def __init__(self, folder: str | Path, /, *, readonly: bool = False) -> None:
        self.folder = Path(folder)
        self.path = self.folder / STORE_FILE
        self.where = str(self.folder)
        self.readonly = readonly
        self._writers = {}
        self._db: sqlite3.Connection | None = None
        if self.path.exists():
            self._db = _connect(self.path, readonly=readonly)
            self._verify()
        elif readonly:  # what a first write would find: empty, with what earlier versions kept (a dry run sees it)
            self._db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            self._db.executescript(_SCHEMA)
            _take_in_legacy(self._db, self.folder)
        else:
            self._db = _create(self.path, self.folder)
            self.created = True

    # -- plumbing ----------------------------------------------------------------------------------

    def _verify(self) -> None:
        try:
            app, version = (self._conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("application_id", "user_version"))
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path} cannot be read as a soc_bulletin store ({exc}); restore it from a backup") from exc
        if app != APPLICATION_ID:
            raise LedgerError(f"{self.path} is not a soc_bulletin store (another program's file); move it away")
        if version == 1 and not self.readonly:  # format 1 had no people: their tables are added
            with self._tx() as db:
                if db.execute("PRAGMA user_version").fetchone()[0] == 1:
                    for statement in filter(str.strip, _PEOPLE.split(";")):  # executescript would end the transaction
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        elif version == 1:  # read only: an empty copy of the new tables, as a first write would make them
            self._conn.execute("ATTACH ':memory:' AS v2")
            self._conn.executescript(_PEOPLE.replace("CREATE TABLE ", "CREATE TABLE v2.").replace("CREATE INDEX ", "CREATE INDEX v2."))
        elif version != SCHEMA_VERSION:
            raise LedgerError(f"{self.path} is a store of format {version}; this version reads format {SCHEMA_VERSION}")

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise LedgerError(f"{self.path} is closed")
        return self._db

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self.readonly or self._db is None:
            raise LedgerError(f"the store {self.path} is open to read only")
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot write the store {self.path}: {exc}") from exc

    def _read(self, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        try:
            return list(self._conn.execute(query, params).fetchall())
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot read the store {self.path}: {exc}") from exc

    # -- deliveries --------------------------------------------------------------------------------

    def ledger(self, issue: str, /, *, create: bool = True, lease: float = 60.0) -> Ledger | None:
        path = self.folder / f"{issue}.sqlite3"
        if create and self.readonly:
            raise LedgerError(f"the store {self.folder} is open to read only; no ledger is made")
        if not create:
            if not path.exists() and not path.is_symlink():
                return None
            return SQLiteLedger(path, identity=issue, create=False, lock=False)
        return SQLiteLedger(path, identity=issue, blocked=self._added_since(time.time()))

    def _writable_ledger(self, issue: str, /) -> Ledger | None:
        path = self.folder / f"{issue}.sqlite3"
        if not path.is_file():
            return None
        SQLiteLedger(path, identity=issue, create=False, lock=False).close()  # proven to be the issue's ledger
        return SQLiteLedger(path, identity=issue, lock=False)  # a send may hold its lock: SQLite waits for its writes

    def issues(self) -> list[str]:
        found: list[tuple[float, str]] = []
        for path in sorted(self.folder.glob("*.sqlite3")) if self.folder.is_dir() else []:
            try:
                ledger = SQLiteLedger(path, identity=path.stem, create=False, lock=False)
            except LedgerError:  # listed all the same: the command that opens it says what is wrong with it
                found.append((float("inf"), path.stem))
                continue
            try:
                meta = ledger.meta()
            finally:
                ledger.close()
            found.append((float(meta.get("started") or meta.get("created") or 0), path.stem))
        return [issue for _, issue in sorted(found)]

    # -- suppression -------------------------------------------------------------------------------

    def suppressions(self) -> Suppressions:
        rows = self._read("SELECT address, reason, date, source FROM suppressions ORDER BY added, key, source")
        return entries_of(((str(a), str(r), str(d), str(s)) for a, r, d, s in rows), str(self.path), self.hasher())

    def suppressed_keys(self, keys: list[str], /) -> set[str]:
        wanted = self._hash_keys(keys)  # an erased address is suppressed under its keyed hash
        looked = list(wanted)
        found: set[str] = set()
        for start in range(0, len(looked), 500):
            chunk = looked[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(wanted[str(k)] for (k,) in self._read(f"SELECT DISTINCT key FROM suppressions WHERE key IN ({marks})",
                                                               tuple(chunk)))
        return found

    def _added_since(self, start: float, /, *, every: float = 1.0) -> Callable[[list[str]], set[str]]:
        """The check a send's claims make: which keys were suppressed since ``start`` (the list as it was then is the
        send's own), read again from the file at most every ``every`` seconds: an unsubscribe or a bounce recorded
        while the send runs stops it within a second, at one small query a second."""
        added: set[str] = set()
        read_at = [start - 5.0, 0.0]  # (entries added after this, last read): a little early, for clocks that step

        def blocked(keys: list[str]) -> set[str]:
            now = time.monotonic()
            if now - read_at[1] >= every:
                read_at[1] = now
                added.update(str(k) for (k,) in self._read("SELECT key FROM suppressions WHERE added > ?", (read_at[0],)))
            hasher = self.hasher() if any(map(is_hashed, added)) else None  # an erasure during the send
            if hasher is None:
                return added.intersection(keys)
            return {key for key in keys if key in added or hasher(key) in added}

        return blocked

    def _add(self, key: str, address: str, reason: str, source: str, date: str, /) -> tuple[bool, bool]:
        with self._tx() as db:
            before = db.execute("SELECT 1 FROM suppressions WHERE key=? LIMIT 1", (key,)).fetchone() is not None
            added = db.execute("INSERT OR IGNORE INTO suppressions VALUES (?, ?, ?, ?, ?, ?)",
                               (key, source, address, reason, date, time.time())).rowcount > 0
        return added, before

    def _add_many(self, rows: list[tuple[str, str, str, str, str]], /) -> int:
        now = time.time()
        with self._tx() as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO suppressions VALUES (?, ?, ?, ?, ?, ?)",
                           ((k, s, a, r, d, now) for k, a, r, s, d in rows))
            return db.total_changes - before

    def _lift(self, key: str, source: str, date: str, /) -> int:
        with self._tx() as db:
            removed = db.execute("DELETE FROM suppressions WHERE key=? AND source=?", (key, source)).rowcount
            db.execute("INSERT OR REPLACE INTO lifted VALUES (?, ?, ?)", (key, source, date))
        return int(removed)

    def _lifted(self) -> dict[tuple[str, str], str]:
        return {(str(k), str(s)): str(d) for k, s, d in self._read("SELECT key, source, day FROM lifted")}

    def _meta_value(self, key: str, default: str | None = None, /) -> str:
        if default is None:
            found = self._read("SELECT value FROM meta WHERE key=?", (key,))
            return str(found[0][0]) if found else ""
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, default))
            return str(db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()[0])

    def _set_meta_value(self, key: str, value: str, /) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def remember_links(self, links: Iterable[tuple[str, str]], /) -> None:
        with self._tx() as db:  # in the table's order: three times faster than random tokens into a large table
            db.executemany("INSERT OR IGNORE INTO links VALUES (?, ?)", sorted(links))

    def address_of_link(self, token: str, /) -> str | None:
        found = self._read("SELECT address FROM links WHERE token=?", (token,))
        return str(found[0][0]) if found else None

    # -- people --------------------------------------------------------------------------------------

    _PERSON = "SELECT address, origin, details, paused_until, consent, updated FROM people"

    def people(self) -> list[Person]:
        return [_person(row) for row in self._read(f"{self._PERSON} ORDER BY updated, key")]

    def person(self, address: str, /) -> Person | None:
        rows = self._read(f"{self._PERSON} WHERE key=?", (address.strip().casefold(),))
        return _person(rows[0]) if rows else None

    def save_person(self, person: Person, /) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO people VALUES (?, ?, ?, ?, ?, ?, ?)", person.row())

    def remove_person(self, address: str, /) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM people WHERE key=?", (address.strip().casefold(),)).rowcount > 0

    def add_request(self, digest: str, request: Request, /) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?)", (
                digest, request.kind, request.key, request.address, request.payload(), request.created, request.expires))

    def take_request(self, digest: str, now: float, /) -> Request | None:
        with self._tx() as db:
            row = db.execute("DELETE FROM requests WHERE digest=? RETURNING kind, address, payload, created, expires",
                             (digest,)).fetchone()
        if row is None or float(row[4]) <= now:
            return None
        return Request.from_row(str(row[0]), str(row[1]), str(row[2]), float(row[3]), float(row[4]))

    def requests_since(self, address: str, since: float, /) -> int:
        found = self._read("SELECT count(*) FROM requests WHERE key=? AND created>=?", (address.strip().casefold(), since))
        return int(str(found[0][0]))

    def note(self, event: str, detail: str, /) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO journal VALUES (?, ?, ?)", (time.time(), event, detail))

    def journal(self) -> list[tuple[float, str, str]]:
        return [(float(str(a)), str(e), str(d)) for a, e, d in self._read("SELECT at, event, detail FROM journal ORDER BY at")]

    # -- bounce processing -------------------------------------------------------------------------

    def seen(self, digest: str, /) -> bool:
        return bool(self._read("SELECT 1 FROM processed WHERE digest=?", (digest,)))

    def handled(self, digest: str, source: str, kind: str, /) -> None:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO processed VALUES (?, ?, ?, ?)", (digest, source, kind, time.time()))

    def soft_bounces(self, address: str, reference: str, day: dt.date, status: str, /, *, days: int,
                     record: bool = True) -> int:
        key = address.casefold()
        if record:
            with self._tx() as db:
                db.execute("INSERT OR IGNORE INTO soft VALUES (?, ?, ?, ?)", (key, reference, day.isoformat(), status))
        counted = {str(d) for (d,) in self._read("SELECT day FROM soft WHERE key=? AND reference=?", (key, reference))}
        return days_counted(counted or {day.isoformat()}, days,
                             lambda since, until: {str(d) for (d,) in self._read(
                                 "SELECT day FROM soft WHERE key=? AND day BETWEEN ? AND ?", (key, since, until))})

    def take_quota(self, limit: int, wanted: int, /, *, window: float = DAY) -> tuple[int, float]:
        now = time.time()
        with self._tx() as db:
            db.execute(_QUOTA)
            db.execute("DELETE FROM quota WHERE at <= ?", (now - window,))
            granted, wait = quota_grant(db.execute("SELECT at, count FROM quota").fetchall(), limit, wanted, now, window)
            if granted:
                db.execute("INSERT INTO quota (at, count) VALUES (?, ?)", (now, granted))
        return granted, wait

    def give_back_quota(self, count: int, /) -> None:
        with self._tx() as db:
            db.execute(_QUOTA)
            for seq, taken in db.execute("SELECT seq, count FROM quota ORDER BY seq DESC").fetchall():
                if count <= 0:
                    break
                db.execute("UPDATE quota SET count = count - ? WHERE seq = ?", (min(count, taken), seq))
                count -= min(count, taken)

    def close(self) -> None:
        self._close_writers()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _privacy(self) -> PrivacyBackend:
        from .sqlite_privacy import SQLitePrivacy

        return SQLitePrivacy(self)


def _person(row: tuple[object, ...]) -> Person:
    address, origin, details, paused_until, consent, updated = row
    return Person.from_row(str(address), str(origin), str(details), str(paused_until), str(consent), float(str(updated)))


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    try:
        if readonly:
            return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db
    except sqlite3.Error as exc:
        raise LedgerError(f"{path} cannot be read as a soc_bulletin store ({exc}); restore it from a backup") from exc


def _take_in_legacy(db: sqlite3.Connection, folder: Path) -> None:
    """What earlier versions kept in ``folder/bounces.db`` (see :func:`.state.legacy_bounces`)."""
    found = legacy_bounces(folder)
    if found is not None:
        db.executemany("INSERT OR IGNORE INTO processed VALUES (?, ?, ?, ?)", found[0])
        db.executemany("INSERT OR IGNORE INTO soft VALUES (?, ?, ?, ?)", found[1])


def _create(path: Path, folder: Path) -> sqlite3.Connection:
    """Make ``store.db`` readable by its owner only, with its schema and what earlier versions kept, atomically
    (written beside, then linked: a failed take-in leaves no store, and is tried again next time)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.executescript(_SCHEMA)
            _take_in_legacy(db, folder)
        finally:
            db.close()
        with contextlib.suppress(FileExistsError):  # another process made it at the same moment: use theirs
            os.link(tmp, path)
    except LedgerError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"cannot create the store {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return _connect(path, readonly=False)
