"""``[privacy]`` in ``soc-bulletin.toml``: how long people's data is kept (docs/editors.md, "Privacy")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PrivacySettings", "evidence_problem"]


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """Delivery rows keep the address, and bounce and complaint evidence is kept, this many days."""

    keep_delivery_days: int = 60
    keep_bounce_evidence_days: int = 45


def evidence_problem(privacy: object, soft_bounce_days: int, line_of: Callable[..., int]) -> list[tuple[int, str]]:
    """[(line, message)] when bounce evidence would go before the soft bounces counted over ``soft_bounce_days``."""
    if not isinstance(privacy, PrivacySettings) or privacy.keep_bounce_evidence_days >= soft_bounce_days:
        return []
    return [(line_of("privacy", "keep_bounce_evidence_days") or line_of("sending", "soft_bounce_days"),
             f"[privacy] keep_bounce_evidence_days ({privacy.keep_bounce_evidence_days}) must be at least [sending] "
             f"soft_bounce_days ({soft_bounce_days}): soft bounces are counted over that many days")]
