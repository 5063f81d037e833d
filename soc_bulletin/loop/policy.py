"""What a bounce or complaint does to an address: two pure functions, tested as tables.

A hard bounce suppresses at once: a permanent failure that says the address
itself is gone (no such mailbox or domain). Every other failure, permanent or
temporary (mailbox full, a disabled account, blocked as spam, policy, too
big, expired in the queue), is soft: it is scored, and the address is
suppressed after ``soft_bounce_limit`` days with one within
``soft_bounce_days`` days. A feedback report suppresses at once, except one
that is no complaint by the recipient (``not-spam``, a DMARC ``auth-failure``
report).
"""

from __future__ import annotations

import re

from .verdict import Failure

__all__ = ["NOT_COMPLAINTS", "is_hard", "suppresses"]

#: feedback types that are not the recipient asking to stop
NOT_COMPLAINTS = frozenset({"not-spam", "auth-failure", "dkim", "dmarc"})
#: statuses that say the address itself is gone: bad mailbox, bad domain, bad syntax, moved, no such recipient, no route
_GONE_STATUS = frozenset({"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.4.4"})
#: statuses of something passing or of the sender, whatever the text: full, too big, expired, content, policy, bad sender
_PASSING_STATUS = re.compile(r"5\.(?:2\.[23]|3\.4|4\.7|1\.[78]|6\.\d+|7\.\d+)$")
_GONE = re.compile(
    r"user unknown|unknown user|no such (user|mailbox|recipient|address|domain)|does ?n.t exist|doesn.t have an? .{0,20}account|"
    r"invalid (recipient|mailbox|address|user)|unknown (recipient|address|mailbox|local.part)|recipient (address )?rejected|"
    r"mailbox (unavailable|not found|does not exist)|not listed in|no mailbox|name is not recognized|not a valid (mailbox|user)|"
    r"host \S*\s?(not found|unknown)|domain (is )?(not found|does not exist|not reachable)|unrouteable|unroutable|"
    r"bad destination|user not found|no longer (active|available|valid)",
    re.I)
#: words that veto a hard bounce: the address may be fine (a full box, a block, a rate, the sender, a DNS hiccup)
_PASSING = re.compile(r"quota|mailbox (is )?full|insufficient|too many|rate (limit|that)|black ?list|block ?list|blocked|spam|"
                      r"reputation|sender|mail from|try again|temporar|mailer error|system error|internal|on hold", re.I)


def is_hard(failure: Failure, /) -> bool:
    """Whether a failure says the address itself is gone (suppress at once) rather than something passing.

    A permanent failure is hard when its status names a bad address (5.1.1,
    5.1.2, 5.1.3, 5.1.6, 5.1.10, 5.4.4), or when it has no telling status and
    its text says so ("user unknown", "no such mailbox"...); never when its
    status is of a full box, a too-big message, an expired queue, content,
    policy or the sender (5.2.2, 5.3.4, 5.4.7, 5.1.7, 5.1.8, 5.6.x, 5.7.x), nor
    when the text speaks of a quota, a block, a rate or the sender.
    """
    if not failure.permanent:
        return False
    status = failure.status or ""
    if _PASSING_STATUS.match(status) or _PASSING.search(failure.diagnostic):
        return False
    return status in _GONE_STATUS or bool(_GONE.search(failure.diagnostic))


def suppresses(feedback_type: str, /) -> bool:
    """Whether a feedback report of this type suppresses the recipient."""
    return feedback_type.casefold() not in NOT_COMPLAINTS
