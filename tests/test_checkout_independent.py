"""The tests pass whatever issues an editor has added to the checkout, and write nothing in it.

The test modules that read the repository's own files run again, in a git
checkout of a copy of the tracked files to which the next issue was added as
docs/editors.md says (``new-issue issues/2019-11 --from issues/2019-08``),
beside a half-written issue that does not load. The copy's conftest.py then
also fails the run if a test wrote a file of that checkout.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .project import tracked_copy

pytestmark = pytest.mark.slow

#: The modules that read the repository beyond tests/: its example issue, settings and documents.
READERS = ("test_adversarial_cli.py", "test_adversarial_settings.py", "test_check_docs.py", "test_check_example_issue.py",
           "test_example_issue.py", "test_readme.py", "test_build.py")


def _git(root: Path, /, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Tests", "-c", "user.email=tests@example.org", *args], cwd=root, check=True,
                   capture_output=True, timeout=60)


def test_the_tests_that_read_the_repository_pass_beside_an_issue_an_editor_started(tmp_path: Path) -> None:
    root = tracked_copy(tmp_path / "checkout")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the repository as committed")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SOC_BULLETIN_"))}
    started = subprocess.run([sys.executable, "-m", "soc_bulletin", "new-issue", "issues/2019-11", "--from", "issues/2019-08"],
                             cwd=root, env=environment, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    (root / "issues" / "2019-12" / "articles").mkdir(parents=True)
    (root / "issues" / "2019-12" / "issue.yaml").write_text('title: "Half written\n', encoding="utf-8")

    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(f"tests/{m}" for m in READERS)],
                            cwd=root, env=environment, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) > 100 and " failed" not in result.stdout and " error" not in result.stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True, timeout=60)
    assert status.stdout == "?? issues/2019-11/\n?? issues/2019-12/\n"
