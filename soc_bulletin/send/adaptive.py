"""A pace that follows the relay: slower at once when told to, faster again gradually while replies are good.

This is TCP's additive increase, multiplicative decrease (AIMD), applied to
messages a second. On a throttling reply (:mod:`.throttle`) the rate drops
to :data:`DECREASE` of the rate that was throttled: the pace, or the rate
the relay accepted over the last second when that is lower (a pace that
overran the relay says little about its limit; what it accepted says it
exactly). That happens at most once per :func:`hold`: the replies to
messages already on their way say nothing new. Each accepted
message then adds a fixed step: quickly back to :data:`NEAR` of the
throttled rate (that much the relay took), then slowly beyond it, the step
doubling every :data:`SLOW` messages without a throttle (up to 16 times: a
poor measure must not keep the send slow for long), up to the ceiling
(``--rate`` or a domain's rate), until the next throttle.

Why 0.7 and not TCP Reno's half: a relay's limit is a fixed allowance for
this sender, not a link shared with strangers whose share must converge, so
a half leaves a quarter of the send's time unused around every throttle
(the saw-tooth averages 75%); 0.7 is what CUBIC, Linux's TCP, uses, still
backs off by almost a third at once, and with the quick climb to 95% keeps
the send within a few per cent of the relay's limit (``benchmarks/pace.py``).

:class:`Pace` is the whole state, a value: a send kept by one process keeps
it in memory; senders sharing a PostgreSQL store keep it in the database
(:meth:`~soc_bulletin.store.ledger.Ledger.pace`), so a throttle any of them
hears slows them all.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

__all__ = ["DECREASE", "FLOOR", "NEAR", "Pace", "describe", "hold", "measured", "recovered", "slowed"]

#: the share of the throttled rate the send drops to
DECREASE = 0.7
#: the share of the throttled rate regained quickly (the relay took that much)
NEAR = 0.95
#: accepted messages to climb from DECREASE to NEAR of the throttled rate
QUICK = 20
#: accepted messages to climb a further 5% of it, beyond NEAR
SLOW = 50
#: how many times the climb beyond NEAR doubles its step, once every SLOW messages without a throttle
PROBES = 4
#: the slowest a send goes: one message a minute (throttles at this pace count as failures in a row)
FLOOR = 1 / 60
#: an unpaced send throttled before anything accepted was counted waits for a count this many throttles, then
#: starts from GUESS (one a second)
UNMEASURED = 20
GUESS = 1.0
#: seconds over which the accepted rate is measured
WINDOW = 1.0


@dataclass(frozen=True, slots=True)
class Pace:
    """The pace of a send (or of one receiving domain), as the replies shaped it; times on its keeper's clock."""

    rate: float | None = None      # messages a second now; None: as fast as the connections go
    ceiling: float | None = None   # never faster than this (--rate, a domain's rate); None: no limit
    peak: float = 0.0              # the rate the last throttle came at
    reason: str = ""               # why the rate last changed
    changed: float = 0.0           # when it last dropped
    since: float | None = None     # when the current throttled spell began; None: not throttled now
    target: float = 0.0            # the rate that ends the spell (the ceiling, or the rate first throttled)
    throttled: float = 0.0         # seconds of earlier throttled spells
    throttles: int = 0             # throttling replies that slowed the pace
    counted: int = 0               # messages accepted since ``window``
    window: float = 0.0
    measured: float = 0.0          # messages accepted a second, over the last WINDOW or more
    probing: int = 0               # messages accepted beyond NEAR since the last drop

    @classmethod
    def start(cls, ceiling: float | None, /) -> Pace:
        """The pace of a send before any reply: the ceiling, or unpaced."""
        return cls(rate=ceiling, ceiling=ceiling)

    def throttled_for(self, now: float, /) -> float:
        """Seconds this pace has been throttled, the current spell included."""
        return self.throttled + (now - self.since if self.since is not None else 0.0)

    def to_json(self) -> str:
        """The state as JSON (how a shared store keeps it)."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str, /) -> Pace:
        """The state :meth:`to_json` wrote; unknown keys are ignored."""
        data = json.loads(text)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def hold(rate: float, /) -> float:
    """Seconds after a drop during which further throttles are the echo of the old rate: a second, or one message."""
    return max(WINDOW, 1 / rate)


def slowed(pace: Pace, now: float, reason: str, /) -> Pace:
    """``pace`` after a throttling reply at ``now`` (see the module's docstring)."""
    if pace.rate is not None and pace.changed and now < pace.changed + hold(pace.peak or pace.rate):
        return dataclasses.replace(pace, throttles=pace.throttles + 1)
    accepted = measured(pace, now)  # what the relay took lately: its limit, more surely than the pace that overran it
    if not pace.rate and not accepted and pace.throttles < UNMEASURED:  # nothing to go by yet: the counts come within 0.1 s
        return dataclasses.replace(pace, throttles=pace.throttles + 1)
    base = max(FLOOR, min(pace.rate or math.inf, accepted or math.inf) if pace.rate or accepted else GUESS)
    spell = pace.since is None
    return dataclasses.replace(
        pace, rate=max(FLOOR, base * DECREASE), peak=base, reason=reason, changed=now, throttles=pace.throttles + 1, probing=0,
        since=now if spell else pace.since, target=(pace.ceiling or base) if spell else pace.target,
    )


def measured(pace: Pace, now: float, /) -> float:
    """Messages accepted a second lately: the last full window while the current one is young, else the current one;
    before any full window, what was counted, over a whole window at least."""
    if not pace.window:
        return pace.measured
    elapsed = now - pace.window
    if not pace.measured:
        return pace.counted / max(elapsed, WINDOW)
    return pace.measured if elapsed < WINDOW / 2 else pace.counted / elapsed


def recovered(pace: Pace, now: float, accepted: int, /) -> Pace:
    """``pace`` after ``accepted`` more messages were accepted by ``now``: measured, and climbing (additive increase)."""
    counted, window, measured = pace.counted + accepted, pace.window or now, pace.measured
    if now - window >= WINDOW:
        counted, window, measured = 0, now, counted / (now - window)
    pace = dataclasses.replace(pace, counted=counted, window=window, measured=measured)
    if pace.rate is None or accepted <= 0:
        return pace
    rate, peak, probing = pace.rate, pace.peak or pace.rate, pace.probing
    for _ in range(accepted):
        if rate < NEAR * peak:
            rate += peak * (NEAR - DECREASE) / QUICK
        else:  # beyond: slowly, then faster the longer no throttle comes (the limit may be far above a poor measure)
            rate += max(peak, rate) * (1 - NEAR) / SLOW * 2 ** min(PROBES, probing // SLOW)
            probing += 1
    if pace.ceiling is not None:
        rate = min(rate, pace.ceiling)
    changes: dict[str, object] = {"rate": rate, "probing": probing}
    if pace.since is not None and rate >= pace.target:
        changes.update(since=None, throttled=pace.throttled + now - pace.since, reason=f"back to {describe(rate)}")
    return dataclasses.replace(pace, **changes)  # type: ignore[arg-type]


def describe(rate: float | None, /) -> str:
    """A rate as people read it: "37.5/s", "30/min", "unpaced"."""
    if rate is None:
        return "unpaced"
    if rate >= 1:
        return f"{rate:.1f}/s"
    return f"{rate * 60:.1f}/min"
