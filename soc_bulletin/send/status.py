"""How far the send of an issue got, from the store: counts per segment and edition, what came back, versions, failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings, load_settings
from ..store.ledger import Counts, EditionVersion, Feedback, LedgerRow, State
from ..store.open import store_place
from .preflight import issue_identity

if TYPE_CHECKING:
    from ..store.base import Store

__all__ = ["Aftermath", "SendStatus", "send_status"]

#: sources of a suppression that is the person's own wish
UNSUBSCRIBES = ("one-click", "mail")


@dataclass(frozen=True, slots=True)
class Aftermath:
    """What came back from the recipients of one segment and edition after the send (people, not messages)."""

    bounced_hard: int = 0
    bounced_soft: int = 0
    complained: int = 0
    unsubscribed: int = 0


@dataclass(frozen=True, slots=True)
class SendStatus:
    """How far the send of one issue got: counts per segment and edition, what came back, versions, failures."""

    identity: str
    path: Path | str  # the ledger file, or the PostgreSQL ledger's URL
    started: str
    groups: dict[tuple[str, str], Counts]
    versions: list[tuple[str, int, int]]  # (edition, version, recipients who received it)
    failed: list[LedgerRow] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)  # bounces and complaints that came back after the send
    after: dict[tuple[str, str], Aftermath] = field(default_factory=dict)
    throttled: float = 0.0  # seconds the relay's throttling slowed the send, every run together

    @property
    def bounced(self) -> int:
        """Recipients a bounce came back for after the send."""
        return len({f.address.casefold() for f in self.feedback if f.kind == "bounce"})

    @property
    def complained(self) -> int:
        """Recipients who complained (a feedback report)."""
        return len({f.address.casefold() for f in self.feedback if f.kind == "complaint"})


def send_status(issue_dir: str | Path, /, *, ledger_dir: str | Path | None = None, settings: Settings | None = None,
                ledger_url: str = "") -> SendStatus | None:
    """The state of the issue's send, or None when none has started. LedgerError for a damaged ledger.

    The store is the one the settings found from the issue folder name (``[ledger] url``, else the SQLite folder),
    unless ``ledger_url`` (PostgreSQL) or ``ledger_dir`` (SQLite) names another. Nothing is written.
    """
    identity = issue_identity(issue_dir)
    settings = settings or load_settings(start=issue_dir)
    place = store_place(settings, url=ledger_url or None, ledger_dir=ledger_dir)
    with place.open(readonly=True) as store:
        record = _read_ledger(store, identity)
        if record is None:
            return None
        unsubscribed = {e.address.casefold() for e in store.suppressions() if e.source in UNSUBSCRIBES}
    path: Path | str = store.where if place.url else place.folder / f"{identity}.sqlite3"
    return _status(identity, path, record, unsubscribed)


def _status(identity: str, path: Path | str, record: _LedgerRecord, unsubscribed: set[str]) -> SendStatus:
    rows, feedback = record.rows, record.feedback
    groups, group_of = _groups(rows)
    started = record.meta.get("started", "")
    when = dt.datetime.fromtimestamp(float(started), dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if started else ""
    failed = [r for r in rows if r.state in (State.FAILED_TEMPORARY, State.FAILED_PERMANENT)]
    return SendStatus(identity, path, when, groups, _received(rows, record.versions), failed, feedback,
                      _aftermath(rows, feedback, unsubscribed, group_of), float(record.meta.get("throttled", "0") or 0))


@dataclass(frozen=True, slots=True)
class _LedgerRecord:
    rows: list[LedgerRow]
    versions: list[EditionVersion]
    meta: dict[str, str]
    feedback: list[Feedback]


def _read_ledger(store: Store, identity: str) -> _LedgerRecord | None:
    """Everything the status needs from the issue's ledger, or None when it has none."""
    ledger = store.ledger(identity, create=False)
    if ledger is None:
        return None
    try:
        return _LedgerRecord(ledger.rows(), ledger.versions(), ledger.meta(), ledger.feedback())
    finally:
        ledger.close()


def _groups(rows: list[LedgerRow]) -> tuple[dict[tuple[str, str], Counts], dict[str, tuple[str, str]]]:
    """The counts per (segment, edition), and each recipient's group."""
    tallies: dict[tuple[str, str], dict[str, int]] = {}
    group_of: dict[str, tuple[str, str]] = {}
    for row in rows:
        tally = tallies.setdefault((row.segment, row.edition), {})
        name = row.state.name.lower()
        tally[name] = tally.get(name, 0) + 1
        group_of[row.key] = (row.segment, row.edition)
    return {group: Counts(**tally) for group, tally in sorted(tallies.items())}, group_of


def _received(rows: list[LedgerRow], versions: list[EditionVersion]) -> list[tuple[str, int, int]]:
    """Per edition version, how many recipients received it."""
    return [(v.edition, v.version, sum(1 for r in rows if r.state is State.SENT and r.edition == v.edition and r.version == v.version))
            for v in versions]


def _aftermath(rows: list[LedgerRow], feedback: list[Feedback], unsubscribed: set[str],
               group_of: dict[str, tuple[str, str]]) -> dict[tuple[str, str], Aftermath]:
    """Per group, the people who bounced (hard, else soft), complained, or unsubscribed after receiving the issue."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for name, keys in _people_after(rows, feedback, unsubscribed).items():
        for key in keys:
            if key in group_of:
                tally = counts.setdefault(group_of[key], {})
                tally[name] = tally.get(name, 0) + 1
    return {group: Aftermath(t.get("hard", 0), t.get("soft", 0), t.get("complained", 0), t.get("unsubscribed", 0))
            for group, t in sorted(counts.items())}


def _people_after(rows: list[LedgerRow], feedback: list[Feedback], unsubscribed: set[str]) -> dict[str, set[str]]:
    """The recipients who bounced hard, soft (and never hard), complained, or unsubscribed after receiving the issue."""
    people: dict[str, set[str]] = {"hard": set(), "soft": set(), "complained": set()}
    for item in feedback:
        kind = "complained" if item.kind == "complaint" else "hard" if item.permanent else "soft"
        people[kind].add(item.address.casefold())
    people["soft"] -= people["hard"]
    people["unsubscribed"] = {row.key for row in rows if row.state is State.SENT and row.key in unsubscribed}
    return people
