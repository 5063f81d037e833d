"""The delivery engine on its own: an in-memory transport that fails on cue, and a ledger in a temporary folder."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from soc_bulletin.errors import MessageRefused, RecipientRefused, SenderFailure, SendError, TemporaryFailure
from soc_bulletin.send.engine import DeliveryOptions, DeliveryReport, deliver
from soc_bulletin.send.message import OutgoingMessage
from soc_bulletin.send.transports import Transport
from soc_bulletin.store.ledger import LedgerRow, State
from soc_bulletin.store.sqlite_ledger import SQLiteLedger

from .test_message import template

FAST = DeliveryOptions(concurrency=2, backoff_base=0.001, batch=4, flush_interval=0.001)


class MemoryTransport(Transport):
    """Accepts every message, unless ``fail(address, attempt)`` returns an error to raise."""

    def __init__(self, fail: Callable[[str, int], SendError | None] = lambda address, attempt: None) -> None:
        self.fail = fail
        self.accepted: list[OutgoingMessage] = []
        self.attempts: dict[str, int] = {}
        self.closed = False

    async def send(self, message: OutgoingMessage, /) -> str:
        attempt = self.attempts[message.recipient] = self.attempts.get(message.recipient, 0) + 1
        await asyncio.sleep(0)
        if (error := self.fail(message.recipient, attempt)) is not None:
            raise error
        self.accepted.append(message)
        return "250 OK"

    async def close(self) -> None:
        self.closed = True


ADDRESSES = [f"p{n}@example.org" for n in range(10)]


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SQLiteLedger]:
    opened = SQLiteLedger(tmp_path / "i.sqlite3", identity="i")
    opened.begin_run("run", [LedgerRow(a, "", "everyone") for a in ADDRESSES], listed=lambda a: True, suppressed=lambda a: False)
    yield opened
    opened.close()


def run(ledger: SQLiteLedger, transport: Transport, options: DeliveryOptions = FAST, **kwargs: object) -> DeliveryReport:
    return asyncio.run(deliver(ledger, "run", {"everyone": template()}, transport, options=options, **kwargs))  # type: ignore[arg-type]


def states(ledger: SQLiteLedger) -> dict[str, State]:
    return {row.address: row.state for row in ledger.rows()}


def test_everyone_once_and_the_transport_left_to_its_owner(ledger: SQLiteLedger) -> None:
    transport = MemoryTransport()
    report = run(ledger, transport)
    assert sorted(m.recipient for m in transport.accepted) == ADDRESSES
    assert report.sent == 10 and report.counts.sent == 10 and not transport.closed  # Campaign.send closes it
    assert set(states(ledger).values()) == {State.SENT}


def test_temporary_failures_are_retried_then_given_up(ledger: SQLiteLedger) -> None:
    transport = MemoryTransport(lambda a, n: TemporaryFailure("451 later") if a == ADDRESSES[0] or (a == ADDRESSES[1] and n == 1) else None)
    report = run(ledger, transport, DeliveryOptions(concurrency=2, backoff_base=0.001, batch=4, flush_interval=0.001, max_attempts=3))
    assert transport.attempts[ADDRESSES[0]] == 3 and transport.attempts[ADDRESSES[1]] == 2
    assert states(ledger)[ADDRESSES[0]] is State.FAILED_TEMPORARY and states(ledger)[ADDRESSES[1]] is State.SENT
    assert report.retries == 3 and [f.address for f in report.failed] == [ADDRESSES[0]]


def test_a_refused_recipient_is_reported_once_and_never_retried(ledger: SQLiteLedger) -> None:
    heard: list[str] = []
    transport = MemoryTransport(lambda a, n: RecipientRefused("550 5.1.1 unknown") if a == ADDRESSES[3] else None)
    run(ledger, transport, on_permanent=lambda address, reply: heard.append(address))
    assert heard == [ADDRESSES[3]] and transport.attempts[ADDRESSES[3]] == 1
    assert states(ledger)[ADDRESSES[3]] is State.FAILED_PERMANENT


@pytest.mark.parametrize("error", [MessageRefused("554 5.7.1 spam"), SenderFailure("535 login refused")])
def test_a_message_or_sender_failure_stops_and_leaves_rows_pending(ledger: SQLiteLedger, error: SendError) -> None:
    transport = MemoryTransport(lambda a, n: error)
    report = run(ledger, transport, DeliveryOptions(concurrency=1, batch=4, flush_interval=0.001))
    assert report.stopped == str(error) and transport.accepted == []
    assert set(states(ledger).values()) == {State.PENDING}, "nobody is marked failed for it"


def test_failures_in_a_row_pause_the_send(ledger: SQLiteLedger) -> None:
    transport = MemoryTransport(lambda a, n: RecipientRefused("550 5.1.1 unknown"))
    options = DeliveryOptions(concurrency=1, batch=4, flush_interval=0.001, max_consecutive_failures=3)
    report = run(ledger, transport, options)
    assert report.stopped.startswith("paused after 3 failures in a row")
    assert list(states(ledger).values()).count(State.FAILED_PERMANENT) == 3


def test_a_stop_request_finishes_cleanly_with_nothing_in_flight(ledger: SQLiteLedger) -> None:
    stop = asyncio.Event()

    async def go() -> DeliveryReport:
        transport = MemoryTransport(lambda a, n: stop.set() if a == ADDRESSES[2] else None)
        return await deliver(ledger, "run", {"everyone": template()}, transport, options=DeliveryOptions(concurrency=1, batch=4), stop=stop)

    report = asyncio.run(go())
    assert report.stopped == "interrupted"
    assert State.SENDING not in states(ledger).values()
    assert report.counts.sent == report.sent < 10
