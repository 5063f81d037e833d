"""How far the send of an issue got, from its ledger: counts per segment and edition, versions, failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings, load_settings
from .ledger import Counts, Feedback, Ledger, LedgerRow, State
from .preflight import issue_identity, ledger_path
from .sqlite_ledger import SQLiteLedger

__all__ = ["SendStatus", "send_status"]


@dataclass(frozen=True, slots=True)
class SendStatus:
    """How far the send of one issue got: counts per segment and edition, versions, failures."""

    identity: str
    path: Path | str  # the ledger file, or the PostgreSQL ledger's URL
    started: str
    groups: dict[tuple[str, str], Counts]
    versions: list[tuple[str, int, int]]  # (edition, version, recipients who received it)
    failed: list[LedgerRow] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)  # bounces and complaints that came back after the send

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

    ``ledger_dir`` defaults to the one in the settings found from the issue
    folder; ``ledger_url`` reads a PostgreSQL ledger instead.
    """
    identity = issue_identity(issue_dir)
    ledger: Ledger | None
    if ledger_url:
        from .postgres_ledger import PostgresLedger  # psycopg is needed only for this

        ledger = PostgresLedger.existing(ledger_url, identity=identity)
        if ledger is None:
            return None
        path: Path | str = ledger.where
    else:
        if ledger_dir is None:
            settings = settings or load_settings(start=issue_dir)
            ledger_dir = settings.resolve(settings.sending.ledger)
        path = ledger_path(ledger_dir, identity)
        if not path.exists() and not path.is_symlink():
            return None
        ledger = SQLiteLedger(path, identity=identity, create=False, lock=False)
    try:
        rows = ledger.rows()
        versions = ledger.versions()
        started = ledger.meta().get("started", "")
        feedback = ledger.feedback()
    finally:
        ledger.close()
    tallies: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        tally = tallies.setdefault((row.segment, row.edition), {})
        name = row.state.name.lower()
        tally[name] = tally.get(name, 0) + 1
    groups = {group: Counts(**tally) for group, tally in sorted(tallies.items())}
    received = [(v.edition, v.version, sum(1 for r in rows if r.state is State.SENT and r.edition == v.edition and r.version == v.version))
                for v in versions]
    when = dt.datetime.fromtimestamp(float(started), dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if started else ""
    failed = [r for r in rows if r.state in (State.FAILED_TEMPORARY, State.FAILED_PERMANENT)]
    return SendStatus(identity, path, when, groups, received, failed, feedback)
