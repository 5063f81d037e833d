"""Erasure, subject access and retention in the store (soc_bulletin.store.privacy), on both backends."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from soc_bulletin.audience.subscribers import Subscriber
from soc_bulletin.config import Settings
from soc_bulletin.config.privacy import PrivacySettings
from soc_bulletin.store import privacy
from soc_bulletin.store.base import Store
from soc_bulletin.store.hashing import is_hashed
from soc_bulletin.store.ledger import LedgerRow, State
from soc_bulletin.store.people import Person, Request, token_digest
from soc_bulletin.store.postgres_store import PostgresStore
from soc_bulletin.store.sqlite_store import SQLiteStore

from .backends import Backend

ADA = "Ada.Lovelace@Example.org"


def populate(store: Store, issue: str = "2026-03") -> dt.date:
    """Ada and Bo everywhere the store keeps people: a record, a request, a suppression, a lift, link tokens, a sent
    row with a complaint and a bounce, soft bounces, a pending row of another issue. The day when it is done: no row
    is younger, also when the clock passes midnight while it writes."""
    store.save_person(Person(ADA, origin="list", name="Ada", tags=frozenset({"police"}), language="cy", paused_until="2027-01-01",
                             updated=time.time()))
    now = time.time()
    store.add_request(token_digest("t1"), Request("move", "ada.new@example.org", Person(ADA, name="Ada"), now, now + 600))
    store.add_request(token_digest("t2"), Request("signup", "bo@example.org", Person("bo@example.org"), now, now + 600))
    store.remember_links([("tok-ada", ADA), ("tok-bo", "bo@example.org")])
    ledger = store.ledger(issue)
    assert ledger is not None
    ledger.begin_run("r1", [LedgerRow(ADA, "Ada Lovelace", "all"), LedgerRow("bo@example.org", "Bo", "all")],
                     listed=lambda a: True, suppressed=lambda a: False)
    ledger.mark([(row.address, State.SENT, f"250 ok queued for {row.address}") for row in ledger.claim("r1", 10)])
    ledger.close()
    assert store.record_feedback(issue, ADA, "complaint", status="abuse", permanent=True, detail=f"From: {ADA} spam",
                                 reference="ref-1")
    assert store.record_feedback(issue, "bo@example.org", "bounce", status="5.1.1", permanent=True,
                                 detail="bo@example.org: no such user", reference="ref-2")
    other = store.ledger("2026-06")
    assert other is not None
    other.begin_run("r2", [LedgerRow(ADA.lower(), "Ada", "all")], listed=lambda a: True, suppressed=lambda a: False)
    other.close()
    store.suppress(ADA.upper(), "unsubscribed", source="one-click")
    store.suppress(ADA, "complained", source="complaint")
    store.lift(ADA, source="one-click")
    store.soft_bounces(ADA, f"{issue}\n{ADA.casefold()}", dt.date.today(), "4.2.2", days=30)
    store.handled("digest-1", "mailbox", "bounce")
    store._close_writers()
    return dt.date.today()


def text_anywhere(backend: Backend, store: Store, text: str) -> list[str]:
    """Where ``text`` (any case) is: the SQLite store's files, as bytes; every text column of every PostgreSQL table."""
    if isinstance(store, SQLiteStore):
        return [p.name for p in sorted(store.folder.iterdir())
                if p.is_file() and any(v.encode() in p.read_bytes() for v in (text, text.lower(), text.upper()))]
    assert isinstance(store, PostgresStore)
    found = []
    with psycopg.connect(store.url) as db:
        columns = db.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'soc_bulletin'"
                             " AND data_type IN ('text', 'jsonb', 'character varying')").fetchall()
        for table, column in columns:
            row = db.execute(f"SELECT count(*) FROM soc_bulletin.{table} WHERE lower({column}::text) LIKE %s",
                             (f"%{text.lower()}%",)).fetchone()
            if row and row[0]:
                found.append(f"{table}.{column}")
    return found


