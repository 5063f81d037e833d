"""The ledger of a send (soc_bulletin.store.ledger.Ledger): one suite run on both backends, SQLite in a temporary
folder and PostgreSQL on a real server; then what only each backend does: SQLite's one sender and its file, and
PostgreSQL's several senders (shared claims, leases, the shared rate, the shared suppression list) and its schema.

The suppression list and the rest of the store: tests/test_store.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import psycopg
import pytest

from soc_bulletin.errors import ConfigError, LedgerError
from soc_bulletin.send.engine import DeliveryOptions, deliver
from soc_bulletin.send.message import MessageTemplate, OutgoingMessage
from soc_bulletin.send.transports import Transport
from soc_bulletin.store.ledger import Ledger, LedgerRow, State
from soc_bulletin.store.postgres_db import LATEST
from soc_bulletin.store.postgres_ledger import PostgresLedger
from soc_bulletin.store.postgres_store import PostgresStore
from soc_bulletin.store.sqlite_ledger import SQLiteLedger

from .backends import Backend
from .postgres import pg_url  # noqa: F401 - the fixture
from .smtp import closed_port


def rows(*addresses: str, edition: str = "everyone", segment: str = "all") -> list[LedgerRow]:
    return [LedgerRow(a, a.split("@")[0], edition, segment=segment) for a in addresses]


def everyone(address: str) -> bool:
    return True


def nobody(address: str) -> bool:
    return False


def many(count: int) -> list[LedgerRow]:
    return rows(*(f"p{n:03d}@x.org" for n in range(count)))


class Ledgers:
    """The ledgers of issue 2019-08 one test opens on its backend, as a sender opens them; each closed after the test."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.opened: list[Ledger] = []

    def open(self) -> Ledger:
        ledger: Ledger
        if self.backend.kind == "postgres":
            ledger = PostgresLedger(self.backend.where, identity="2019-08")
        else:
            Path(self.backend.where).mkdir(exist_ok=True)
            ledger = SQLiteLedger(Path(self.backend.where) / "2019-08.sqlite3", identity="2019-08")
        self.opened.append(ledger)
        return ledger


@pytest.fixture
def ledgers(backend: Backend) -> Iterator[Ledgers]:
    opened = Ledgers(backend)
    yield opened
    for ledger in opened.opened:
        ledger.close()


# -- the Ledger interface, on both backends ------------------------------------------------------------------------


def test_a_run_claims_only_its_own_rows_in_order_and_keys_ignore_case(ledgers: Ledgers) -> None:
    ledger = ledgers.open()
    first = ledger.begin_run("r1", rows("a@x.org", "b@x.org"), listed=everyone, suppressed=nobody)
    assert (first.new, first.to_send) == (2, 2)
    ledger.close()
    ledger = ledgers.open()  # a later run (the first sender left): its own rows only
    second = ledger.begin_run("r2", rows("c@x.org", segment="police"), listed=everyone, suppressed=nobody)
    assert (second.new, second.to_send) == (1, 1)
    assert [r.address for r in ledger.claim("r2", 10)] == ["c@x.org"]
    ledger.record_version("everyone", "f1", {"a": "1"}, new=True)
    ledger.mark([("c@x.org", State.SENT, "250 OK")])  # as claimed (PostgreSQL also takes another case here; SQLite not)
    again = ledger.begin_run("r3", rows("C@X.org", "a@x.org"), listed=everyone, suppressed=nobody)
    assert (again.new, again.already_sent, again.to_send) == (0, 1, 1)
    assert [r.address for r in ledger.claim("r3", 10)] == ["a@x.org"]
    assert ledger.claim("r3", 10) == [], "a sent row is never claimed again"
    assert ledger.rows(State.SENT)[0].version == 1
    assert ledger.counts().sending == 1 and ledger.counts().pending == 1  # b: pending, from a run no longer targeting it


