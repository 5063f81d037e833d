"""Compiled layouts kept between runs, so that a command does not compile the Jinja2 layouts again each time.

Compiling the layouts costs a one-off command (``check`` from a pre-commit
hook, ``build``) tens of milliseconds; Jinja2 keeps the compiled code in
``$XDG_CACHE_HOME/soc-bulletin/layouts/<key>`` (``~/.cache/...`` by default).
Each file is checked against a hash of its template's source, so an edited
layout is compiled again; ``<key>`` names the Jinja2 and Python versions and
the environment's options, which change the compiled code too. The folder must
be the user's own and writable by nobody else (compiled code is run when
loaded). The cache is a convenience: one that cannot be made, trusted, read or
written is as if empty, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from pathlib import Path

import jinja2

__all__ = ["layout_cache"]

#: the environment's options that change the code Jinja2 compiles
_OPTIONS = ("autoescape", "finalize", "undefined", "trim_blocks", "lstrip_blocks", "keep_trailing_newline", "newline_sequence",
            "block_start_string", "variable_start_string", "comment_start_string", "line_statement_prefix", "optimized")


class _BestEffortCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's file cache, with a file that cannot be read, unpickled or written taken as a miss."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file (cut short after its header, say): compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _described(value: object) -> str:
    return getattr(value, "__qualname__", None) or repr(value)


def _private(folder: Path) -> bool:
    """Whether ``folder`` is a real folder of this user's that nobody else may write to."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022


def layout_cache(env: jinja2.Environment, /) -> jinja2.BytecodeCache | None:
    """The cache of ``env``'s compiled layouts, or None when its folder cannot be made or trusted."""
    options = [jinja2.__version__, sys.implementation.cache_tag or "", *(_described(getattr(env, name)) for name in _OPTIONS)]
    key = hashlib.sha256("\n".join(options).encode()).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"  # a relative XDG path is ignored, as the spec says
        folder = root / "soc-bulletin" / "layouts" / key
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home directory to be found
        return None
    if not all(_private(f) for f in (folder, folder.parent, folder.parent.parent)):
        return None
    return _BestEffortCache(str(folder))