def test_held_is_everything_about_the_address_and_nothing_about_others(backend: Backend) -> None:
    store = backend.open()
    populate(store)
    found = privacy.held(store, ADA.lower())
    assert found["person"]["name"] == "Ada" and found["person"]["paused_until"] == "2027-01-01"
    assert [r["kind"] for r in found["requests"]] == ["move"]  # the move of Ada's record; Bo's sign-up is his
    assert [(s["source"], s["reason"]) for s in found["suppressions"]] == [("complaint", "complained")]
    assert [lift["source"] for lift in found["lifted"]] == ["one-click"]
    assert found["links"] == ["tok-ada"]
    assert [s["status"] for s in found["soft_bounces"]] == ["4.2.2"]
    sent, pending = sorted(found["deliveries"], key=lambda d: d["issue"])
    assert (sent["issue"], sent["state"], sent["attempts"], sent["name"]) == ("2026-03", "sent", 1, "Ada Lovelace")
    assert [(f["kind"], f["detail"]) for f in sent["feedback"]] == [("complaint", f"From: {ADA} spam")]
    assert (pending["issue"], pending["state"]) == ("2026-06", "pending")
    assert "bo@example.org" not in repr(found)
    with pytest.raises(ValueError, match="not an email address"):
        privacy.held(store, "not an address")


def test_forget_leaves_the_address_nowhere_and_keeps_it_suppressed(backend: Backend) -> None:
    store = backend.open()
    populate(store)
    counts = privacy.forget(store, ADA)
    assert counts["own record"] == 1 and counts["requests"] == 1 and counts["link tokens"] == 1
    assert counts["delivery rows hashed"] == 2 and counts["soft bounces"] == 1
    store.close()
    store = backend.open(backend.where)
    assert text_anywhere(backend, store, ADA) == []
    assert text_anywhere(backend, store, "bo@example.org"), "nobody else is erased"
    # still suppressed, under the keyed hash: however the address is written or asked about
    suppressions = store.suppressions()
    assert ADA in suppressions and ADA.upper() in suppressions and Subscriber(ADA.lower()) in suppressions
    assert "bo@example.org" not in suppressions
    assert store.suppressed_keys([ADA.casefold(), "bo@example.org"]) == {ADA.casefold()}
    [entry] = [e for e in suppressions.entries if e.source == "erased"]
    assert is_hashed(entry.address) and entry.reason == "erased"
    # the ledger keeps its counts and states; the pending row will never be sent
    ledger = store.ledger("2026-03", create=False)
    assert ledger is not None
    assert ledger.counts().sent == 2
    hashed = [row for row in ledger.rows() if is_hashed(row.key)]
    assert [(r.state, r.name, r.reply) for r in hashed] == [(State.SENT, "", "")]
    assert [(f.kind, f.detail) for f in ledger.feedback() if is_hashed(f.address)] == [("complaint", "")]
    ledger.close()
    ledger = store.ledger("2026-06", create=False)
    assert ledger is not None and [(r.state, r.reply) for r in ledger.rows()] == [(State.SKIPPED, "erased")]
    ledger.close()
    assert privacy.held(store, ADA)["deliveries"][0]["address"] == entry.address
    [(_, event, detail)] = [j for j in store.journal() if j[1] == "erased"]
    assert "ada" not in detail.lower() and "2 delivery rows hashed" in detail
    # a confirmed sign-up lifts the erasure
    assert store.lift(ADA, source="erased") == 1
    assert ADA not in store.suppressions() and store.suppressed_keys([ADA.casefold()]) == set()


def test_forget_refuses_what_is_not_an_address(backend: Backend) -> None:
    store = backend.open()
    with pytest.raises(ValueError, match="is not an email address"):
        privacy.forget(store, "ada at example")


def test_a_running_send_stops_at_an_erasure(backend: Backend) -> None:
    """What an erasure writes first (the suppression under the keyed hash) stops a send that is running."""
    store = backend.open()
    ledger = store.ledger("2026-09")
    assert ledger is not None
    ledger.begin_run("r", [LedgerRow(f"p{n}@example.org", "", "all") for n in range(3)] + [LedgerRow(ADA, "", "all")],
                     listed=lambda a: True, suppressed=lambda a: False)
    other = backend.open(backend.where)
    hasher = other.hasher(make=True)
    assert hasher is not None
    other._add(hasher(ADA.casefold()), hasher(ADA.casefold()), "erased", "erased", dt.date.today().isoformat())
    time.sleep(1.1)  # the SQLite send reads what was added at most once a second
    claimed = ledger.claim("r", 10)
    assert sorted(r.address for r in claimed) == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert ledger.counts().suppressed == 1
    ledger.close()


