"""Compiled layouts kept between runs, so that a command does not compile the Jinja2 layouts again each time.

Compiling the layouts costs a one-off command (``check`` from a pre-commit
hook, ``build``) tens of milliseconds; Jinja2 keeps the compiled code in
``$XDG_CACHE_HOME/soc-bulletin/layouts`` (``~/.cache/...`` by default), keyed
by each template's file name and checked against a hash of its source, so an
edited layout is compiled again. The cache is a convenience: one that cannot
be created, read or written is as if empty, never an error.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import jinja2

__all__ = ["layout_cache"]


class _BestEffortCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's file cache, with a file that cannot be read or written taken as a miss."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def layout_cache() -> jinja2.BytecodeCache | None:
    """The cache of compiled layouts, or None when its folder cannot be made (then layouts are compiled each run)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"  # a relative XDG path is ignored, as the spec says
    folder = root / "soc-bulletin" / "layouts"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home directory to be found
        return None
    return _BestEffortCache(str(folder))
