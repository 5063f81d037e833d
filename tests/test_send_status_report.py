"""``send.status_report``: the send's state narrowed to a segment, why there is nothing to show, the lines and the CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from soc_bulletin.config import Settings, load_settings
from soc_bulletin.errors import ConfigError
from soc_bulletin.send.status_report import FAILED_COLUMNS, failed_lines, status_report, summary_lines, write_failed_csv

from .smtp import FaultyController
from .test_send import send, write_list

SETTINGS = """[sending]
segments = "segments.yaml"
suppressed = "suppressed.csv"
ledger = "ledger"
"""


@pytest.fixture
def settings(workdir: Path) -> Settings:
    (workdir / "soc-bulletin.toml").write_text(SETTINGS, encoding="utf-8")
    return load_settings(start=workdir)


def test_before_any_send_the_note_names_the_ledger_folder(workdir: Path, settings: Settings) -> None:
    report = status_report(workdir / "issue", settings=settings)
    assert report.status is None and not report.failed
    assert report.note == f"No send of issue issue has started (no ledger in {workdir / 'ledger'})."


def test_a_segment_the_project_does_not_have_is_refused(workdir: Path, settings: Settings) -> None:
    with pytest.raises(ConfigError, match="no segment 'polise'"):
        status_report(workdir / "issue", settings=settings, segment="polise")


def test_the_report_narrows_to_a_segment_and_counts_its_failures(workdir: Path, settings: Settings, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 6)  # partners 0 and 3 are police
    smtp.recorder.faults.rcpt_permanent.update({addresses[1], addresses[3]})
    assert send(workdir, "--smtp", smtp.url, "--segment", "police") == 1
    assert send(workdir, "--smtp", smtp.url) == 1

    whole = status_report(workdir / "issue", settings=settings)
    assert whole.status is not None and whole.failed
    assert sorted(whole.status.groups) == [("all", "everyone"), ("police", "everyone")]
    assert sorted(row.address for row in whole.status.failed) == [addresses[1], addresses[3]]

    police = status_report(workdir / "issue", settings=settings, segment="police")
    assert police.status is not None and police.failed
    assert list(police.status.groups) == [("police", "everyone")]
    assert police.status.groups[("police", "everyone")].sent == 1
    assert [row.address for row in police.status.failed] == [addresses[3]]
    assert failed_lines(police.status) == [f"failed-permanent: {addresses[3]} (police, everyone): "
                                           f"{police.status.failed[0].reply}"]
    lines = summary_lines(police.status, "issue")
    assert lines[0].startswith(f"Issue issue: ledger {workdir / 'ledger' / 'issue.sqlite3'}, send started ")
    assert lines[2].split() == ["police", "everyone", "2", "1", "0", "0", "1", "0", "0", "0", "0", "0", "0"]
    assert lines[-1].startswith(f"  failed-permanent: {addresses[3]}: ")

    out = io.StringIO()
    write_failed_csv(whole.status, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(FAILED_COLUMNS)
    assert sorted(row[0] for row in rows[1:]) == [addresses[1], addresses[3]]


def test_a_segment_not_sent_to_is_nothing_to_show_and_names_the_sends_so_far(workdir: Path, settings: Settings,
                                                                             smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 3)
    assert send(workdir, "--smtp", smtp.url, "--segment", "police") == 0
    report = status_report(workdir / "issue", settings=settings, segment="all")
    assert report.status is None and not report.failed
    assert report.note == "No send of issue issue to segment 'all' has started; sends so far: police."


def test_more_failures_than_are_listed_are_counted_with_the_command_that_lists_them(workdir: Path, settings: Settings,
                                                                                    smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 12)
    smtp.recorder.faults.rcpt_permanent.update(addresses)
    assert send(workdir, "--smtp", smtp.url) == 1
    report = status_report(workdir / "issue", settings=settings)
    assert report.status is not None
    lines = summary_lines(report.status, "issue")
    assert sum(line.startswith("  failed-permanent: ") for line in lines) == 10
    assert lines[-1] == "  ... 2 more: soc-bulletin status issue --failed --format csv"
