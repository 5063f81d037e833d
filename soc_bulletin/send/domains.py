"""Receiving domains that set their own pace: configured limits and back-pressure of their own.

A domain gets a gate when ``[sending.domains]`` names it (or a parent
domain), or when a throttling reply at RCPT is about one of its recipients
(:mod:`.throttle`): from then on its messages keep its pace (AIMD as the
send's, :mod:`.adaptive`) and its number of messages on the wire, while
the rest of the list goes on at the send's own pace. A message whose domain
is not ready is set aside (:meth:`DomainGates.admit` says for how long), not
waited for, so one slow gateway never holds the workers up.

Gates are this sender's: with several senders on PostgreSQL each keeps its
domains' pace (a domain's rate is per sender), while the send's own pace is
shared.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping

from ..config.domains import DomainLimit
from .adaptive import Pace, recovered, slowed

__all__ = ["DomainGates", "domain_of"]


def domain_of(address: str, /) -> str:
    """The domain of ``address``, casefolded."""
    return address.rpartition("@")[2].casefold()


class DomainGates:
    """The gates of the domains with a pace of their own; see the module's docstring."""

    def __init__(self, limits: Mapping[str, DomainLimit], /) -> None:
        self.limits = {domain.casefold(): limit for domain, limit in limits.items()}
        self.paces: dict[str, Pace] = {key: Pace.start(limit.rate) for key, limit in self.limits.items()}
        self.next: dict[str, float] = {}
        self.busy: Counter[str] = Counter()
        self.slowed: list[str] = []  # domains that slowed down on their own, in order
        self.recent: Counter[str] = Counter()  # messages accepted per domain in this second, and the last
        self.last: Counter[str] = Counter()
        self.second = time.monotonic()

    def key(self, address: str, /) -> str:
        """The gate ``address`` passes: its domain, or the longest configured domain it is under."""
        domain = domain_of(address)
        parts = domain.split(".")
        for start in range(len(parts) - 1):
            candidate = ".".join(parts[start:])
            if candidate in self.limits:
                return candidate
        return domain

    def admit(self, key: str, /) -> float:
        """0 when a message to ``key`` may go now (its slot and connection taken); else seconds to wait for a slot,
        or ``math.inf`` while its connections are all busy (:meth:`release` says when one is free)."""
        pace = self.paces.get(key)
        if pace is None:
            return 0.0
        limit = self.limits.get(key, DomainLimit())
        if limit.connections and self.busy[key] >= limit.connections:
            return math.inf
        now = time.monotonic()
        if pace.rate:
            slot = self.next.get(key, 0.0)
            if slot > now + 0.001:
                return slot - now
            self.next[key] = max(slot, now) + 1 / pace.rate
        self.busy[key] += 1
        return 0.0

    def release(self, key: str, /) -> None:
        """A message to ``key`` admitted by :meth:`admit` is settled."""
        if self.busy[key] > 0:
            self.busy[key] -= 1

    def throttled(self, key: str, reason: str, /) -> None:
        """A throttling reply about a recipient of ``key``: the domain slows down (and gets a gate if it had none)."""
        if key not in self.paces:  # its first throttle: from the rate it was accepted at (one a second at least)
            self.paces[key] = Pace(measured=max(1.0, self.last[key], self.recent[key]))
            self.slowed.append(key)
        self.paces[key] = slowed(self.paces[key], time.monotonic(), reason)

    def accepted(self, key: str, /) -> None:
        """A message to ``key`` was accepted: measured, and its pace climbs."""
        if (now := time.monotonic()) - self.second >= 1.0:
            self.last, self.recent, self.second = self.recent, Counter(), now
        self.recent[key] += 1
        pace = self.paces.get(key)
        if pace is not None:
            self.paces[key] = recovered(pace, time.monotonic(), 1)
