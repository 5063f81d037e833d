"""What a delivery is asked to do (:class:`DeliveryOptions`) and what it did (:class:`DeliveryReport`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config.domains import DomainLimit
from ..store.ledger import Counts, State
from .pacing import RateLimit

__all__ = ["DeliveryOptions", "DeliveryReport", "Failure"]


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """How hard and how patiently to send."""

    concurrency: int = 4
    rate: RateLimit | None = None
    max_attempts: int = 4
    backoff_base: float = 2.0
    backoff_max: float = 120.0
    max_consecutive_failures: int = 25
    batch: int = 64
    flush_interval: float = 0.05
    lease: float = 60.0  # with a ledger shared by several senders: seconds a claim is held without renewal
    #: per receiving domain (and its subdomains): at most this rate and these messages on the wire ([sending.domains])
    domains: Mapping[str, DomainLimit] = field(default_factory=dict)
    #: at most this many messages handed over in any 24 hours, counted in the store for every sender; 0: no limit
    daily_limit: int = 0


@dataclass(frozen=True, slots=True)
class Failure:
    """A recipient that was not accepted in this run."""

    address: str
    state: State
    reply: str


@dataclass
class DeliveryReport:
    """What one run did; ``stopped`` says why it ended early, if it did."""

    sent: int = 0
    failed: list[Failure] = field(default_factory=list)
    suppressed: int = 0
    retries: int = 0
    seconds: float = 0.0
    stopped: str = ""
    counts: Counts = field(default_factory=Counts)
    #: throttling replies heard (each sent its message back to the queue), and seconds the send was throttled
    throttles: int = 0
    throttled_seconds: float = 0.0
    #: the send's pace now (messages a second; None: unpaced) and why it last changed
    pace: float | None = None
    pace_reason: str = ""
    #: receiving domains that slowed down on their own
    slowed_domains: list[str] = field(default_factory=list)
    #: when the daily limit stopped the send: when (seconds since the epoch) the next message may go
    resume_at: float | None = None

    @property
    def rate(self) -> float:
        """Messages accepted per second in this run."""
        return self.sent / self.seconds if self.seconds else 0.0