def test_unsent_rows_of_people_who_left_or_are_suppressed_are_set_aside_until_they_are_back(ledgers: Ledgers) -> None:
    ledger = ledgers.open()
    ledger.begin_run("r1", rows("a@x.org", "b@x.org", "c@x.org"), listed=everyone, suppressed=nobody)
    ledger.close()
    ledger = ledgers.open()
    result = ledger.begin_run("r2", rows("a@x.org"), listed=lambda a: a != "b@x.org", suppressed=lambda a: a == "c@x.org")
    assert (result.skipped, result.suppressed) == (["b@x.org"], ["c@x.org"])
    assert {r.address: r.state for r in ledger.rows()} == {"a@x.org": State.PENDING, "b@x.org": State.SKIPPED,
                                                            "c@x.org": State.SUPPRESSED}
    back = ledger.begin_run("r3", rows("b@x.org"), listed=everyone, suppressed=nobody)
    assert back.to_send == 1 and [r.address for r in ledger.claim("r3", 5)] == ["b@x.org"]


def test_versions_replace_or_add(ledgers: Ledgers) -> None:
    ledger = ledgers.open()
    assert ledger.record_version("police", "f1", {"a": "1"}, new=True) == 1
    assert ledger.record_version("police", "f2", {"a": "2"}, new=False) == 1
    assert ledger.record_version("police", "f3", {"a": "3"}, new=True) == 2
    assert [(v.version, v.fingerprint, dict(v.articles)) for v in ledger.versions()] == [(1, "f2", {"a": "2"}), (2, "f3", {"a": "3"})]
    ledger.set_meta("started", "12.5")
    assert ledger.meta()["started"] == "12.5"


def test_feedback_is_recorded_once_per_reference(ledgers: Ledgers) -> None:
    ledger = ledgers.open()
    ledger.begin_run("r1", rows("a@x.org"), listed=everyone, suppressed=nobody)
    assert ledger.record_feedback("A@x.org", "bounce", status="5.1.1", reference="m1")
    assert ledger.record_feedback("a@x.org", "bounce", status="5.1.1", reference="m1")
    assert not ledger.record_feedback("nobody@x.org", "bounce", reference="m2")
    [found] = ledger.feedback()
    assert (found.address, found.kind, found.status, found.permanent) == ("a@x.org", "bounce", "5.1.1", True)


# -- SQLite: one sender, one file per issue ------------------------------------------------------------------------


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SQLiteLedger]:
    opened = SQLiteLedger(tmp_path / "issue.sqlite3", identity="2019-08")
    yield opened
    opened.close()


def test_sqlite_runs_of_one_sender_claim_their_own_rows_and_the_next_takes_back_what_a_crash_left_sending(ledger: SQLiteLedger) -> None:
    ledger.begin_run("r1", rows("a@x.org", "b@x.org"), listed=everyone, suppressed=nobody)
    ledger.begin_run("r2", rows("c@x.org"), listed=everyone, suppressed=nobody)
    assert [r.address for r in ledger.claim("r2", 10)] == ["c@x.org"]
    assert [r.address for r in ledger.claim("r1", 1)] == ["a@x.org"]  # then the process dies: a stays sending
    # (on PostgreSQL a claim is leased: test_postgres_an_expired_lease_is_claimed_again_...)
    again = ledger.begin_run("r3", rows("a@x.org", "b@x.org"), listed=everyone, suppressed=nobody)
    assert again.to_send == 2 and [r.address for r in ledger.claim("r3", 10)] == ["a@x.org", "b@x.org"]


def test_sqlite_another_issue_and_a_second_sender_are_refused(ledger: SQLiteLedger) -> None:
    with pytest.raises(LedgerError, match="another send is using"):
        SQLiteLedger(ledger.path, identity="2019-08")
    ledger.close()
    with pytest.raises(LedgerError, match="is the ledger of issue '2019-08', not '2019-11'"):
        SQLiteLedger(ledger.path, identity="2019-11")


