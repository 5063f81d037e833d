"""Subject access, erasure and retention from the command line, sending through a real aiosmtpd server on 127.0.0.1,
on both backends: an erased address is never mailed again, and a send resumed after its rows lost their addresses
sends nobody twice."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.store.postgres_store import PostgresStore
from soc_bulletin.store.privacy import TODAY_VARIABLE
from soc_bulletin.store.sqlite_store import SQLiteStore

from . import postgres
from .backends import Backend
from .smtp import FaultyController
from .test_privacy_store import text_anywhere
from .test_send import write_list

SETTINGS = '[sending]\nfrom = "Team <team@example.org>"\nsuppressed = "suppressed.csv"\n'


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The store's option: a SQLite folder, or a fresh PostgreSQL database."""
    (workdir / "soc-bulletin.toml").write_text(SETTINGS, encoding="utf-8")
    if request.param == "sqlite":
        return ["--ledger-dir", str(workdir / "ledger")]
    server = postgres.server()
    monkeypatch.setenv("PGPASSWORD", server.password)
    return ["--ledger", server.database()]


def send(workdir: Path, where: list[str], smtp: FaultyController, issue: str = "issue", *args: str) -> int:
    return main(["send", str(workdir / issue), "--subscribers", str(workdir / "list.csv"), "--segments",
                 str(workdir / "segments.yaml"), "--no-progress", "--backoff", "0.02", "--smtp", smtp.url, *where, *args])


def opened(workdir: Path, where: list[str]) -> SQLiteStore | PostgresStore:
    return SQLiteStore(where[1]) if where[0] == "--ledger-dir" else PostgresStore(where[1])


def backend_of(workdir: Path, where: list[str], monkeypatch: pytest.MonkeyPatch) -> Backend:
    return Backend("sqlite" if where[0] == "--ledger-dir" else "postgres", workdir, monkeypatch)


