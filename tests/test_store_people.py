"""People's own records in the store (sign-ups, preferences, requests, the journal), on both backends."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from soc_bulletin.audience.subscribers import Subscriber
from soc_bulletin.store.people import Person, Request, token_digest
from soc_bulletin.store.sqlite_store import STORE_FILE, SQLiteStore

from .backends import Backend


def test_a_person_is_kept_found_in_any_case_replaced_and_removed(backend: Backend) -> None:
    store = backend.open()
    ada = Person("Ada@Example.org", name="Ada", region="Wales", tags=frozenset({"police"}), language="cy",
                 consent={"at": "2026-12-07T10:00:00Z", "wording": "1", "page": "https://x.test/subscribe"}, updated=1.0)
    store.save_person(ada)
    assert store.person("ada@example.org") == ada
    store.save_person(Person("ada@example.org", origin="list", paused_until="2027-01-01", updated=2.0))
    found = store.person("ADA@EXAMPLE.ORG")
    assert found is not None and found.origin == "list" and found.paused_until == "2027-01-01" and found.name == ""
    store.save_person(Person("bo@example.org", updated=3.0))
    assert [p.address for p in store.people()] == ["ada@example.org", "bo@example.org"]
    assert store.remove_person("Ada@example.org") and not store.remove_person("ada@example.org")
    assert store.person("ada@example.org") is None


def test_a_request_works_once_and_not_after_it_expires(backend: Backend) -> None:
    store = backend.open()
    now = time.time()
    person = Person("new@example.org", name="New", tags=frozenset({"council"}))
    store.add_request(token_digest("one"), Request("signup", "new@example.org", person, now, now + 60))
    store.add_request(token_digest("two"), Request("signup", "New@example.org", person, now, now + 60))
    assert store.requests_since("NEW@example.org", now - 1) == 2 and store.requests_since("new@example.org", now + 1) == 0
    taken = store.take_request(token_digest("one"), now)
    assert taken is not None and taken.person == person and taken.kind == "signup"
    assert store.take_request(token_digest("one"), now) is None  # once
    assert store.take_request(token_digest("two"), now + 61) is None  # expired
    assert store.take_request(token_digest("two"), now) is None  # and gone


def test_the_journal_keeps_events_in_order(backend: Backend) -> None:
    store = backend.open()
    store.note("erased", "1 person")
    store.note("purged", "3 rows")
    assert [(e, d) for _, e, d in store.journal()] == [("erased", "1 person"), ("purged", "3 rows")]


def test_a_list_members_record_wins_over_the_csv_row() -> None:
    listed = Subscriber("ada@example.org", name="Ada L", organisation="Gwent Police", region="Wales", tags=frozenset({"police"}),
                        attributes=(("team", "SOC"),))
    chosen = Person("ada@example.org", origin="list", organisation="Dyfed-Powys Police", language="cy").over(listed)
    assert (chosen.name, chosen.organisation, chosen.region, chosen.tags) == ("Ada L", "Dyfed-Powys Police", "Wales", frozenset({"police"}))
    assert chosen.attribute("team") == "SOC" and chosen.attribute("language") == "cy"


def test_a_store_of_format_1_gains_the_people_tables(tmp_path: Path) -> None:
    folder = tmp_path / "ledger"
    SQLiteStore(folder).close()
    db = sqlite3.connect(folder / STORE_FILE)
    for table in ("people", "requests", "journal"):
        db.execute(f"DROP TABLE {table}")
    db.execute("PRAGMA user_version=1")
    db.close()
    with SQLiteStore(folder, readonly=True) as store:  # read only: nothing written, nobody there
        assert store.people() == [] and store.person("a@example.org") is None
    with SQLiteStore(folder) as store:
        store.save_person(Person("a@example.org"))
    db = sqlite3.connect(folder / STORE_FILE)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    db.close()
