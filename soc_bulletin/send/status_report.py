"""What ``soc-bulletin status`` says: the send's state read for one segment or all, as lines for people or CSV rows."""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..terminal import printable
from .status import Aftermath, SendStatus, send_status

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["FAILED_COLUMNS", "StatusReport", "failed_lines", "status_report", "summary_lines", "write_failed_csv"]

#: the columns of ``status --failed --format csv``
FAILED_COLUMNS = ("address", "name", "state", "segment", "edition", "attempts", "reply")
#: failures listed under the summary; the rest are counted
SHOWN_FAILURES = 10
#: bounces and complaints listed under the summary, the latest
SHOWN_FEEDBACK = 5


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The state of an issue's send, narrowed to a segment when one was asked for, or why there is none to show."""

    status: SendStatus | None  # None: nothing to show, and ``note`` says why
    note: str = ""

    @property
    def failed(self) -> bool:
        """Whether some recipient's message failed (a problem, as after the send)."""
        return bool(self.status and self.status.failed)


def status_report(issue_dir: str | Path, /, *, settings: Settings, ledger_url: str | None = None,
                  ledger_dir: str | Path | None = None, segment: str = "") -> StatusReport:
    """The send's state from the store (nothing written); ConfigError for a segment the project does not have."""
    from ..store.open import store_place

    place = store_place(settings, url=ledger_url, ledger_dir=ledger_dir)
    if segment:
        _known_segment(segment, settings)
    status = send_status(issue_dir, settings=settings, ledger_dir=ledger_dir, ledger_url=place.url)
    if status is None:
        where = f"no ledger in {place.folder}" if not place.url else "not in the ledger database"
        return StatusReport(None, f"No send of issue {Path(issue_dir).resolve().name} has started ({where}).")
    if not segment:
        return StatusReport(status)
    narrowed = one_segment(status, segment)
    if not narrowed.groups:
        others = sorted({name for name, _ in status.groups})
        return StatusReport(None, printable(f"No send of issue {status.identity} to segment '{segment}' has started; "
                                            f"sends so far: {', '.join(others) or 'none'}."))
    return StatusReport(narrowed)


def one_segment(status: SendStatus, segment: str, /) -> SendStatus:
    """``status`` narrowed to the sends to ``segment`` (no groups when there were none)."""
    groups = {key: counts for key, counts in status.groups.items() if key[0] == segment}
    return dataclasses.replace(status, groups=groups, failed=[row for row in status.failed if row.segment == segment])


def _known_segment(name: str, settings: Settings, /) -> None:
    """Raise ConfigError (exit 2), naming the closest, when ``name`` is not a segment of the project."""
    from ..audience.segments import project_segments

    project_segments(settings).segment(name)


def write_failed_csv(status: SendStatus, out: TextIO, /) -> None:
    """The failed recipients as CSV, every cell safe to open in a spreadsheet."""
    from ..audience.csvsource import spreadsheet_safe

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FAILED_COLUMNS)
    for row in status.failed:
        cells = (row.address, row.name, row.state.value, row.segment, row.edition, str(row.attempts), printable(row.reply))
        writer.writerow([spreadsheet_safe(cell) for cell in cells])


def failed_lines(status: SendStatus, /) -> list[str]:
    """One line per failed recipient: state, address, segment, edition and the server's reply."""
    return [printable(f"{row.state.value}: {row.address} ({row.segment}, {row.edition}): {row.reply}") for row in status.failed]


def summary_lines(status: SendStatus, issue_dir: str, /) -> list[str]:
    """The summary a person reads: the ledger, a table per segment and edition, changed editions, feedback, failures."""
    started = f", send started {status.started}" if status.started else ""
    lines = [f"Issue {status.identity}: ledger {status.path}{started}"]
    if status.throttled:
        lines.append(f"The relay throttled the send for {status.throttled:.0f}s in all; it slowed down and went on.")
    lines += _table(status) + _changed_editions(status) + _feedback(status) + _failures(status, issue_dir)
    return lines


def _table(status: SendStatus) -> list[str]:
    lines = [f"{'segment':<20}{'edition':<20}{'total':>7}{'sent':>7}{'pending':>9}{'failed-t':>9}{'failed-p':>9}{'suppr.':>8}"
             f"{'skipped':>9}{'bounced-h':>10}{'bounced-s':>10}{'complained':>11}{'unsubscr.':>10}"]
    for group, c in status.groups.items():
        a = status.after.get(group, Aftermath())
        lines.append(f"{group[0]:<20}{group[1]:<20}{c.total:>7}{c.sent:>7}{c.pending + c.sending:>9}{c.failed_temporary:>9}"
                     f"{c.failed_permanent:>9}{c.suppressed:>8}{c.skipped:>9}{a.bounced_hard:>10}{a.bounced_soft:>10}"
                     f"{a.complained:>11}{a.unsubscribed:>10}")
    return lines


def _changed_editions(status: SendStatus) -> list[str]:
    lines = []
    for edition in sorted({edition for edition, _, _ in status.versions}):
        versions = [(v, n) for e, v, n in status.versions if e == edition]
        if len(versions) > 1:
            lines.append(f"Edition '{edition}' changed during the send: " + ", ".join(f"version {v} went to {n}" for v, n in versions))
    return lines


def _feedback(status: SendStatus) -> list[str]:
    if not status.feedback:
        return []
    return [f"After the send: {status.bounced} bounced, {status.complained} complained (soc-bulletin bounces reads them)."] + [
        printable(f"  {item.kind}: {item.address}: {item.status or '-'} {item.detail}".rstrip())
        for item in status.feedback[-SHOWN_FEEDBACK:]]


def _failures(status: SendStatus, issue_dir: str) -> list[str]:
    lines = [printable(f"  {row.state.value}: {row.address}: {row.reply}") for row in status.failed[:SHOWN_FAILURES]]
    if len(status.failed) > SHOWN_FAILURES:
        lines.append(f"  ... {len(status.failed) - SHOWN_FAILURES} more: soc-bulletin status {issue_dir} --failed --format csv")
    return lines
