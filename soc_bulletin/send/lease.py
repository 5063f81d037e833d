"""This sender's hold on the rows it claimed in a ledger that several senders share.

Claims are renewed every quarter lease (every second while renewing fails);
a row is sent only while the claims are surely still this sender's, with a
third of the lease to spare for a message on the wire. Once they may be lost
the send stops: the rows go to the other senders when the lease ends.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ..errors import LedgerError
from ..store.ledger import Ledger

__all__ = ["Lease"]

log = logging.getLogger(__name__)


class Lease:
    """The lease of ``ledger``'s claims, renewed on ``control``; ``on_lost`` hears when it may be lost."""

    def __init__(self, ledger: Ledger, control: ThreadPoolExecutor | None, on_lost: Callable[[LedgerError], None]) -> None:
        self.ledger, self.control, self.on_lost = ledger, control, on_lost
        self.lease = ledger.lease or math.inf
        self.valid_until = math.inf  # our claims are surely ours until then (monotonic clock)
        self.error = ""

    def begin(self) -> None:
        """The claims about to be made are held from now."""
        if self.ledger.lease is not None:
            self.valid_until = time.monotonic() + self.lease

    async def keep(self) -> None:
        """Renew the claims every quarter lease (every second while failing) until cancelled, or lost."""
        if self.ledger.lease is None:
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
                failing, self.error = True, str(exc)
                if not self.held():
                    self.lost()
                    return
                continue
            failing = False
            self.valid_until = started + self.lease

    def held(self) -> bool:
        """Whether our claims are surely still ours, with a third of the lease to spare for a message on the wire."""
        return time.monotonic() < self.valid_until - self.lease / 3

    def lost(self) -> None:
        """Say the claims may be lost."""
        self.on_lost(LedgerError(
            f"could not renew this sender's claims in the ledger in time (lease {self.lease:g}s; {self.error or 'no answer'}); "
            "stopped: the rows it held go to the other senders when their lease ends"))
