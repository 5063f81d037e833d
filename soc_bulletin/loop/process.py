"""Bounce processing: each message of each source decided, checked against the store, acted on, remembered.

A bounce or complaint acts only on evidence that this project sent that
message to that address (:mod:`.ledgers`): a verified VERP token, or one of
our Message-IDs for an address the report names. A hard bounce, a complaint
or a verified mailed unsubscribe suppresses the address at once; a soft
bounce is scored once per bounced message (:mod:`.policy`). Bounces and
complaints are recorded against the recipient's row in the ledger of the
issue. Anything unproven is reported "not ours / unverified", changes
nothing and is left in the mailbox for a person, as is a message that is none
of these (a person's mail). A message handled before (by its digest) is
skipped, so processing the same mailbox twice changes nothing. A message that
cannot be read is reported and left where it is; it never stops the run.
Everything is read from and written to the store.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..audience.suppression import suppression_key
from ..config import Settings
from ..errors import ConfigError
from ..send.failure_policy import score
from ..send.unsubscribe import list_id_of
from ..send.verp import verp_tokens_in
from ..store import privacy
from ..store.base import Store
from ..store.open import keys_of
from ..store.state import digest
from .classify import classify_bytes
from .ledgers import Evidence, Recipient
from .mime import Unreadable
from .policy import is_hard, suppresses
from .sources import Item, Source
from .verdict import Failure, Kind, Verdict

__all__ = ["Outcome", "Processor", "RunReport"]

log = logging.getLogger(__name__)

#: what the summary calls a message that proves nothing
UNVERIFIED = "not ours / unverified: left for a person"
#: what it calls a failure notice whose failed recipient cannot be read (and that no VERP address names)
UNREADABLE_FAILURE = "unreadable failure: left for a person"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What was decided and done about one message."""

    source: str
    kind: Kind
    recipients: tuple[Failure, ...] = ()
    actions: tuple[str, ...] = ()
    error: str = ""
    verified: bool = False  # proven to be about a message this project sent (or a verified unsubscribe token)

    def as_json(self) -> dict[str, Any]:
        """``{"source", "kind", "recipients": [{"address", "status", "permanent"}], "verified", "action"}``
        (and ``error`` when unreadable). ``kind`` says what the message is, whoever sent it."""
        data: dict[str, Any] = {
            "source": self.source, "kind": self.kind.value,
            "recipients": [{"address": f.address, "status": f.status, "permanent": f.permanent} for f in self.recipients],
            "verified": self.verified, "action": "; ".join(self.actions),
        }
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class RunReport:
    """Every message of a run, and how many were skipped as handled before."""

    outcomes: list[Outcome] = field(default_factory=list)
    already: int = 0
    suppressed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def unverified(self) -> int:
        """Bounces, complaints and unsubscribes that proved nothing (left for a person)."""
        return sum(1 for o in self.outcomes if not o.error and not o.verified
                   and o.kind in (Kind.BOUNCE, Kind.COMPLAINT, Kind.UNSUBSCRIBE)) - self.unreadable_failures

    @property
    def unreadable_failures(self) -> int:
        """Failure notices whose failed recipient could not be read (left for a person; the run exits non-zero)."""
        return sum(1 for o in self.outcomes if not o.error and not o.verified and o.kind is Kind.BOUNCE and not o.recipients)

    @property
    def unreadable(self) -> int:
        """Messages that could not be read or parsed (left in the mailbox)."""
        return sum(1 for o in self.outcomes if o.error)


