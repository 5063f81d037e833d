"""The command line turns bad input into located one-line messages and exit codes, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from .conftest import MINIMAL_ISSUE

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
