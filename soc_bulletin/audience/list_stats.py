"""What ``subscribers stats`` counts: rows, valid, invalid, merged, subscribers, suppressed, and recipients per segment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .segments import select_recipients
from .subscribers import ROW_CODES

if TYPE_CHECKING:
    from ..problems import Problem
    from .segments import Segments
    from .subscribers import SubscriberReport
    from .suppression import Suppressions

__all__ = ["ListStats", "list_stats", "unusable"]


@dataclass(frozen=True, slots=True)
class ListStats:
    """The counts of lists read together, each with its label, and the recipients per segment after suppression."""

    counts: list[tuple[str, int]]
    per_segment: list[tuple[str, int]]
    problems: list[Problem] = field(default_factory=list)
    unusable: bool = False  # a file could not be used as a list


def list_stats(report: SubscriberReport, segments: Segments, suppressions: Suppressions, /) -> ListStats:
    """Count ``report``'s lists, with ``suppressions`` (the store's and the file's together) taken out per segment."""
    suppressed = sum(1 for s in report.subscribers if s in suppressions)
    counts = [
        ("rows", report.rows),
        ("valid", report.valid),
        ("invalid", report.invalid),
        ("duplicates merged", len(report.merged)),
        ("subscribers", len(report.subscribers)),
        ("suppressed", suppressed),
    ]
    per_segment = [(name, len(select_recipients(report.subscribers, segment, suppressions))) for name, segment in segments.items()]
    problems = [*report.problems, *suppressions.problems, *segments.check(report.subscribers)]
    return ListStats(counts, per_segment, problems, unusable(report))


def unusable(report: SubscriberReport, /) -> bool:
    """Whether a file could not be used as a list at all (an error that is not a bad row)."""
    from ..problems import Severity

    return any(p.severity is Severity.ERROR and p.code not in ROW_CODES for p in report.problems)
