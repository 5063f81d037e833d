"""The command line turns bad input into located one-line messages and exit codes, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from .conftest import MINIMAL_ISSUE
from .project import REPO, run_main

IssueDir = Callable[..., Path]


@pytest.mark.parametrize(
    ("article", "expected"),
    [
        ("title: [broken\n", "articles/first.yaml:1:8: SB003 The list opened with '[' here is not closed"),
        ("title: T\nblocks: []\nsubtitle: x\n", "articles/first.yaml:3:1: SB010 Unknown key 'subtitle' in the article."),
        ("blocks: []\n", "articles/first.yaml:1:1: SB011 The article is missing the required key 'title'."),
    ],
)
def test_bad_files_exit_1_with_path_line_col(issue_dir: IssueDir, tmp_path: Path, article: str, expected: str) -> None:
    root = issue_dir(MINIMAL_ISSUE, {"first": article})
    result = subprocess.run(
        [sys.executable, "-m", "soc_bulletin", "build", str(root), "-o", str(tmp_path / "out")],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert f"{root}/{expected}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists(), "nothing is written when the issue is broken"


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["build"])
    assert caught.value.code == 2


def test_missing_issue_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "nope")]) == 2  # a path that does not exist: exit 2, as for every command
    assert f"{tmp_path / 'nope'} does not exist; give an issue folder" in capsys.readouterr().err


def test_bad_settings_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], issue_dir: IssueDir) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[sending]\nfrm = 'x'\n")
    assert main(["send", str(issue_dir()), "--config", str(config), "--dry-run"]) == 2
    assert "unknown setting 'frm'" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == "soc-bulletin 0.1.0\n"


@pytest.mark.parametrize("args", [["subscribers", "stats", "subscribers/example.csv"], ["check", "issues"], ["--version"], ["--help"]])
def test_a_closed_pipe_is_quiet_and_exit_141(example_project: Path, args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as after `| head -3`
    try:
        result = subprocess.run([sys.executable, "-m", "soc_bulletin", *args], stdout=write, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (141, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "issues/nope"], "issues/nope does not exist; give an issue folder such as issues/2019-08 "
                                   "(soc-bulletin new-issue issues/nope starts one)"),
        (["check", "issues/nope"], "issues/nope: no such file or folder"),
        (["preview", "issues/nope", "--port", "0"], "issues/nope does not exist; give an issue folder such as issues/2019-08 "
                                                    "(soc-bulletin new-issue issues/nope starts one)"),
        (["new-article", "issues/nope", "a-b", "--section", "X"], "issues/nope does not exist; start the issue with: "
                                                                  "soc-bulletin new-issue issues/nope"),
        (["archive", "issues/nope", "-o", "site"], "issues/nope does not exist; give the folder that holds the issue folders, such as issues"),
        (["status", "issues/nope"], "issues/nope does not exist; give an issue folder such as issues/2019-08 "
                                    "(soc-bulletin new-issue issues/nope starts one)"),
        (["subscribers", "stats", "subscribers/nope.csv"], "subscribers/nope.csv does not exist; check the path"),
        (["build", "issues"], "issues is a folder of issues; give one of them, such as issues/2019-08"),
        (["archive", "issues/2019-08", "-o", "site"], "issues/2019-08 is one issue folder; give the folder that holds every issue, such as issues"),
        (["status", "issues/2019-08", "--segment", "nope"], "There is no segment 'nope'; choose one of: all, police, police-wales, "
         "local-authorities, charities, health, education, government, public-sector, soc-boards, wales, scotland, northern-ireland, "
         "england, community-partners."),
    ],
    ids=["build", "check", "preview", "new-article", "archive", "status", "stats", "build-issues", "archive-one-issue", "status-segment"],
)
def test_a_path_or_name_that_is_not_there_is_exit_2(example_project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert run_main(args, capsys)[::2] == (2, [f"soc-bulletin: error: {message}"])


def test_rate_without_a_unit_says_how_to_write_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["send", "issues/2019-08", "--rate", "30"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "soc-bulletin send: error: argument --rate: '30' is not a rate; give the unit too, such as 30/min, 5/s or 1000/hour")
