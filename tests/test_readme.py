"""What README.md says is what happens: its issue sample, its test command, its sending limits and secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from soc_bulletin.check import check_paths

from .project import REPO
from .smtp import FaultyController
from .test_send import ledger_states, send, write_list


def test_the_readme_issue_sample_names_articles_that_exist_and_checks(example_project: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sample = re.search(r"### `issue.yaml`\n\n```yaml\n(.*?)```", readme, re.DOTALL)
    assert sample is not None
    issue = example_project / "issues" / "2019-08"
    (issue / "issue.yaml").write_text(sample.group(1), encoding="utf-8")
    listed = [slug for section in yaml.safe_load(sample.group(1))["sections"] for slug in section["articles"]]
    assert listed and all((issue / "articles" / f"{slug}.yaml").is_file() for slug in listed)
    unlisted = [path for path in (issue / "articles").glob("*.yaml") if path.stem not in listed]
    assert {p.code for p in check_paths([issue]).errors} == {"SB022"}  # the articles of Issue 11 the short sample does not list
    for path in unlisted:
        path.unlink()
    assert check_paths([issue]).problems == ()


def test_readme_says_how_to_run_the_tests_without_chromium() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert '.venv/bin/python -m pytest -m "not browser"' in readme
    with open(REPO / "pyproject.toml", encoding="utf-8") as file:
        assert '"browser: runs a real headless Chromium"' in file.read()


def test_readme_pause_after_failures_in_a_row_is_what_happens_with_4_connections(
    workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str],
) -> None:
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert ("25 failed attempts in a row pause the send: attempts on every connection count (a retry counts again) and any success "
            "resets the count; messages already on the wire on the other connections finish, so with `--concurrency 4` up to 28 "
            "recipients may be marked failed before the pause.") in readme
    addresses = write_list(workdir / "list.csv", 60)
    smtp.recorder.faults.rcpt_permanent.update(addresses[:50])
    assert send(workdir, "--smtp", smtp.url, "--concurrency", "4") == 1
    assert "Stopped: paused after 25 failures in a row; last: 550 5.1.1" in capsys.readouterr().err
    assert 25 <= list(ledger_states(workdir).values()).count("failed-permanent") <= 28


def test_readme_documents_the_unsubscribe_secret_minimum() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`SOC_BULLETIN_UNSUBSCRIBE_SECRET`, at least 16 characters" in readme
