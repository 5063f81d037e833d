"""What bounce processing remembers between runs: the messages it has handled, and soft bounces by day.

One SQLite file (``.ledger/bounces.db`` by default, beside the issues' ledgers).
A message is known by a digest of its bytes, leaving out the header fields that
mail stores rewrite (``Status``, ``X-Keywords``...), so the same message read
again, from any source, is skipped. Soft bounces count at most one per address
per day, as Mailman's bounce score does: an address is suppressed after
``limit`` such days within ``days`` days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
import time
from pathlib import Path

from ..errors import ConfigError

__all__ = ["BounceState", "digest"]

_REWRITTEN = re.compile(rb"^(?:status|x-status|x-keywords|x-uid|x-imap|x-imapbase|content-length|lines|from )[^\n]*\n"
                        rb"(?:[ \t][^\n]*\n)*", re.I | re.M)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed (digest TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS soft (key TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (key, day));
"""


def digest(raw: bytes, /) -> str:
    """The identity of a message's content, whatever store it was read from."""
    data = raw.replace(b"\r\n", b"\n")
    head, sep, body = data.partition(b"\n\n")
    return hashlib.sha256(_REWRITTEN.sub(b"", head + b"\n") + sep + body).hexdigest()


class BounceState:
    """The state file at ``path``, created on first use; ``readonly`` (a dry run) never creates or writes it."""

    def __init__(self, path: Path, /, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        try:
            if readonly:
                uri = f"{path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None) if path.exists() else sqlite3.connect(":memory:")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
                self._db.execute("PRAGMA journal_mode=WAL")
            if not readonly or not path.exists():
                self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot use the bounce state {path}: {getattr(exc, 'strerror', None) or exc}") from exc

    def seen(self, message: str, /) -> bool:
        """Whether the message with this digest was handled before."""
        try:
            return self._db.execute("SELECT 1 FROM processed WHERE digest=?", (message,)).fetchone() is not None
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot read the bounce state {self.path}: {exc}") from exc

    def handled(self, message: str, source: str, kind: str, /) -> None:
        """Remember the message as handled."""
        if not self.readonly:
            self._write("INSERT OR IGNORE INTO processed VALUES (?, ?, ?, ?)", (message, source, kind, time.time()))

    def soft_bounce(self, address: str, day: dt.date, status: str, /, *, days: int) -> int:
        """Count a soft bounce of ``address`` on ``day`` (once a day); returns the days with one in the ``days`` up to ``day``."""
        key = address.casefold()
        if not self.readonly:
            self._write("INSERT OR IGNORE INTO soft VALUES (?, ?, ?)", (key, day.isoformat(), status))
        since = (day - dt.timedelta(days=days - 1)).isoformat()
        found = self._db.execute("SELECT COUNT(*) FROM soft WHERE key=? AND day BETWEEN ? AND ?",
                                 (key, since, day.isoformat())).fetchone()[0]
        if self.readonly and not self._db.execute("SELECT 1 FROM soft WHERE key=? AND day=?", (key, day.isoformat())).fetchone():
            found += 1  # a dry run counts the bounce it would record
        return int(found)

    def _write(self, sql: str, values: tuple[object, ...]) -> None:
        try:
            self._db.execute(sql, values)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot write the bounce state {self.path}: {exc}") from exc

    def close(self) -> None:
        """Release the file."""
        self._db.close()