def test_sqlite_a_missing_ledger_is_created_only_when_asked(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no ledger here"):
        SQLiteLedger(tmp_path / "none.sqlite3", identity="x", create=False, lock=False)
    assert not (tmp_path / "none.sqlite3").exists()


def test_sqlite_a_ledger_replaced_under_a_running_send_stops_it(ledger: SQLiteLedger) -> None:
    ledger.begin_run("r1", rows("a@x.org"), listed=everyone, suppressed=nobody)
    ledger.path.rename(ledger.path.with_name("moved.sqlite3"))
    with pytest.raises(LedgerError, match="was deleted or replaced during the send"):
        ledger.claim("r1", 10)


# -- PostgreSQL: several senders on one ledger, leases, the shared rate and suppression list, the schema -------------


@pytest.fixture
def pg_ledgers(pg_url: str) -> Iterator[list[PostgresLedger]]:  # noqa: F811
    opened: list[PostgresLedger] = []
    yield opened
    for ledger in opened:
        ledger.close()


def open_ledger(ledgers: list[PostgresLedger], url: str, lease: float = 60.0) -> PostgresLedger:
    ledger = PostgresLedger(url, identity="2019-08", lease=lease)
    ledgers.append(ledger)
    return ledger


def test_postgres_two_senders_join_one_run_and_claim_disjoint_batches(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    a, b = open_ledger(pg_ledgers, pg_url), open_ledger(pg_ledgers, pg_url)
    a.begin_run("ra", many(10), listed=everyone, suppressed=nobody)
    joined = b.begin_run("rb", many(10), listed=everyone, suppressed=nobody)
    assert (joined.new, joined.to_send) == (0, 10)
    first, second = a.claim("ra", 4), b.claim("rb", 4)
    assert [r.address for r in first] == [f"p{n:03d}@x.org" for n in range(4)]
    assert [r.address for r in second] == [f"p{n:03d}@x.org" for n in range(4, 8)]
    assert (a.outstanding("ra"), b.outstanding("rb")) == (4, 4)
    a.record_version("everyone", "f", {}, new=True)
    a.mark([(r.address, State.SENT, "250") for r in first])
    b.mark([(r.address, State.PENDING, "") for r in second])  # released: the other sender takes them
    assert [r.address for r in a.claim("ra", 10)] == [f"p{n:03d}@x.org" for n in range(4, 10)]
    assert b.claim("rb", 10) == [] and b.outstanding("rb") == 6


def test_postgres_an_expired_lease_is_claimed_again_and_its_late_holder_cannot_undo_it(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    dying, other = open_ledger(pg_ledgers, pg_url, lease=1.0), open_ledger(pg_ledgers, pg_url)
    dying.begin_run("r1", many(3), listed=everyone, suppressed=nobody)
    other.begin_run("r2", many(3), listed=everyone, suppressed=nobody)
    held = dying.claim("r1", 2)
    assert other.claim("r2", 10) == rows_of(other, "p002@x.org")
    assert other.claim("r2", 10) == [], "a live lease is never taken"
    time.sleep(1.3)
    again = other.claim("r2", 10)
    assert [r.address for r in again] == [r.address for r in held] and all(r.attempts == 2 for r in again)
    dying.mark([(held[0].address, State.PENDING, ""), (held[1].address, State.FAILED_TEMPORARY, "451")])
    assert {r.state for r in other.rows() if r.address in {h.address for h in held}} == {State.SENDING}
    other.record_version("everyone", "f", {}, new=True)
    other.mark([(held[0].address, State.SENT, "250")])
    dying.mark([(held[0].address, State.FAILED_PERMANENT, "550")])  # never undoes a sent row
    assert [r.state for r in other.rows() if r.address == held[0].address] == [State.SENT]


def rows_of(ledger: PostgresLedger, *addresses: str) -> list[LedgerRow]:
    return [LedgerRow(a, a.split("@")[0], "everyone", State.SENDING, 1, "", "all") for a in addresses]


def test_postgres_renewal_keeps_a_lease_alive(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    holder, other = open_ledger(pg_ledgers, pg_url, lease=1.0), open_ledger(pg_ledgers, pg_url)
    holder.begin_run("r1", many(2), listed=everyone, suppressed=nobody)
    other.begin_run("r2", many(2), listed=everyone, suppressed=nobody)
    assert len(holder.claim("r1", 10)) == 2
    for _ in range(3):
        time.sleep(0.5)
        holder.renew()
    assert other.claim("r2", 10) == [] and other.outstanding("r2") == 2


def test_postgres_the_rate_is_one_schedule_for_every_sender(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    a, b = open_ledger(pg_ledgers, pg_url), open_ledger(pg_ledgers, pg_url)
    assert a.reserve(0.1, 5) == pytest.approx(0.0, abs=0.02)
    assert b.reserve(0.1, 5) == pytest.approx(0.5, abs=0.05)
    assert a.reserve(0.1, 2) == pytest.approx(1.0, abs=0.05)


def test_postgres_the_shared_suppression_list_is_checked_at_every_claim(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    ledger = open_ledger(pg_ledgers, pg_url)
    ledger.begin_run("r1", many(3), listed=everyone, suppressed=nobody)
    with PostgresStore(pg_url) as store:  # e.g. the unsubscribe service, mid-send
        store.suppress("P001@X.org", "unsubscribed", source="one-click")
    assert [r.address for r in ledger.claim("r1", 10)] == ["p000@x.org", "p002@x.org"]
    assert [r.state for r in ledger.rows()] == [State.SENDING, State.SUPPRESSED, State.SENDING]


def test_postgres_the_unsubscribe_service_and_bounces_add_to_the_same_list(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    with PostgresStore(pg_url, readonly=True) as reader:
        assert reader.suppressions().entries == (), "no schema yet: an empty list, and nothing created"
    with psycopg.connect(pg_url, autocommit=True) as db:
        assert db.execute("SELECT to_regnamespace('soc_bulletin')").fetchone() == (None,)
    with PostgresStore(pg_url) as service, PostgresStore(pg_url) as bounces:  # two processes, one database
        assert service.suppress("Jo@Example.ORG", "unsubscribed", source="one-click", date="2024-05-01")
        assert not bounces.suppress("jo@example.org", "bounced", source="bounce"), "already suppressed"
        entries = service.suppressions()
    assert [(e.address, e.reason, e.date, e.source) for e in entries.entries][0] == (
        "Jo@example.org", "unsubscribed", "2024-05-01", "one-click")
    assert [(e.address, e.reason, e.source) for e in entries.entries][1:] == [("jo@example.org", "bounced", "bounce")]
    assert "jo@EXAMPLE.org" in entries and len(entries) == 1, "one address, an entry from each source"


def test_postgres_versions_are_recorded_once_when_senders_start_together(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    a, b = open_ledger(pg_ledgers, pg_url), open_ledger(pg_ledgers, pg_url)
    assert a.record_version("everyone", "f1", {"x": "1"}, new=True) == 1
    assert b.record_version("everyone", "f1", {"x": "1"}, new=True) == 1
    assert b.record_version("everyone", "f2", {"x": "2"}, new=True) == 2
    assert [(v.version, v.fingerprint, dict(v.articles)) for v in a.versions()] == [(1, "f1", {"x": "1"}), (2, "f2", {"x": "2"})]
    a.set_meta("started", "12.5")
    assert b.meta()["started"] == "12.5" and b.meta()["issue"] == "2019-08"


def test_postgres_status_reads_only_a_send_that_started(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    assert PostgresLedger.existing(pg_url, identity="2019-08") is None
    open_ledger(pg_ledgers, pg_url)
    found = PostgresLedger.existing(pg_url, identity="2019-08")
    assert found is not None
    found.close()
    assert PostgresLedger.existing(pg_url, identity="2019-09") is None


def test_postgres_a_schema_of_an_unknown_version_or_another_programs_is_refused(pg_url: str, pg_ledgers: list[PostgresLedger]) -> None:  # noqa: F811
    open_ledger(pg_ledgers, pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("INSERT INTO soc_bulletin.schema_version (version) VALUES (%s)", (LATEST + 7,))
    with pytest.raises(LedgerError, match=rf"has schema version {LATEST + 7}; this soc_bulletin knows versions up to {LATEST}"):
        PostgresLedger(pg_url, identity="2019-08")
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("DROP SCHEMA soc_bulletin CASCADE")
        db.execute("CREATE SCHEMA soc_bulletin")
        db.execute("CREATE TABLE soc_bulletin.recipients (x int)")
    with pytest.raises(LedgerError, match="not a soc_bulletin ledger"):
        PostgresLedger(pg_url, identity="2019-08")


def test_postgres_unreachable_databases_and_passwords_in_urls_are_refused(pg_url: str) -> None:  # noqa: F811
    url = f"postgresql://bulletin@127.0.0.1:{closed_port()}/bulletin"
    with pytest.raises(LedgerError, match=rf"cannot reach the ledger database {url}: "):
        PostgresLedger(url, identity="2019-08")
    with pytest.raises(ConfigError, match="must not hold a password"):
        PostgresLedger(pg_url.replace("bulletin@", "bulletin:secret@"), identity="2019-08")
    with pytest.raises(ConfigError, match="must not hold a password"):
        PostgresLedger(pg_url + "?password=secret", identity="2019-08")


class SlowTransport(Transport):
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message: OutgoingMessage, /) -> str:
        await asyncio.sleep(0.04)
        self.sent.append(message.recipient)
        return "250 2.0.0 queued"


class Template:
    def build(self, address: str, name: str) -> OutgoingMessage:
        return OutgoingMessage("bulletin@example.org", address, f"<{address}>", b"Subject: x\r\n\r\nx\r\n")


def test_postgres_a_sender_that_finds_nothing_to_claim_takes_the_rows_another_gave_back_meanwhile(
        pg_url: str, pg_ledgers: list[PostgresLedger], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The other sender stops (its daily limit, Ctrl-C) between this one's empty claim and its look at what others hold:
    the rows it gave back are claimed and sent, not left pending by a run that ends as if nothing were left."""
    ours, other = open_ledger(pg_ledgers, pg_url), open_ledger(pg_ledgers, pg_url)
    ours.begin_run("ours", many(10), listed=everyone, suppressed=nobody)
    other.begin_run("other", many(10), listed=everyone, suppressed=nobody)
    ours.record_version("everyone", "f", {}, new=True)
    held = other.claim("other", 10)
    outstanding = ours.outstanding

    def other_stops_first(run: str) -> int:
        if held:
            other.mark([(row.address, State.PENDING, "") for row in held])
            held.clear()
        return outstanding(run)

    monkeypatch.setattr(ours, "outstanding", other_stops_first)
    transport = SlowTransport()
    templates = {"everyone": cast(MessageTemplate, Template())}
    report = asyncio.run(deliver(ours, "ours", templates, transport, options=DeliveryOptions(concurrency=2, batch=16)))
    assert report.sent == 10 and len(transport.sent) == 10
    assert ours.counts().sent == 10 and ours.counts().pending == 0


def test_postgres_a_sender_that_cannot_renew_its_claims_stops_before_they_lapse_and_releases_them(
        pg_url: str, pg_ledgers: list[PostgresLedger], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    holder = open_ledger(pg_ledgers, pg_url, lease=1.5)
    holder.begin_run("r1", many(100), listed=everyone, suppressed=nobody)
    holder.record_version("everyone", "f", {}, new=True)

    def unreachable() -> None:
        raise LedgerError("lost the ledger database: connection refused")

    monkeypatch.setattr(holder, "renew", unreachable)
    transport = SlowTransport()
    started = time.monotonic()
    templates = {"everyone": cast(MessageTemplate, Template())}
    with pytest.raises(LedgerError, match=r"could not renew this sender's claims in the ledger in time \(lease 1.5s; lost the ledger database"):
        asyncio.run(deliver(holder, "r1", templates, transport, options=DeliveryOptions(concurrency=2, batch=16)))
    assert time.monotonic() - started < 1.5, "stopped while its claims were surely still its own"
    assert 0 < len(transport.sent) < 100
    other = open_ledger(pg_ledgers, pg_url)
    other.begin_run("r2", many(100), listed=everyone, suppressed=nobody)
    unsent = {r.address for r in many(100)} - set(transport.sent)
    assert {r.address for r in other.claim("r2", 200)} == unsent, "what it held and did not send was released at once"
