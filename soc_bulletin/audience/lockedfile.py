"""A file that several programs write at once: an advisory lock on the file itself, and atomic rewrites.

The unsubscribe service, ``send`` (bounces at SMTP time) and bounce processing
may all add to the suppression list at the same moment. Each writer holds an
exclusive ``flock`` on the file while it reads and appends; readers hold a
shared one, so nobody ever sees half a row. A rewrite (removing a row,
adding a column) writes a new file beside the old one and renames it into
place while holding the lock; whoever was waiting on the old file notices that
the path now names another file and locks that one instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["locked", "replace_contents"]


@contextlib.contextmanager
def locked(path: Path, /, *, exclusive: bool) -> Iterator[BinaryIO | None]:
    """Hold ``path`` locked: exclusive (created if missing, open for appending) or shared (None if missing)."""
    while True:
        try:
            handle = open(path, "a+b" if exclusive else "rb")  # noqa: SIM115 - closed below, after the lock is proven
        except FileNotFoundError:
            if exclusive:
                raise
            yield None
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            held = os.fstat(handle.fileno())
            try:
                now = os.stat(path)
            except FileNotFoundError:
                now = None
        except BaseException:
            handle.close()
            raise
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            break
        handle.close()  # replaced while we waited: lock the file that is there now
    try:
        yield handle
    finally:
        handle.close()


def replace_contents(path: Path, data: bytes, /) -> None:
    """Make ``data`` the content of ``path`` atomically (the caller holds the exclusive lock); keeps its permissions."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
