"""Watching folders for changed files, told by the operating system (inotify, FSEvents, ReadDirectoryChangesW) through watchfiles.

Set ``WATCHFILES_FORCE_POLLING=1`` where the system does not report changes
(some network drives, Windows folders seen from WSL): the folders are then
scanned every 100 ms.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["DEBOUNCE_MS", "STEP_MS", "Watcher"]

log = logging.getLogger(__name__)

#: Once a file changed, changes are gathered until none came for STEP_MS (an editor's
#: save is a burst of events within a millisecond or two), and for DEBOUNCE_MS at most.
STEP_MS = 10
DEBOUNCE_MS = 40
POLL_MS = 100
#: how long one wait for changes lasts before watchfiles checks the stop event and waits again
WAIT_MS = 100


class Watcher:
    """Calls ``on_change`` with the files changed under ``folders``, from its own thread, until :meth:`close`.

    Watching begins in the constructor, so a change made before :meth:`start`
    is reported too. Hidden files and editors' backups (``.x.swp``, ``x~``)
    are left out; a folder that does not exist is not watched.
    """

    def __init__(self, folders: Sequence[Path], on_change: Callable[[set[Path]], object], /) -> None:
        self.folders = [folder for folder in folders if folder.is_dir()]
        self._on_change = on_change
        self._stop = threading.Event()
        import watchfiles  # noqa: PLC0415 - loaded only when the preview watches

        self._changes = watchfiles.watch(
            *self.folders, watch_filter=None, debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=self._stop, rust_timeout=WAIT_MS,
            yield_on_timeout=True, raise_interrupt=False, poll_delay_ms=POLL_MS,
        )
        # The first wait (at most WAIT_MS) sets up the operating system's watches; what changed meanwhile is kept.
        self._pending = next(self._changes, set()) if self.folders else set()
        self._thread = threading.Thread(target=self._run, name="preview-watch", daemon=True)

    def start(self) -> None:
        """Start calling ``on_change``."""
        self._thread.start()

    def close(self) -> None:
        """Stop watching; returns once the thread has ended (within WAIT_MS, or when a running ``on_change`` returns)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        if self._thread.is_alive():  # a rebuild that never ends: leave it to the process's exit
            log.warning("the watcher of %s did not stop", ", ".join(map(str, self.folders)))
            return
        self._changes.close()

    def _run(self) -> None:
        if not self.folders:
            return
        changes = self._pending
        while True:
            if changed := {Path(path) for _, path in changes if self._relevant(Path(path))}:
                try:
                    self._on_change(changed)
                except Exception:  # a bug must not end the watching
                    log.exception("handling changes to %s failed", sorted(changed))
            next_changes = next(self._changes, None)
            if next_changes is None:  # the stop event was set
                return
            changes = next_changes

    def _relevant(self, path: Path) -> bool:
        for folder in self.folders:
            if path.is_relative_to(folder):
                return not path.name.endswith("~") and not any(p.startswith(".") for p in path.relative_to(folder).parts)
        return False
