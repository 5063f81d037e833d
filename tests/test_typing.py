"""The code is type-checked (mypy strict) and linted (ruff), both configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_mypy_strict_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "soc_bulletin", "tests", "benchmarks", "examples"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
