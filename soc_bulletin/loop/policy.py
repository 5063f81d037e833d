"""What a bounce or complaint does to an address: two pure functions, tested as tables.

A bounce is judged by the one failure table shared with ``send``
(:mod:`soc_bulletin.send.failure_policy`): a permanent failure that says the
address itself is gone (no such mailbox or domain) suppresses at once; every
other failure, permanent or temporary (mailbox full, greylisting, a rate
limit, a message too large, a block, a disabled account, expired in the
queue), is soft and scored. A feedback report suppresses at once, except one
that is no complaint by the recipient (``not-spam``, a DMARC ``auth-failure``
report).
"""

from __future__ import annotations

from ..send.failure_policy import suppresses_at_once
from .verdict import Failure

__all__ = ["NOT_COMPLAINTS", "is_hard", "suppresses"]

#: feedback types that are not the recipient asking to stop
NOT_COMPLAINTS = frozenset({"not-spam", "auth-failure", "dkim", "dmarc"})


def is_hard(failure: Failure, /) -> bool:
    """Whether a failure says the address itself is gone (suppress at once) rather than something passing."""
    return suppresses_at_once(failure.status, failure.diagnostic, permanent=failure.permanent)


def suppresses(feedback_type: str, /) -> bool:
    """Whether a feedback report of this type suppresses the recipient."""
    return feedback_type.casefold() not in NOT_COMPLAINTS
