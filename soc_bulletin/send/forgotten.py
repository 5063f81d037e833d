"""Who a send must leave alone because of what the store forgot (:mod:`soc_bulletin.store.privacy`).

A ledger row whose address expired or was erased keeps only a keyed hash: the person it stands for has had the
issue all the same, and must neither receive it again nor get a second row. An erased address is suppressed under
its keyed hash, and must not be written into a ledger again, not even as a suppressed row.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..audience.subscribers import Subscriber
from ..audience.suppression import is_hashed
from ..store.hashing import Hasher
from ..store.ledger import Ledger
from .preflight import done_keys

__all__ = ["already_had"]


def already_had(ledger: Ledger, recipients: Iterable[tuple[Subscriber, str]], hasher: Hasher | None, /) -> tuple[set[str], set[str]]:
    """(the keys of people who have had the issue, those of them whose row keeps only a keyed hash). The second set
    must not be given to the ledger again (it would be a new row)."""
    done = done_keys(ledger)
    hashed = {key for key in done if is_hashed(key)}
    hidden = {sub.key for sub, _ in recipients if hasher(sub.key) in hashed} if hashed and hasher is not None else set()
    return done | hidden, hidden

