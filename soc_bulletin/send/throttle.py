"""Which temporary replies mean "slow down": the one table of throttling replies.

A relay or a receiving gateway that wants fewer messages answers with a
temporary reply. Those replies are not the message's failure: the send slows
down (:mod:`.adaptive`) and the message goes back to the queue without
spending one of its attempts. Every other temporary failure (a full mailbox,
a dropped connection, ``451 4.3.0``) is retried with backoff as before.

A reply is a throttle when a row of :data:`THROTTLES` matches it: its code,
its enhanced status code (RFC 3463), or its wording. Only 4xx replies can be
throttles: a 5xx (``554 5.2.0`` when Office 365's day is used up) is never
retried by a send, and is the failure policy's to judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import SendError, TemporaryFailure

__all__ = ["THROTTLES", "Scope", "Throttle", "throttle_of"]


@dataclass(frozen=True, slots=True)
class Throttle:
    """One row of the table: the replies it matches and why they mean "slow down"."""

    codes: frozenset[int]          # reply codes it applies to
    enhanced: str = ""             # a pattern of the enhanced code ("4.7." any 4.7.x); "" any
    wording: str = ""              # a pattern (case-insensitive) the reply's text must contain; "" any
    why: str = ""

    def matches(self, code: int, reply: str, /) -> bool:
        """Whether a ``code`` reply with text ``reply`` is this throttle."""
        if code not in self.codes:
            return False
        enhanced = _ENHANCED.match(reply)
        if self.enhanced and not (enhanced and enhanced[1].startswith(self.enhanced)):
            return False
        return not self.wording or re.search(self.wording, reply, re.IGNORECASE) is not None


_ENHANCED = re.compile(r"\s*(4\.\d{1,3}\.\d{1,3})\b")
_TEMPORARY = frozenset({421, 450, 451, 452, 454})
_SLOW_WORDS = r"throttl|rate.?limit|rate exceeded|too many|too much mail|too fast|slow down"

#: the throttling replies, in one table (README: "Back-pressure")
THROTTLES: tuple[Throttle, ...] = (
    Throttle(frozenset({421}), why="421: the server is closing the channel because it is busy (SMTP's own 'come back later')"),
    Throttle(_TEMPORARY, enhanced="4.7.", why="4.7.x: a temporary security or policy refusal (rate limits, '451 4.7.1 try again later')"),
    Throttle(_TEMPORARY, enhanced="4.5.3", why="4.5.3: too many recipients (in this transaction, or from this sender)"),
    Throttle(frozenset({450, 451, 452, 454}), wording=_SLOW_WORDS,
             why="450/451/452/454 whose text asks to slow down ('454 Throttling failure', '450 too much mail')"),
)


class Scope:
    """What a throttle slows: the recipient's domain (a refusal at RCPT) or the whole send (anything else)."""

    DOMAIN = "domain"
    SEND = "send"


def throttle_of(error: SendError, /) -> str:
    """The scope a throttling reply slows (:class:`Scope`), or "" when ``error`` is no throttle.

    A throttle at RCPT is about the recipient's domain (a gateway's limit, as a
    relay passes it on); at connection, MAIL or after DATA it is the relay's,
    and slows the whole send.
    """
    if not isinstance(error, TemporaryFailure) or error.code is None:
        return ""
    if not any(row.matches(error.code, error.reply) for row in THROTTLES):
        return ""
    return Scope.DOMAIN if error.stage == "rcpt" else Scope.SEND