def test_export_then_forget_and_the_address_is_never_mailed_again(workdir: Path, where: list[str], smtp: FaultyController,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    addresses = write_list(workdir / "list.csv", 4)
    gone = addresses[1]
    assert send(workdir, where, smtp) == 0
    [message] = [r.message for r in smtp.recorder.received if r.rcpt_tos == [gone]]
    capsys.readouterr()

    assert main(["subscribers", "export", gone.upper(), "--subscribers", str(workdir / "list.csv"), *where]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["address"] == gone and found["lists"] == [{"file": str(workdir / "list.csv"), "lines": [3]}]
    [delivery] = found["deliveries"]
    assert (delivery["issue"], delivery["state"], delivery["attempts"], delivery["name"]) == ("issue", "sent", 1, "Partner 1")
    assert delivery["message_id"] == message["Message-ID"]
    assert len(found["links"]) == 1 and found["person"] is None and found["suppressions"] == []
    assert all(other not in json.dumps(found) for other in addresses if other != gone)

    assert main(["subscribers", "forget", gone.upper(), "--subscribers", str(workdir / "list.csv"), *where]) == 0
    out = capsys.readouterr().out
    assert "address 1: erased from" in out and "1 delivery rows hashed" in out and "1 link tokens" in out
    assert f"still in {workdir / 'list.csv'} (line 3)" in out or "still in list.csv (line 3)" in out
    assert gone not in out and gone.upper() not in out
    with opened(workdir, where) as store:
        assert text_anywhere(backend_of(workdir, where, monkeypatch), store, gone) == []

    # the partner's list still has the address: a new issue, and the old one again, go to everyone else only
    shutil.copytree(workdir / "issue", workdir / "issue-2")
    assert send(workdir, where, smtp, "issue-2") == 0
    assert send(workdir, where, smtp) == 0
    assert smtp.recorder.by_recipient() == {**{a: 2 for a in addresses if a != gone}, gone: 1}
    with opened(workdir, where) as store:
        assert text_anywhere(backend_of(workdir, where, monkeypatch), store, gone) == [], "never recorded again"
    capsys.readouterr()
    assert main(["subscribers", "export", gone, *where]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [s["source"] for s in found["suppressions"]] == ["erased"] and found["deliveries"][0]["message_id"] is None


def test_a_resume_after_the_rows_lost_their_addresses_sends_nobody_twice(workdir: Path, where: list[str],
                                                                        smtp: FaultyController, monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 3)
    assert send(workdir, where, smtp) == 0
    assert len(smtp.recorder.received) == 3
    later = dt.date.today() + dt.timedelta(days=61)  # past the default keep_delivery_days (60)
    monkeypatch.setenv(TODAY_VARIABLE, later.isoformat())
    addresses = write_list(workdir / "list.csv", 4)  # a newcomer
    capsys.readouterr()
    assert send(workdir, where, smtp, "issue", "--resume-stale") == 0
    assert "3 recipient(s) of segment 'all' already had the issue" in capsys.readouterr().out
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}
    with opened(workdir, where) as store:
        backend = backend_of(workdir, where, monkeypatch)
        for address in addresses[:3]:  # only the tokens of the links in the mail they had
            assert text_anywhere(backend, store, address) in (["store.db"], ["links.address"])
        assert text_anywhere(backend, store, addresses[3]) != []
        ledger = store.ledger("issue", create=False)
        assert ledger is not None and ledger.counts().sent == 4
        ledger.close()
    assert send(workdir, where, smtp) == 0
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}


def test_privacy_purge_counts_on_a_dry_run_and_as_of_a_day(workdir: Path, smtp: FaultyController,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "soc-bulletin.toml").write_text(SETTINGS + "\n[privacy]\nkeep_delivery_days = 10\n"
                                                          "keep_bounce_evidence_days = 30\n", encoding="utf-8")
    where = ["--ledger-dir", str(workdir / "ledger")]
    write_list(workdir / "list.csv", 2)
    assert send(workdir, where, smtp) == 0
    day = (dt.date.today() + dt.timedelta(days=11)).isoformat()
    capsys.readouterr()
    assert main(["privacy", "purge", "--dry-run", "--today", day, *where]) == 0
    out = capsys.readouterr().out
    assert "deliveries kept 10 days, bounce evidence 30 days (would go)" in out
    assert re.search(r"delivery rows hashed +2\n", out)
    assert main(["privacy", "purge", "--today", day, *where]) == 0
    assert re.search(r"delivery rows hashed +2\n", capsys.readouterr().out)
    assert main(["privacy", "purge", "--today", day, *where]) == 0
    assert re.search(r"delivery rows hashed +0\n", capsys.readouterr().out)
    with pytest.raises(SystemExit) as usage:
        main(["privacy", "purge", "--today", "soon", *where])
    assert usage.value.code == 2
    assert "'soon' is not a date such as 2026-12-07" in capsys.readouterr().err


def test_bounces_purge_first(workdir: Path, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "soc-bulletin.toml").write_text(SETTINGS.replace("[sending]\n", '[sending]\nledger = "ledger"\n'))
    addresses = write_list(workdir / "list.csv", 2)
    assert send(workdir, ["--ledger-dir", str(workdir / "ledger")], smtp) == 0
    (workdir / "mail").mkdir()
    assert main(["bounces", str(workdir / "mail")]) == 0
    with sqlite3.connect(workdir / "ledger" / "issue.sqlite3") as db:
        assert sorted(a for (a,) in db.execute("SELECT address FROM recipients")) == addresses, "nothing old yet"
    monkeypatch.setenv(TODAY_VARIABLE, (dt.date.today() + dt.timedelta(days=61)).isoformat())
    assert main(["bounces", str(workdir / "mail")]) == 0
    with sqlite3.connect(workdir / "ledger" / "issue.sqlite3") as db:
        assert all(a.startswith("h:") for (a,) in db.execute("SELECT address FROM recipients"))


@pytest.mark.parametrize(("privacy", "message"), [
    ("keep_delivery_days = 0", "soc-bulletin.toml:6: [privacy] keep_delivery_days must be from 1 to 3650 (days), not 0"),
    ('keep_delivery_days = "long"', "soc-bulletin.toml:6: [privacy] keep_delivery_days must be a whole number of days, not text"),
    ("keep_bounce_evidence_days = 7", "soc-bulletin.toml:6: [privacy] keep_bounce_evidence_days (7) must be at least [sending] "
                                      "soft_bounce_days (30): soft bounces are counted over that many days"),
    ("keep_bounces = 7", "soc-bulletin.toml:6: [privacy] unknown setting 'keep_bounces'"),
])
def test_privacy_settings_are_checked_with_their_line(workdir: Path, privacy: str, message: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "soc-bulletin.toml").write_text(f"{SETTINGS}\n[privacy]\n{privacy}\n", encoding="utf-8")
    assert main(["privacy", "purge", "--ledger-dir", str(workdir / "ledger")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_a_bad_address_is_one_line_and_nothing_is_erased(workdir: Path, smtp: FaultyController,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "soc-bulletin.toml").write_text(SETTINGS, encoding="utf-8")
    where = ["--ledger-dir", str(workdir / "ledger")]
    addresses = write_list(workdir / "list.csv", 2)
    assert send(workdir, where, smtp) == 0
    capsys.readouterr()
    assert main(["subscribers", "export", "nobody-at-example", *where]) == 2
    err = capsys.readouterr().err
    assert "'nobody-at-example' is not an email address" in err and len(err.strip().splitlines()) == 1
    assert main(["subscribers", "forget", addresses[0], "not@", *where]) == 2
    assert "'not@' is not an email address" in capsys.readouterr().err
    with SQLiteStore(workdir / "ledger") as store:
        assert addresses[0].encode() in (workdir / "ledger" / "issue.sqlite3").read_bytes() and not store.journal()
