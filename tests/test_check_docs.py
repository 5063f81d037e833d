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
from .project import tracked_copy

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


def test_the_workflow_command_passes_on_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """On the committed issues: an issue an editor has started in this checkout is the editor's to finish."""
    monkeypatch.chdir(tracked_copy(tmp_path / "repository"))
    assert main(_workflow_command()[1:]) == 0
    assert "::error" not in capsys.readouterr().out


def test_sb060_and_every_sb6xx_code_are_in_contributing() -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for code in ("SB060", "SB600", "SB613", "SB634", "SB643"):
        assert f"| `{code}` |" in contributing, code


def test_contributing_pre_commit_example_is_a_hook_that_works() -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "v0.1.0" not in contributing
    block = re.search(r"In a\n  `.pre-commit-config.yaml`:\n\n  ```yaml\n(.*?)  ```", contributing, re.DOTALL)
    assert block is not None
    [repo] = yaml.safe_load(block.group(1).replace("\n  ", "\n"))["repos"]
    [hook] = repo["hooks"]
    ours = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}[hook["id"]]
    assert repo["repo"] == "local" and hook["language"] == "system"
    assert (hook["entry"], hook["args"], hook["files"], hook["pass_filenames"]) == (ours["entry"], ours["args"], ours["files"], False)


def test_contributing_command_line_example_works(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    block = re.search(r"## With the command line \(optional\).*?```sh\n.*?```.*?```sh\n(.*?)```", contributing, re.DOTALL)  # after the install
    assert block is not None
    for line in block.group(1).strip().splitlines():
        argv = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', line)]
        assert argv[0] == "soc-bulletin"
        assert main(argv[1:]) == 0, line
    assert (example_project / "issues" / "2019-08" / "articles" / "youth-diversion-ceredigion.yaml").is_file()
