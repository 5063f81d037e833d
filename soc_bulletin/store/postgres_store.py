"""The store in one PostgreSQL database, shared by every machine of the project (docs/scaling.md).

Each issue's ledger is a :class:`~.postgres_ledger.PostgresLedger` in the same
database; the suppression list, link tokens, the store's secret and bounce
memory are tables of the ``soc_bulletin`` schema (``postgres_migrations/``).
An unsubscribe or a bounce written here by any machine is seen by every send,
including one that is running: a sender checks the list again for each batch
it claims.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from ..audience.suppression import Suppressions
from ..errors import LedgerError
from .base import DAY, Store, days_counted, entries_of, quota_grant
from .ledger import Ledger
from .people import Person, Request
from .postgres_db import LOCK_CLASS, Connection, Database, ensure_schema
from .postgres_ledger import PostgresLedger
from .privacy import PrivacyBackend
from .state import LEGACY_FILE, legacy_bounces

__all__ = ["PostgresStore"]

_S = "soc_bulletin"
_T = TypeVar("_T")
_ADD = (f"INSERT INTO {_S}.suppressions (key, address, reason, source, date)"
        " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) ON CONFLICT DO NOTHING")


class PostgresStore(Store):
    """The store in the database at ``url``; ``readonly`` never creates or migrates the schema. ``legacy`` is the
    project's ledger folder, whose ``bounces.db`` (what earlier versions remembered) is taken in once."""

    def __init__(self, url: str, /, *, readonly: bool = False, legacy: Path | None = None) -> None:
        self.url, self.readonly = url, readonly
        self._writers = {}
        self._db = Database(url, purpose="store")
        self.where = self._db.where
        try:
            self._db.open()
            self.exists = ensure_schema(self._db, create=not readonly)
            if legacy is not None and not readonly:
                self._take_in_legacy(legacy)
        except BaseException:
            self._db.close()
            raise

    def _take_in_legacy(self, folder: Path) -> None:
        found = legacy_bounces(folder)
        if found is None:
            return
        mark = f"took in {(folder / LEGACY_FILE).resolve()}"

        def work(db: Connection, retrying: bool) -> None:
            if db.execute(f"INSERT INTO {_S}.store_meta VALUES (%s, '1') ON CONFLICT DO NOTHING", (mark,)).rowcount:
                with db.cursor() as cursor:
                    cursor.executemany(f"INSERT INTO {_S}.processed VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING", found[0])
                    cursor.executemany(f"INSERT INTO {_S}.soft VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING", found[1])

        self._db.run(work)

    def _write(self, work: Callable[[Connection, bool], _T], /) -> _T:
        if self.readonly:
            raise LedgerError(f"the store {self.where} is open to read only")
        return self._db.run(work)

    def _run(self, query: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        if not self.exists:  # read-only, and no send or import has made the schema yet: empty
            return []
        return self._db.run(lambda db, _: _rows(db, query, params))

    # -- deliveries --------------------------------------------------------------------------------

    def ledger(self, issue: str, /, *, create: bool = True, lease: float = 60.0) -> Ledger | None:
        if not create:
            return PostgresLedger.existing(self.url, identity=issue)
        if self.readonly:
            raise LedgerError(f"the store {self.where} is open to read only; no ledger is made")
        return PostgresLedger(self.url, identity=issue, lease=lease)

    def _writable_ledger(self, issue: str, /) -> Ledger | None:
        return PostgresLedger.existing(self.url, identity=issue)

    def issues(self) -> list[str]:
        found = self._run(f"SELECT i.issue FROM {_S}.meta i LEFT JOIN {_S}.meta s ON s.issue = i.issue AND s.key = 'started'"
                          f" LEFT JOIN {_S}.meta c ON c.issue = i.issue AND c.key = 'created' WHERE i.key = 'issue'"
                          " ORDER BY coalesce(s.value, c.value, '0')::double precision, i.issue")
        return [str(issue) for (issue,) in found]

    # -- suppression -------------------------------------------------------------------------------

    def suppressions(self) -> Suppressions:
        rows = self._run(f"SELECT address, reason, date, source FROM {_S}.suppressions ORDER BY added, key, source")
        return entries_of(((str(a), str(r), str(d), str(s)) for a, r, d, s in rows), self.where, self.hasher())

    def suppressed_keys(self, keys: list[str], /) -> set[str]:
        wanted = self._hash_keys(keys)  # an erased address is suppressed under its keyed hash
        return {wanted[str(k)] for (k,) in self._run(f"SELECT DISTINCT key FROM {_S}.suppressions WHERE key = ANY(%s)",
                                                      (list(wanted),))}

    def _add(self, key: str, address: str, reason: str, source: str, date: str, /) -> tuple[bool, bool]:
        def work(db: Connection, retrying: bool) -> tuple[bool, bool]:
            before = db.execute(f"SELECT 1 FROM {_S}.suppressions WHERE key = %s AND source <> %s LIMIT 1",
                                (key, source)).fetchone() is not None
            added = db.execute(_ADD, ([key], [address], [reason], [source], [date])).rowcount > 0
            return added, before

        return self._write(work)

    def _add_many(self, rows: list[tuple[str, str, str, str, str]], /) -> int:
        columns = [list(c) for c in zip(*rows, strict=True)]
        key, address, reason, source, date = columns
        return int(self._write(lambda db, _: db.execute(_ADD, (key, address, reason, source, date)).rowcount))

    def _lift(self, key: str, source: str, date: str, /) -> int:
        def work(db: Connection, retrying: bool) -> int:
            removed = db.execute(f"DELETE FROM {_S}.suppressions WHERE key = %s AND source = %s", (key, source)).rowcount
            db.execute(f"INSERT INTO {_S}.lifted VALUES (%s, %s, %s) ON CONFLICT (key, source) DO UPDATE SET day = excluded.day",
                       (key, source, date))
            return int(removed)

        return self._write(work)

    def _lifted(self) -> dict[tuple[str, str], str]:
        return {(str(k), str(s)): str(d) for k, s, d in self._run(f"SELECT key, source, day FROM {_S}.lifted")}

    # -- links and keys ----------------------------------------------------------------------------

    def _meta_value(self, key: str, default: str | None = None, /) -> str:
        if default is None:
            found = self._run(f"SELECT value FROM {_S}.store_meta WHERE key = %s", (key,))
            return str(found[0][0]) if found else ""

        def work(db: Connection, retrying: bool) -> str:
            db.execute(f"INSERT INTO {_S}.store_meta VALUES (%s, %s) ON CONFLICT DO NOTHING", (key, default))
            row = db.execute(f"SELECT value FROM {_S}.store_meta WHERE key = %s", (key,)).fetchone()
            assert row is not None
            return str(row[0])

        return self._write(work)

    def _set_meta_value(self, key: str, value: str, /) -> None:
        self._write(lambda db, _: db.execute(f"INSERT INTO {_S}.store_meta VALUES (%s, %s) ON CONFLICT (key)"
                                             " DO UPDATE SET value = excluded.value", (key, value)))

    def remember_links(self, links: Iterable[tuple[str, str]], /) -> None:
        pairs = list(links)
        if not pairs:
            return

        def work(db: Connection, retrying: bool) -> None:
            db.execute("CREATE TEMP TABLE new_links (token text, address text) ON COMMIT DROP")
            with db.cursor() as cursor, cursor.copy("COPY new_links FROM STDIN") as copy:
                for pair in pairs:
                    copy.write_row(pair)
            db.execute(f"INSERT INTO {_S}.links SELECT DISTINCT ON (token) token, address FROM new_links ON CONFLICT DO NOTHING")

        self._write(work)

    def address_of_link(self, token: str, /) -> str | None:
        found = self._run(f"SELECT address FROM {_S}.links WHERE token = %s", (token,))
        return str(found[0][0]) if found else None

    # -- people --------------------------------------------------------------------------------------

    _PERSON = "SELECT address, origin, details, paused_until, consent, updated FROM soc_bulletin.people"

    def people(self) -> list[Person]:
        return [Person.from_row(*row) for row in self._run(f"{self._PERSON} ORDER BY updated, key")]

    def person(self, address: str, /) -> Person | None:
        found = self._run(f"{self._PERSON} WHERE key = %s", (address.strip().casefold(),))
        return Person.from_row(*found[0]) if found else None

    def save_person(self, person: Person, /) -> None:
        self._write(lambda db, _: db.execute(
            f"INSERT INTO {_S}.people VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
            " address = excluded.address, origin = excluded.origin, details = excluded.details,"
            " paused_until = excluded.paused_until, consent = excluded.consent, updated = excluded.updated", person.row()))

    def remove_person(self, address: str, /) -> bool:
        return bool(self._write(lambda db, _: db.execute(f"DELETE FROM {_S}.people WHERE key = %s",
                                                          (address.strip().casefold(),)).rowcount))

    def add_request(self, digest: str, request: Request, /) -> None:
        self._write(lambda db, _: db.execute(f"INSERT INTO {_S}.requests VALUES (%s, %s, %s, %s, %s, %s, %s)", (
            digest, request.kind, request.key, request.address, request.payload(), request.created, request.expires)))

    def take_request(self, digest: str, now: float, /) -> Request | None:
        row = self._write(lambda db, _: db.execute(
            f"DELETE FROM {_S}.requests WHERE digest = %s RETURNING kind, address, payload, created, expires",
            (digest,)).fetchone())
        if row is None or float(row[4]) <= now:
            return None
        return Request.from_row(str(row[0]), str(row[1]), str(row[2]), float(row[3]), float(row[4]))

    def requests_since(self, address: str, since: float, /) -> int:
        found = self._run(f"SELECT count(*) FROM {_S}.requests WHERE key = %s AND created >= %s",
                          (address.strip().casefold(), since))
        return int(found[0][0]) if found else 0

    def note(self, event: str, detail: str, /) -> None:
        self._write(lambda db, _: db.execute(f"INSERT INTO {_S}.journal VALUES (%s, %s, %s)", (time.time(), event, detail)))

    def journal(self) -> list[tuple[float, str, str]]:
        return [(float(a), str(e), str(d)) for a, e, d in self._run(f"SELECT at, event, detail FROM {_S}.journal ORDER BY at")]

    # -- bounce processing -------------------------------------------------------------------------

    def seen(self, digest: str, /) -> bool:
        return bool(self._run(f"SELECT 1 FROM {_S}.processed WHERE digest = %s", (digest,)))

    def handled(self, digest: str, source: str, kind: str, /) -> None:
        self._write(lambda db, _: db.execute(f"INSERT INTO {_S}.processed VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                                              (digest, source, kind, time.time())))

    def soft_bounces(self, address: str, reference: str, day: dt.date, status: str, /, *, days: int,
                     record: bool = True) -> int:
        key = address.casefold()
        if record:
            self._write(lambda db, _: db.execute(f"INSERT INTO {_S}.soft VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                                                 (key, reference, day.isoformat(), status)))
        counted = {str(d) for (d,) in self._run(f"SELECT day FROM {_S}.soft WHERE key = %s AND reference = %s", (key, reference))}
        return days_counted(counted or {day.isoformat()}, days,
                             lambda since, until: {str(d) for (d,) in self._run(
                                 f"SELECT day FROM {_S}.soft WHERE key = %s AND day BETWEEN %s AND %s", (key, since, until))})

    def take_quota(self, limit: int, wanted: int, /, *, window: float = DAY) -> tuple[int, float]:
        def work(db: Connection, retrying: bool) -> tuple[int, float]:
            db.execute("SELECT pg_advisory_xact_lock(%s, hashtext('quota'))", (LOCK_CLASS,))
            now = time.time()
            db.execute(f"DELETE FROM {_S}.quota WHERE at <= %s", (now - window,))
            granted, wait = quota_grant(_rows(db, f"SELECT at, count FROM {_S}.quota", ()), limit, wanted, now, window)
            if granted:
                db.execute(f"INSERT INTO {_S}.quota (at, count) VALUES (%s, %s)", (now, granted))
            return granted, wait

        return self._write(work)

    def give_back_quota(self, count: int, /) -> None:
        def work(db: Connection, retrying: bool) -> None:
            db.execute("SELECT pg_advisory_xact_lock(%s, hashtext('quota'))", (LOCK_CLASS,))
            left = count
            for seq, taken in _rows(db, f"SELECT seq, count FROM {_S}.quota ORDER BY seq DESC", ()):
                if left <= 0:
                    break
                db.execute(f"UPDATE {_S}.quota SET count = count - %s WHERE seq = %s", (min(left, taken), seq))
                left -= min(left, taken)

        self._write(work)

    def close(self) -> None:
        self._close_writers()
        self._db.close()

    def _privacy(self) -> PrivacyBackend:
        from .postgres_privacy import PostgresPrivacy

        return PostgresPrivacy(self)


def _rows(db: Connection, query: str, params: tuple[Any, ...] | dict[str, Any]) -> list[tuple[Any, ...]]:
    return list(db.execute(query, params).fetchall())
