"""A worker thread that always takes the newest job: a job replaced before its turn is dropped, never queued."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["LatestWorker"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class LatestWorker(Generic[T]):
    """Runs ``work`` in its own thread on the newest item given to :meth:`submit`, one at a time.

    The preview checks each build here, so that an edit is rendered and
    served while the previous edit's check is still running, and a check
    that a newer edit overtook is not run at all.
    """

    def __init__(self, work: Callable[[T], object], /, *, name: str) -> None:
        self._work = work
        self._ready = threading.Condition()
        self._item: tuple[T] | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T, /) -> None:
        """Hand over ``item``, replacing one that has not started yet."""
        with self._ready:
            self._item = (item,)
            self._ready.notify()

    def close(self) -> None:
        """Stop after the running job (if any) ends; jobs not started are dropped."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._closed or self._item is not None)
                if self._closed:
                    return
                assert self._item is not None
                (item,), self._item = self._item, None
            try:
                self._work(item)
            except Exception:  # a bug must not end the worker
                log.exception("%s failed", self._thread.name)
