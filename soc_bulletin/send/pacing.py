"""The pace of a send: ``--rate`` as a spacing of messages, adapted to the relay, kept by one process or shared by several.

:class:`Pacer` spaces the messages of one process: the n-th may start at
``start + n / rate``, never in a burst after a pause. :class:`SharedPacer`
keeps one rate across every sender of a send: slots are reserved a few at a
time on a schedule kept in the ledger (the same spacing, a token bucket of
one token, held in the database), so three senders at ``--rate 30/min`` send
30 a minute between them, not 90. :class:`SendPace` changes the spacing as
the relay's replies ask (:mod:`.adaptive`), and keeps that state where the
pacer's schedule is.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from ..config.domains import parse_rate
from ..errors import ConfigError
from ..store.ledger import Ledger
from .adaptive import Pace, recovered, slowed

__all__ = ["Pacer", "RateLimit", "SendPace", "SharedPacer"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``per_second`` messages a second, across all connections (and all senders of a shared ledger)."""

    per_second: float

    @classmethod
    def parse(cls, text: str, /) -> RateLimit:
        """``"30/min"``, ``"5/s"``, ``"1000/hour"``."""
        per_second = parse_rate(text)
        if per_second is None:
            raise ConfigError(f"--rate must look like 30/min, 5/s or 1000/hour, not {text!r}")
        return cls(per_second)


class Pacer:
    """A spacing of this process's sends: each may start ``1 / rate`` after the one before; the rate may change."""

    def __init__(self, rate: RateLimit | None) -> None:
        self.interval = 1 / rate.per_second if rate else 0.0
        self.last = -math.inf  # the latest slot handed out

    def set_rate(self, per_second: float | None, /) -> None:
        """Space the sends from now on by ``per_second`` (None: no spacing); slots handed out stay as they are."""
        self.interval = 1 / per_second if per_second else 0.0

    async def wait(self) -> None:
        """Until this send's slot."""
        if not self.interval:
            return
        now = time.monotonic()
        slot = self.last = max(now, self.last + self.interval)
        if slot > now:
            await asyncio.sleep(slot - now)


class SharedPacer(Pacer):
    """Slots from the schedule every sender of the send shares.

    ``reserve(interval, count)`` books ``count`` slots ``interval`` apart and
    returns the seconds until the first. A slot missed by more than one
    interval is dropped, never used late in a burst. Slots booked before the
    rate changed are used (at most ``AHEAD`` of the schedule): the schedule
    advanced for them, and dropping them would waste its time.
    """

    #: seconds of the schedule one reservation books: a slot a round trip up to 20/s, and little wasted when a sender runs dry
    AHEAD = 0.05

    def __init__(self, rate: RateLimit | None, reserve: Callable[[float, int], Awaitable[float]]) -> None:
        super().__init__(rate)
        self.reserve = reserve
        self.slots: deque[float] = deque()
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self.lock:
            now = time.monotonic()
            while self.slots and self.slots[0] < now - self.interval:
                self.slots.popleft()
            if not self.slots:
                interval = self.interval
                count = max(1, min(64, int(self.AHEAD / interval)))
                delay = await self.reserve(interval, count)
                first = time.monotonic() + delay
                self.slots.extend(first + n * interval for n in range(count))
            slot = self.slots.popleft()
        if (delay := slot - time.monotonic()) > 0:
            await asyncio.sleep(delay)


#: seconds between a sender's syncs of a shared pace (its accepted messages reach the shared count this late at most)
SYNC = 0.1
#: a pace left alone this long is a new send's, started afresh (its throttled time is kept)
FRESH_AFTER = 300.0


