"""The delivery engine: claim recipients from the ledger, build, pace, send, record.

A small pool of workers (``concurrency``) shares one global rate limit.
Temporary failures (4xx, dropped connections, time-outs) are retried with
exponential backoff and jitter; permanent ones (5xx) are recorded with the
server's reply; a fatal one (login refused) or too many failures in a row
stops the send. Outcomes are committed to the ledger in small groups, so
a crash repeats at most the rows still marked ``sending``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .errors import BulletinError, ConfigError, MessageRefused, RecipientRefused, SendError, SenderFailure
from .ledger import Counts, Ledger, LedgerRow, State
from .message import MessageTemplate
from .transports import Transport

__all__ = ["DeliveryOptions", "DeliveryReport", "Failure", "RateLimit", "deliver"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``per_second`` messages a second, across all connections."""

    per_second: float

    @classmethod
    def parse(cls, text: str, /) -> RateLimit:
        """``"30/min"``, ``"5/s"``, ``"1000/hour"``."""
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*", text)
        if not match or float(match[1]) <= 0:
            raise ConfigError(f"--rate must look like 30/min, 5/s or 1000/hour, not {text!r}")
        seconds = {"s": 1, "m": 60, "h": 3600}[match[2][0]]
        return cls(float(match[1]) / seconds)


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


class _Pacer:
    """A global spacing of sends: the n-th send may start at ``start + n / rate``."""

    def __init__(self, rate: RateLimit | None) -> None:
        self.interval = 1 / rate.per_second if rate else 0.0
        self.next = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


async def deliver(
    ledger: Ledger,
    templates: Mapping[str, MessageTemplate],
    transport: Transport,
    /,
    *,
    options: DeliveryOptions = DeliveryOptions(),
    is_suppressed: Callable[[str], bool] = lambda address: False,
    on_permanent: Callable[[str, str], None] = lambda address, reply: None,
    on_progress: Callable[[DeliveryReport], None] = lambda report: None,
    stop: asyncio.Event | None = None,
    template_for: Callable[[str], MessageTemplate] | None = None,
) -> DeliveryReport:
    """Send every pending recipient of ``ledger``; return what happened.

    ``templates`` maps each ledger edition key to its message template;
    ``template_for`` makes one for a key the ledger has from an earlier run.
    ``stop`` ends the run cleanly: messages on the wire finish, claimed but
    unsent rows go back to pending. ``on_permanent`` hears of each hard bounce.
    """
    run = _Run(ledger, dict(templates), transport, options, is_suppressed, on_permanent, on_progress, stop)
    run.template_for = template_for
    return await run.run()


