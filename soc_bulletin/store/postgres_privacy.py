"""Erasure, subject access and retention in the PostgreSQL store (:mod:`.privacy`): tables of the schema soc_bulletin.

Keyed hashes are computed here (PostgreSQL has no HMAC without an extension) and joined in as a temporary table of
(issue, key, hash). A row's bounces and complaints move to the hashed key with it, their texts dropped. Removed row
versions are reclaimed by the server's autovacuum; no query sees them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .hashing import Hasher
from .postgres_db import LOCK_CLASS, Connection
from .postgres_store import PostgresStore
from .privacy import UNSENT, Cutoffs, PrivacyBackend, iso_time

__all__ = ["PostgresPrivacy"]

_S = "soc_bulletin"
_UNSENT = "(" + ", ".join(f"'{state}'" for state in UNSENT) + ")"
#: the rows listed in ``hashing`` (issue, key, hash) keep their state and counts under the hash (a row already kept
#: under it, an older send to the same person, gives way); a row not yet sent is skipped with the reply %(why)s
_HASH_ROWS = (
    f"DELETE FROM {_S}.recipients r USING hashing h WHERE r.issue = h.issue AND r.key = h.hash",
    f"CREATE TEMP TABLE moved ON COMMIT DROP AS SELECT f.issue, h.hash AS key, f.kind, f.status, f.permanent, f.reference,"
    f" f.recorded FROM {_S}.feedback f JOIN hashing h ON f.issue = h.issue AND f.key = h.key",
    f"DELETE FROM {_S}.feedback f USING hashing h WHERE f.issue = h.issue AND f.key = h.key",
    f"UPDATE {_S}.recipients r SET key = h.hash, address = h.hash, name = '',"
    f" reply = CASE WHEN r.state IN {_UNSENT} THEN %(why)s ELSE '' END,"
    f" state = CASE WHEN r.state IN {_UNSENT} THEN 'skipped' ELSE r.state END,"
    " claimer = NULL, claim = NULL, lease_until = NULL FROM hashing h WHERE r.issue = h.issue AND r.key = h.key",
    f"INSERT INTO {_S}.feedback (issue, key, kind, status, permanent, detail, reference, recorded)"
    " SELECT issue, key, kind, status, permanent, '', reference, recorded FROM moved ON CONFLICT DO NOTHING",
)


class PostgresPrivacy(PrivacyBackend):
    """The SQL of :mod:`.privacy` for ``store``."""

    def __init__(self, store: PostgresStore, /) -> None:
        self.store = store

    # -- subject access ----------------------------------------------------------------------------

    def held(self, key: str, hashed: str | None, /) -> dict[str, Any]:
        run, keys = self.store._run, [key, hashed or key]
        found: dict[str, Any] = {
            "requests": [{"kind": k, "address": a, "created": iso_time(c), "expires": iso_time(e)}
                         for k, a, c, e in run(f"SELECT kind, address, created, expires FROM {_S}.requests WHERE key = %s"
                                               " OR position(%s in lower(payload)) > 0 ORDER BY created", (key, key))],
            "suppressions": [{"address": a, "reason": r, "date": d, "source": s, "added": t.isoformat(timespec="seconds")}
                             for a, r, d, s, t in run(f"SELECT address, reason, date, source, added FROM {_S}.suppressions"
                                                      " WHERE key = ANY(%s) ORDER BY added", (keys,))],
            "lifted": [{"source": s, "day": d} for s, d in run(f"SELECT source, day FROM {_S}.lifted WHERE key = ANY(%s)", (keys,))],
            "links": [str(t) for (t,) in run(f"SELECT token FROM {_S}.links WHERE lower(address) = %s", (key,))],
            "soft_bounces": [{"reference": r, "day": d, "status": s}
                             for r, d, s in run(f"SELECT reference, day, status FROM {_S}.soft WHERE key = %s ORDER BY day", (key,))],
            "deliveries": [],
        }
        rows = run(f"SELECT r.issue, r.key, r.address, r.name, r.segment, r.edition, r.version, r.state, r.attempts, r.reply,"
                   f" r.updated, s.value, l.value FROM {_S}.recipients r"
                   f" LEFT JOIN {_S}.meta s ON s.issue = r.issue AND s.key = 'started'"
                   f" LEFT JOIN {_S}.meta l ON l.issue = r.issue AND l.key = 'list_id'"
                   " WHERE r.key = ANY(%s) ORDER BY r.issue", (keys,))
        for issue, row_key, address, name, segment, edition, version, state, attempts, reply, updated, started, list_id in rows:
            feedback = run(f"SELECT kind, status, permanent, detail, reference, recorded FROM {_S}.feedback"
                           " WHERE issue = %s AND key = %s ORDER BY recorded, seq", (issue, row_key))
            found["deliveries"].append({
                "issue": issue, "address": address, "name": name, "segment": segment, "edition": edition, "version": version,
                "state": state, "attempts": attempts, "reply": reply, "updated": updated.isoformat(timespec="seconds"),
                "send_started": iso_time(float(started or 0)), "list_id": list_id or "",
                "feedback": [{"kind": k, "status": s, "permanent": bool(p), "detail": d, "reference": r, "recorded": iso_time(t)}
                             for k, s, p, d, r, t in feedback]})
        return found

    # -- erasure -----------------------------------------------------------------------------------

    def erase(self, key: str, hashed: str, /) -> dict[str, int]:
        def work(db: Connection, retrying: bool) -> dict[str, int]:
            _one_at_a_time(db)
            counts = {kind: int(db.execute(statement, params).rowcount) for kind, statement, params in (
                ("own record", f"DELETE FROM {_S}.people WHERE key = %s", (key,)),
                ("requests", f"DELETE FROM {_S}.requests WHERE key = %s OR position(%s in lower(payload)) > 0", (key, key)),
                ("suppression entries", f"DELETE FROM {_S}.suppressions WHERE key = %s", (key,)),
                ("lifts", f"DELETE FROM {_S}.lifted WHERE key = %s", (key,)),
                ("link tokens", f"DELETE FROM {_S}.links WHERE lower(address) = %s", (key,)),
                ("soft bounces", f"DELETE FROM {_S}.soft WHERE key = %s", (key,)),
            )}
            issues = [str(i) for (i,) in db.execute(f"SELECT issue FROM {_S}.recipients WHERE key = %s", (key,)).fetchall()]
            counts["delivery rows hashed"] = _hash_rows(db, [(issue, key) for issue in issues], lambda _: hashed, "erased")
            return counts

        return self.store._write(work)

    # -- retention ---------------------------------------------------------------------------------

    def expire(self, cutoffs: Cutoffs, hasher: Hasher | None, /, *, dry_run: bool) -> dict[str, int]:
        old = f"FROM {_S}.recipients WHERE updated < to_timestamp(%s) AND key NOT LIKE 'h:%%'"
        checks = (("delivery rows hashed", old, cutoffs.deliveries),
                  ("bounce texts dropped", f"FROM {_S}.feedback WHERE recorded < %s AND detail <> ''", cutoffs.evidence),
                  ("handled messages forgotten", f"FROM {_S}.processed WHERE at < %s", cutoffs.evidence),
                  ("soft bounces deleted", f"FROM {_S}.soft WHERE day < %s", cutoffs.evidence_day),
                  ("expired requests deleted", f"FROM {_S}.requests WHERE expires <= %s", cutoffs.now))
        if not self.store.exists:
            return dict.fromkeys((kind for kind, _, _ in checks), 0)

        def work(db: Connection, retrying: bool) -> dict[str, int]:
            if not dry_run:
                _one_at_a_time(db)
            counts = {kind: int(db.execute(f"SELECT count(*) {where}", (value,)).fetchone()[0])  # type: ignore[index]
                      for kind, where, value in checks}
            if dry_run or hasher is None:
                return counts
            rows = [(str(i), str(k)) for i, k in db.execute(f"SELECT issue, key {old}", (cutoffs.deliveries,)).fetchall()]
            _hash_rows(db, rows, hasher, "expired")
            for kind, where, value in checks[1:]:
                if kind == "bounce texts dropped":
                    db.execute(f"UPDATE {_S}.feedback SET detail = '' WHERE recorded < %s AND detail <> ''", (value,))
                else:
                    db.execute(f"DELETE {where}", (value,))
            return counts

        return self.store._write(work) if not dry_run else self.store._db.run(work)


def _one_at_a_time(db: Connection) -> None:
    """Wait for any other erasure or purge of the store to commit (two would hash the same rows, and the second
    would take the first's hashed rows for older ones)."""
    db.execute("SELECT pg_advisory_xact_lock(%s, hashtext('privacy'))", (LOCK_CLASS,))


def _hash_rows(db: Connection, rows: list[tuple[str, str]], hasher: Callable[[str], str], why: str) -> int:
    """Replace the key and address of each (issue, key) row with its keyed hash (see :data:`_HASH_ROWS`); returns
    how many rows were hashed."""
    if not rows:
        return 0
    db.execute("CREATE TEMP TABLE hashing (issue text, key text, hash text) ON COMMIT DROP")
    with db.cursor() as cursor, cursor.copy("COPY hashing FROM STDIN") as copy:
        for issue, key in rows:
            copy.write_row((issue, key, hasher(key)))
    hashed = 0
    for statement in _HASH_ROWS:
        done = db.execute(statement, {"why": why})
        if statement.startswith(f"UPDATE {_S}.recipients"):
            hashed = int(done.rowcount)
    return hashed
