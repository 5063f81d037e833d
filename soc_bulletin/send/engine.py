"""The delivery engine: claim recipients from the ledger, build, pace, send, record.

A small pool of workers (``concurrency``) takes claimed rows from a queue and
shares one global rate limit. What happens after a failure is decided by
:func:`next_step`, a pure function of the failure's kind and the attempt:
temporary failures (4xx, dropped connections, time-outs) are retried with
exponential backoff and jitter; a refused recipient is recorded with the
server's reply and reported through ``on_permanent``; a refused message or a
sender failure (login, TLS, DKIM, sender refused) stops the send with its
row left pending; and any N failures in a row pause it. A throttling
reply (:mod:`.throttle`) is no failure: the message goes back to the queue
and the send (or, at RCPT, the recipient's domain) slows down
(:mod:`.adaptive`); ``[sending.domains]`` limits and the daily limit are
kept on the way (:mod:`.domains`, :mod:`.quota`). Outcomes are
committed to the ledger in small groups off the event loop, so a crash
repeats at most the rows still marked ``sending``.

With a ledger that several senders share (one with a ``lease``), the engine
also renews its claims every quarter lease, sends a row only while its
claims are surely still its own (a third of the lease to spare), takes the
pace from the ledger, and, when nothing is left to claim,
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
from typing import TypeVar

from ..errors import BulletinError, MessageRefused, RecipientRefused, SenderFailure, SendError
from ..store.ledger import Ledger, LedgerRow, State
from .adaptive import FLOOR, Pace, describe
from .domains import DomainGates
from .lease import Lease
from .message import MessageTemplate
from .options import DeliveryOptions, DeliveryReport, Failure
from .outcomes import Outcomes
from .pacing import RateLimit, SendPace
from .quota import Quota, QuotaGate
from .throttle import Scope, throttle_of
from .transports import Transport

__all__ = ["DeliveryOptions", "DeliveryReport", "Failure", "RateLimit", "Step", "deliver", "next_step"]

log = logging.getLogger(__name__)

#: throttles one message may meet before they count as its failed attempts (a reply wrongly taken for a throttle
#: must not keep a message going round for ever)
MAX_THROTTLES = 50
DEFAULT_OPTIONS = DeliveryOptions()


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
    options: DeliveryOptions = DEFAULT_OPTIONS,
    is_suppressed: Callable[[str], bool] = lambda address: False,
    on_permanent: Callable[[str, str], None] = lambda address, reply: None,
    on_progress: Callable[[DeliveryReport], None] = lambda report: None,
    stop: asyncio.Event | None = None,
    quota: Quota | None = None,
) -> DeliveryReport:
    """Send every row of ``run`` still pending in ``ledger``; return what happened.

    ``templates`` maps each edition key to its message template. ``stop``
    ends the run cleanly: messages on the wire finish, claimed but unsent
    rows go back to pending. ``on_permanent`` hears of each refused
    recipient (it runs off the event loop, in order with ledger writes).
    ``quota`` (the store) keeps ``options.daily_limit``. ``transport`` is
    the caller's: open when this returns (``Campaign.send`` closes it).
    """
    return await _Run(ledger, run, dict(templates), transport, options, is_suppressed, on_permanent, on_progress, stop,
                      quota).run()


_T = TypeVar("_T")
_Item = tuple[LedgerRow, int, int]  # the row, its attempt, the throttles it met


class _Run:
    def __init__(self, ledger: Ledger, run: str, templates: dict[str, MessageTemplate], transport: Transport,
                 options: DeliveryOptions, is_suppressed: Callable[[str], bool],
                 on_permanent: Callable[[str, str], None], on_progress: Callable[[DeliveryReport], None],
                 stop: asyncio.Event | None, quota: Quota | None) -> None:
        self.ledger, self.run_id, self.templates, self.transport = ledger, run, templates, transport
        self.options, self.is_suppressed, self.on_permanent, self.on_progress = options, is_suppressed, on_permanent, on_progress
        self.external_stop = stop
        self.stop = asyncio.Event()
        self.wake = asyncio.Event()  # the feeder has something to do: the queue ran low, all settled, or stop
        self.report = DeliveryReport()
        self.queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self.shared = ledger.lease is not None  # several senders: leases to renew, the pace kept in the ledger
        self.control = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lease") if self.shared else None
        self.lease = Lease(ledger, self.control, self._fail)
        self.pace = SendPace(options.rate, shared=ledger if self.shared else None, control=self.control, on_change=self._pace_changed)
        self.domains = DomainGates(options.domains)
        self.parked: dict[str, list[_Item]] = {}  # rows waiting for a connection of their domain
        self.quota = (QuotaGate(quota, options.daily_limit, 2 * options.concurrency, self._io)
                      if quota is not None and options.daily_limit else None)
        self.in_hand = 0  # claimed rows not yet settled (queued, on the wire, or waiting to retry)
        self.consecutive_failures = 0
        self.waiting: set[_Item] = set()  # rows whose retry is scheduled
        self.unsent: list[_Item] = []     # rows taken back after a stop
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")  # ledger and suppression writes, in order
        self.outcomes = Outcomes(ledger, self.io, batch=options.batch, interval=options.flush_interval,
                                 on_commit=lambda: self.on_progress(self.report), on_error=self._fail)
        self.error: BaseException | None = None
        self.side_effects: list[Future[None]] = []  # on_permanent calls, checked at the end

    async def _io(self, call: Callable[..., _T], *args: object) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self.io, call, *args)

    def _pace_changed(self, pace: Pace) -> None:
        self.report.pace, self.report.pace_reason = pace.rate, pace.reason
        log.info("pace %s: %s", describe(pace.rate), pace.reason)
        self.on_progress(self.report)

    def _halt(self, reason: str = "") -> None:
        if reason and not self.report.stopped:
            self.report.stopped = reason
        self.stop.set()
        self.wake.set()

    async def run(self) -> DeliveryReport:
        started = time.monotonic()
        self.lease.begin()
        workers = [asyncio.create_task(self._worker()) for _ in range(self.options.concurrency)]
        flusher = asyncio.create_task(self.outcomes.run())
        watcher = asyncio.create_task(self._watch_external_stop())
        keeper = asyncio.create_task(self.lease.keep())
        syncer = asyncio.create_task(self.pace.keep_synced())
        try:
            try:
                await self.pace.begin()
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
            for task in (flusher, watcher, keeper, syncer):
                task.cancel()
            await asyncio.gather(flusher, watcher, keeper, syncer, return_exceptions=True)
            self._release_unsent()
            try:
                await self.outcomes.flush()
                await self._record_throttling()
                if self.quota is not None:
                    await self.quota.close()
                self.report.counts = await self._io(self.ledger.counts)
                for effect in self.side_effects:
                    await asyncio.wrap_future(effect)
            except Exception as exc:
                self.error = self.error or exc
        finally:  # the transport is its owner's to close (Campaign.send)
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
        others_clear = False  # no other sender held rows just before the last claim
        while not self.stop.is_set():
            if not exhausted and self.queue.qsize() < self.options.batch:
                rows = await self._io(self.ledger.claim, self.run_id, self.options.batch)
                exhausted = not rows
                others_clear = others_clear and exhausted
                self.in_hand += len(rows)
                for row in rows:
                    self.queue.put_nowait((row, 1, 0))
                continue
            if exhausted and self.in_hand == 0:
                if not self.shared or others_clear:
                    return
                if not await self._io(self.ledger.outstanding, self.run_id):
                    others_clear = True  # claim once more: a sender that stopped since the last claim gave its rows back
                else:
                    with contextlib.suppress(TimeoutError):  # others hold rows: if one of them dies, take its rows
                        await asyncio.wait_for(self.stop.wait(), min(1.0, self.lease.lease / 4))
                exhausted = False
                continue
            self.wake.clear()
            await self.wake.wait()

    def _fail(self, error: BaseException) -> None:
        """The ledger could not be written, or the lease was lost: stop, and raise ``error`` when the run ends."""
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

    async def _one(self, row: LedgerRow, attempt: int, throttled: int) -> None:
        if self.is_suppressed(row.address):
            self._settle(row, State.SUPPRESSED, "suppressed")
            self.report.suppressed += 1
            return
        gate = self.domains.key(row.address)
        if wait := self.domains.admit(gate):  # its domain is not ready: set aside, the workers go on with others
            self._park((row, attempt, throttled), gate, wait)
            return
        try:
            message = self.templates[row.edition].build(row.address, row.name)
            if self.quota is not None and not await self.quota.take():
                self.unsent.append((row, attempt, throttled))
                self._quota_reached()
                return
            await self.pace.wait()
            if self.shared and not self.lease.held():  # the row may be another sender's by now: never send it twice
                self.lease.lost()
            if self.stop.is_set():  # stopped while waiting for a slot: not sent, back to pending
                self.unsent.append((row, attempt, throttled))
                if self.quota is not None:
                    self.quota.unused()
                return
            reply = await self.transport.send(message)
        except SendError as exc:
            await self._failed(row, attempt, throttled, exc, gate)
            return
        finally:
            self._release(gate)
        self.consecutive_failures = 0
        self.report.sent += 1
        self.pace.accepted()
        self.domains.accepted(gate)
        self._settle(row, State.SENT, reply[:500])

    def _park(self, item: _Item, gate: str, wait: float) -> None:
        if math.isinf(wait):
            self.parked.setdefault(gate, []).append(item)
            return
        self.waiting.add(item)
        asyncio.get_running_loop().call_later(wait, self._requeue, item)

    def _release(self, gate: str) -> None:
        """A message to ``gate`` settled: its connection is free for a row set aside for one."""
        self.domains.release(gate)
        if self.parked.get(gate) and not self.stop.is_set():
            self.queue.put_nowait(self.parked[gate].pop(0))

    def _quota_reached(self) -> None:
        assert self.quota is not None and self.quota.resume_at is not None
        self.report.resume_at = self.quota.resume_at
        when = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(self.quota.resume_at))
        self._halt(f"the daily limit of {self.options.daily_limit} message(s) in 24 hours is reached; the next may go at {when}")

    async def _throttled(self, item: _Item, exc: SendError, scope: str, gate: str) -> None:
        """A throttling reply: slow down (the domain, or the whole send) and send the message again later, its attempt unspent."""
        reply = str(exc)[:200]
        self.report.throttles += 1
        if self.quota is not None:
            self.quota.unused()
        if scope == Scope.DOMAIN:
            self.domains.throttled(gate, reply)
        else:
            await self.pace.throttled(reply)
        rate = self.pace.pace.rate if scope == Scope.SEND else self.domains.paces[gate].rate
        if rate is not None and rate <= FLOOR:  # as slow as a send goes: now it is a failure in a row
            self.consecutive_failures += 1
            if self.consecutive_failures >= self.options.max_consecutive_failures:
                self.unsent.append(item)
                self._halt(f"paused after {self.consecutive_failures} throttling replies in a row at {describe(rate)}; last: {reply}")
                return
        if not self.stop.is_set():
            self.queue.put_nowait(item)
        else:
            self.unsent.append(item)

    async def _record_throttling(self) -> None:
        """The throttled time in the report, and the send's in the ledger (``status`` shows it): a shared pace keeps
        every run's, a pace of one process this run's."""
        self.report.throttled_seconds = total = self.pace.pace.throttled_for(self.pace.now())
        if not self.shared:
            total += float((await self._io(self.ledger.meta)).get("throttled", "0") or 0)
        self.report.slowed_domains = list(self.domains.slowed)
        if self.report.throttles:
            await self._io(self.ledger.set_meta, "throttled", f"{total:.1f}")

    async def _failed(self, row: LedgerRow, attempt: int, throttled: int, exc: SendError, gate: str) -> None:
        scope = throttle_of(exc)
        if scope and throttled < MAX_THROTTLES:
            await self._throttled((row, attempt, throttled + 1), exc, scope, gate)
            return
        self.consecutive_failures += 1
        reply = str(exc)[:500]
        step = next_step(exc, attempt, self.options.max_attempts)
        if step is Step.STOP:
            self.unsent.append((row, attempt, throttled))
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
            item = (row, attempt + 1, throttled)
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
        self.outcomes.add(row.address, state, reply)
        if self.in_hand == 0:
            self.wake.set()

    def _release_unsent(self) -> None:
        """Rows claimed but never handed over (queued, taken back, or waiting to retry) go back to pending."""
        items = set(self.waiting) | set(self.unsent) | {item for items in self.parked.values() for item in items}
        self.waiting.clear()
        self.parked.clear()
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if item is not None:
                items.add(item)
        for row, *_ in items:
            self.outcomes.add(row.address, State.PENDING, row.reply)
