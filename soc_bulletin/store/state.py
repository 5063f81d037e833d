"""How the store knows a received message again: a digest of its bytes, whatever mail store it was read from.

The header fields that mail stores rewrite (``Status``, ``X-Keywords``...)
are left out, so the same message read again, from any source, is skipped.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["digest"]

_REWRITTEN = re.compile(rb"^(?:status|x-status|x-keywords|x-uid|x-imap|x-imapbase|content-length|lines|from )[^\n]*\n"
                        rb"(?:[ \t][^\n]*\n)*", re.I | re.M)


def digest(raw: bytes, /) -> str:
    """The identity of a message's content, whatever store it was read from."""
    data = raw.replace(b"\r\n", b"\n")
    head, sep, body = data.partition(b"\n\n")
    return hashlib.sha256(_REWRITTEN.sub(b"", head + b"\n") + sep + body).hexdigest()
