"""A relay on 127.0.0.1 that throttles as real ones do: above N new transactions a second it answers 421 or 451 4.7.1.

The limit is a sliding window of one second over the transactions it let
begin (MAIL accepted); over it, MAIL is answered with a throttling reply, by
turns ``451 4.7.1 Try again later`` and ``421 4.7.0 Too many messages, slow
down`` (which closes the connection). ``domain_limits`` throttles RCPT to a
domain the same way, with ``452 4.7.1``, as a relay passes on a gateway's limit.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Generator
from typing import Any

from aiosmtpd.smtp import SMTP

from .smtp import FaultyController, RecordingHandler


class ThrottlingHandler(RecordingHandler):
    """Records like :class:`RecordingHandler`; throttles above ``per_second`` (0: never) and per domain."""

    def __init__(self, per_second: float = 0.0, *, domain_limits: dict[str, float] | None = None) -> None:
        super().__init__()
        self.per_second = per_second
        self.domain_limits = domain_limits or {}
        self.begun: deque[float] = deque()
        self.by_domain: dict[str, deque[float]] = {d: deque() for d in self.domain_limits}
        self.throttled = 0
        self.throttled_domain: dict[str, int] = dict.fromkeys(self.domain_limits, 0)
        self.accepted_at: list[tuple[float, str]] = []
        self.window_lock = threading.Lock()

    @staticmethod
    def _full(window: deque[float], limit: float, now: float) -> bool:
        while window and window[0] <= now - 1.0:
            window.popleft()
        return len(window) >= limit

    async def handle_MAIL(self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        now = time.monotonic()
        with self.window_lock:
            if self.per_second and self._full(self.begun, self.per_second, now):
                self.throttled += 1
                if self.throttled % 2:
                    return "451 4.7.1 Try again later"
                assert server.transport is not None
                asyncio.get_running_loop().call_soon(server.transport.close)  # after the reply is written, as relays do
                return "421 4.7.0 Too many messages, slow down"
            self.begun.append(now)
        return await super().handle_MAIL(server, session, envelope, address, options)

    async def handle_RCPT(self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        domain = address.rpartition("@")[2].lower()
        if domain in self.domain_limits:
            now = time.monotonic()
            with self.window_lock:
                if self._full(self.by_domain[domain], self.domain_limits[domain], now):
                    self.throttled_domain[domain] += 1
                    return f"452 4.7.1 {domain}: too many messages, slow down"
                self.by_domain[domain].append(now)
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250 2.0.0"):
            with self.window_lock:
                self.accepted_at.append((time.monotonic(), envelope.rcpt_tos[0]))
        return reply


class ThrottlingRelay(FaultyController):
    """The relay's server; ``recorder`` is its :class:`ThrottlingHandler`."""

    recorder: ThrottlingHandler


def throttling_relay(per_second: float = 0.0, *, domain_limits: dict[str, float] | None = None) -> Generator[ThrottlingRelay]:
    """A started relay (for a fixture, or ``next()`` then ``close()``): stopped when the generator is closed."""
    controller = ThrottlingRelay(ThrottlingHandler(per_second, domain_limits=domain_limits))
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