class _Run:
    template_for: Callable[[str], MessageTemplate] | None = None

    def __init__(self, ledger: Ledger, templates: dict[str, MessageTemplate], transport: Transport,
                 options: DeliveryOptions, is_suppressed: Callable[[str], bool],
                 on_permanent: Callable[[str, str], None], on_progress: Callable[[DeliveryReport], None],
                 stop: asyncio.Event | None) -> None:
        self.ledger, self.templates, self.transport, self.options = ledger, templates, transport, options
        self.is_suppressed, self.on_permanent, self.on_progress = is_suppressed, on_permanent, on_progress
        self.stop = stop or asyncio.Event()
        self.report = DeliveryReport()
        self.queue: asyncio.Queue[tuple[LedgerRow, int]] = asyncio.Queue()
        self.outcomes: list[tuple[str, State, str]] = []
        self.pacer = _Pacer(options.rate)
        self.in_hand = 0  # claimed rows not yet settled (queued, on the wire, or waiting to retry)
        self.consecutive_failures = 0
        self.exhausted = False
        self.waiting: set[tuple[LedgerRow, int]] = set()  # rows whose retry is scheduled

    async def run(self) -> DeliveryReport:
        started = time.monotonic()
        self.ledger.recover()
        workers = [asyncio.create_task(self._worker()) for _ in range(self.options.concurrency)]
        flusher = asyncio.create_task(self._flusher())
        try:
            await self._feed()
            if self.stop.is_set() and not self.report.stopped:
                self.report.stopped = "interrupted"
        finally:
            self.stop.set()  # workers finish the message in hand, then return
            _, late = await asyncio.wait(workers, timeout=60)
            for worker in late:
                worker.cancel()
            results = await asyncio.gather(*workers, return_exceptions=True)
            flusher.cancel()
            await asyncio.gather(flusher, return_exceptions=True)
            self._release_unsent()
            self._flush()
            await self.transport.close()
            self.report.seconds = time.monotonic() - started
            self.report.counts = self.ledger.counts()
            self.on_progress(self.report)
        for result in results:
            if isinstance(result, BulletinError):
                raise result
            if isinstance(result, Exception):
                raise SendError(f"the send stopped on an unexpected error: {result!r}") from result
        return self.report

    async def _feed(self) -> None:
        """Claim rows in batches while workers keep up; finish when all are settled."""
        while not self.stop.is_set():
            if not self.exhausted and self.queue.qsize() < self.options.batch:
                rows = self.ledger.claim(self.options.batch)
                self.exhausted = not rows
                for row in rows:
                    self.in_hand += 1
                    self.queue.put_nowait((row, 1))
            if self.exhausted and self.in_hand == 0:
                return
            await asyncio.sleep(0.005 if self.queue.qsize() >= self.options.batch or self.exhausted else 0)

    async def _worker(self) -> None:
        while not self.stop.is_set():
            try:
                row, attempt = await asyncio.wait_for(self.queue.get(), 0.1)
            except asyncio.TimeoutError:
                continue
            if self.stop.is_set():
                self.queue.put_nowait((row, attempt))
                return
            try:
                await self._one(row, attempt)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:
                if not isinstance(exc, SendError):
                    self.report.stopped = f"unexpected error: {exc!r}"
                    self.queue.put_nowait((row, attempt))
                    self.stop.set()
                raise

    async def _one(self, row: LedgerRow, attempt: int) -> None:
        if self.is_suppressed(row.address):
            self._settle(row, State.SUPPRESSED, "suppressed")
            self.report.suppressed += 1
            return
        try:
            message = self._template(row.edition).build(row.address, row.name)
            await self.pacer.wait()
            if self.stop.is_set():  # stopped while waiting for a slot: not sent, back to pending
                self.queue.put_nowait((row, attempt))
                return
            reply = await self.transport.send(message)
        except SendError as exc:
            if isinstance(exc, (SenderFailure, MessageRefused)):
                self.report.stopped = str(exc)
                self.queue.put_nowait((row, attempt))
                self.stop.set()
                raise
            self._failed(row, attempt, exc)
            return
        self.consecutive_failures = 0
        self.report.sent += 1
        self._settle(row, State.SENT, reply[:500])

    def _failed(self, row: LedgerRow, attempt: int, exc: SendError) -> None:
        self.consecutive_failures += 1
        reply = str(exc)[:500]
        if isinstance(exc, RecipientRefused):
            self._settle(row, State.FAILED_PERMANENT, reply)
            self.report.failed.append(Failure(row.address, State.FAILED_PERMANENT, reply))
            self.on_permanent(row.address, reply)
        elif attempt < self.options.max_attempts:
            self.report.retries += 1
            delay = min(self.options.backoff_max, self.options.backoff_base * 2 ** (attempt - 1))
            delay *= random.uniform(0.5, 1.5)
            log.info("retrying %s in %.1fs after: %s", row.address, delay, reply)
            item = (row, attempt + 1)
            self.waiting.add(item)
            asyncio.get_running_loop().call_later(delay, self._requeue, item)
        else:
            self._settle(row, State.FAILED_TEMPORARY, reply)
            self.report.failed.append(Failure(row.address, State.FAILED_TEMPORARY, reply))
        if self.consecutive_failures >= self.options.max_consecutive_failures:
            self.report.stopped = f"paused after {self.consecutive_failures} failures in a row; last: {reply}"
            self.stop.set()

    def _requeue(self, item: tuple[LedgerRow, int]) -> None:
        if item in self.waiting:
            self.waiting.discard(item)
            self.queue.put_nowait(item)

    def _template(self, edition: str) -> MessageTemplate:
        if edition not in self.templates:
            if self.template_for is None:
                raise SenderFailure(f"the ledger names an edition with no template: {edition}")
            self.templates[edition] = self.template_for(edition)
        return self.templates[edition]

    def _settle(self, row: LedgerRow, state: State, reply: str) -> None:
        self.in_hand -= 1
        self.outcomes.append((row.address, state, reply))
        if len(self.outcomes) >= self.options.batch:
            self._flush()

    def _flush(self) -> None:
        outcomes, self.outcomes = self.outcomes, []
        self.ledger.mark(outcomes)
        if outcomes:
            self.on_progress(self.report)

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.options.flush_interval)
            self._flush()

    def _release_unsent(self) -> None:
        """Rows claimed but never handed over (queued or waiting to retry) go back to pending."""
        waiting, self.waiting = self.waiting, set()
        while not self.queue.empty():
            waiting.add(self.queue.get_nowait())
        for row, _ in waiting:
            self.outcomes.append((row.address, State.PENDING, row.reply))
