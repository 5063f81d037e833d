"""The store's two backends, for tests that run on both: SQLite in a temporary folder, PostgreSQL on a real server.

``backend`` (a fixture, made available to every test module by conftest.py) gives each test a fresh place: a new
folder, or a new database on the session's PostgreSQL server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soc_bulletin.store.base import Store
from soc_bulletin.store.postgres_store import PostgresStore
from soc_bulletin.store.sqlite_store import SQLiteStore

from . import postgres


class Backend:
    """Where one test's stores live; every store it opens is closed after the test."""

    def __init__(self, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.opened: list[Store] = []
        self._count = 0
        if kind == "postgres":
            server = postgres.server()
            monkeypatch.setenv("PGPASSWORD", server.password)
        self.where = self.new_place()

    def new_place(self) -> str:
        """A place no store has been in: a new folder (not made yet), or a new empty database."""
        if self.kind == "postgres":
            return postgres.server().database()
        self._count += 1
        return str(self.tmp_path / f"store{self._count}")

    def open(self, where: str | None = None, *, readonly: bool = False) -> Store:
        place = where or self.where
        store: Store = PostgresStore(place, readonly=readonly) if self.kind == "postgres" else SQLiteStore(place, readonly=readonly)
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    chosen = Backend(str(request.param), tmp_path, monkeypatch)
    yield chosen
    chosen.close()


