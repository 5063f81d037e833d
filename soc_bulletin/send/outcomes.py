"""Outcomes of a send committed to the ledger in small groups, off the event loop, in order with its other writes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor

from ..store.ledger import Ledger, State

__all__ = ["Outcomes"]


class Outcomes:
    """Outcomes waiting to be committed to ``ledger`` on ``io``; ``on_commit`` after each group, ``on_error`` on a failure."""

    def __init__(self, ledger: Ledger, io: Executor, *, batch: int, interval: float, on_commit: Callable[[], None],
                 on_error: Callable[[BaseException], None]) -> None:
        self.ledger, self.io, self.batch, self.interval = ledger, io, batch, interval
        self.on_commit, self.on_error = on_commit, on_error
        self.waiting: list[tuple[str, State, str]] = []
        self.ready = asyncio.Event()

    def add(self, address: str, state: State, reply: str, /) -> None:
        """One outcome, committed with its group."""
        self.waiting.append((address, state, reply))
        self.ready.set()

    async def flush(self) -> None:
        """Commit what is waiting now."""
        outcomes, self.waiting = self.waiting, []
        if outcomes:  # submitted at once, so a cancelled flusher never loses the outcomes it took
            commit = asyncio.wrap_future(self.io.submit(self.ledger.mark, outcomes))
            commit.add_done_callback(self._heard)  # a flusher cancelled meanwhile still hears how the commit ended
            await asyncio.shield(commit)
            self.on_commit()

    def _heard(self, commit: asyncio.Future[None]) -> None:
        if not commit.cancelled() and (error := commit.exception()) is not None:
            self.on_error(error)

    async def run(self) -> None:
        """Commit outcomes in groups: at most ``interval`` after the first of a group, or per batch; until cancelled."""
        while True:
            await self.ready.wait()
            if len(self.waiting) < self.batch:
                await asyncio.sleep(self.interval)
            self.ready.clear()
            try:
                await self.flush()
            except Exception as exc:
                self.on_error(exc)
                return
