"""What a delivery failure does to an address, wherever it is heard: one table for a refusal during the SMTP
transaction (``send``) and for a bounce report that comes later (``bounces``).

A failure falls in the first case of :data:`CASES` that its enhanced status
code (RFC 3463) or its words match, so a passing condition (a full mailbox,
a message too large, greylisting, a rate limit, a block) vetoes a bad-address
status given beside it. Only a permanent failure of the case "unknown user or
domain" suppresses at once; every other failure, permanent or temporary, is a
soft bounce: counted once per message (however many notices speak of it, by
whichever path) and at most once a day, and the address is suppressed after
``soft_bounce_limit`` days with one within ``soft_bounce_days``. The README's
failure table lists these cases in this order (a test keeps the two in step).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..config.settings import SendingSettings
from ..store.base import Store

__all__ = ["CASES", "Case", "Score", "case_of", "message_reference", "record_refusal", "score", "status_of_reply",
           "suppresses_at_once"]


@dataclass(frozen=True, slots=True)
class Case:
    """One row of the failure table: the statuses and words that name it, and whether it suppresses at once."""

    name: str
    statuses: re.Pattern[str]
    words: re.Pattern[str]
    at_once: bool


def _case(name: str, statuses: str, words: str, at_once: bool = False) -> Case:
    return Case(name, re.compile(rf"(?:{statuses})$"), re.compile(words, re.I), at_once)


_NEVER = "(?!)"
CASES: tuple[Case, ...] = (
    _case("an address SMTP cannot carry", _NEVER, r"cannot carry$|is not a plain email address$", at_once=True),
    _case("message too large", r"[45]\.3\.4|[45]\.2\.3",
          r"too (large|big)|message (size|length) exceeds|exceeds? (the )?(maximum|size)|size limit|message size"),
    _case("mailbox full", r"[45]\.2\.2",
          r"quota|mailbox (is )?full|full mailbox|box full|insufficient (storage|space|disk)|storage (allocation|space)|"
          r"over ?quota|out of (storage|space)|mailbox size|exceeded storage"),
    _case("greylisting", _NEVER, r"gr[ae]y-?list"),
    _case("rate limiting", r"4\.7\.\d+", r"\brate (limit|that)|too many (messages|connections|recipients|mails|emails)|"
                                          r"throttl|sending limit|try again later|resources temporarily"),
    _case("blocked or policy", r"5\.7\.\d+|[45]\.6\.\d+",
          r"black ?list|block ?list|blocked|spam|reputation|virus"),
    _case("the sender's fault", r"[45]\.1\.[78]", r"\bsender\b|mail from|sending (address|domain)"),
    _case("given up: expired in the queue", r"[45]\.4\.7",
          r"retry time(out)? (exceeded|reached)|expired|too long in (the )?queue"),
    _case("system or transient trouble", _NEVER,
          r"temporar|try again|system error|internal|mailer error|on hold|insufficient|local error"),
    _case("unknown user or domain", r"5\.1\.(?:1|2|3|6|10)|5\.4\.4",
          r"user unknown|unknown user|no such (user|mailbox|recipient|address|domain)|does ?n.t exist|"
          r"doesn.t have an? .{0,20}account|invalid (recipient|mailbox|address|user)|unknown (recipient|address|mailbox|"
          r"local.part)|recipient (address )?rejected|mailbox (unavailable|not found|does not exist)|not listed in|"
          r"no mailbox|name is not recognized|not a valid (mailbox|user)|host \S*\s?(not found|unknown)|"
          r"domain (is )?(not found|does not exist|not reachable)|unrouteable|unroutable|bad destination|user not found|"
          r"no longer (active|available|valid)|address not found|wasn.t found|not found at",
          at_once=True),
    _case("disabled mailbox", r"[45]\.2\.1", r"disabled|inactive|suspended|deactivated"),
    _case("any other failure", r"[245]\.\d+\.\d+", _NEVER),
)


def case_of(status: str | None, text: str, /) -> Case:
    """The first case whose statuses or words match (the last, "any other failure", when none does)."""
    for case in CASES[:-1]:
        if (status and case.statuses.match(status)) or case.words.search(text):
            return case
    return CASES[-1]


def suppresses_at_once(status: str | None, text: str, /, *, permanent: bool) -> bool:
    """Whether a failure suppresses its address at once: a permanent failure that says the address is gone."""
    return permanent and case_of(status, text).at_once


_ENHANCED = re.compile(r"^\s*(?:[245]\d\d[ -])?\s*#?([245]\.\d{1,3}\.\d{1,3})\b")


def status_of_reply(reply: str, /) -> str | None:
    """The enhanced status code of an SMTP reply (``552 5.2.2 Mailbox full`` → ``5.2.2``), if it gives one."""
    found = _ENHANCED.match(reply)
    return found[1] if found else None


def message_reference(issue: str, address: str, /) -> str:
    """The one message an issue sent an address: every failure heard of it, by either path, counts once."""
    return f"{issue}\n{address.casefold()}"


@dataclass(frozen=True, slots=True)
class Score:
    """What a failure did to its address: suppressed at once (``hard``), or the soft bounces counted so far."""

    address: str
    hard: bool
    count: int = 0
    limit: int = 0
    days: int = 0

    @property
    def suppress(self) -> bool:
        """Whether the address is to be suppressed now."""
        return self.hard or self.count >= self.limit

    @property
    def reason(self) -> str:
        """The suppression's reason, as the list shows it."""
        return "bounced" if self.hard else f"bounced ({self.count} soft bounces in {self.days} days)"

    def __str__(self) -> str:
        return f"{self.address}: soft bounce {self.count} of {self.limit} in {self.days} days"


def score(store: Store, address: str, reference: str, day: dt.date, status: str | None, /, *, hard: bool, limit: int,
          days: int, record: bool = True) -> Score:
    """Count a failure of ``address`` for the message ``reference``: a hard one at once, a soft one in the store."""
    if hard:
        return Score(address, True)
    count = store.soft_bounces(address, reference, day, status or "", days=days, record=record)
    return Score(address, False, count, limit, days)


def record_refusal(store: Store, sending: SendingSettings, issue: str, address: str, reply: str, /) -> None:
    """A recipient refused for good during the SMTP transaction, scored as a bounce report of the same failure is.

    ``reply`` is the server's (``552 5.2.2 Mailbox full``) or our own reason an address cannot be carried.
    """
    status = status_of_reply(reply)
    found = score(store, address, message_reference(issue, address), dt.date.today(), status,
                  hard=suppresses_at_once(status, reply, permanent=True),
                  limit=sending.soft_bounce_limit, days=sending.soft_bounce_days)
    if found.suppress:
        store.suppress(address, found.reason, source="bounce")
