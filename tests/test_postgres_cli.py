"""``send``, ``status`` and ``suppressions`` with a PostgreSQL ledger: settings, errors, the shared suppression list."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.store.postgres_db import LATEST
from soc_bulletin.store.postgres_ledger import PostgresLedger

from .postgres import pg_url  # noqa: F401 - the fixture
from .smtp import FaultyController, closed_port
from .test_send import write_list


def send(workdir: Path, *args: str) -> int:
    return main(["send", str(workdir / "issue"), "--subscribers", str(workdir / "list.csv"), "--segments",
                 str(workdir / "segments.yaml"), "--no-progress", "--backoff", "0.02", *args])


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("soc-bulletin: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_send_and_status_with_the_ledger_url_in_the_settings(workdir: Path, smtp: FaultyController, pg_url: str,  # noqa: F811
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 30)
    (workdir / "soc-bulletin.toml").write_text(f'[sending]\nsuppressed = "suppressed.csv"\n\n[ledger]\nurl = "{pg_url}"\n')
    smtp.recorder.faults.rcpt_temporary[addresses[3]] = 9
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "2") == 1
    out = capsys.readouterr().out
    assert f"Ledger {pg_url}: 29 sent" in out and "1 failed (temporary)" in out
    assert not (workdir / ".ledger").exists(), "no SQLite file when the ledger is in PostgreSQL"

    assert main(["status", str(workdir / "issue")]) == 1  # a failure is a problem
    out = capsys.readouterr().out
    assert f"ledger {pg_url}" in out and "all                 everyone                 30     29" in out
    assert main(["status", str(workdir / "issue"), "--failed", "--format", "csv"]) == 1
    assert f"{addresses[3]},Partner 3,failed-temporary,all,everyone,1,451 4.3.0" in capsys.readouterr().out

    smtp.recorder.faults.rcpt_temporary.clear()
    assert send(workdir, "--smtp", smtp.url) == 0
    assert "29 recipient(s) of segment 'all' already had the issue" in capsys.readouterr().out
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}
    assert main(["status", str(workdir / "issue"), "--ledger-dir", str(workdir / ".ledger")]) == 0
    assert "No send of issue issue has started" in capsys.readouterr().out, "--ledger-dir chooses the SQLite files"


def test_a_bounce_goes_to_the_shared_suppression_list_and_csv_moves_it(workdir: Path, smtp: FaultyController, pg_url: str,  # noqa: F811
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 6)
    (workdir / "import.csv").write_text(f"address,reason,date\n{addresses[1].upper()},unsubscribed,2024-01-02\n")
    assert main(["suppressions", "import", str(workdir / "import.csv"), "--ledger", pg_url]) == 0
    assert "1 entr(ies) added, 0 already there." in capsys.readouterr().out
    smtp.recorder.faults.rcpt_permanent.add(addresses[2])
    assert send(workdir, "--smtp", smtp.url, "--ledger", pg_url, "--suppressed", str(workdir / "suppressed.csv")) == 1
    assert set(smtp.recorder.by_recipient()) == set(addresses) - {addresses[1], addresses[2]}
    assert (workdir / "suppressed.csv").read_text() == "address,reason,date\n", "the bounce went to the database"
    capsys.readouterr()

    assert main(["suppressions", "export", "--ledger", pg_url]) == 0
    exported = capsys.readouterr().out.splitlines()
    assert exported[:2] == ["address,reason,date,source",
                            f"{addresses[1].split('@')[0].upper()}@example.org,unsubscribed,2024-01-02,manual"]
    assert exported[2].startswith(f"{addresses[2]},bounced,") and exported[2].endswith(",bounce") and len(exported) == 3
    assert main(["suppressions", "export", "--ledger", pg_url, "-o", str(workdir / "out.csv")]) == 0
    assert (workdir / "out.csv").read_text().splitlines() == exported
    assert main(["suppressions", "import", str(workdir / "out.csv"), "--ledger", pg_url]) == 0
    assert "0 entr(ies) added, 2 already there." in capsys.readouterr().out


@pytest.mark.parametrize("command", ["send", "status"])
def test_an_unreachable_ledger_is_one_line_and_exit_74(workdir: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 3)
    url = f"postgresql://bulletin@127.0.0.1:{closed_port()}/bulletin"
    code = send(workdir, "--ledger", url) if command == "send" else main(["status", str(workdir / "issue"), "--ledger", url])
    assert code == 74  # the ledger cannot be reached: not a usage error
    assert one_error_line(capsys).startswith(f"soc-bulletin: error: cannot reach the ledger database {url}: ")


def test_a_schema_of_an_unknown_version_is_one_line_and_exit_74(workdir: Path, pg_url: str,  # noqa: F811
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 3)
    assert send(workdir, "--ledger", pg_url, "--dry-run") == 0
    with psycopg.connect(pg_url, autocommit=True) as db:
        assert db.execute("SELECT to_regnamespace('soc_bulletin')").fetchone() == (None,), "a dry run creates nothing"
    PostgresLedger(pg_url, identity="issue").close()
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("INSERT INTO soc_bulletin.schema_version (version) VALUES (%s)", (LATEST + 1,))
    capsys.readouterr()
    assert send(workdir, "--ledger", pg_url) == 74
    assert one_error_line(capsys) == (f"soc-bulletin: error: the ledger database {pg_url} has schema version {LATEST + 1}; "
                                      f"this soc_bulletin knows versions up to {LATEST}: upgrade soc_bulletin")


def test_passwords_never_go_in_the_url(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 3)
    assert send(workdir, "--ledger", "postgresql://bulletin:hunter2@db.example.org/bulletin") == 2
    line = one_error_line(capsys)
    assert "must not hold a password" in line and "hunter2" not in line
    (workdir / "soc-bulletin.toml").write_text('[ledger]\nurl = "postgresql://db.example.org/b?password=hunter2"\n')
    assert send(workdir) == 2
    assert "[ledger] url must not hold a password" in capsys.readouterr().err
    (workdir / "soc-bulletin.toml").write_text('[ledger]\nurl = "mysql://db.example.org/b"\n')
    assert send(workdir) == 2
    assert "[ledger] url must be a PostgreSQL URL" in capsys.readouterr().err
    assert send(workdir, "--ledger", "postgresql://db.example.org/b", "--ledger-dir", "x") == 2
    assert "not both" in one_error_line(capsys)
