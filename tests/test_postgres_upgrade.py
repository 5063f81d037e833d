"""A PostgreSQL database the previous version left (schema version 2, with a send and suppressions in it) upgrades
at the next send and loses nothing: sent rows stay sent, every suppression keeps suppressing, with its source."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.store.postgres_db import migrations

from .conftest import send_folder
from .postgres import pg_url  # noqa: F401  (the fixture: a fresh database on the test server)
from .smtp import FaultyController
from .test_send import write_list


def previous_version(url: str, sent: list[str], suppressed: dict[str, str]) -> None:
    """The schema and rows of the previous version (migrations 1 and 2), as its send and `suppressions import` wrote them."""
    with psycopg.connect(url, autocommit=True) as db:
        for number, _name, sql in migrations()[:2]:
            db.execute(sql)  # the shipped migration files
            db.execute("INSERT INTO soc_bulletin.schema_version (version) VALUES (%s)", (number,))
        now = str(time.time())
        db.execute("INSERT INTO soc_bulletin.meta VALUES ('issue', 'issue', 'issue'), ('issue', 'created', %s),"
                   " ('issue', 'started', %s)", (now, now))
        for address in sent:
            db.execute("INSERT INTO soc_bulletin.recipients (issue, key, address, name, segment, edition, state, version)"
                       " VALUES ('issue', %s, %s, '', 'all', 'everyone', 'sent', 1)", (address.casefold(), address))
        for address, reason in suppressed.items():
            db.execute("INSERT INTO soc_bulletin.suppressions (key, address, reason, date) VALUES (%s, %s, %s, '2020-01-01')",
                       (address.casefold(), address, reason))


def test_a_version_2_database_is_migrated_by_the_next_send_and_loses_nothing(
        tmp_path: Path, pg_url: str, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    send_folder(tmp_path)
    addresses = write_list(tmp_path / "list.csv", 6)
    previous_version(pg_url, sent=addresses[:2], suppressed={addresses[2]: "bounced", addresses[3]: "unsubscribed"})

    assert main(["status", str(tmp_path / "issue"), "--ledger", pg_url]) == 74  # reading never migrates: a LedgerError
    assert "a send migrates it" in capsys.readouterr().err
    assert main(["send", str(tmp_path / "issue"), "--subscribers", str(tmp_path / "list.csv"), "--ledger", pg_url,
                 "--smtp", smtp.url, "--no-progress"]) == 0
    assert sorted(smtp.recorder.by_recipient()) == sorted(addresses[4:]), "nobody twice, nobody suppressed"

    capsys.readouterr()
    assert main(["suppressions", "export", "--ledger", pg_url]) == 0
    rows = sorted(line.split(",") for line in capsys.readouterr().out.splitlines()[1:])
    assert rows == [[addresses[2], "bounced", "2020-01-01", "bounce"], [addresses[3], "unsubscribed", "2020-01-01", "manual"]]
    with psycopg.connect(pg_url) as db:
        assert db.execute("SELECT max(version) FROM soc_bulletin.schema_version").fetchone() == (len(migrations()),)


def test_what_bounces_db_remembered_is_taken_into_the_database_once(tmp_path: Path, pg_url: str,  # noqa: F811
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt
    import sqlite3

    from soc_bulletin.config import load_settings
    from soc_bulletin.store.open import open_store

    monkeypatch.chdir(tmp_path)
    (tmp_path / "soc-bulletin.toml").write_text(f'[ledger]\nurl = "{pg_url}"\n', encoding="utf-8")
    (tmp_path / ".ledger").mkdir()
    old = sqlite3.connect(tmp_path / ".ledger" / "bounces.db")
    old.executescript("CREATE TABLE processed (digest TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL);"
                      "CREATE TABLE soft (key TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (key, day));"
                      "INSERT INTO processed VALUES ('d1', 'Maildir/new/1', 'bounce', 1.0);"
                      "INSERT INTO soft VALUES ('al@example.org', '2024-05-01', '4.2.2'), ('al@example.org', '2024-05-02', '4.2.2');")
    old.commit()
    old.close()
    settings = load_settings(tmp_path / "soc-bulletin.toml")
    with open_store(settings, readonly=True) as reader:
        assert not reader.seen("d1")  # reading takes in nothing
    for _ in range(2):
        with open_store(settings) as store:
            assert store.seen("d1")
            assert store.soft_bounces("al@example.org", "issue\nal@example.org", dt.date(2024, 5, 3), "4.2.2", days=30,
                                      record=False) == 3
    with psycopg.connect(pg_url) as db:
        assert db.execute("SELECT count(*) FROM soc_bulletin.soft").fetchone() == (2,)