class Processor:
    """Reads sources into the store (a dry run writes nothing)."""

    def __init__(self, settings: Settings, store: Store, /, *, dry_run: bool = False, today: dt.date | None = None) -> None:
        self.settings, self.store, self.dry_run = settings, store, dry_run
        self.today = privacy.today(today)
        keys = keys_of(settings, store, make=not dry_run)
        try:
            list_id = list_id_of(settings)
        except ConfigError:  # every send records its own list id in its ledger
            list_id = ""
        self.evidence = Evidence(store, keys=keys, list_id=list_id)

    def run(self, sources: Iterable[Source], /) -> RunReport:
        """Process every message of every source, in order; first, what is older than [privacy] keeps goes."""
        report = RunReport()
        if not self.dry_run:
            privacy.purge(self.store, self.settings, day=self.today)
        for source in sources:
            try:
                for item in source.items():
                    outcome, dispose = self._handle(item, report)
                    if outcome is not None:
                        report.outcomes.append(outcome)
                    if dispose and not self.dry_run:
                        source.done(item)
            finally:
                source.close()
        report.problems += self.evidence.problems
        return report

    def _handle(self, item: Item, report: RunReport) -> tuple[Outcome | None, bool]:
        if item.error:
            return Outcome(item.ref, Kind.NONE, error=item.error), False
        fingerprint = digest(item.raw)
        if self.store.seen(fingerprint):
            report.already += 1
            return None, False
        try:
            verdict = classify_bytes(item.raw)
        except Unreadable as exc:
            return Outcome(item.ref, Kind.NONE, error=str(exc)), False
        except Exception as exc:  # noqa: BLE001 - a message that breaks the parser is reported, never stops the run
            log.debug("classifying %s failed", item.ref, exc_info=True)
            return Outcome(item.ref, Kind.NONE, error=f"the message cannot be parsed ({type(exc).__name__})"), False
        outcome = self._act(item.ref, verdict, fingerprint, report)
        handled = outcome.kind is Kind.AUTO_REPLY or outcome.verified
        if handled and not self.dry_run:
            self.store.handled(fingerprint, item.ref, outcome.kind.value)
        return outcome, handled

    def _act(self, ref: str, verdict: Verdict, fingerprint: str, report: RunReport) -> Outcome:
        if verdict.kind is Kind.AUTO_REPLY:
            return Outcome(ref, verdict.kind, verdict.recipients, ("automatic reply: ignored",))
        if verdict.kind is Kind.NONE:
            return Outcome(ref, verdict.kind, verdict.recipients)
        if verdict.kind is Kind.UNSUBSCRIBE:
            return self._unsubscribe(ref, verdict, report)
        named = self._named(verdict)
        if not named:
            unreadable = verdict.kind is Kind.BOUNCE and not verdict.recipients
            return Outcome(ref, verdict.kind, verdict.recipients, (UNREADABLE_FAILURE if unreadable else UNVERIFIED,))
        return self._report(ref, verdict, named, fingerprint, report)

    def _unsubscribe(self, ref: str, verdict: Verdict, report: RunReport) -> Outcome:
        """A mailed unsubscribe: the address its token names suppressed; nothing when the token proves nothing."""
        sender = verdict.recipients[0].address if verdict.recipients else ""
        address = self.evidence.unsubscriber(verdict.token, sender)
        if address is None:
            why = "no token" if not verdict.token else "its token was not made by this project"
            return Outcome(ref, verdict.kind, verdict.recipients, (f"{why}; {UNVERIFIED}",))
        action = self._suppress(address, "unsubscribed", "mail", report)
        return Outcome(ref, verdict.kind, (Failure(address, None, True),), (action,), verified=True)

    def _report(self, ref: str, verdict: Verdict, named: list[tuple[Failure, Recipient]], fingerprint: str,
                report: RunReport) -> Outcome:
        """A bounce or feedback report about recipients we sent to: each bounce scored, each complaint suppressed."""
        actions: list[str] = []
        recipients = tuple(failure for failure, _ in named)
        for failure, recipient in named:
            if verdict.kind is Kind.BOUNCE:
                actions.append(self._bounce(failure, recipient, _day(verdict.date, self.today), report))
                self._record(recipient, failure, "bounce", failure.status or "", is_hard(failure), fingerprint, actions)
            elif suppresses(verdict.feedback_type):
                actions.append(self._suppress(failure.address, "complained", "complaint", report))
                self._record(recipient, failure, "complaint", verdict.feedback_type, True, fingerprint, actions)
            else:
                actions.append(f"{failure.address}: a {verdict.feedback_type} report, no complaint; nobody suppressed")
        return Outcome(ref, verdict.kind, recipients, tuple(actions), verified=True)

    def _named(self, verdict: Verdict) -> list[tuple[Failure, Recipient]]:
        """The report's failures that evidence ties to a message we sent, each with its recipient row."""
        by_verp = self.evidence.by_verp(verp_tokens_in(verdict.verp))
        if by_verp is not None:
            return [(_with_verp(verdict.recipients, by_verp.address)[0], by_verp)]
        addresses = [a for f in verdict.recipients for a in (f.address, f.final) if a]  # sent to, or forwarded to
        named = []
        for recipient in self.evidence.by_message_id(addresses, verdict.original_ids):
            key = recipient.address.casefold()
            failure = next(f for f in verdict.recipients if key in (f.address.casefold(), f.final.casefold()))
            named.append((replace(failure, address=recipient.address), recipient))
        return named

    def _bounce(self, failure: Failure, recipient: Recipient, day: dt.date, report: RunReport) -> str:
        sending = self.settings.sending
        found = score(self.store, failure.address, recipient.reference, day, failure.status, hard=is_hard(failure),
                      limit=sending.soft_bounce_limit, days=sending.soft_bounce_days, record=not self.dry_run)
        return self._suppress(failure.address, found.reason, "bounce", report) if found.suppress else str(found)

    def _suppress(self, address: str, reason: str, source: str, report: RunReport) -> str:
        if self.dry_run:
            known = self.store.suppressed_keys([suppression_key(address)])
            return f"{address}: {'already suppressed' if known else f'would be suppressed ({reason})'}"
        if not self.store.suppress(address, reason, source=source):
            return f"{address}: already suppressed"
        report.suppressed += 1
        return f"{address}: suppressed ({reason})"

    def _record(self, recipient: Recipient, failure: Failure, kind: str, status: str, permanent: bool, fingerprint: str,
                actions: list[str]) -> None:
        if self.dry_run:
            return
        if self.store.record_feedback(recipient.issue, recipient.address, kind, status=status, permanent=permanent,
                                      detail=failure.diagnostic[:300], reference=fingerprint):
            actions.append(f"{recipient.address}: recorded in the ledger of {recipient.issue}")


def _with_verp(recipients: tuple[Failure, ...], address: str) -> tuple[Failure, ...]:
    """The recipient the VERP token names, with the status the report gives it (or its only failure's)."""
    same = [f for f in recipients if f.address.casefold() == address.casefold()]
    if same:
        return (same[0],)
    if recipients:
        return (replace(recipients[0], address=address),)
    return (Failure(address, None, False, "a failure notice naming nobody readable; its VERP address names the recipient"),)


def _day(date: str, today: dt.date) -> dt.date:
    """The day a bounce is counted on: its Date (never in the future), else today."""
    try:
        when = email.utils.parsedate_to_datetime(date).date() if date else today
    except (TypeError, ValueError, IndexError):
        return today
    return min(when, today)
