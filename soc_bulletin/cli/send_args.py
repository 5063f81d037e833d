"""Arguments and output of ``send`` that read for people: ``--rate``, ``--at`` and its wait, headers as text, the pace."""

from __future__ import annotations

import argparse
import contextlib
import re
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..terminal import printable

if TYPE_CHECKING:  # imported where used, so that parsing the arguments loads no stage (tests/test_startup.py)
    import datetime as dt

    from ..send.campaign import Campaign
    from ..send.engine import DeliveryReport, RateLimit

__all__ = [
    "clock", "pace_detail", "rate", "readable_headers", "throttling_summary", "wait_to_resume", "wait_to_start",
]


def rate(text: str, /) -> RateLimit:
    """``--rate`` for argparse: a number of messages per second, minute or hour."""
    from ..send.engine import RateLimit

    try:
        return RateLimit.parse(text)
    except ConfigError:
        per = "; give the unit too, such as" if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", text) else "; write it as"
        raise argparse.ArgumentTypeError(f"'{text}' is not a rate{per} 30/min, 5/s or 1000/hour") from None


rate.__name__ = "rate"


def readable_headers(block: str, /) -> str:
    """Header lines as a person reads them: folded lines joined and RFC 2047 words (``=?utf-8?b?...?=``) decoded."""
    import email.header

    lines: list[str] = []
    for line in block.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    shown = []
    for line in lines:
        name, colon, value = line.partition(":")
        if colon and "=?" in value:
            with contextlib.suppress(ValueError, LookupError, UnicodeError):
                value = " " + str(email.header.make_header(email.header.decode_header(value.strip())))
        shown.append(name + colon + value)
    return "\n".join(shown)


def clock() -> str:
    """The time now, as the messages say it."""
    import datetime as dt

    return f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z}"


async def wait_to_start(campaign: Campaign, at: dt.datetime, quiet: bool, /) -> bool:
    """Say the preflight passed, then wait until ``at``; False when interrupted."""
    print(f"Preflight passed at {clock()}: {len(campaign.recipients)} recipient(s) of segment '{campaign.segment}'; "
          f"the send starts at {at:%Y-%m-%d %H:%M:%S %Z}.", flush=True)
    return await _countdown(at, "starting", quiet)


async def wait_to_resume(when: float, quiet: bool, /) -> bool:
    """Wait until the daily limit allows the next message; False when interrupted."""
    import datetime as dt

    at = dt.datetime.fromtimestamp(when).astimezone()
    print(f"Waiting for the daily limit until {at:%Y-%m-%d %H:%M:%S %Z} (--resume-when-allowed).", flush=True)
    return await _countdown(at, "resuming", quiet)


async def _countdown(at: dt.datetime, what: str, quiet: bool) -> bool:
    import asyncio
    import signal

    from rich.console import Console

    from ..send.schedule import countdown, wait_until

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    console = Console(stderr=True)
    try:
        if quiet or not console.is_terminal:
            return await wait_until(at, stop=stop)
        with console.status(f"{what} in ...") as status:
            return await wait_until(at, stop=stop, tick=lambda left: status.update(f"{what} in {countdown(left)}"))
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def pace_detail(report: DeliveryReport, /) -> str:
    """The pace for the progress line: " · 37.5/s (454 Throttling ...)" once it has changed; "" before."""
    from ..send.adaptive import describe

    if not report.pace_reason:
        return ""
    return printable(f" · {describe(report.pace)} ({report.pace_reason[:60]})")


def throttling_summary(report: DeliveryReport, /) -> str:
    """One line on how the relay's throttling shaped the send."""
    from ..send.adaptive import describe

    text = (f"Throttled: {report.throttles} throttling repl{'y' if report.throttles == 1 else 'ies'} (each message sent again "
            f"later, no attempt spent); throttled for {report.throttled_seconds:.1f}s; pace now {describe(report.pace)}")
    if report.pace_reason:
        text += f" ({report.pace_reason})"
    if report.slowed_domains:
        text += f"; domains slowed on their own: {', '.join(report.slowed_domains)}"
    return text + "."
