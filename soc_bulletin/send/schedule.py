"""A send that starts at a given time: ``--at 2026-12-08T09:00`` read as people write it, and the wait until then."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable

from ..errors import ConfigError

__all__ = ["countdown", "parse_at", "wait_until"]


def parse_at(text: str, /, *, now: dt.datetime | None = None) -> dt.datetime:
    """The moment ``text`` names (ISO 8601; local time unless it carries a zone: ``Z``, ``+01:00``), aware.

    ConfigError for anything else, and for a moment already past.
    """
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--at must be a date and time such as 2026-12-08T09:00 (local) or 2026-12-08T09:00+00:00, "
                          f"not {text!r}") from None
    when = when.astimezone() if when.tzinfo is None else when  # naive: this machine's local time
    now = now or dt.datetime.now().astimezone()
    if when <= now:
        raise ConfigError(f"--at {text} is in the past (it is now {now:%Y-%m-%d %H:%M:%S %Z}); give a time to come")
    return when


async def wait_until(when: dt.datetime, /, *, tick: Callable[[float], None] = lambda left: None,
                     stop: asyncio.Event | None = None) -> bool:
    """Wait until ``when`` by the wall clock (checked every second, so a suspended laptop or a changed clock is
    noticed), calling ``tick(seconds left)`` each second; False when ``stop`` was set first."""
    stop = stop or asyncio.Event()
    target = when.timestamp()
    while (left := target - time.time()) > 0:
        tick(left)
        try:
            await asyncio.wait_for(stop.wait(), min(1.0, left))
            return False
        except TimeoutError:
            continue
    tick(0.0)
    return True


def countdown(seconds: float, /) -> str:
    """Seconds as ``2d 03:04:05`` / ``03:04:05``."""
    whole = int(seconds + 0.999)
    days, rest = divmod(whole, 86_400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}d {text}" if days else text
