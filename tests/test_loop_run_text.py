"""``loop.run_text``: the lines ``soc-bulletin bounces`` prints for each message and for the run, and when it exits 1."""

from __future__ import annotations

from soc_bulletin.loop.process import Outcome, RunReport
from soc_bulletin.loop.run_text import needs_attention, outcome_lines, run_summary
from soc_bulletin.loop.verdict import Failure, Kind

HARD = Outcome("inbox/1", Kind.BOUNCE, (Failure("a@example.org", "5.1.1", True),), ("suppressed a@example.org",), verified=True)
SOFT = Outcome("inbox/2", Kind.BOUNCE, (Failure("b@example.org", None, False),), (), verified=True)
UNPROVEN = Outcome("inbox/3", Kind.COMPLAINT, (Failure("c@example.org"),))
BROKEN = Outcome("inbox/4\x1b", Kind.NONE, error="no headers")
NAMELESS = Outcome("inbox/5", Kind.BOUNCE)


def test_a_bounce_names_each_recipient_with_its_status_then_the_actions() -> None:
    assert outcome_lines(HARD) == ["inbox/1: bounce: a@example.org (5.1.1, permanent)", "  suppressed a@example.org"]
    assert outcome_lines(SOFT) == ["inbox/2: bounce: b@example.org (-, temporary)"]
    assert outcome_lines(UNPROVEN) == ["inbox/3: complaint: c@example.org"]
    assert outcome_lines(NAMELESS) == ["inbox/5: bounce"]


def test_an_unreadable_message_is_one_printable_line() -> None:
    assert outcome_lines(BROKEN) == ["inbox/4\\x1b: cannot be read, left in the mailbox: no headers"]


def test_the_summary_counts_kinds_and_says_only_what_is_not_zero() -> None:
    report = RunReport([HARD, SOFT, UNPROVEN, BROKEN, NAMELESS], already=2, suppressed=1)
    assert run_summary(report, False) == (
        "5 message(s) read: 3 bounce, 1 complaint; 2 handled before, skipped; 1 could not be read (left in the mailbox); "
        "1 not ours / unverified (left for a person); 1 unreadable failure(s) (left for a person); "
        "1 address(es) newly suppressed.")
    assert run_summary(RunReport(), True) == ("0 message(s) read; 0 address(es) newly suppressed. "
                                              "Dry run: nothing was written, marked or moved.")


def test_only_what_was_left_unread_or_went_wrong_needs_attention() -> None:
    assert not needs_attention(RunReport([HARD, SOFT, UNPROVEN]))
    assert needs_attention(RunReport([BROKEN]))
    assert needs_attention(RunReport([NAMELESS]))
    assert needs_attention(RunReport([HARD], problems=["the store is read-only"]))