class SendPace:
    """The pace a send keeps: the AIMD state (:mod:`.adaptive`) and the pacer that spaces messages by it.

    Without ``shared`` the state lives here; with a ledger that several
    senders share, it lives in the ledger (its calls run on ``control``): a
    throttle any sender hears slows every one, and accepted messages are added
    up there (:meth:`sync`, every SYNC seconds by :meth:`keep_synced`).
    ``on_change`` hears of every drop of the rate and the end of a throttled spell.
    """

    def __init__(self, ceiling: RateLimit | None, /, *, shared: Ledger | None = None, control: Executor | None = None,
                 on_change: Callable[[Pace], None] = lambda pace: None) -> None:
        self.pace = Pace.start(ceiling.per_second if ceiling else None)
        self.ledger, self.control, self.on_change = shared, control, on_change
        self.keeper = self._keep if shared is not None else None
        self.pacer: Pacer = SharedPacer(ceiling, self._reserve) if shared is not None else Pacer(ceiling)
        self.unsynced = 0
        self.offset = 0.0  # the keeper's clock minus this process's monotonic clock

    def now(self) -> float:
        """The keeper's clock."""
        return time.monotonic() + self.offset

    async def begin(self) -> None:
        """Take the shared pace (a pace left alone for FRESH_AFTER starts afresh, keeping its throttled time)."""
        if self.keeper is not None:
            start = self.pace

            def fresh(text: str, now: float) -> str:
                if not text:
                    return start.to_json()
                kept = Pace.from_json(text)
                if now - max(kept.changed, kept.window) < FRESH_AFTER and kept.ceiling == start.ceiling:
                    return text
                return dataclasses.replace(start, throttled=kept.throttled_for(max(kept.changed, kept.window))).to_json()

            await self._keep_state(fresh)

    async def wait(self) -> None:
        """Until the next message may start."""
        await self.pacer.wait()

    def accepted(self) -> None:
        """A message was accepted: the rate climbs (at once here, or at the next :meth:`sync` for a shared pace)."""
        if self.keeper is None:
            self._apply(recovered(self.pace, self.now(), 1))
        else:
            self.unsynced += 1

    async def throttled(self, reason: str, /) -> None:
        """A throttling reply: slow down (once per hold, see :func:`.adaptive.slowed`)."""
        if self.keeper is None:
            self._apply(slowed(self.pace, self.now(), reason))
        else:
            count, self.unsynced = self.unsynced, 0  # counted first: what this sender saw accepted measures the relay too

            def slow(text: str, now: float) -> str:
                return slowed(recovered(Pace.from_json(text) if text else self.pace, now, count), now, reason).to_json()

            await self._keep_state(slow)

    async def sync(self) -> None:
        """Add this sender's accepted messages to the shared pace and take its rate."""
        if self.keeper is not None:
            count, self.unsynced = self.unsynced, 0
            await self._keep_state(lambda text, now: recovered(Pace.from_json(text) if text else self.pace, now, count).to_json())

    async def keep_synced(self) -> None:
        """:meth:`sync` every SYNC seconds, until cancelled (a pace of one process has nothing to sync)."""
        while self.keeper is not None:
            await asyncio.sleep(SYNC)
            await self.sync()

    async def _reserve(self, interval: float, count: int) -> float:
        assert self.ledger is not None
        return await asyncio.get_running_loop().run_in_executor(self.control, self.ledger.reserve, interval, count)

    async def _keep(self, update: Callable[[str, float], str]) -> tuple[str, float]:
        assert self.ledger is not None
        return await asyncio.get_running_loop().run_in_executor(self.control, self.ledger.pace, update)

    async def _keep_state(self, update: Callable[[str, float], str]) -> None:
        assert self.keeper is not None
        text, now = await self.keeper(update)
        self.offset = now - time.monotonic()
        self._apply(Pace.from_json(text))

    def _apply(self, pace: Pace) -> None:
        before, self.pace = self.pace, pace
        if pace.rate != before.rate:
            self.pacer.set_rate(pace.rate)
        if pace.reason != before.reason or pace.changed != before.changed:  # a drop, or the end of a throttled spell
            self.on_change(pace)
