"""How far the send of an issue got, from its ledger: counts per segment and edition, versions, failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings, load_settings
from .ledger import Counts, LedgerRow, State
from .preflight import issue_identity, ledger_path
from .sqlite_ledger import SQLiteLedger

__all__ = ["SendStatus", "send_status"]


@dataclass(frozen=True, slots=True)
class SendStatus:
    """How far the send of one issue got: counts per segment and edition, versions, failures."""

    identity: str
    path: Path
    started: str
    groups: dict[tuple[str, str], Counts]
    versions: list[tuple[str, int, int]]  # (edition, version, recipients who received it)
    failed: list[LedgerRow] = field(default_factory=list)


def send_status(issue_dir: str | Path, /, *, ledger_dir: str | Path | None = None, settings: Settings | None = None) -> SendStatus | None:
    """The state of the issue's send, or None when none has started. LedgerError for a damaged ledger.

    ``ledger_dir`` defaults to the one in the settings found from the issue folder.
    """
    if ledger_dir is None:
        settings = settings or load_settings(start=issue_dir)
        ledger_dir = settings.resolve(settings.sending.ledger)
    identity = issue_identity(issue_dir)
    path = ledger_path(ledger_dir, identity)
    if not path.exists() and not path.is_symlink():
        return None
    ledger = SQLiteLedger(path, identity=identity, create=False, lock=False)
    try:
        rows = ledger.rows()
        versions = ledger.versions()
        started = ledger.meta().get("started", "")
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
    return SendStatus(identity, path, when, groups, received, failed)
