"""The PostgreSQL side of a shared ledger: its URL, a connection that outlives a restart, versioned migrations.

The URL names the database (``postgresql://user@host:port/db``, or
``postgresql:///?service=name`` for a libpq service file) and never holds a
password: libpq reads it from ``PGPASSWORD``, ``~/.pgpass`` or the service
file. The schema ``soc_bulletin`` is made and migrated by the versioned SQL
files in ``postgres_migrations/`` (``0001_ledger.sql``, ...), each applied once
in one transaction under an advisory lock, so senders that start together
migrate once. A schema newer than this program knows, or a ``soc_bulletin``
schema that is another program's, is refused with one line.

:class:`Database` is one connection. A call that loses it (the server
restarted, the network dropped) reconnects and runs again for up to
``window`` seconds; then it raises :class:`LedgerError`, and the next calls
try once each until one succeeds. A transaction the server rolled back (a
deadlock, a serialization failure) runs again at once.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..config.values import check_ledger_url, hide_password
from ..errors import ConfigError, LedgerError

try:
    import psycopg
    import psycopg.errors
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.rows import TupleRow
except ImportError as exc:  # pragma: no cover - the optional extra is not installed
    raise ConfigError("a PostgreSQL ledger needs psycopg: pip install 'soc_bulletin[postgres]'") from exc

__all__ = ["LATEST", "LOCK_CLASS", "Connection", "Database", "describe", "ensure_schema", "migrations", "one_line"]

log = logging.getLogger(__name__)

Connection = psycopg.Connection[TupleRow]
_T = TypeVar("_T")

#: the first key of every advisory lock soc_bulletin takes ("SOCB")
LOCK_CLASS = 0x534F4342
#: connection settings unless the URL sets them: fail fast, and notice a vanished server within seconds
_DEFAULTS = {"connect_timeout": "5", "keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "3",
             "keepalives_count": "3", "tcp_user_timeout": "15000"}


def describe(url: str, /) -> str:
    """The URL as shown in messages: scheme, user, hosts and database, without the query; a password as ``***``."""
    parts = urlsplit(hide_password(url))
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else "(no URL)"


def one_line(exc: BaseException, /) -> str:
    """A driver's message on one line, at most 300 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order; versions run 1, 2, 3... without gaps."""
    folder = resources.files(__package__ or "soc_bulletin.send") / "postgres_migrations"
    found = []
    for item in folder.iterdir():
        match = re.fullmatch(r"(\d{4})_[a-z0-9_]+\.sql", item.name)
        if match:
            found.append((int(match[1]), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1)), "migrations must be numbered 0001, 0002, ..."
    return found


LATEST = len(migrations())


class Database:
    """One connection to the ledger database, used by one thread at a time; see the module's docstring."""

    def __init__(self, url: str, /, *, window: float = 60.0, purpose: str = "ledger") -> None:
        problem = check_ledger_url(url)
        if problem:
            raise ConfigError(f"the ledger URL {problem}: {describe(url)}")
        self.url, self.where, self.window, self.purpose = url, describe(url), window, purpose
        self.lost = False
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._warned = False

    def open(self) -> Database:
        """Connect now; LedgerError naming the database when it cannot be reached (no second try)."""
        with self._lock:
            try:
                self._connection()
            except psycopg.Error as exc:
                raise LedgerError(f"cannot reach the ledger database {self.where}: {one_line(exc)}") from exc
        return self

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            given = conninfo_to_dict(self.url)
            extra: dict[str, Any] = {k: v for k, v in _DEFAULTS.items() if k not in given}
            self._conn = psycopg.connect(self.url, autocommit=True, application_name=f"soc-bulletin {self.purpose}", **extra)
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):  # closing a broken connection
                self._conn.close()
            self._conn = None

    def run(self, work: Callable[[Connection, bool], _T], /, *, patience: float | None = None) -> _T:
        """``work(connection, retrying)`` in one transaction, run again on a new connection if the old one is lost.

        ``retrying`` is true when an earlier attempt may have committed without
        our hearing of it: ``work`` must then find out, or be idempotent.
        ``patience`` (default ``window``) bounds the reconnecting; 0 tries once.
        """
        with self._lock:
            retrying, reruns = False, 0
            deadline = time.monotonic() + (0.0 if self.lost else self.window if patience is None else patience)
            while True:
                try:
                    conn = self._connection()
                    with conn.transaction():
                        result = work(conn, retrying)
                except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as exc:
                    reruns += 1
                    if reruns > 20:
                        raise LedgerError(f"the ledger database {self.where} keeps refusing a transaction: {one_line(exc)}") from exc
                    log.info("the ledger database %s rolled a transaction back (%s); running it again", self.where, one_line(exc))
                    retrying = True  # rolled back whole: nothing of it happened
                    continue
                except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                    self._drop()
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self.lost = self.lost or patience is None
                        raise LedgerError(f"lost the ledger database {self.where}: {one_line(exc)}") from exc
                    if not self._warned:
                        log.warning("the ledger database %s is out of reach (%s); reconnecting", self.where, one_line(exc))
                        self._warned = True
                    time.sleep(min(0.25, left))
                    retrying = True
                    continue
                except psycopg.Error as exc:
                    raise LedgerError(f"the ledger database {self.where} refused a query: {one_line(exc)}") from exc
                if self._warned:
                    log.warning("the ledger database %s is back", self.where)
                    self._warned = False
                self.lost = False
                return result

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._drop()


def ensure_schema(db: Database, /, *, create: bool) -> bool:
    """Check the schema and, with ``create``, make or migrate it; False when there is none and ``create`` is off."""
    shipped = migrations()

    def work(conn: Connection, retrying: bool) -> bool:
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (LOCK_CLASS,))
        version = 0
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'soc_bulletin'").fetchone():
            if _scalar(conn, "SELECT to_regclass('soc_bulletin.schema_version') IS NULL"):
                raise LedgerError(f"the database {db.where} has a schema 'soc_bulletin' that is not a soc_bulletin ledger "
                                  "(another program's); use another database")
            version = int(_scalar(conn, "SELECT coalesce(max(version), 0) FROM soc_bulletin.schema_version"))
        if version > LATEST:
            raise LedgerError(f"the ledger database {db.where} has schema version {version}; this soc_bulletin knows "
                              f"versions up to {LATEST}: upgrade soc_bulletin")
        if version == LATEST:
            return True
        if not create:
            if version == 0:
                return False
            raise LedgerError(f"the ledger database {db.where} has schema version {version}, older than {LATEST}; "
                              "a send migrates it")
        for number, name, sql in shipped[version:]:
            log.info("migrating the ledger database %s: %s", db.where, name)
            conn.execute(sql)
            conn.execute("INSERT INTO soc_bulletin.schema_version (version) VALUES (%s)", (number,))
        return True

    return db.run(work)


def _scalar(conn: Connection, query: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]
