"""``status`` tells the send's story: the same counts the send printed, suppressed list members included, issue after issue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE
from .project import run_main
from .smtp import FaultyController
from .test_send import write_list

COLUMNS = ("sent", "pending", "failed-t", "failed-p", "suppressed", "skipped")


def send(workdir: Path, issue: str, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """Send ``issue``; the ledger counts the send printed."""
    capsys.readouterr()
    code = main(["send", str(workdir / issue), "--subscribers", str(workdir / "list.csv"), "--suppressed",
                 str(workdir / "suppressed.csv"), "--ledger-dir", str(workdir / "ledger"), "--smtp", smtp.url,
                 "--no-progress", "--backoff", "0.02"])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    found = re.search(r"(\d+) sent, (\d+) pending, (\d+) failed \(temporary\), (\d+) failed \(permanent\), (\d+) suppressed, "
                      r"(\d+) skipped\.", out)
    assert found, out
    return dict(zip(COLUMNS, map(int, found.groups()), strict=True))


def status(workdir: Path, issue: str, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """The counts ``status`` shows for ``issue``, summed over its groups."""
    capsys.readouterr()
    code = main(["status", str(workdir / issue), "--ledger-dir", str(workdir / "ledger")])
    out = capsys.readouterr().out
    totals = dict.fromkeys(COLUMNS, 0)
    for line in out.splitlines()[2:]:
        cells = line.split()
        if len(cells) == 13 and cells[2].isdigit():
            for name, cell in zip(COLUMNS, cells[3:9], strict=True):
                totals[name] += int(cell)
    assert code == (1 if totals["failed-t"] + totals["failed-p"] else 0)  # failures are problems, as after the send
    return totals


def test_status_and_the_send_agree_on_every_count_issue_after_issue(workdir: Path, smtp: FaultyController,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 8)
    (workdir / "suppressed.csv").write_text(f"address,reason,date\n{addresses[0]},unsubscribed,2020-01-01\n"
                                            f"{addresses[1]},bounced,2020-01-01\n")
    smtp.recorder.faults.rcpt_permanent.add(addresses[2])
    second = workdir / "issue-2"
    (second / "articles").mkdir(parents=True)
    (second / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
    (second / "articles" / "first.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")

    printed = send(workdir, "issue", smtp, capsys)
    assert printed == {"sent": 5, "pending": 0, "failed-t": 0, "failed-p": 1, "suppressed": 2, "skipped": 0}
    assert status(workdir, "issue", capsys) == printed

    printed = send(workdir, "issue-2", smtp, capsys)  # the refused address is now suppressed too
    assert printed == {"sent": 5, "pending": 0, "failed-t": 0, "failed-p": 0, "suppressed": 3, "skipped": 0}
    assert status(workdir, "issue-2", capsys) == printed


def test_someone_suppressed_while_the_send_runs_is_not_sent_to_and_is_counted(workdir: Path, smtp: FaultyController) -> None:
    from soc_bulletin.config import load_settings
    from soc_bulletin.send.campaign import Campaign
    from soc_bulletin.send.runner import run
    from soc_bulletin.send.transports import SMTPSettings, SMTPTransport
    from soc_bulletin.store.ledger import RunTargets
    from soc_bulletin.store.sqlite_store import SQLiteStore

    addresses = write_list(workdir / "list.csv", 6)
    campaign = Campaign.prepare(workdir / "issue", lists=[workdir / "list.csv"], settings=load_settings(start=workdir),
                                suppressed_file=workdir / "suppressed.csv", ledger_dir=workdir / "ledger")

    def unsubscribe_now(targets: RunTargets) -> None:  # after the run began: only the claims can see it
        with SQLiteStore(workdir / "ledger") as store:
            store.suppress(addresses[4], "unsubscribed", source="one-click")

    result = run(campaign.send(SMTPTransport(SMTPSettings.from_url(smtp.url)), on_start=unsubscribe_now))
    assert addresses[4] not in smtp.recorder.by_recipient() and len(smtp.recorder.by_recipient()) == 5
    assert result.report.suppressed == 1 == result.report.counts.suppressed


def test_status_by_segment_and_with_a_broken_article(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (example_project / "subscribers" / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    assert main(["send", "issues/2019-08", "--segment", "police-wales", "--no-progress"]) == 0
    capsys.readouterr()
    code, out, _ = run_main(["status", "issues/2019-08", "--segment", "police"], capsys)
    assert (code, out) == (0, ["No send of issue 2019-08 to segment 'police' has started; sends so far: police-wales."])
    article = example_project / "issues" / "2019-08" / "articles" / "jmlit.yaml"
    article.write_text('title: "Joint Money Laundering\n', encoding="utf-8")  # a YAML error must not stop status
    code, out, _ = run_main(["status", "issues/2019-08", "--segment", "police-wales"], capsys)
    assert code == 0
    assert out[0].startswith("Issue 2019-08: ledger .ledger/2019-08.sqlite3, send started ")
    rows = [line.split() for line in out[2:] if line.startswith("police-wales ")]
    assert [row[1] for row in rows] == ["police", "police@cy", "police@cy+en"]  # each language's edition
    assert sum(int(row[2]) for row in rows) == sum(int(row[3]) for row in rows) == 9 and all(set(row[4:]) == {"0"} for row in rows)
