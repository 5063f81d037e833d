"""Keyed hashes that stand for an erased or expired address: ``h:`` and 32 hex digits of HMAC-SHA256.

The key is the store's own (``hash_key`` in its facts, made on the first erasure or expiry), so a ledger file copied
alone cannot be searched for a guessed address, while the store can still tell that an address on a list is one it
erased (the suppression stays) or one that already had an issue (never sent twice). The address is compared as a
key (normalised, casefolded), so every case variant has the same hash.
"""

from __future__ import annotations

import hashlib
import hmac

from ..audience.suppression import HASHED, is_hashed

__all__ = ["HASHED", "Hasher", "is_hashed"]


class Hasher:
    """Hashes keys (casefolded normalised addresses) with the store's hashing key."""

    def __init__(self, secret: str, /) -> None:
        if len(secret) < 16:
            raise ValueError("a hashing key must be at least 16 characters")
        self._keyed = hmac.new(secret.encode(), b"soc-bulletin erased address\n", hashlib.sha256)

    def __call__(self, key: str, /) -> str:
        """The hashed form of ``key`` (a hashed key is returned as it is)."""
        if is_hashed(key):
            return key
        mac = self._keyed.copy()
        mac.update(key.casefold().encode())
        return HASHED + mac.hexdigest()[:32]
