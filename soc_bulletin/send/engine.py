"""The delivery engine: claim recipients from the ledger, build, pace, send, record.

A small pool of workers (``concurrency``) takes claimed rows from a queue and
shares one global rate limit. What happens after a failure is decided by
:func:`next_step`, a pure function of the failure's kind and the attempt:
temporary failures (4xx, dropped connections, time-outs) are retried with
exponential backoff and jitter; a refused recipient is recorded with the
server's reply and reported through ``on_permanent``; a refused message or a
sender failure (login, TLS, DKIM, sender refused) stops the send with its
row left pending; and any N failures in a row pause it. Outcomes are
committed to the ledger in small groups off the event loop, so a crash
repeats at most the rows still marked ``sending``.

With a ledger that several senders share (one with a ``lease``), the engine
also renews its claims every quarter lease, sends a row only while its
claims are surely still its own (a third of the lease to spare), takes the
rate from the ledger's shared schedule, and, when nothing is left to claim,
waits while other senders still hold rows: if one of them dies, its rows
come back when its lease ends and are sent by the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from ..errors import BulletinError, LedgerError, MessageRefused, RecipientRefused, SenderFailure, SendError
from ..store.ledger import Counts, Ledger, LedgerRow, State
from .message import MessageTemplate
from .pacing import Pacer, RateLimit, SharedPacer
from .transports import Transport

__all__ = ["DeliveryOptions", "DeliveryReport", "Failure", "RateLimit", "Step", "deliver", "next_step"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """How hard and how patiently to send."""

    concurrency: int = 4
    rate: RateLimit | None = None
    max_attempts: int = 4
    backoff_base: float = 2.0
    backoff_max: float = 120.0
    max_consecutive_failures: int = 25
    batch: int = 64
    flush_interval: float = 0.05
    lease: float = 60.0  # with a ledger shared by several senders: seconds a claim is held without renewal


@dataclass(frozen=True, slots=True)
class Failure:
    """A recipient that was not accepted in this run."""

    address: str
    state: State
    reply: str


@dataclass
class DeliveryReport:
    """What one run did; ``stopped`` says why it ended early, if it did."""

    sent: int = 0
    failed: list[Failure] = field(default_factory=list)
    suppressed: int = 0
    retries: int = 0
    seconds: float = 0.0
    stopped: str = ""
    counts: Counts = field(default_factory=Counts)

    @property
    def rate(self) -> float:
        """Messages accepted per second in this run."""
        return self.sent / self.seconds if self.seconds else 0.0


class Step(enum.Enum):
    """What to do with a recipient after a failed attempt."""

    RETRY = "retry"                      # try again after a backoff
    FAIL_TEMPORARY = "failed-temporary"  # give up for this run; a rerun tries again
    FAIL_PERMANENT = "failed-permanent"  # never again: the address goes on the suppression list
    STOP = "stop"                        # stop the whole send; the row stays pending


def next_step(error: SendError, attempt: int, max_attempts: int, /) -> Step:
    """The retry policy: what follows ``error`` on the ``attempt``-th try (1-based)."""
    if isinstance(error, (SenderFailure, MessageRefused)):
        return Step.STOP
    if isinstance(error, RecipientRefused):
        return Step.FAIL_PERMANENT
    return Step.RETRY if attempt < max_attempts else Step.FAIL_TEMPORARY


def backoff(attempt: int, options: DeliveryOptions, /, *, jitter: float = 1.0) -> float:
    """Seconds before retry number ``attempt``: doubling from ``backoff_base``, capped, times ``jitter``."""
    return float(min(options.backoff_max, options.backoff_base * 2 ** (attempt - 1)) * jitter)


async def deliver(
    ledger: Ledger,
    run: str,
    templates: Mapping[str, MessageTemplate],
    transport: Transport,
    /,
    *,
    options: DeliveryOptions = DeliveryOptions(),
    is_suppressed: Callable[[str], bool] = lambda address: False,
    on_permanent: Callable[[str, str], None] = lambda address, reply: None,
    on_progress: Callable[[DeliveryReport], None] = lambda report: None,
    stop: asyncio.Event | None = None,
) -> DeliveryReport:
    """Send every row of ``run`` still pending in ``ledger``; return what happened.

    ``templates`` maps each edition key to its message template. ``stop``
    ends the run cleanly: messages on the wire finish, claimed but unsent
    rows go back to pending. ``on_permanent`` hears of each refused
    recipient (it runs off the event loop, in order with ledger writes).
    """
    return await _Run(ledger, run, dict(templates), transport, options, is_suppressed, on_permanent, on_progress, stop).run()


_T = TypeVar("_T")
_Item = tuple[LedgerRow, int]


class _Run:
    def __init__(self, ledger: Ledger, run: str, templates: dict[str, MessageTemplate], transport: Transport,
                 options: DeliveryOptions, is_suppressed: Callable[[str], bool],
                 on_permanent: Callable[[str, str], None], on_progress: Callable[[DeliveryReport], None],
                 stop: asyncio.Event | None) -> None:
        self.ledger, self.run_id, self.templates, self.transport = ledger, run, templates, transport
        self.options, self.is_suppressed, self.on_permanent, self.on_progress = options, is_suppressed, on_permanent, on_progress
        self.external_stop = stop
        self.stop = asyncio.Event()
        self.wake = asyncio.Event()  # the feeder has something to do: the queue ran low, all settled, or stop
        self.report = DeliveryReport()
        self.queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self.outcomes: list[tuple[str, State, str]] = []
        self.has_outcomes = asyncio.Event()
        self.shared = ledger.lease is not None  # several senders: leases to renew, the rate kept in the ledger
        self.lease = ledger.lease or math.inf
        self.valid_until = math.inf   # our claims are surely ours until then (monotonic clock)
        self.lease_error = ""
        self.control = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lease") if self.shared else None
        self.pacer = (SharedPacer(options.rate, self._reserve) if self.shared and options.rate else Pacer(options.rate))
        self.in_hand = 0  # claimed rows not yet settled (queued, on the wire, or waiting to retry)
        self.consecutive_failures = 0
        self.waiting: set[_Item] = set()  # rows whose retry is scheduled
        self.unsent: list[_Item] = []     # rows taken back after a stop
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")  # ledger and suppression writes, in order
        self.error: BaseException | None = None
        self.side_effects: list[Future[None]] = []  # on_permanent calls, checked at the end

    async def _io(self, call: Callable[..., _T], *args: object) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self.io, call, *args)

    async def _reserve(self, interval: float, count: int) -> float:
        return await asyncio.get_running_loop().run_in_executor(self.control, self.ledger.reserve, interval, count)

    def _halt(self, reason: str = "") -> None:
        if reason and not self.report.stopped:
            self.report.stopped = reason
        self.stop.set()
        self.wake.set()

    async def run(self) -> DeliveryReport:
        started = time.monotonic()
        if self.shared:
            self.valid_until = started + self.lease
        workers = [asyncio.create_task(self._worker()) for _ in range(self.options.concurrency)]
        flusher = asyncio.create_task(self._flusher())
        watcher = asyncio.create_task(self._watch_external_stop())
        keeper = asyncio.create_task(self._keep_lease())
        try:
            try:
                await self._feed()
            except Exception as exc:
                self.error = self.error or exc
            self._halt()
            for _ in workers:
                self.queue.put_nowait(None)
            _, late = await asyncio.wait(workers, timeout=60)
            for worker in late:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            for task in (flusher, watcher, keeper):
                task.cancel()
            await asyncio.gather(flusher, watcher, keeper, return_exceptions=True)
            self._release_unsent()
            try:
                await self._flush()
                self.report.counts = await self._io(self.ledger.counts)
                for effect in self.side_effects:
                    await asyncio.wrap_future(effect)
            except Exception as exc:
                self.error = self.error or exc
        finally:
            await self.transport.close()
            self.io.shutdown(wait=True)
            if self.control is not None:
                self.control.shutdown(wait=True)
            self.report.seconds = time.monotonic() - started
        self.on_progress(self.report)
        if isinstance(self.error, BulletinError):
            raise self.error
        if self.error is not None:
            raise SendError(f"the send stopped on an unexpected error: {self.error!r}") from self.error
        return self.report

    async def _watch_external_stop(self) -> None:
        if self.external_stop is not None:
            await self.external_stop.wait()
            self._halt("interrupted")

    async def _feed(self) -> None:
        """Claim rows in batches while workers keep up; return when all are settled or on stop."""
        exhausted = False
        while not self.stop.is_set():
            if not exhausted and self.queue.qsize() < self.options.batch:
                rows = await self._io(self.ledger.claim, self.run_id, self.options.batch)
                exhausted = not rows
                self.in_hand += len(rows)
                for row in rows:
                    self.queue.put_nowait((row, 1))
                continue
            if exhausted and self.in_hand == 0:
                if not self.shared or not await self._io(self.ledger.outstanding, self.run_id):
                    return
                with contextlib.suppress(TimeoutError):  # others hold rows: if one of them dies, take its rows
                    await asyncio.wait_for(self.stop.wait(), min(1.0, self.lease / 4))
                exhausted = False
                continue
            self.wake.clear()
            await self.wake.wait()

    async def _keep_lease(self) -> None:
        """Renew our claims every quarter lease (every second while failing); stop the send once they may be lost."""
        if not self.shared:
            return
        loop = asyncio.get_running_loop()
        failing = False
        while True:
            await asyncio.sleep(min(1.0, self.lease / 4) if failing else self.lease / 4)
            started = time.monotonic()
            try:
                await loop.run_in_executor(self.control, self.ledger.renew)
            except Exception as exc:
                if not failing:
                    log.warning("could not renew this sender's claims (trying every second): %s", exc)
                failing, self.lease_error = True, str(exc)
                if not self._lease_held():
                    self._lease_lost()
                    return
                continue
            failing = False
            self.valid_until = started + self.lease

    def _lease_held(self) -> bool:
        """Whether our claims are surely still ours, with a third of the lease to spare for a message on the wire."""
        return time.monotonic() < self.valid_until - self.lease / 3

    def _lease_lost(self) -> None:
        error = LedgerError(
            f"could not renew this sender's claims in the ledger in time (lease {self.lease:g}s; {self.lease_error or 'no answer'}); "
            "stopped: the rows it held go to the other senders when their lease ends")
        self.error = self.error or error
        self._halt(str(error))

    async def _worker(self) -> None:
        while (item := await self.queue.get()) is not None:
            if self.stop.is_set():
                self.unsent.append(item)
                continue
            if self.queue.qsize() < self.options.batch:
                self.wake.set()
            try:
                await self._one(*item)
            except asyncio.CancelledError:
                self.unsent.append(item)
                raise
            except Exception as exc:  # a bug or a ledger failure: stop, keep the row pending
                self.unsent.append(item)
                self.error = self.error or exc
                self._halt(f"unexpected error: {exc!r}" if not isinstance(exc, BulletinError) else str(exc))

    async def _one(self, row: LedgerRow, attempt: int) -> None:
        if self.is_suppressed(row.address):
            self._settle(row, State.SUPPRESSED, "suppressed")
            self.report.suppressed += 1
            return
        try:
            message = self.templates[row.edition].build(row.address, row.name)
            await self.pacer.wait()
            if self.shared and not self._lease_held():  # the row may be another sender's by now: never send it twice
                self._lease_lost()
            if self.stop.is_set():  # stopped while waiting for a slot: not sent, back to pending
                self.unsent.append((row, attempt))
                return
            reply = await self.transport.send(message)
        except SendError as exc:
            self._failed(row, attempt, exc)
            return
        self.consecutive_failures = 0
        self.report.sent += 1
        self._settle(row, State.SENT, reply[:500])

    def _failed(self, row: LedgerRow, attempt: int, exc: SendError) -> None:
        self.consecutive_failures += 1
        reply = str(exc)[:500]
        step = next_step(exc, attempt, self.options.max_attempts)
        if step is Step.STOP:
            self.unsent.append((row, attempt))
            self._halt(reply)
            return
        if step is Step.FAIL_PERMANENT:
            self._settle(row, State.FAILED_PERMANENT, reply)
            self.report.failed.append(Failure(row.address, State.FAILED_PERMANENT, reply))
            self.side_effects.append(self.io.submit(self.on_permanent, row.address, reply))
        elif step is Step.RETRY:
            self.report.retries += 1
            delay = backoff(attempt, self.options, jitter=random.uniform(0.5, 1.5))
            log.info("retrying %s in %.1fs after: %s", row.address, delay, reply)
            item = (row, attempt + 1)
            self.waiting.add(item)
            asyncio.get_running_loop().call_later(delay, self._requeue, item)
        else:
            self._settle(row, State.FAILED_TEMPORARY, reply)
            self.report.failed.append(Failure(row.address, State.FAILED_TEMPORARY, reply))
        if self.consecutive_failures >= self.options.max_consecutive_failures:
            self._halt(f"paused after {self.consecutive_failures} failures in a row; last: {reply}")

    def _requeue(self, item: _Item) -> None:
        if item in self.waiting and not self.stop.is_set():
            self.waiting.discard(item)
            self.queue.put_nowait(item)

    def _settle(self, row: LedgerRow, state: State, reply: str) -> None:
        self.in_hand -= 1
        self.outcomes.append((row.address, state, reply))
        self.has_outcomes.set()
        if self.in_hand == 0:
            self.wake.set()

    async def _flush(self) -> None:
        outcomes, self.outcomes = self.outcomes, []
        if outcomes:  # submitted at once, so a cancelled flusher never loses the outcomes it took
            commit = asyncio.wrap_future(self.io.submit(self.ledger.mark, outcomes))
            commit.add_done_callback(self._heard)  # a flusher cancelled meanwhile still hears how the commit ended
            await asyncio.shield(commit)
            self.on_progress(self.report)

    def _heard(self, commit: asyncio.Future[None]) -> None:
        if not commit.cancelled() and commit.exception() is not None:
            self.error = self.error or commit.exception()

    async def _flusher(self) -> None:
        """Commit outcomes in groups: at most ``flush_interval`` after the first of a group, or per batch."""
        while True:
            await self.has_outcomes.wait()
            if len(self.outcomes) < self.options.batch:
                await asyncio.sleep(self.options.flush_interval)
            self.has_outcomes.clear()
            try:
                await self._flush()
            except Exception as exc:
                self.error = self.error or exc
                self._halt(str(exc))
                return

    def _release_unsent(self) -> None:
        """Rows claimed but never handed over (queued, taken back, or waiting to retry) go back to pending."""
        items = set(self.waiting) | set(self.unsent)
        self.waiting.clear()
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if item is not None:
                items.add(item)
        for row, _ in items:
            self.outcomes.append((row.address, State.PENDING, row.reply))
