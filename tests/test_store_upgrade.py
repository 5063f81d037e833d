"""A project as the previous version left it, run by this one: nothing it remembered is lost or done twice.

The previous version kept one ledger file per issue (``.ledger/<issue>.sqlite3``,
whose format is unchanged: written here with :class:`SQLiteLedger`), what bounce
processing remembered in ``.ledger/bounces.db`` (handled messages; soft bounces,
one per address per day) and the suppression list in ``subscribers/suppressed.csv``
(with a ``source`` column, empty in rows written by hand). The first command that
opens the store for writing takes in ``bounces.db``; a send imports the CSV list.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import http.client
import mailbox
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.config import load_settings
from soc_bulletin.errors import BulletinError
from soc_bulletin.loop.serve import serve
from soc_bulletin.loop.service import Limits, create_app
from soc_bulletin.send.campaign import Campaign
from soc_bulletin.send.preflight import fingerprint
from soc_bulletin.send.verp import verp_token
from soc_bulletin.store.base import Store
from soc_bulletin.store.ledger import LedgerRow, State
from soc_bulletin.store.open import open_store, take_in_csv
from soc_bulletin.store.sqlite_ledger import SQLiteLedger
from soc_bulletin.store.sqlite_store import STORE_FILE
from soc_bulletin.store.state import digest

from . import mailshapes
from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE
from .smtp import FaultyController
from .test_send import write_list

SECRET = "the-project-s-configured-secret"  # the previous version needed one for https links and VERP
ISSUE = "2024-05"
LIST_ID = "soc.example.org"
TODAY = dt.date.today()
SETTINGS = f"""[sending]
from = "SOC Partnerships <team@example.org>"
envelope_sender = "bounces@example.org"
list_id = "{LIST_ID}"
unsubscribe_base_url = "https://bulletin.example.org/unsubscribe"
"""

#: the message the previous version handled (a bounce for someone who left long ago)
HANDLED = mailshapes.postfix("gone@example.net", "bounces@example.org")


def verp(address: str) -> str:
    return f"bounces+{verp_token(SECRET.encode(), ISSUE, address)}@example.org"


class Old:
    """The previous version's project in ``root``: 12 subscribers, a send of which some rows went out, its files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ledger_dir = root / ".ledger"
        (root / "soc-bulletin.toml").write_text(SETTINGS, encoding="utf-8")
        issue = root / ISSUE
        (issue / "articles").mkdir(parents=True)
        (issue / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
        (issue / "articles" / "first.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")
        (root / "subscribers").mkdir()
        self.a = write_list(root / "subscribers" / "example.csv", 12)
        (root / "subscribers" / "segments.yaml").write_text("police: {segments: [police]}\n", encoding="utf-8")
        a = self.a
        self.csv_rows = [  # address, reason, date, source (as written), the source the store gives it
            (a[1], "unsubscribed", "2024-05-02", "one-click", "one-click"),  # had the issue, then left
            (a[6], "unsubscribed", "2024-05-03", "one-click", "one-click"),
            (a[7], "bounced", "2024-05-03", "bounce", "bounce"),
            (a[8], "asked by phone", "2024-05-04", "manual", "manual"),
            (a[9], "complained", "2024-05-05", "", "complaint"),  # no source: read from the reason
            ("Old.Friend@Example.org", "unsubscribed", "2023-01-01", "", "manual"),  # no source, nobody on the list
        ]
        (root / "subscribers" / "suppressed.csv").write_text(
            "address,reason,date,source\n" + "".join(f"{r[0]},{r[1]},{r[2]},{r[3]}\n" for r in self.csv_rows), encoding="utf-8")
        self._ledger()
        self._bounce_state()

    def _ledger(self) -> None:
        """a0-a3 sent, a4 refused for good, a5 failed for now, a6-a11 waiting: the send was interrupted."""
        settings = load_settings(self.root / "soc-bulletin.toml")
        campaign = Campaign.prepare(self.root / ISSUE, settings=settings, run_check=False)
        printed = fingerprint(campaign.editions["everyone"], self.root / ISSUE)
        assert not (self.ledger_dir / STORE_FILE).exists(), "a dry run creates no store"
        ledger = SQLiteLedger(self.ledger_dir / f"{ISSUE}.sqlite3", identity=ISSUE)
        try:
            ledger.set_meta("started", str(time.time() - 3600))
            ledger.record_version("everyone", printed.digest, printed.articles, new=True)
            rows = [LedgerRow(address, f"Partner {n}", "everyone", segment="all") for n, address in enumerate(self.a)]
            ledger.begin_run("old-run", rows, listed=lambda address: True, suppressed=lambda address: False)
            claimed = ledger.claim("old-run", 6)
            assert [row.address for row in claimed] == self.a[:6]
            ledger.mark([*((address, State.SENT, "250 2.0.0 Queued") for address in self.a[:4]),
                         (self.a[4], State.FAILED_PERMANENT, "550 5.1.1 No such user"),
                         (self.a[5], State.FAILED_TEMPORARY, "451 4.3.0 Try again later")])
        finally:
            ledger.close()

    def _bounce_state(self) -> None:
        """``bounces.db`` as the previous version wrote it (WAL; soft bounces one per address per day)."""
        db = sqlite3.connect(self.ledger_dir / "bounces.db", isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript("""
                CREATE TABLE processed (digest TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL);
                CREATE TABLE soft (key TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (key, day));
            """)
            db.execute("INSERT INTO processed VALUES (?, 'Maildir/cur/1:2,S', 'bounce', ?)", (digest(HANDLED), time.time() - 86400))
            db.executemany("INSERT INTO soft VALUES (?, ?, '5.2.2')", [
                (self.a[2], (TODAY - dt.timedelta(days=10)).isoformat()),
                (self.a[2], (TODAY - dt.timedelta(days=5)).isoformat()),
                (self.a[3], (TODAY - dt.timedelta(days=40)).isoformat()),  # long ago: outside the 30 days
            ])
        finally:
            db.close()

    def store(self) -> Store:
        return open_store(load_settings(self.root / "soc-bulletin.toml"))


@pytest.fixture
def old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Old]:
    for name in ("SOC_BULLETIN_SMTP_USER", "SOC_BULLETIN_SMTP_PASSWORD", "SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS",
                 "SOC_BULLETIN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", SECRET)
    root = tmp_path / "project"
    root.mkdir()
    project = Old(root)
    monkeypatch.chdir(root)
    yield project


def send(old: Old, smtp: FaultyController) -> int:
    return main(["send", str(old.root / ISSUE), "--smtp", smtp.url, "--no-progress", "--backoff", "0.02"])


def states(store: Store) -> dict[str, State]:
    ledger = store.ledger(ISSUE, create=False)
    assert ledger is not None
    try:
        return {row.address: row.state for row in ledger.rows()}
    finally:
        ledger.close()


def sources(store: Store) -> list[tuple[str, str, str, str]]:
    return sorted((e.address, e.reason, e.date, e.source) for e in store.suppressions().entries)


def expected_sources(old: Old) -> list[tuple[str, str, str, str]]:
    return sorted((address.split("@")[0] + "@example.org", reason, date, source)
                  for address, reason, date, _, source in old.csv_rows)


def test_the_first_send_after_the_upgrade_sends_nobody_twice_and_keeps_every_suppression(
        old: Old, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    a = old.a
    assert main(["suppressions", "list"]) == 0  # a read-only command first: it creates nothing
    assert "0 address(es) suppressed" in capsys.readouterr().out
    assert not (old.ledger_dir / STORE_FILE).exists()

    assert send(old, smtp) == 0
    out = capsys.readouterr().out
    assert "3 recipient(s) of segment 'all' already had the issue; not sent again." in out, out  # a0, a2, a3 (a1 left)
    assert "1 recipient(s) were refused for good earlier; not tried again." in out, out  # a4
    assert sorted(smtp.recorder.by_recipient()) == sorted([a[5], a[10], a[11]])
    assert (old.ledger_dir / STORE_FILE).exists()

    assert send(old, smtp) == 0  # and again: still nobody twice
    assert "Nothing to send" in capsys.readouterr().out
    assert smtp.recorder.by_recipient() == {a[5]: 1, a[10]: 1, a[11]: 1}

    with old.store() as store:
        rows = states(store)
        assert [rows[address] for address in a[:6]] == [State.SENT] * 4 + [State.FAILED_PERMANENT, State.SENT]
        assert [rows[address] for address in a[6:10]] == [State.SUPPRESSED] * 4
        assert [rows[address] for address in a[10:]] == [State.SENT] * 2
        assert sources(store) == expected_sources(old)
        assert store.seen(digest(HANDLED)) is True
        assert store.soft_bounces(a[2], "verp:new", TODAY, "5.2.2", days=30, record=False) == 3
        assert store.soft_bounces(a[3], "verp:new", TODAY, "5.2.2", days=30, record=False) == 1


def test_bounce_processing_after_the_upgrade_remembers_what_it_did_before(old: Old, capsys: pytest.CaptureFixture[str]) -> None:
    a = old.a
    box = mailbox.Maildir(old.root.parent / "Maildir", create=True)
    for raw in (HANDLED, mailshapes.mailbox_full(a[2], verp(a[2])), mailshapes.mailbox_full(a[3], verp(a[3]))):
        box.add(mailbox.MaildirMessage(raw))
    assert main(["bounces", str(old.root.parent / "Maildir")]) == 0  # the first command of the new version
    out = capsys.readouterr().out.splitlines()
    assert f"  {a[2]}: suppressed (bounced (3 soft bounces in 30 days))" in out, out  # two days before the upgrade, one now
    assert f"  {a[3]}: soft bounce 1 of 3 in 30 days" in out, out
    assert out[-1] == "2 message(s) read: 2 bounce; 1 handled before, skipped; 1 address(es) newly suppressed.", out

    with old.store() as store:
        assert [(e.address, e.source) for e in store.suppressions().entries] == [(a[2], "bounce")]
        assert states(store)[a[2]] is State.SENT  # the ledger was only written feedback to


def test_open_store_takes_in_the_old_state_once_and_leaves_the_old_file(old: Old) -> None:
    a = old.a
    before = (old.ledger_dir / "bounces.db").read_bytes()
    with old.store() as store:
        assert store.seen(digest(HANDLED)) is True
        assert store.soft_bounces(a[2], "verp:x", TODAY, "5.2.2", days=30, record=False) == 3
        assert store.issues() == [ISSUE]
        settings = load_settings(old.root / "soc-bulletin.toml")
        _, imported = take_in_csv(store, settings)
        assert imported is not None and (imported.added, imported.already) == (6, 0)
        assert sources(store) == expected_sources(old)
    assert (old.ledger_dir / "bounces.db").read_bytes() == before
    with old.store() as store:  # opened again: nothing doubled
        assert store.soft_bounces(a[2], "verp:x", TODAY, "5.2.2", days=30) == 3
        assert store.soft_bounces(a[2], "verp:y", TODAY, "5.2.2", days=30) == 3
        _, imported = take_in_csv(store, load_settings(old.root / "soc-bulletin.toml"))
        assert imported is not None and (imported.added, imported.already) == (0, 6)


def test_bounce_state_left_in_the_write_ahead_log_is_taken_in(tmp_path: Path, old: Old) -> None:
    """The previous version's bounce processing was stopped without closing its file: the rows are in ``bounces.db-wal``."""
    (old.ledger_dir / "bounces.db").unlink()
    live = tmp_path / "live"
    live.mkdir()
    db = sqlite3.connect(live / "bounces.db", isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.executescript("""
            CREATE TABLE processed (digest TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL);
            CREATE TABLE soft (key TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (key, day));
        """)
        db.execute("INSERT INTO processed VALUES (?, 'Maildir/cur/1:2,S', 'bounce', 0)", (digest(HANDLED),))
        for name in ("bounces.db", "bounces.db-wal", "bounces.db-shm"):  # a snapshot while it is open: as a crash leaves it
            shutil.copy(live / name, old.ledger_dir / name)
    finally:
        db.close()
    with old.store() as store:
        assert store.seen(digest(HANDLED)) is True


def test_a_link_of_the_previous_version_still_unsubscribes(old: Old) -> None:
    """Messages of the previous version carry ``?a=<address>&t=<token>`` links: they still work after the upgrade."""
    def old_link(address: str, secret: str) -> str:
        token = base64.urlsafe_b64encode(hmac.digest(secret.encode(), f"{LIST_ID}\n{address.lower()}".encode(),
                                                     "sha256")[:18]).rstrip(b"=").decode()
        encoded = base64.urlsafe_b64encode(address.encode()).rstrip(b"=").decode()
        return f"/unsubscribe?a={encoded}&t={token}"

    settings = load_settings(old.root / "soc-bulletin.toml")
    store = open_store(settings)
    try:
        server = serve(create_app(settings, store, limits=Limits(per_minute=6000, burst=100)), host="127.0.0.1", port=0)
        try:
            for path in (old_link(old.a[0], SECRET), old_link(old.a[1], "a-secret-that-is-not-ours")):
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
                try:
                    conn.request("POST", path, body=b"List-Unsubscribe=One-Click",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
                    response = conn.getresponse()
                    response.read()
                    assert response.status == 200
                finally:
                    conn.close()
        finally:
            server.close()
        assert [(e.address, e.source) for e in store.suppressions().entries] == [(old.a[0], "one-click")]
    finally:
        store.close()



def test_a_take_in_that_failed_is_tried_again(old: Old) -> None:
    good = (old.ledger_dir / "bounces.db").read_bytes()
    (old.ledger_dir / "bounces.db").write_bytes(b"half a file copied from the old machine" * 100)
    with pytest.raises(BulletinError):
        old.store()
    (old.ledger_dir / "bounces.db").write_bytes(good)  # the file is put right, as the error asked
    with old.store() as store:
        assert store.seen(digest(HANDLED)) is True



def test_a_dry_run_before_the_first_write_sees_the_old_state(old: Old, capsys: pytest.CaptureFixture[str]) -> None:
    a = old.a
    box = mailbox.Maildir(old.root.parent / "Maildir", create=True)
    for raw in (HANDLED, mailshapes.mailbox_full(a[2], verp(a[2]))):
        box.add(mailbox.MaildirMessage(raw))
    assert main(["bounces", str(old.root.parent / "Maildir"), "--dry-run"]) == 0
    dry = capsys.readouterr().out.splitlines()
    assert not (old.ledger_dir / STORE_FILE).exists()
    assert f"  {a[2]}: would be suppressed (bounced (3 soft bounces in 30 days))" in dry, dry
    assert "1 handled before, skipped" in dry[-1], dry
