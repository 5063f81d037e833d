"""Bounce processing: each message of each source decided, acted on, remembered and disposed of.

A hard bounce, a complaint or an unsubscribe request suppresses the address at
once; a soft bounce is scored (:mod:`.policy`). Bounces and complaints are
recorded against the recipient's row in the ledger of the issue they came
from. A message handled before (by its digest, :mod:`.state`) is skipped, so
processing the same mailbox twice changes nothing. A message that cannot be
read is reported and left where it is; it never stops the run. A message that
is none of these (a person's mail) is left untouched for a person.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hmac
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..audience.suppression import add_suppression, load_suppressions
from ..config import Settings
from ..send.unsubscribe import Unsubscribe
from ..send.verp import verp_tokens_in
from .classify import classify
from .ledgers import LedgerIndex
from .mime import Unreadable
from .policy import is_hard, suppresses
from .sources import Item, Source
from .state import BounceState, digest
from .verdict import Failure, Kind, Verdict

__all__ = ["Outcome", "Processor", "RunReport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What was decided and done about one message."""

    source: str
    kind: Kind
    recipients: tuple[Failure, ...] = ()
    actions: tuple[str, ...] = ()
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        """``{"source", "kind", "recipients": [{"address", "status", "permanent"}]}`` (and ``error`` when unreadable)."""
        data: dict[str, Any] = {
            "source": self.source, "kind": self.kind.value,
            "recipients": [{"address": f.address, "status": f.status, "permanent": f.permanent} for f in self.recipients],
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
    def unreadable(self) -> int:
        """Messages that could not be read or parsed (left in the mailbox)."""
        return sum(1 for o in self.outcomes if o.error)


class Processor:
    """Reads sources into the suppression list, the ledgers and the state file (a dry run writes nothing)."""

    def __init__(self, settings: Settings, /, *, suppressed: Path, ledger_dir: Path, state: BounceState,
                 dry_run: bool = False, today: dt.date | None = None) -> None:
        self.settings, self.suppressed, self.state, self.dry_run = settings, suppressed, state, dry_run
        self.today = today or dt.date.today()
        env, sending = settings.env, settings.sending
        self.keys = tuple(k.encode() for k in (env.unsubscribe_secret, env.previous_unsubscribe_secret) if k)
        list_ids = [sending.list_id] + ([f"bulletin.{sending.from_.rpartition('@')[2].strip('> ')}"] if sending.from_ else [])
        self.index = LedgerIndex(ledger_dir, keys=self.keys, list_ids=list_ids)
        self.ledger_dir = ledger_dir
        self._known = {entry.address.casefold() for entry in load_suppressions(suppressed)} if suppressed.exists() else set()

    def run(self, sources: Iterable[Source], /) -> RunReport:
        """Process every message of every source, in order."""
        report = RunReport()
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
        report.problems += self.index.problems
        return report

    def _handle(self, item: Item, report: RunReport) -> tuple[Outcome | None, bool]:
        if item.error:
            return Outcome(item.ref, Kind.NONE, error=item.error), False
        fingerprint = digest(item.raw)
        if self.state.seen(fingerprint):
            report.already += 1
            return None, False
        try:
            verdict = classify(item.raw)
        except Unreadable as exc:
            return Outcome(item.ref, Kind.NONE, error=str(exc)), False
        except Exception as exc:  # noqa: BLE001 - a message that breaks the parser is reported, never stops the run
            log.debug("classifying %s failed", item.ref, exc_info=True)
            return Outcome(item.ref, Kind.NONE, error=f"the message cannot be parsed ({type(exc).__name__})"), False
        outcome = self._act(item.ref, verdict, fingerprint, report)
        handled = outcome.kind is Kind.AUTO_REPLY or (outcome.kind is not Kind.NONE and bool(outcome.recipients))
        if handled:
            self.state.handled(fingerprint, item.ref, outcome.kind.value)
        return outcome, handled

    def _act(self, ref: str, verdict: Verdict, fingerprint: str, report: RunReport) -> Outcome:
        named = self.index.by_verp(verp_tokens_in(verdict.verp)) if verdict.kind in (Kind.BOUNCE, Kind.COMPLAINT) else None
        recipients = _with_verp(verdict.recipients, named.address) if named else verdict.recipients
        actions: list[str] = []
        if verdict.kind is Kind.BOUNCE:
            day = _day(verdict.date, self.today)
            for failure in recipients:
                actions.append(self._bounce(failure, day, report))
                self._record(named.issue if named else None, failure, "bounce", failure.status or "", verdict, fingerprint, actions)
        elif verdict.kind is Kind.COMPLAINT:
            for failure in recipients:
                if suppresses(verdict.feedback_type):
                    actions.append(self._suppress(failure.address, "complained", "complaint", report))
                else:
                    actions.append(f"{failure.address}: a {verdict.feedback_type} report, no complaint; nobody suppressed")
                self._record(named.issue if named else None, failure, "complaint", verdict.feedback_type, verdict, fingerprint,
                             actions)
        elif verdict.kind is Kind.UNSUBSCRIBE:
            address = self._unsubscriber(verdict)
            if address is None:
                return Outcome(ref, Kind.UNSUBSCRIBE, (), ("its token names nobody on the lists: left for a person",))
            recipients = (Failure(address, None, True),)
            actions.append(self._suppress(address, "unsubscribed", "mail", report))
        elif verdict.kind is Kind.AUTO_REPLY:
            actions.append("automatic reply: ignored")
        return Outcome(ref, verdict.kind, recipients, tuple(actions))

    def _bounce(self, failure: Failure, day: dt.date, report: RunReport) -> str:
        if is_hard(failure):
            return self._suppress(failure.address, "bounced", "bounce", report)
        sending = self.settings.sending
        count = self.state.soft_bounce(failure.address, day, failure.status or "", days=sending.soft_bounce_days)
        if count >= sending.soft_bounce_limit:
            return self._suppress(failure.address, f"bounced ({count} soft bounces in {sending.soft_bounce_days} days)",
                                  "bounce", report)
        return f"{failure.address}: soft bounce {count} of {sending.soft_bounce_limit} in {sending.soft_bounce_days} days"

    def _suppress(self, address: str, reason: str, source: str, report: RunReport) -> str:
        if address.casefold() in self._known:
            return f"{address}: already suppressed"
        if self.dry_run:
            return f"{address}: would be suppressed ({reason})"
        entry = add_suppression(self.suppressed, address, reason, source=source)
        self._known.update((entry.address.casefold(), address.casefold()))
        if entry.line:  # read back from the file: another writer had just added it
            return f"{address}: already suppressed"
        report.suppressed += 1
        return f"{address}: suppressed ({reason})"

    def _record(self, issue: str | None, failure: Failure, kind: str, status: str, verdict: Verdict, fingerprint: str,
                actions: list[str]) -> None:
        issue = issue or self.index.issue_of(failure.address, verdict.original_ids)
        if issue is None or self.dry_run:
            return
        if self.index.record(issue, failure.address, kind, status=status, permanent=failure.permanent,
                             detail=failure.diagnostic[:300], reference=fingerprint):
            actions.append(f"{failure.address}: recorded in the ledger of {issue}")

    def _unsubscriber(self, verdict: Verdict) -> str | None:
        """Who an unsubscribe request is for: its token's address, else (no token) the sender."""
        sender = verdict.recipients[0].address if verdict.recipients else ""
        if not verdict.token:
            return sender or None
        found = self.index.by_unsubscribe_token(verdict.token)
        if found or not sender:
            return found
        # the list id of a send with no list_id setting is bulletin.<domain of the team mailbox the request went to>
        list_ids = {*self.index.list_ids, *(f"bulletin.{a.rpartition('@')[2]}" for a in verdict.verp)}
        for list_id in list_ids:
            maker = Unsubscribe(list_id=list_id, mailbox="team@example.org")
            if any(hmac.compare_digest(maker.token(sender, key=key), verdict.token) for key in (*self.keys, b"")):
                return sender
        return None


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
