"""What CONTRIBUTING.md, the workflow and the pre-commit hooks promise is what the check does."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from soc_bulletin.check import check_paths
from soc_bulletin.cli.main import main
from soc_bulletin.content.load import load_article

from .conftest import REPO

CONTRIBUTING = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_example_article_in_contributing_is_valid(tmp_path: Path) -> None:
    section = CONTRIBUTING.split("## The format of an article", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert example is not None
    path = tmp_path / "articles" / "youth-diversion-ceredigion.yaml"
    path.parent.mkdir()
    path.write_text(example.group(1), encoding="utf-8")
    article, problems = load_article(path)
    assert problems == []
    assert article is not None and len(article.blocks) == 8
    assert [p.code for p in check_paths([path])] == ["SB401"]  # the example's image is not in tmp_path


def test_message_example_in_contributing_is_what_the_check_prints() -> None:
    assert (
        "issues/2019-08/articles/jmlit.yaml:18:14: SB102 The contact address 'JMLIT@NCA.gov.uk' is not in its "
        "normal form; write 'JMLIT@nca.gov.uk'." in CONTRIBUTING
    )


def _workflow_command() -> list[str]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "check-issue.yml").read_text(encoding="utf-8"))
    runs = [step["run"] for step in workflow["jobs"]["check"]["steps"] if "run" in step]
    return shlex.split(runs[-1])


def test_workflow_runs_on_pull_requests_with_annotations() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "check-issue.yml").read_text(encoding="utf-8"))
    assert "issues/**" in workflow[True]["pull_request"]["paths"]  # PyYAML reads the key "on" as True
    assert _workflow_command() == ["soc-bulletin", "check", "--format", "github", "issues"]


@pytest.mark.parametrize("hook_id", ["soc-bulletin-check", "soc-bulletin-check-github"])
def test_pre_commit_hooks(hook_id: str) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    hook = hooks[hook_id]
    command = shlex.split(hook["entry"]) + hook["args"]
    assert command[:2] == ["soc-bulletin", "check"]
    assert ("--format" in command) is hook_id.endswith("github")
    assert hook["files"] == "^issues/" and hook["pass_filenames"] is False


def test_the_workflow_command_passes_on_the_repository(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    assert main(_workflow_command()[1:]) == 0
    assert "::error" not in capsys.readouterr().out
