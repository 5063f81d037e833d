"""The Store interface, one suite run on both backends: SQLite in a temporary folder, PostgreSQL on a real server.

Each test gets its own store: a fresh folder, or a fresh database on the session's PostgreSQL server.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from soc_bulletin.errors import BulletinError, ConfigError
from soc_bulletin.store.base import Store
from soc_bulletin.store.ledger import LedgerRow, State
from soc_bulletin.store.sqlite_store import STORE_FILE, SQLiteStore

from .backends import Backend

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()


def keys(store: Store) -> list[tuple[str, str]]:
    """(address, source) of every suppression entry, sorted."""
    return sorted((entry.address, entry.source) for entry in store.suppressions().entries)


def csv_list(path: Path, *rows: str) -> Path:
    path.write_text("address,reason,date,source\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def schema_exists(url: str) -> bool:
    with psycopg.connect(url) as db:
        return db.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'soc_bulletin'").fetchone() is not None


# -- suppression --------------------------------------------------------------------------------------------------


def test_suppress_is_true_only_the_first_time_for_an_address(store: Store) -> None:
    assert store.suppress("al@example.org", "unsubscribed", source="one-click") is True
    assert store.suppress("al@example.org", "unsubscribed", source="one-click") is False
    assert store.suppress("al@example.org", "complained", source="complaint") is False  # suppressed already
    assert store.suppress("bo@example.org", "bounced", source="bounce") is True
    assert keys(store) == [("al@example.org", "complaint"), ("al@example.org", "one-click"), ("bo@example.org", "bounce")]


def test_suppress_refuses_an_unknown_source_and_an_empty_address(store: Store) -> None:
    with pytest.raises(ValueError):
        store.suppress("al@example.org", "unsubscribed", source="web")
    with pytest.raises(ValueError):
        store.suppress("  ", "unsubscribed", source="manual")
    with pytest.raises(ValueError):
        store.suppress("al@example.org\r\nBcc: x@y.org", "unsubscribed", source="manual")
    assert store.suppressions().entries == ()


def test_a_second_source_is_kept_and_an_undo_lifts_only_its_own_entry(store: Store) -> None:
    store.suppress("jo@example.org", "complained", source="complaint")
    store.suppress("jo@example.org", "unsubscribed", source="one-click")
    entries = store.suppressions().entries
    assert sorted((e.address, e.reason, e.source, e.date) for e in entries) == [
        ("jo@example.org", "complained", "complaint", TODAY.isoformat()),
        ("jo@example.org", "unsubscribed", "one-click", TODAY.isoformat()),
    ]
    assert store.lift("jo@example.org", source="one-click") == 1
    assert keys(store) == [("jo@example.org", "complaint")]
    assert store.suppressed_keys(["jo@example.org"]) == {"jo@example.org"}
    assert store.lift("jo@example.org", source="one-click") == 0  # twice is once

    store.suppress("al@example.org", "unsubscribed", source="one-click")
    assert store.lift("al@example.org", source="one-click") == 1
    assert store.suppressed_keys(["al@example.org", "jo@example.org"]) == {"jo@example.org"}
    assert store.suppress("al@example.org", "unsubscribed", source="one-click") is True  # a new click after the undo


def test_suppressed_keys_says_which_keys_are_suppressed(store: Store) -> None:
    assert store.suppressed_keys([]) == set()
    assert store.suppressed_keys(["al@example.org"]) == set()
    for n in range(0, 1200, 2):
        store.suppress(f"p{n:04d}@example.org", "bounced", source="bounce")
    asked = [f"p{n:04d}@example.org" for n in range(1200)]
    assert store.suppressed_keys(asked) == {f"p{n:04d}@example.org" for n in range(0, 1200, 2)}


def test_keys_ignore_case(store: Store) -> None:
    assert store.suppress("Jane@Example.org", "unsubscribed", source="one-click") is True
    assert store.suppress("jane@example.org", "unsubscribed", source="one-click") is False
    assert store.suppress("JANE@EXAMPLE.ORG", "bounced", source="bounce") is False
    entries = store.suppressions()
    assert len(entries.entries) == 2 and len(entries) == 1
    assert {e.address.casefold() for e in entries.entries} == {"jane@example.org"}
    assert "jane@example.org" in entries and "JANE@example.ORG" in entries
    assert store.suppressed_keys(["jane@example.org"]) == {"jane@example.org"}
    assert store.lift("jane@EXAMPLE.org", source="one-click") == 1
    assert keys(store) == [("JANE@example.org", "bounce")]  # each entry keeps the address as its source wrote it


def test_an_import_does_not_bring_back_an_entry_lifted_on_or_after_its_date(backend: Backend, store: Store) -> None:
    store.suppress("jo@example.org", "unsubscribed", source="one-click")
    assert store.lift("Jo@Example.org", source="one-click") == 1
    folder = backend.tmp_path
    for when in (TODAY - 30 * DAY, TODAY - DAY, TODAY):
        result = store.import_suppressions(csv_list(folder / f"{when}.csv", f"jo@example.org,unsubscribed,{when},one-click"))
        assert (result.added, result.already) == (0, 1), when
        assert store.suppressed_keys(["jo@example.org"]) == set(), when
    # a lift takes back only its source: the complaint of last year is imported
    result = store.import_suppressions(csv_list(folder / "complaint.csv", f"JO@example.org,complained,{TODAY - 365 * DAY},complaint"))
    assert result.added == 1 and keys(store) == [("JO@example.org", "complaint")]
    assert store.lift("jo@example.org", source="complaint") == 1
    # a row dated after the lift is a new unsubscribe: it comes back
    later = TODAY + DAY
    result = store.import_suppressions(csv_list(folder / "later.csv", f"jo@example.org,unsubscribed,{later},one-click"))
    assert result.added == 1
    assert store.suppressed_keys(["jo@example.org"]) == {"jo@example.org"}
    assert [(e.address, e.source, e.date) for e in store.suppressions().entries] == [("jo@example.org", "one-click", later.isoformat())]


def test_an_import_is_idempotent_keeps_sources_and_reports_problems(backend: Backend, store: Store) -> None:
    path = csv_list(
        backend.tmp_path / "list.csv",
        "al@example.org,unsubscribed,2020-01-01,one-click",
        "AL@example.org,complained,2020-01-02,complaint",
        "bo@example.org,bounced,2020-01-03,",
        "cy@example.org,,,",
        "di@example.org,unsubscribed,2020-01-04,mail",
        "ed@example.org,unsubscribed,2020-01-05,manual",
        "fa@example.org,unsubscribed,2020-01-06,one-click",
        "fa@example.org,unsubscribed,2020-01-06,one-click",  # the same entry twice
        "not an address,unsubscribed,2020-01-07,manual",
        ",unsubscribed,2020-01-08,manual",
    )
    first = store.import_suppressions(path)
    assert first.added == 8
    assert sorted(p.code for p in first.problems) == ["SB641", "SB642"]
    entries = {(e.address.casefold(), e.source): e for e in store.suppressions().entries}
    assert sorted(entries) == [
        ("al@example.org", "complaint"), ("al@example.org", "one-click"), ("bo@example.org", "bounce"),
        ("cy@example.org", "manual"), ("di@example.org", "mail"), ("ed@example.org", "manual"),
        ("fa@example.org", "one-click"), ("not an address", "manual"),
    ]
    assert (entries["bo@example.org", "bounce"].reason, entries["bo@example.org", "bounce"].date) == ("bounced", "2020-01-03")
    assert entries["cy@example.org", "manual"].reason  # a row without a reason still says why
    assert entries["cy@example.org", "manual"].date == TODAY.isoformat()

    second = store.import_suppressions(path)
    assert (second.added, second.already) == (0, 9)
    assert len(store.suppressions().entries) == 8
    assert store.suppressed_keys(["al@example.org", "not an address", "zz@example.org"]) == {"al@example.org", "not an address"}


# -- links and keys -----------------------------------------------------------------------------------------------


def test_the_secret_is_made_once_kept_and_shared_by_every_store_on_the_same_place(backend: Backend, store: Store) -> None:
    other = backend.open()  # a second machine, opened before anyone made the secret
    secret = store.secret()
    assert len(secret) >= 32 and secret == store.secret() == other.secret()
    store.close()
    assert backend.open().secret() == secret
    assert backend.open(readonly=True).secret() == secret

    elsewhere = backend.open(backend.new_place()).secret()
    assert len(elsewhere) >= 32 and elsewhere != secret


def test_every_machine_of_a_store_must_key_its_sends_alike(backend: Backend, store: Store) -> None:
    first, second = "the-first-machine-key", "another-machine-s-key"
    store.check_keys(first)
    other = backend.open()  # another machine, with another key
    with pytest.raises(ConfigError, match="SOC_BULLETIN_UNSUBSCRIBE_SECRET on every machine"):
        other.check_keys(second)
    other.check_keys(second, first)  # a rotation: the old key moved to _PREVIOUS
    store.check_keys(first)  # still one the store's sends used
    assert first not in repr(store.suppressions()) and second not in str(other.where)
    other.close()


def test_links_are_remembered_and_looked_up(store: Store) -> None:
    assert store.address_of_link("AAAAAAAAAAAAAAAA") is None
    store.remember_links([])
    store.remember_links((f"tok{n:013d}", f"p{n}@example.org") for n in range(3))  # a generator, as a send gives them
    store.remember_links([("tok0000000000000", "p0@example.org"), ("tok0000000000009", "p9@example.org"),
                          ("tok0000000000009", "p9@example.org")])
    assert store.address_of_link("tok0000000000001") == "p1@example.org"
    assert store.address_of_link("tok0000000000009") == "p9@example.org"
    assert store.address_of_link("tok0000000000003") is None
    assert store.address_of_link("TOK0000000000001") is None  # tokens are case-sensitive (base64)
    assert store.address_of_link("") is None


# -- bounce processing --------------------------------------------------------------------------------------------


def test_handled_messages_are_seen(backend: Backend, store: Store) -> None:
    assert store.seen("d1") is False
    store.handled("d1", "Maildir/new/1", "bounce")
    store.handled("d1", "Maildir/new/1", "bounce")  # twice is once
    assert store.seen("d1") is True and store.seen("d2") is False
    store.close()
    assert backend.open().seen("d1") is True


def test_notices_about_one_bounced_message_count_once(store: Store) -> None:
    day = dt.date(2024, 3, 1)
    counts = [store.soft_bounces("al@example.org", "verp:aaaa", day + n * DAY, "4.2.2", days=30) for n in range(3)]
    assert counts == [1, 1, 1]
    counts = [store.soft_bounces("bo@example.org", f"verp:b{n}", day + n * DAY, "4.2.2", days=30) for n in range(3)]
    assert counts == [1, 2, 3]
    # two messages bounced on one day: one day with a bounce
    assert store.soft_bounces("cy@example.org", "verp:c1", day, "4.2.2", days=30) == 1
    assert store.soft_bounces("cy@example.org", "verp:c2", day, "4.2.2", days=30) == 1
    # keys ignore case
    assert store.soft_bounces("BO@Example.org", "verp:b3", day + 3 * DAY, "4.2.2", days=30) == 4


def test_a_soft_bounce_outside_the_window_is_not_counted(store: Store) -> None:
    day = dt.date(2024, 3, 31)
    assert store.soft_bounces("al@example.org", "verp:old", day - 30 * DAY, "4.2.2", days=30) == 1
    assert store.soft_bounces("al@example.org", "verp:edge", day - 29 * DAY, "4.2.2", days=30) == 2  # its window has both
    assert store.soft_bounces("al@example.org", "verp:now", day, "4.2.2", days=30) == 2  # old is 30 days back: outside
    assert store.soft_bounces("al@example.org", "verp:next", day + DAY, "4.2.2", days=30) == 2  # edge is out, next is in
    assert store.soft_bounces("al@example.org", "verp:week", day + DAY, "4.2.2", days=1) == 1


def test_a_dry_run_counts_a_soft_bounce_without_recording_it(backend: Backend, store: Store) -> None:
    day = dt.date(2024, 3, 1)
    assert store.soft_bounces("al@example.org", "verp:a1", day, "4.2.2", days=30) == 1
    assert store.soft_bounces("al@example.org", "verp:a2", day + DAY, "4.2.2", days=30, record=False) == 2
    assert store.soft_bounces("al@example.org", "verp:a2", day + DAY, "4.2.2", days=30, record=False) == 2
    assert store.soft_bounces("al@example.org", "verp:a1", day + DAY, "4.2.2", days=30, record=False) == 1  # already recorded
    assert store.soft_bounces("al@example.org", "verp:a3", day + 2 * DAY, "4.2.2", days=30) == 2  # a2 was never written
    store.close()
    reader = backend.open(readonly=True)
    assert reader.soft_bounces("al@example.org", "verp:a4", day + 3 * DAY, "4.2.2", days=30, record=False) == 3


# -- deliveries ---------------------------------------------------------------------------------------------------


def test_a_ledger_exists_once_a_send_has_started_and_issues_lists_them(store: Store) -> None:
    assert store.ledger("2024-05", create=False) is None
    assert store.issues() == []
    for issue in ("2024-05", "2024-04"):
        ledger = store.ledger(issue)
        assert ledger is not None
        ledger.close()
    assert store.issues() == ["2024-05", "2024-04"]  # oldest send first
    found = store.ledger("2024-05", create=False)
    assert found is not None
    try:
        assert found.rows() == [] and found.meta()["issue"] == "2024-05"
    finally:
        found.close()
    assert store.ledger("2024-06", create=False) is None


def test_record_feedback_needs_the_issue_and_the_row(store: Store) -> None:
    def record(issue: str, address: str) -> bool:
        return store.record_feedback(issue, address, "bounce", status="5.1.1", permanent=True, detail="user unknown", reference="d1")

    assert record("2024-05", "al@example.org") is False
    ledger = store.ledger("2024-05")
    assert ledger is not None
    try:
        ledger.begin_run("r1", [LedgerRow("al@example.org", "Al", "everyone")], listed=lambda a: True, suppressed=lambda a: False)
        assert [row.address for row in ledger.claim("r1", 10)] == ["al@example.org"]
        ledger.record_version("everyone", "f1", {"first": "1"}, new=True)
        ledger.mark([("al@example.org", State.SENT, "250 OK")])
    finally:
        ledger.close()
    assert record("2024-05", "bo@example.org") is False
    assert record("2024-04", "al@example.org") is False
    assert record("2024-05", "AL@example.org") is True
    found = store.ledger("2024-05", create=False)
    assert found is not None
    try:
        assert [(f.address, f.kind, f.status, f.permanent) for f in found.feedback()] == [("al@example.org", "bounce", "5.1.1", True)]
    finally:
        found.close()


# -- read only ----------------------------------------------------------------------------------------------------


def test_a_readonly_store_on_a_fresh_place_creates_nothing_and_reads_empty(backend: Backend) -> None:
    reader = backend.open(readonly=True)
    assert reader.suppressions().entries == ()
    assert reader.suppressed_keys(["al@example.org"]) == set()
    assert reader.secret() == ""
    assert reader.address_of_link("AAAAAAAAAAAAAAAA") is None
    assert reader.seen("d1") is False
    assert reader.issues() == []
    assert reader.ledger("2024-05", create=False) is None
    assert reader.soft_bounces("al@example.org", "verp:a", TODAY, "4.2.2", days=30, record=False) == 1
    assert reader.record_feedback("2024-05", "al@example.org", "bounce", status="5.1.1", permanent=True, detail="",
                                  reference="d1") is False
    reader.close()
    if backend.kind == "sqlite":
        assert not Path(backend.where, STORE_FILE).exists()
        assert not Path(backend.where).exists()
    else:
        assert not schema_exists(backend.where)


def test_a_readonly_store_writes_nothing(request: pytest.FixtureRequest, backend: Backend, store: Store) -> None:
    store.suppress("al@example.org", "unsubscribed", source="one-click")
    store.secret()
    reader = backend.open(readonly=True)
    writes: dict[str, Callable[[], object]] = {
        "suppress": lambda: reader.suppress("bo@example.org", "unsubscribed", source="one-click"),
        "lift": lambda: reader.lift("al@example.org", source="one-click"),
        "handled": lambda: reader.handled("d1", "Maildir/new/1", "bounce"),
        "remember_links": lambda: reader.remember_links([("AAAAAAAAAAAAAAAA", "cy@example.org")]),
        "soft_bounces": lambda: reader.soft_bounces("di@example.org", "verp:d", TODAY, "4.2.2", days=30),
    }
    done = []
    for name, write in writes.items():
        try:
            write()
            done.append(name)
        except BulletinError:
            pass
    assert done == [], f"a read-only store wrote: {done}"
    assert keys(store) == [("al@example.org", "one-click")]
    assert store.seen("d1") is False and store.address_of_link("AAAAAAAAAAAAAAAA") is None
    assert store.soft_bounces("di@example.org", "verp:d", TODAY, "4.2.2", days=30, record=False) == 1



def test_a_readonly_store_creates_no_ledger(backend: Backend, store: Store) -> None:
    store.secret()
    reader = backend.open(readonly=True)
    try:
        made = reader.ledger("2024-05")
        if made is not None:
            made.close()
    except BulletinError:
        pass
    assert store.issues() == []


# -- SQLite only --------------------------------------------------------------------------------------------------


def test_the_sqlite_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    before = os.umask(0)
    try:
        store = SQLiteStore(tmp_path / ".ledger")
        try:
            store.suppress("al@example.org", "unsubscribed", source="one-click")
            store.secret()
            for name in (STORE_FILE, f"{STORE_FILE}-wal"):
                path = tmp_path / ".ledger" / name
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        finally:
            store.close()
    finally:
        os.umask(before)
    assert sorted(p.name for p in (tmp_path / ".ledger").iterdir() if not p.name.startswith(STORE_FILE)) == []
