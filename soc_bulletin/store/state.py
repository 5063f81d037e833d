"""Bounce memory: how the store knows a received message again, and what earlier versions remembered.

A message is known by a digest of its bytes; the header fields that mail
stores rewrite (``Status``, ``X-Keywords``...) are left out, so the same
message read again, from any source, is skipped. Earlier versions kept their
memory in ``bounces.db`` in the ledger folder (:func:`legacy_bounces`); both
stores take it in once.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

from ..errors import LedgerError

__all__ = ["LEGACY_FILE", "digest", "legacy_bounces"]

_REWRITTEN = re.compile(rb"^(?:status|x-status|x-keywords|x-uid|x-imap|x-imapbase|content-length|lines|from )[^\n]*\n"
                        rb"(?:[ \t][^\n]*\n)*", re.I | re.M)


def digest(raw: bytes, /) -> str:
    """The identity of a message's content, whatever store it was read from."""
    data = raw.replace(b"\r\n", b"\n")
    head, sep, body = data.partition(b"\n\n")
    return hashlib.sha256(_REWRITTEN.sub(b"", head + b"\n") + sep + body).hexdigest()


#: where earlier versions kept what bounce processing remembered, in the ledger folder
LEGACY_FILE = "bounces.db"

Processed = tuple[str, str, str, float]
Soft = tuple[str, str, str, str]


def legacy_bounces(folder: Path, /) -> tuple[list[Processed], list[Soft]] | None:
    """What ``folder/bounces.db`` remembers: handled messages (digest, source, kind, at) and soft bounces as the
    store keeps them (key, reference, day, status; one a day then); None when there is no such file."""
    legacy = folder / LEGACY_FILE
    if not legacy.is_file():
        return None
    try:
        old = sqlite3.connect(f"{legacy.resolve().as_uri()}?mode=ro", uri=True)
        try:
            processed = old.execute("SELECT digest, source, kind, at FROM processed").fetchall()
            soft = [(k, f"day:{d}", d, s) for k, d, s in old.execute("SELECT key, day, status FROM soft").fetchall()]
        finally:
            old.close()
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot read the earlier bounce state {legacy} ({exc}); restore it, or move it away to start "
                          "without it") from exc
    return processed, soft
