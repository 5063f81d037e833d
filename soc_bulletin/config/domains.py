"""``[sending] daily_limit`` and ``[sending.domains]``: limits of a send, checked when the settings are read.

.. code-block:: toml

    [sending]
    daily_limit = 10000    # messages in any 24 hours, every sender of the store together (Office 365: 10,000 a day)

    [sending.domains]
    "met.police.uk" = { rate = "60/min", connections = 1 }
    "gov.wales" = { rate = "5/s" }

A key is a domain; it applies to that domain and its subdomains (the longest
key that matches wins). ``rate`` is written as ``--rate`` is; ``connections``
is how many messages to the domain may be on the wire at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .values import DNS_NAME, shown

__all__ = ["MAX_DAILY", "DomainLimit", "domain_limits", "parse_rate"]

_RATE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*")
MAX_CONNECTIONS = 100
#: the largest daily limit
MAX_DAILY = 100_000_000


@dataclass(frozen=True, slots=True)
class DomainLimit:
    """At most ``rate`` messages a second (None: no rate of its own) and ``connections`` at once (0: no limit)."""

    rate: float | None = None
    connections: int = 0


def parse_rate(text: str, /) -> float | None:
    """Messages a second from ``"30/min"``, ``"5/s"``, ``"1000/hour"``; None when ``text`` is not a rate."""
    match = _RATE.fullmatch(text)
    if not match or float(match[1]) <= 0:
        return None
    return float(match[1]) / {"s": 1, "m": 60, "h": 3600}[match[2][0]]


def domain_limits(data: Any, report: Callable[[str, str], None], /) -> dict[str, DomainLimit]:
    """The limits in a ``[sending.domains]`` table; each problem goes to ``report(domain key, one-line message)``."""
    limits: dict[str, DomainLimit] = {}
    problems: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        report("", "[sending.domains] must be a table of domains, such as \"met.police.uk\" = { rate = \"60/min\" }")
        return limits
    for domain, value in data.items():
        limit = _domain_limit(domain, value)
        if isinstance(limit, str):
            problems.append((domain, limit))
        else:
            limits[domain.casefold()] = limit
    for domain, message in problems:
        report(domain, message)
    return limits


def _domain_limit(domain: str, value: Any) -> DomainLimit | str:
    """The limit one domain's entry gives, or the one-line problem with it."""
    where = f"[sending.domains] {shown(domain)}"
    problem = _entry_problem(domain, value, where)
    if problem:
        return problem
    rate = value.get("rate")
    per_second = parse_rate(rate) if isinstance(rate, str) else None
    if "rate" in value and per_second is None:
        return f"{where} rate must look like \"60/min\", \"5/s\" or \"1000/hour\", not {shown(str(rate))}"
    connections = value.get("connections", 0)
    if "connections" in value and (isinstance(connections, bool) or not isinstance(connections, int)
                                   or not 1 <= connections <= MAX_CONNECTIONS):
        return f"{where} connections must be a whole number from 1 to {MAX_CONNECTIONS}, not {shown(str(connections))}"
    return DomainLimit(per_second, connections)


def _entry_problem(domain: str, value: Any, where: str) -> str:
    """What is wrong with a domain's name or the shape of its table ("" when nothing)."""
    if not DNS_NAME.fullmatch(domain) or "." not in domain or len(domain) > 253:
        return f"{where} is not a domain such as \"met.police.uk\""
    if not isinstance(value, dict) or not value:
        return f"{where} must be a table such as {{ rate = \"60/min\", connections = 1 }}"
    unknown = sorted(set(value) - {"rate", "connections"})
    if unknown:
        return f"{where}: unknown key {shown(unknown[0])} (allowed: connections, rate)"
    return ""
