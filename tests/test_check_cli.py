"""``soc-bulletin check``: output formats, exit codes, what paths it takes, and no traceback ever."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin.check import CheckReport, check_paths, format_github
from soc_bulletin.cli.main import main
from soc_bulletin.problems import Problem, Severity

from .conftest import ISSUE_11, MINIMAL_ISSUE

IssueDir = Callable[..., Path]

CLEAN_ISSUE = MINIMAL_ISSUE.replace("mailbox:", "preheader: News from the partnerships\nmailbox:")

ONE_OF_EACH = """\
title: First article
blocks:
  - contact:
      email: jo@Example.org
"""


@pytest.fixture
def broken(issue_dir: IssueDir, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An issue with one error (SB102) and one warning (SB504, no preheader); cwd is its parent."""
    monkeypatch.chdir(tmp_path)
    return issue_dir(MINIMAL_ISSUE, {"first": ONE_OF_EACH}).relative_to(tmp_path)


def test_text_format_lists_problems_then_a_summary(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(broken)]) == 1
    assert capsys.readouterr().out == (
        "issue/articles/first.yaml:4:14: SB102 The contact address 'jo@Example.org' is not in its normal form; write 'jo@example.org'.\n"
        "issue/issue.yaml: SB504 The issue has no preheader; add 'preheader:' with one line that inboxes show after the subject. (warning)\n"
        "2 files checked: 1 error, 1 warning.\n"
    )


def test_github_format_annotates_the_diff(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "github", str(broken)]) == 1
    assert capsys.readouterr().out == (
        "::error file=issue/articles/first.yaml,line=4,col=14,title=SB102 address not normalised"
        "::SB102 The contact address 'jo@Example.org' is not in its normal form; write 'jo@example.org'.\n"
        "::warning file=issue/issue.yaml,title=SB504 preheader missing or too long"
        "::SB504 The issue has no preheader; add 'preheader:' with one line that inboxes show after the subject.\n"
        "2 files checked: 1 error, 1 warning.\n"
    )


def test_github_paths_are_made_relative_to_the_repository(broken: Path, tmp_path: Path) -> None:
    report = check_paths([tmp_path / broken])
    assert format_github(report, root=tmp_path).startswith("::error file=issue/articles/first.yaml,")


def test_github_escapes_workflow_command_characters() -> None:
    report = CheckReport((Problem("a,b:c.yaml", 1, 2, "SB003", "50% wrong\r\nhere"),))
    assert format_github(report).splitlines()[0] == (
        "::error file=a%2Cb%3Ac.yaml,line=1,col=2,title=SB003 YAML syntax error::SB003 50%25 wrong%0D%0Ahere"
    )


def test_json_format_is_a_list_of_objects(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json", str(broken)]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {
            "path": "issue/articles/first.yaml", "line": 4, "column": 14, "code": "SB102",
            "title": "address not normalised", "severity": "error",
            "message": "The contact address 'jo@Example.org' is not in its normal form; write 'jo@example.org'.",
        },
        {
            "path": "issue/issue.yaml", "line": 0, "column": 0, "code": "SB504",
            "title": "preheader missing or too long", "severity": "warning",
            "message": "The issue has no preheader; add 'preheader:' with one line that inboxes show after the subject.",
        },
    ]


def test_clean_issue_exits_0(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(issue_dir(CLEAN_ISSUE))]) == 0
    assert capsys.readouterr().out == "2 files checked: no problems found.\n"


def test_warnings_pass_unless_strict(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str]) -> None:
    root = issue_dir(MINIMAL_ISSUE)
    assert main(["check", str(root)]) == 0
    assert main(["check", "--strict", str(root)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "2 files checked: 0 errors, 1 warning."


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"soc-bulletin: error: {tmp_path / 'nope'}: no such file or folder\n"


def test_a_file_that_is_not_yaml_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    assert main(["check", str(tmp_path / "photo.png")]) == 2
    assert "is not an issue folder or an article file (.yaml)" in capsys.readouterr().err


def test_no_path_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check"])
    assert caught.value.code == 2


def test_folder_without_issue_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == 2  # not an issue folder: a usage error, as for every command
    assert f"{tmp_path} is not an issue folder: it has no issue.yaml, and no issue folders in it" in capsys.readouterr().err


def test_single_article_file(issue_dir: IssueDir) -> None:
    root = issue_dir(CLEAN_ISSUE, {"first": ONE_OF_EACH + "  - image:\n      src: images/none.png\n      alt: A map of the county\n"})
    report = check_paths([root / "articles" / "first.yaml"])
    assert [str(p) for p in report] == [
        f"{root}/articles/first.yaml:4:14: SB102 The contact address 'jo@Example.org' is not in its normal form; write 'jo@example.org'.",
        f"{root}/articles/first.yaml:6:12: SB401 The image file images/none.png does not exist in {root}; add it or correct the path.",
    ]
    assert report.files == (f"{root}/articles/first.yaml",)


def test_an_article_of_a_checked_issue_is_not_reported_twice(issue_dir: IssueDir) -> None:
    root = issue_dir(CLEAN_ISSUE, {"first": ONE_OF_EACH})
    together = check_paths([root, root / "articles" / "first.yaml", root / "issue.yaml"])
    assert together == check_paths([root])
    assert len(together) == 1


def test_folder_of_issues_and_articles_folder(tmp_path: Path) -> None:
    issues = tmp_path / "issues"
    shutil.copytree(ISSUE_11, issues / "2019-08")
    assert len(check_paths([issues]).files) == 14  # with the two Welsh translations
    assert len(check_paths([issues / "2019-08" / "articles"]).files) == 13
    assert [p.code for p in check_paths([issues]).problems] == ["SB502"]  # close to Gmail's 102 KB as sent


def test_report_iterates_over_problems_for_the_preview(broken: Path) -> None:
    problems = list(check_paths([broken]))
    assert all(isinstance(p, Problem) for p in problems)
    assert [p.severity for p in problems] == [Severity.ERROR, Severity.WARNING]


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02\xff\xfe garbage",
        b"title: [unclosed\nblocks:\n",
        b"&a [*a, *a]\n",
        b"blocks: &b\n  - text: *b\n",
        b"title: T\nblocks:\n  - {text: [1, 2]}\n  - image: [src]\n  - contacts: {people: {email: x}}\n  - link: {url: 7}\n",
        b"title: T\nblocks:\n  - text: \"<a href='javascript:x' onclick=y style='position:fixed'>\\u0000</a>\"\n",
        b"? [complex, key]\n: value\n",
        "title: T\nblocks:\n  - text: |\n      <a href=\"https://\u00e9.example.org/%zz\">x</a> <scr<script>ipt> [x](<>) ![](data:)\n".encode(),
    ],
    ids=["binary", "unclosed", "alias-list", "recursive-alias", "wrong-shapes", "quoted-html", "complex-key", "odd-markdown"],
)
def test_never_a_traceback(issue_dir: IssueDir, content: bytes) -> None:
    root = issue_dir(MINIMAL_ISSUE, {"first": content})
    result = subprocess.run([sys.executable, "-m", "soc_bulletin", "check", str(root)], capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1)
    assert "Traceback" not in result.stdout + result.stderr
    assert "SB900" not in result.stdout
    assert result.stdout.splitlines()[-1].startswith("2 files checked:")
