"""Each error class says its exit code, and the CLI's error boundary exits with it (no chain of isinstance tests)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from soc_bulletin import errors
from soc_bulletin.cli.exits import Exit
from soc_bulletin.cli.main import main
from soc_bulletin.errors import BulletinError, ConfigError, LedgerError, RefusedError

from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE

CLASSES = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, BulletinError)]


@pytest.mark.parametrize("error", CLASSES, ids=lambda c: c.__name__)
def test_every_error_class_says_an_exit_code_of_the_cli(error: type[BulletinError]) -> None:
    assert error.exit_code in set(Exit), f"{error.__name__}.exit_code {error.exit_code} is not an Exit"
    assert error.exit_code not in (Exit.OK, Exit.SOFTWARE, Exit.INTERRUPTED, Exit.CLOSED_PIPE)


def test_a_ledger_that_cannot_be_trusted_or_a_refused_send_is_no_usage_error() -> None:
    """A lease lost or a ledger replaced mid-send, an edition changed mid-send: not "the command cannot run as asked"."""
    assert not issubclass(LedgerError, ConfigError) and not issubclass(RefusedError, ConfigError)
    assert (LedgerError.exit_code, RefusedError.exit_code, ConfigError.exit_code) == (Exit.LEDGER, Exit.REFUSED, Exit.USAGE)
    assert issubclass(LedgerError, RuntimeError) and issubclass(RefusedError, ValueError)


def test_the_exit_codes_are_documented_where_people_read_them() -> None:
    docs = (Exit.__doc__ or "") + (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for code in (Exit.REFUSED, Exit.LEDGER):
        assert docs.count(f"{int(code)} ") >= 2, f"exit code {int(code)} is not explained in Exit's docstring and the README"


def test_a_damaged_ledger_exits_with_the_ledger_code_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    issue = tmp_path / "issue"
    (issue / "articles").mkdir(parents=True)
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
    (issue / "articles" / "first.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "issue.sqlite3").write_bytes(b"")  # truncated
    assert main(["status", str(issue), "--ledger-dir", str(tmp_path / "ledger")]) == Exit.LEDGER
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is empty (truncated?); restore it from a backup" in err
