"""What ``soc-bulletin bounces`` says about a run: a line per message with what was done, and one summary line."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..terminal import printable
from .verdict import Kind

if TYPE_CHECKING:
    from .process import Outcome, RunReport

__all__ = ["needs_attention", "outcome_lines", "run_summary"]


def outcome_lines(outcome: Outcome, /) -> list[str]:
    """The message, what it is and whom it names, then each action; for an unreadable one, one line (for stderr)."""
    if outcome.error:
        return [printable(f"{outcome.source}: cannot be read, left in the mailbox: {outcome.error}")]
    named = ", ".join(f"{f.address} ({f.status or '-'}, {'permanent' if f.permanent else 'temporary'})"
                      if outcome.kind is Kind.BOUNCE else f.address for f in outcome.recipients)
    return [printable(f"{outcome.source}: {outcome.kind.value}" + (f": {named}" if named else ""))] + [
        printable(f"  {action}") for action in outcome.actions]


#: what the summary says of each count of a run that is not zero
_LEFT = (
    ("already", "{} handled before, skipped"),
    ("unreadable", "{} could not be read (left in the mailbox)"),
    ("unverified", "{} not ours / unverified (left for a person)"),
    ("unreadable_failures", "{} unreadable failure(s) (left for a person)"),
)


def run_summary(report: RunReport, dry_run: bool, /) -> str:
    """One line: messages read by kind, what was skipped or left, addresses newly suppressed; always printable."""
    kinds = Counter(o.kind.value for o in report.outcomes if not o.error)
    parts = [f"{kinds[k.value]} {k.value}" for k in Kind if kinds[k.value]]
    text = f"{len(report.outcomes)} message(s) read" + (f": {', '.join(parts)}" if parts else "")
    for name, wording in _LEFT:
        if count := getattr(report, name):
            text += "; " + wording.format(count)
    text += f"; {report.suppressed} address(es) newly suppressed."
    return printable(text + (" Dry run: nothing was written, marked or moved." if dry_run else ""))


def needs_attention(report: RunReport, /) -> bool:
    """Whether something was left unread or unproven, or went wrong (the run exits non-zero)."""
    return bool(report.unreadable or report.unreadable_failures or report.problems)
