"""The daily limit as a send keeps it: messages taken from the store's count a few at a time, the unused given back.

The store counts every message handed over in any 24 hours, for every sender
of the store (:meth:`~soc_bulletin.store.base.Store.take_quota`); a sender
takes a few at a time (so three senders never hand over more than the limit
between them) and gives back what it took and did not use when it ends. A
throttled message gives its place back to the next; any other attempt counts,
as relays count it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

__all__ = ["Quota", "QuotaGate"]


class Quota(Protocol):
    """What keeps the count: the store."""

    def take_quota(self, limit: int, wanted: int, /) -> tuple[int, float]: ...

    def give_back_quota(self, count: int, /) -> None: ...


class QuotaGate:
    """``limit`` messages in any 24 hours, taken from ``quota`` ``chunk`` at a time through ``call`` (off the loop)."""

    def __init__(self, quota: Quota, limit: int, chunk: int, call: Callable[..., Awaitable[Any]]) -> None:
        self.quota, self.limit, self.chunk, self.call = quota, limit, max(1, chunk), call
        self.held = 0
        self.lock = asyncio.Lock()
        self.resume_at: float | None = None  # seconds since the epoch: when the store allows the next message

    async def take(self) -> bool:
        """One message's place; False when the limit is reached (``resume_at`` says when the next may go)."""
        async with self.lock:  # one asks the store at a time; the others use what it took
            if self.held == 0:
                granted, wait = await self.call(self.quota.take_quota, self.limit, self.chunk)
                if not granted:
                    self.resume_at = time.time() + wait
                    return False
                self.held = granted
            self.held -= 1
            return True

    def unused(self) -> None:
        """A message that took a place was not handed over (throttled, or stopped before it went)."""
        self.held += 1

    async def close(self) -> None:
        """Give back the places taken and not used."""
        if self.held:
            held, self.held = self.held, 0
            await self.call(self.quota.give_back_quota, held)
