"""People's rights over what the store keeps (UK GDPR): erasure, subject access, retention; the same on both backends.

- :func:`forget` erases an address: its own record, requests, suppression entries and lifts, link tokens, soft
  bounces; in every ledger its rows keep their state and counts under a keyed hash (:mod:`.hashing`), their name,
  reply and bounce texts dropped, and a row not yet sent is never sent. A suppression under the keyed hash (source
  "erased") stays, so a later import of a list or an unconfirmed sign-up never mails the address again; a confirmed
  sign-up lifts it (``store.lift(address, source="erased")``). The journal says that an erasure happened, never whose.
- :func:`purge` applies ``[privacy]``: delivery rows older than ``keep_delivery_days`` lose the address the same way,
  bounce and complaint texts, handled-mail memory and soft bounces older than ``keep_bounce_evidence_days`` go, and
  expired requests are deleted. ``send`` and ``bounces`` run it at their start, ``privacy purge`` on demand.
- :func:`held` is everything the store holds about one address (``subscribers export`` adds the CSV lists).

The backend-neutral logic is here; each backend's SQL is a :class:`PrivacyBackend` (:mod:`.sqlite_privacy`,
:mod:`.postgres_privacy`). Dates come from :func:`today`: the real date, or ``SOC_BULLETIN_TODAY`` (an ISO date, for
tests and for an operator who purges as of another day).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..audience.suppression import suppression_key
from ..errors import ConfigError
from .hashing import Hasher

if TYPE_CHECKING:
    from ..config import Settings
    from .base import Store

__all__ = ["TODAY_VARIABLE", "UNSENT", "Cutoffs", "PrivacyBackend", "erasable_key", "forget", "held", "iso_time", "purge", "today"]

log = logging.getLogger(__name__)

#: the environment variable that moves the privacy clock (tests, operators): an ISO date
TODAY_VARIABLE = "SOC_BULLETIN_TODAY"
#: states of a row not yet sent: once its address is gone it can never be sent, so it is marked skipped
UNSENT = ("pending", "sending", "failed-temporary")
DAY = 86_400.0


def today(given: dt.date | None = None, /) -> dt.date:
    """``given``, else ``SOC_BULLETIN_TODAY`` when set, else the real date; ConfigError for a date that is not one."""
    if given is not None:
        return given
    moved = os.environ.get(TODAY_VARIABLE, "").strip()
    if not moved:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(moved)
    except ValueError as exc:
        raise ConfigError(f"{TODAY_VARIABLE} must be a date such as 2026-12-07, not {moved[:40]!r}") from exc


def erasable_key(address: str, /) -> str:
    """The store's key of ``address`` (normalised, casefolded); ValueError, in one line, when it is not an address."""
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - 25 ms, only when an address is read
    try:
        return suppression_key(validate_email(address.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(f"{address.strip()[:100]!r} is not an email address: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """What a purge removes: delivery rows last changed before ``deliveries`` lose the address; evidence recorded
    before ``evidence`` (soft bounces of days before ``evidence_day``) goes; requests expired by ``now`` go."""

    deliveries: float
    evidence: float
    evidence_day: str
    now: float

    @classmethod
    def of(cls, settings: Settings, day: dt.date, /) -> Cutoffs:
        """The cutoffs of ``settings``' ``[privacy]`` on ``day`` (whole days, from midnight UTC)."""
        midnight = dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()
        keep = settings.privacy
        evidence_days = max(keep.keep_bounce_evidence_days, settings.sending.soft_bounce_days)  # soft bounces need them
        now = time.time() if day == dt.date.today() else midnight
        return cls(midnight - keep.keep_delivery_days * DAY, midnight - evidence_days * DAY,
                   (day - dt.timedelta(days=evidence_days)).isoformat(), now)


class PrivacyBackend(ABC):
    """One backend's side of erasure, subject access and retention (its SQL)."""

    @abstractmethod
    def held(self, key: str, hashed: str | None, /) -> dict[str, Any]:
        """Everything the store holds about ``key`` (and its keyed hash): ``requests``, ``suppressions``, ``lifted``,
        ``links``, ``soft_bounces`` and ``deliveries`` (each issue's row and its feedback)."""

    @abstractmethod
    def erase(self, key: str, hashed: str, /) -> dict[str, int]:
        """Remove ``key`` everywhere but its ``hashed`` suppression; ledger rows keep their state under ``hashed``.
        Returns what was removed or hashed, by kind; afterwards no file or table holds the address."""

    @abstractmethod
    def expire(self, cutoffs: Cutoffs, hasher: Hasher | None, /, *, dry_run: bool) -> dict[str, int]:
        """Apply ``cutoffs``; ``dry_run`` only counts (``hasher`` may then be None). Returns the counts by kind."""


def held(store: Store, address: str, /) -> dict[str, Any]:
    """Everything ``store`` holds about ``address``: its own record, requests, deliveries with their feedback,
    suppressions, lifts, link tokens and soft bounces (see :meth:`PrivacyBackend.held`)."""
    key = erasable_key(address)
    hasher = store.hasher()
    found = store._privacy().held(key, hasher(key) if hasher else None)
    person = store.person(key)
    found["person"] = None if person is None else {
        "address": person.address, "origin": person.origin, "name": person.name, "organisation": person.organisation,
        "region": person.region, "tags": sorted(person.tags), "language": person.language,
        "paused_until": person.paused_until, "consent": person.consent, "updated": iso_time(person.updated)}
    return found


def forget(store: Store, address: str, /) -> dict[str, int]:
    """Erase ``address`` from ``store`` (see the module's docstring); returns what was removed or hashed, by kind.

    The keyed-hash suppression is written first: an erasure cut short leaves the address suppressed, and runs again.
    """
    key = erasable_key(address)
    hasher = store.hasher(make=True)
    if hasher is None:
        raise ValueError(f"the store {store.where} is open to read only")
    hashed = hasher(key)
    store._add(hashed, hashed, "erased", "erased", today().isoformat())
    counts = store._privacy().erase(key, hashed)
    store.note("erased", "one address erased: " + _summary(counts))
    return counts


def purge(store: Store, settings: Settings, /, *, day: dt.date | None = None, dry_run: bool = False) -> dict[str, int]:
    """Apply ``settings``' ``[privacy]`` as of ``day`` (default :func:`today`); ``dry_run`` counts and changes nothing.
    Returns the counts by kind (rows hashed, texts dropped, entries deleted)."""
    cutoffs = Cutoffs.of(settings, today(day))
    hasher = None if dry_run else store.hasher(make=True)
    counts = store._privacy().expire(cutoffs, hasher, dry_run=dry_run)
    if not dry_run and any(counts.values()):
        store.note("purged", _summary(counts))
        log.info("kept no longer than [privacy] says: %s", _summary(counts))
    return counts


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "nothing held"


def iso_time(epoch: float) -> str:
    """An epoch time as shown in an export: ISO 8601, UTC, to the second."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds") if epoch else ""