def settings(delivery: int = 60, evidence: int = 45) -> Settings:
    return Settings(privacy=PrivacySettings(keep_delivery_days=delivery, keep_bounce_evidence_days=evidence))


def test_purge_keeps_what_is_young_and_hashes_or_drops_what_is_old(backend: Backend) -> None:
    store = backend.open()
    today = populate(store)
    assert privacy.purge(store, settings(), day=today) == {
        "delivery rows hashed": 0, "bounce texts dropped": 0, "handled messages forgotten": 0, "soft bounces deleted": 0,
        "expired requests deleted": 0}
    later = today + dt.timedelta(days=50)  # past the evidence (45 days), not the deliveries (60)
    dry = privacy.purge(store, settings(), day=later, dry_run=True)
    assert dry == {"delivery rows hashed": 0, "bounce texts dropped": 2, "handled messages forgotten": 1,
                   "soft bounces deleted": 1, "expired requests deleted": 2}
    assert privacy.held(store, ADA)["deliveries"][0]["feedback"][0]["detail"], "a dry run changes nothing"
    assert privacy.purge(store, settings(), day=later) == dry
    found = privacy.held(store, ADA)
    assert found["soft_bounces"] == [] and found["requests"] == []
    assert [f["detail"] for d in found["deliveries"] for f in d["feedback"]] == [""]
    assert not store.seen("digest-1")
    assert privacy.purge(store, settings(), day=later)["bounce texts dropped"] == 0  # once
    much_later = today + dt.timedelta(days=61)
    assert privacy.purge(store, settings(), day=much_later)["delivery rows hashed"] == 3
    store.close()
    store = backend.open(backend.where)
    assert text_anywhere(backend, store, "bo@example.org") in (["store.db"], ["links.address"])
    bo = privacy.held(store, "bo@example.org")
    assert bo["links"] == ["tok-bo"], "the token of the unsubscribe link in every bulletin Bo received"
    assert [(d["address"][:2], d["state"], d["name"]) for d in bo["deliveries"]] == [("h:", "sent", "")]
    ledger = store.ledger("2026-03", create=False)
    assert ledger is not None and ledger.counts().sent == 2 and all(is_hashed(r.key) for r in ledger.rows())
    ledger.close()
    ledger = store.ledger("2026-06", create=False)
    assert ledger is not None and [(r.state, r.reply) for r in ledger.rows()] == [(State.SKIPPED, "expired")]
    ledger.close()
    assert "ada" in repr(store.people()).lower(), "a person's own record is theirs to keep, not a delivery"
    assert any(event == "purged" for _, event, _ in store.journal())


def test_the_clock_can_be_moved_by_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(privacy.TODAY_VARIABLE, "2031-02-03")
    assert privacy.today() == dt.date(2031, 2, 3)
    monkeypatch.setenv(privacy.TODAY_VARIABLE, "soon")
    with pytest.raises(Exception, match="SOC_BULLETIN_TODAY must be a date"):
        privacy.today()


def test_two_purges_at_once_hash_each_row_once_and_lose_none(backend: Backend) -> None:
    today = populate(backend.open())
    stores = [backend.open(backend.where), backend.open(backend.where)]
    later = today + dt.timedelta(days=61)
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda store: privacy.purge(store, settings(), day=later), stores))
    assert sum(counts["delivery rows hashed"] for counts in done) == 3
    for issue, total in (("2026-03", 2), ("2026-06", 1)):
        ledger = stores[0].ledger(issue, create=False)
        assert ledger is not None and ledger.counts().total == total and all(is_hashed(r.key) for r in ledger.rows())
        ledger.close()


def test_forget_while_a_send_holds_the_ledger(backend: Backend) -> None:
    store = backend.open()
    ledger = store.ledger("2026-12")
    assert ledger is not None
    ledger.begin_run("r", [LedgerRow(ADA, "Ada", "all"), LedgerRow("bo@example.org", "Bo", "all")],
                     listed=lambda a: True, suppressed=lambda a: False)
    privacy.forget(backend.open(backend.where), ADA)
    assert [row.address for row in ledger.claim("r", 10)] == ["bo@example.org"]
    ledger.mark([("bo@example.org", State.SENT, "250 ok")])
    ledger.close()
    store.close()
    assert text_anywhere(backend, backend.open(backend.where), ADA) == []
