"""The ledger in PostgreSQL, shared by any number of senders of one issue, on one machine or several.

One row per recipient per issue, as in the SQLite ledger, plus who holds it:
a claim (``FOR UPDATE SKIP LOCKED``, in batches) marks rows ``sending`` with
the sender's id and a lease that the sender renews while it works. A row
whose lease has ended (its sender died, or lost the database for longer than
the lease) is claimed again by another sender and sent with the same
Message-ID. A sender that starts while another sends the same segment joins
its run, so they share one send; the send's one rate is a schedule kept in
the database (:meth:`PostgresLedger.reserve`). Outcomes never undo a ``sent``
row, and only the holder may put a row back or fail it. Addresses on the
shared suppression list are marked suppressed when claimed, never sent.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..errors import LedgerError
from .hashing import Hasher
from .ledger import Counts, EditionVersion, Feedback, Ledger, LedgerRow, RunTargets, State
from .postgres_db import LOCK_CLASS, Connection, Database, ensure_schema

__all__ = ["PostgresLedger"]

_R = "soc_bulletin.recipients"
_EXPIRED = (f"UPDATE {_R} SET state = 'pending', claimer = NULL, claim = NULL, lease_until = NULL, updated = now()"
            " WHERE issue = %(issue)s AND state = 'sending' AND lease_until < now()")
_INSERT = (f"INSERT INTO {_R} (issue, key, address, name, segment, edition, state, reply, run)"
           " SELECT %(issue)s, key, address, name, segment, edition, state,"
           " CASE WHEN state = 'suppressed' THEN 'suppressed' ELSE '' END, %(run)s"
           " FROM (SELECT DISTINCT ON (key) * FROM incoming ORDER BY key, pos) AS first ORDER BY pos"
           " ON CONFLICT (issue, key) DO NOTHING")
_KNOWN = ("SELECT count(*) FILTER (WHERE r.state = 'sent'), count(*) FILTER (WHERE r.state = 'failed-permanent')"
          f" FROM {_R} r JOIN (SELECT DISTINCT key FROM incoming WHERE state = 'pending') i ON i.key = r.key"
          " WHERE r.issue = %(issue)s")
_RETARGET = (f"UPDATE {_R} r SET address = i.address, name = i.name, segment = i.segment, edition = i.edition,"
             " state = i.state, reply = CASE WHEN i.state = 'suppressed' THEN 'suppressed' ELSE r.reply END,"
             " run = %(run)s, claimer = NULL, claim = NULL, lease_until = NULL, updated = now()"
             " FROM (SELECT DISTINCT ON (key) * FROM incoming ORDER BY key, pos DESC) i"
             " WHERE r.issue = %(issue)s AND r.key = i.key AND r.state NOT IN ('sent', 'failed-permanent', 'sending')"
             " AND NOT (r.state = i.state AND r.run = %(run)s)")
_STALE = (f"SELECT address FROM {_R} WHERE issue = %(issue)s AND state IN ('pending', 'failed-temporary')"
          " AND run IS DISTINCT FROM %(run)s AND run NOT IN"
          " (SELECT run FROM soc_bulletin.senders WHERE issue = %(issue)s AND lease_until > now()) ORDER BY seq")
_PICK = (f"SELECT key FROM {_R} WHERE issue = %(issue)s AND run = %(run)s AND state IN ('pending', 'sending')"
         " AND (state = 'pending' OR lease_until < now()) AND (%(editions)s::text[] IS NULL OR edition = ANY(%(editions)s))"
         " ORDER BY seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED")
_SUPPRESS = (f"UPDATE {_R} r SET state = 'suppressed', reply = 'suppressed', claimer = NULL, claim = NULL,"
             " lease_until = NULL, updated = now() FROM soc_bulletin.suppressions s,"
             " unnest(%(keys)s::text[], %(hashes)s::text[]) AS u(key, hash)"  # an erased address: its keyed hash
             " WHERE r.issue = %(issue)s AND r.key = u.key AND s.key IN (u.key, u.hash) RETURNING r.key")
_COLUMNS = "seq, address, name, edition, attempts, reply, segment"
_TAKE = (f"UPDATE {_R} SET state = 'sending', attempts = attempts + 1, claimer = %(me)s, claim = %(claim)s,"
         " lease_until = now() + %(lease)s * interval '1 second', updated = now()"  # rows picked (and locked) just before
         f" WHERE issue = %(issue)s AND key = ANY(%(keys)s) RETURNING {_COLUMNS}")
_MARK = (f"UPDATE {_R} r SET state = u.state, reply = u.reply, updated = now(), claimer = NULL, claim = NULL,"
         " lease_until = NULL, version = CASE WHEN u.state = 'sent' THEN coalesce((SELECT max(e.version)"
         " FROM soc_bulletin.editions e WHERE e.issue = r.issue AND e.edition = r.edition), 0) ELSE r.version END"
         " FROM unnest(%(keys)s::text[], %(states)s::text[], %(replies)s::text[]) AS u(key, state, reply)"
         " WHERE r.issue = %(issue)s AND r.key = u.key AND r.state <> 'sent'"
         " AND (u.state = 'sent' OR (r.state = 'sending' AND r.claimer = %(me)s))")
_PACE = ("WITH clock AS (SELECT clock_timestamp() AS t) UPDATE soc_bulletin.pacers p"
         " SET next_at = greatest(p.next_at, clock.t) + %(span)s * interval '1 second' FROM clock"
         " WHERE p.issue = %(issue)s RETURNING extract(epoch FROM p.next_at - clock.t) - %(span)s")


class PostgresLedger(Ledger):
    """The ledger of the issue ``identity`` in the database at ``url``; see the module's docstring.

    ``lease`` is how long a claim is held without renewal, and how long a lost
    database is waited for. ``create=False`` opens the ledger of a send that
    has started, for reading (:meth:`existing`).
    """

    def __init__(self, url: str, /, *, identity: str, lease: float = 60.0, create: bool = True) -> None:
        self.identity, self.lease = identity, lease
        self.sender = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:12]}"
        self._db = Database(url, window=lease, purpose="ledger")
        self.where = self._db.where
        self._control = Database(url, window=lease, purpose="lease")  # renewals and pacing, beside the ledger writes
        self._runs: dict[str, str] = {}            # a run as the caller names it -> the shared run it joined
        self._editions: dict[str, list[str]] = {}  # the editions this sender can build, per run it began (else any)
        self.started = False
        self._hasher: Hasher | None = None
        try:
            self._db.open()
            self.exists = ensure_schema(self._db, create=create)
            if create:
                self._db.run(self._create)
            elif self.exists:
                self.exists = self._db.run(lambda db, _: db.execute(
                    "SELECT 1 FROM soc_bulletin.meta WHERE issue = %s AND key = 'issue'", (identity,)).fetchone() is not None)
        except BaseException:
            self.close()
            raise

    @classmethod
    def existing(cls, url: str, /, *, identity: str) -> PostgresLedger | None:
        """The ledger of a send of ``identity`` that has started, opened to read; None when none has."""
        ledger = cls(url, identity=identity, create=False)
        if not ledger.exists:
            ledger.close()
            return None
        return ledger

    def _create(self, db: Connection, retrying: bool) -> None:
        db.execute("INSERT INTO soc_bulletin.meta VALUES (%s, 'issue', %s), (%s, 'created', %s) ON CONFLICT DO NOTHING",
                   (self.identity, self.identity, self.identity, str(time.time())))

    def _params(self, **more: Any) -> dict[str, Any]:
        return {"issue": self.identity, "me": self.sender, "lease": self.lease, **more}

    # -- a run -----------------------------------------------------------------------------------

    def begin_run(self, run: str, targets: Iterable[LedgerRow], /, *, listed: Callable[[str], bool],
                  suppressed: Callable[[str], bool]) -> RunTargets:
        rows = list(targets)
        segment = rows[0].segment if rows else ""

        def work(db: Connection, retrying: bool) -> tuple[str, RunTargets]:
            db.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, self.identity))
            db.execute(_EXPIRED, self._params())
            db.execute("DELETE FROM soc_bulletin.senders WHERE issue = %(issue)s AND lease_until < now()", self._params())
            found = db.execute("SELECT run FROM soc_bulletin.senders WHERE issue = %(issue)s AND segment = %(segment)s"
                               " AND id <> %(me)s ORDER BY started LIMIT 1", self._params(segment=segment)).fetchone()
            shared = str(found[0]) if found else run
            params = self._params(run=shared, segment=segment, host=socket.gethostname(), pid=os.getpid())
            db.execute("INSERT INTO soc_bulletin.senders (id, issue, run, segment, host, pid, lease_until) VALUES (%(me)s,"
                       " %(issue)s, %(run)s, %(segment)s, %(host)s, %(pid)s, now() + %(lease)s * interval '1 second')"
                       " ON CONFLICT (id) DO UPDATE SET run = excluded.run, segment = excluded.segment,"
                       " lease_until = excluded.lease_until", params)
            db.execute("CREATE TEMP TABLE incoming (pos bigint, key text, address text, name text, segment text,"
                       " edition text, state text) ON COMMIT DROP")
            with db.cursor() as cursor, cursor.copy("COPY incoming FROM STDIN") as copy:
                for pos, row in enumerate(rows):
                    copy.write_row((pos, row.key, row.address, row.name, row.segment, row.edition,
                                    "suppressed" if row.state is State.SUPPRESSED else "pending"))
            db.execute("ANALYZE incoming")
            inserted = db.execute(f"WITH added AS ({_INSERT} RETURNING state) SELECT count(*) FILTER (WHERE state = 'pending'),"
                                  " count(*) FROM added", params).fetchone()
            new = int(inserted[0]) if inserted else 0
            if inserted and inserted[1]:  # plans that know the table's size: claims take rows by key, never by scanning the issue
                db.execute(f"ANALYZE {_R}")
            known = db.execute(_KNOWN, params).fetchone()
            already, refused = (int(known[0]), int(known[1])) if known else (0, 0)
            db.execute(_RETARGET, params)
            gone: list[str] = []
            blocked: list[str] = []
            for (address,) in db.execute(_STALE, params).fetchall():
                if suppressed(address):
                    blocked.append(address)
                elif not listed(address):
                    gone.append(address)
            for addresses, state, reply in ((blocked, "suppressed", "suppressed"), (gone, "skipped", "no longer on the lists")):
                if addresses:
                    db.execute(f"UPDATE {_R} SET state = %(state)s, reply = %(reply)s, updated = now()"
                               " WHERE issue = %(issue)s AND key = ANY(%(keys)s)",
                               self._params(state=state, reply=reply, keys=[a.casefold() for a in addresses]))
            counted = db.execute(f"SELECT count(*) FROM {_R} WHERE issue = %(issue)s AND run = %(run)s"
                                 " AND state IN ('pending', 'failed-temporary')", params).fetchone()
            db.execute(f"UPDATE {_R} SET state = 'pending' WHERE issue = %(issue)s AND run = %(run)s"
                       " AND state = 'failed-temporary'", params)
            return shared, RunTargets(new, int(counted[0]) if counted else 0, already, refused, gone, blocked)

        shared, result = self._db.run(work)
        self._runs[run] = shared
        self._editions[run] = sorted({row.edition for row in rows})
        self.started = True
        return result

    def claim(self, run: str, limit: int, /) -> list[LedgerRow]:
        token = uuid.uuid4().hex
        params = self._params(run=self._runs.get(run, run), editions=self._editions.get(run), claim=token)

        def work(db: Connection, retrying: bool) -> list[tuple[Any, ...]]:
            if retrying:  # the first try may have committed and lost its reply: the rows are ours already
                held = db.execute(f"SELECT {_COLUMNS} FROM {_R} WHERE claimer = %(me)s AND claim = %(claim)s"
                                  " AND state = 'sending'", params).fetchall()
                if held:
                    return held
            while True:
                keys = [key for (key,) in db.execute(_PICK, {**params, "limit": limit}).fetchall()]
                if not keys:
                    return []
                hashes = self._hashes(db, keys)
                blocked = {key for (key,) in db.execute(_SUPPRESS, {**params, "keys": keys, "hashes": hashes}).fetchall()}
                keys = [key for key in keys if key not in blocked]
                if keys:
                    return db.execute(_TAKE, {**params, "keys": keys}).fetchall()

        found = sorted(self._db.run(work))
        return [LedgerRow(a, n, e, State.SENDING, attempts, reply, s) for _, a, n, e, attempts, reply, s in found]

    def _hashes(self, db: Connection, keys: list[str]) -> list[str]:
        """The keyed hashes of ``keys`` (the store's, read once it has one), else the keys themselves."""
        if self._hasher is None:
            row = db.execute("SELECT value FROM soc_bulletin.store_meta WHERE key = 'hash_key'").fetchone()
            self._hasher = Hasher(str(row[0])) if row else None
        return [self._hasher(key) for key in keys] if self._hasher else keys

    def mark(self, updates: Sequence[tuple[str, State, str]], /) -> None:
        if not updates:
            return
        params = self._params(keys=[a.casefold() for a, _, _ in updates], states=[s.value for _, s, _ in updates],
                              replies=[r for _, _, r in updates])
        self._db.run(lambda db, _: db.execute(_MARK, params))

    def renew(self) -> None:
        def work(db: Connection, retrying: bool) -> None:
            until = "now() + %(lease)s * interval '1 second'"
            db.execute(f"UPDATE soc_bulletin.senders SET lease_until = {until} WHERE id = %(me)s", self._params())
            db.execute(f"UPDATE {_R} SET lease_until = {until} WHERE (issue, key) IN (SELECT issue, key FROM {_R}"  # a row locked
                       " WHERE claimer = %(me)s AND state = 'sending' FOR UPDATE SKIP LOCKED)", self._params())  # is being settled

        self._control.run(work, patience=0)

    def reserve(self, interval: float, count: int, /) -> float:
        params = self._params(span=interval * count)

        def work(db: Connection, retrying: bool) -> float:
            db.execute("INSERT INTO soc_bulletin.pacers VALUES (%(issue)s, clock_timestamp()) ON CONFLICT DO NOTHING", params)
            row = db.execute(_PACE, params).fetchone()
            return max(0.0, float(row[0])) if row else 0.0

        return self._control.run(work)

    def pace(self, update: Callable[[str, float], str], /) -> tuple[str, float]:
        def work(db: Connection, retrying: bool) -> tuple[str, float]:
            db.execute("INSERT INTO soc_bulletin.pacers VALUES (%(issue)s, clock_timestamp()) ON CONFLICT DO NOTHING", self._params())
            row = db.execute("SELECT pace, extract(epoch FROM clock_timestamp()) FROM soc_bulletin.pacers"
                             " WHERE issue = %(issue)s FOR UPDATE", self._params()).fetchone()
            assert row is not None
            now = float(row[1])
            text = update(str(row[0]), now)
            db.execute("UPDATE soc_bulletin.pacers SET pace = %s WHERE issue = %s", (text, self.identity))
            return text, now

        return self._control.run(work)

    def outstanding(self, run: str, /) -> int:
        params = self._params(run=self._runs.get(run, run), editions=self._editions.get(run))
        row = self._db.run(lambda db, _: db.execute(  # rows of editions this sender cannot build are not its to wait for
            f"SELECT count(*) FROM {_R} WHERE issue = %(issue)s AND run = %(run)s AND state = 'sending'"
            " AND claimer IS DISTINCT FROM %(me)s AND (%(editions)s::text[] IS NULL OR edition = ANY(%(editions)s))",
            params).fetchone())
        return int(row[0]) if row else 0

    # -- reading ----------------------------------------------------------------------------------

    def counts(self) -> Counts:
        found = self._db.run(lambda db, _: db.execute(
            f"SELECT state, count(*) FROM {_R} WHERE issue = %(issue)s GROUP BY state", self._params()).fetchall())
        by_state = {str(state): int(n) for state, n in found}
        return Counts(**{s.name.lower(): by_state.get(s.value, 0) for s in State})

    def rows(self, state: State | None = None, /) -> list[LedgerRow]:
        where = " AND state = %(state)s" if state else ""
        found = self._db.run(lambda db, _: db.execute(
            f"SELECT address, name, edition, state, attempts, reply, segment, version FROM {_R}"
            f" WHERE issue = %(issue)s{where} ORDER BY seq", self._params(state=state.value if state else None)).fetchall())
        return [LedgerRow(a, n, e, State(s), t, r, g, v) for a, n, e, s, t, r, g, v in found]

    def versions(self) -> list[EditionVersion]:
        found = self._db.run(lambda db, _: db.execute(
            "SELECT edition, version, fingerprint, articles, recorded FROM soc_bulletin.editions WHERE issue = %s"
            " ORDER BY edition, version", (self.identity,)).fetchall())
        return [EditionVersion(e, v, f, dict(a), r) for e, v, f, a, r in found]

    def record_version(self, edition: str, fingerprint: str, articles: Mapping[str, str], /, *, new: bool) -> int:
        def work(db: Connection, retrying: bool) -> int:
            db.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, self.identity))
            latest = db.execute("SELECT version, fingerprint FROM soc_bulletin.editions WHERE issue = %s AND edition = %s"
                                " ORDER BY version DESC LIMIT 1", (self.identity, edition)).fetchone()
            if latest and new and latest[1] == fingerprint:  # another sender recorded this very version a moment ago
                return int(latest[0])
            version = (int(latest[0]) + 1 if new else int(latest[0])) if latest else 1
            db.execute("INSERT INTO soc_bulletin.editions VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (issue, edition, version)"
                       " DO UPDATE SET fingerprint = excluded.fingerprint, articles = excluded.articles,"
                       " recorded = excluded.recorded",
                       (self.identity, edition, version, fingerprint, json.dumps(dict(articles), sort_keys=True), time.time()))
            return version

        return self._db.run(work)

    def sent_with(self, edition: str, version: int, /) -> int:
        row = self._db.run(lambda db, _: db.execute(
            f"SELECT count(*) FROM {_R} WHERE issue = %s AND state = 'sent' AND edition = %s AND version = %s",
            (self.identity, edition, version)).fetchone())
        return int(row[0]) if row else 0

    def meta(self) -> dict[str, str]:
        found = self._db.run(lambda db, _: db.execute(
            "SELECT key, value FROM soc_bulletin.meta WHERE issue = %s", (self.identity,)).fetchall())
        return {str(k): str(v) for k, v in found}

    def set_meta(self, key: str, value: str, /) -> None:
        self._db.run(lambda db, _: db.execute(
            "INSERT INTO soc_bulletin.meta VALUES (%s, %s, %s) ON CONFLICT (issue, key) DO UPDATE SET value = excluded.value",
            (self.identity, key, value)))

    def record_feedback(self, address: str, kind: str, /, *, status: str = "", permanent: bool = True, detail: str = "",
                        reference: str = "") -> bool:
        def work(db: Connection, retrying: bool) -> bool:
            if not db.execute(f"SELECT 1 FROM {_R} WHERE issue = %s AND key = %s", (self.identity, address.casefold())).fetchone():
                return False
            db.execute("INSERT INTO soc_bulletin.feedback (issue, key, kind, status, permanent, detail, reference, recorded)"
                       " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                       (self.identity, address.casefold(), kind, status, permanent, detail, reference, time.time()))
            return True

        return self._db.run(work)

    def feedback(self) -> list[Feedback]:
        found = self._db.run(lambda db, _: db.execute(
            f"SELECT r.address, f.kind, f.status, f.permanent, f.detail, f.reference, f.recorded FROM soc_bulletin.feedback f"
            f" JOIN {_R} r ON r.issue = f.issue AND r.key = f.key WHERE f.issue = %s ORDER BY f.recorded, f.seq",
            (self.identity,)).fetchall())
        return [Feedback(a, k, s, bool(p), d, ref, float(when)) for a, k, s, p, d, ref, when in found]

    def close(self) -> None:
        """Leave the send (rows still held stay leased until their lease ends) and close the connections."""
        if self.started:
            with contextlib.suppress(LedgerError):  # else the registration ends with its lease
                self._db.run(lambda db, _: db.execute("DELETE FROM soc_bulletin.senders WHERE id = %s", (self.sender,)),
                             patience=0)
            self.started = False
        self._db.close()
        self._control.close()
