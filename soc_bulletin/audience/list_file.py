"""Writing a subscriber list to a file so that it is never half written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from .subscribers import write_subscribers

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .subscribers import Subscriber

__all__ = ["write_list_file"]


def write_list_file(path: Path, subscribers: Sequence[Subscriber], columns: list[str], neutralised: list[tuple[int, str]],
                    /) -> None:
    """Write through a temporary file in the same folder, so ``path`` is never half written.

    A symbolic link to a file is followed (the file is replaced, the link kept);
    anything else that is not a regular file (``/dev/stdout``, a device, a FIFO)
    is written to directly, never replaced. An OSError names ``path``.
    """
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give the name of the file to write, such as {path / 'subscribers.csv'}")
    if path.is_symlink() and path.is_file():
        path = path.resolve()
    if path.is_symlink() or (path.exists() and not path.is_file()):
        _write_in_place(path, subscribers, columns, neutralised)
        return
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except FileNotFoundError as exc:
        raise ConfigError(f"cannot write {path}: the folder {path.parent} does not exist; create it or choose another path") from exc
    except OSError as exc:  # the CLI's boundary names the path and says what to do
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            write_subscribers(subscribers, out, columns=columns, neutralised=neutralised)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write_in_place(path: Path, subscribers: Sequence[Subscriber], columns: list[str], neutralised: list[tuple[int, str]]) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            write_subscribers(subscribers, out, columns=columns, neutralised=neutralised)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
