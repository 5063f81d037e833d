"""VERP: each message's envelope sender names its recipient, so a bounce does even when its body is mangled.

With ``envelope_sender = "bounces@example.org"`` set, the message of issue
``2019-08`` to ``jo@example.net`` leaves with ``MAIL FROM:<bounces+TOKEN@example.org>``.
``TOKEN`` is 16 base32 characters of an HMAC of the issue and the address
(keyed with the unsubscribe secret, or the store's own secret when none is set): it reveals
nothing, and bounce processing maps it back by computing the tokens of the
ledger's rows. Mail servers deliver ``bounces+anything`` to ``bounces`` (the
``+`` sub-address of Postfix, Exim, Dovecot, Gmail and Office 365).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

__all__ = ["TOKEN_LENGTH", "verp_address", "verp_token", "verp_tokens_in"]

TOKEN_LENGTH = 16
_TOKEN = re.compile(rf"\+([a-z2-7]{{{TOKEN_LENGTH}}})@", re.I)


def verp_token(key: bytes, issue: str, address: str, /) -> str:
    """The token of ``address`` in the messages of ``issue``."""
    digest = hmac.new(key, f"verp\n{issue}\n{address.casefold()}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii").lower()


def verp_address(envelope_sender: str, token: str, /) -> str:
    """``local+token@domain``; the envelope sender unchanged when the local part would grow past 64 characters."""
    local, _, domain = envelope_sender.rpartition("@")
    if not local or len(local) + 1 + len(token) > 64:
        return envelope_sender
    return f"{local}+{token}@{domain}"


def verp_tokens_in(addresses: tuple[str, ...] | list[str], /) -> list[str]:
    """The VERP tokens in ``addresses`` (where a bounce was delivered), lowercased, in order."""
    return list(dict.fromkeys(found[1].lower() for a in addresses for found in _TOKEN.finditer(a)))
