"""The pace of a send: ``--rate`` as a spacing of messages, kept by one process or shared by several.

:class:`Pacer` spaces the messages of one process: the n-th may start at
``start + n / rate``, never in a burst after a pause. :class:`SharedPacer`
keeps one rate across every sender of a send: slots are reserved a few at a
time on a schedule kept in the ledger (the same spacing, a token bucket of
one token, held in the database), so three senders at ``--rate 30/min`` send
30 a minute between them, not 90.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["Pacer", "RateLimit", "SharedPacer"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``per_second`` messages a second, across all connections (and all senders of a shared ledger)."""

    per_second: float

    @classmethod
    def parse(cls, text: str, /) -> RateLimit:
        """``"30/min"``, ``"5/s"``, ``"1000/hour"``."""
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*", text)
        if not match or float(match[1]) <= 0:
            raise ConfigError(f"--rate must look like 30/min, 5/s or 1000/hour, not {text!r}")
        seconds = {"s": 1, "m": 60, "h": 3600}[match[2][0]]
        return cls(float(match[1]) / seconds)


class Pacer:
    """A spacing of this process's sends: the n-th send may start at ``start + n / rate``."""

    def __init__(self, rate: RateLimit | None) -> None:
        self.interval = 1 / rate.per_second if rate else 0.0
        self.next = 0.0

    async def wait(self) -> None:
        """Until this send's slot."""
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SharedPacer(Pacer):
    """Slots from the schedule every sender of the send shares.

    ``reserve(interval, count)`` books ``count`` slots ``interval`` apart and
    returns the seconds until the first. A slot missed by more than one
    interval is dropped, never used late in a burst.
    """

    #: seconds of the schedule one reservation books: a slot a round trip up to 20/s, and little wasted when a sender runs dry
    AHEAD = 0.05

    def __init__(self, rate: RateLimit, reserve: Callable[[float, int], Awaitable[float]]) -> None:
        super().__init__(rate)
        self.count = max(1, min(64, int(rate.per_second * self.AHEAD)))
        self.reserve = reserve
        self.slots: deque[float] = deque()
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            now = time.monotonic()
            while self.slots and self.slots[0] < now - self.interval:
                self.slots.popleft()
            if not self.slots:
                delay = await self.reserve(self.interval, self.count)
                first = time.monotonic() + delay
                self.slots.extend(first + n * self.interval for n in range(self.count))
            slot = self.slots.popleft()
        if (delay := slot - time.monotonic()) > 0:
            await asyncio.sleep(delay)
