"""The one choice of the store (store/open.py): every command and the library open it from a StorePlace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from soc_bulletin.config import load_settings
from soc_bulletin.errors import ConfigError
from soc_bulletin.store.open import StorePlace, open_store, store_place
from soc_bulletin.store.sqlite_store import SQLiteStore

URL = "postgresql://bulletin@127.0.0.1:5999/bulletin"


@pytest.mark.parametrize(("configured", "url", "ledger_dir", "expected"), [
    ("", None, None, ("", "project/.ledger")),
    (URL, None, None, (URL, "project/.ledger")),
    (URL, None, "elsewhere", ("", "elsewhere")),  # a SQLite folder named on purpose wins over the settings' database
    ("", URL, None, (URL, "project/.ledger")),
    (URL, "", None, ("", "project/.ledger")),  # --ledger "" : the SQLite folder of the settings
])
def test_the_store_is_chosen_once_from_options_then_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: str,
                                                             url: str | None, ledger_dir: str | None, expected: tuple[str, str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "soc-bulletin.toml").write_text(f'[ledger]\nurl = "{configured}"\n' if configured else "")
    settings = load_settings(tmp_path / "project" / "soc-bulletin.toml")
    place = store_place(settings, url=url, ledger_dir=ledger_dir)
    assert (place.url, place.folder.resolve()) == (expected[0], (tmp_path / expected[1]).resolve())


@pytest.mark.parametrize(("url", "ledger_dir", "message"), [
    (URL, "elsewhere", "give --ledger (PostgreSQL) or --ledger-dir (SQLite files), not both"),
    ("postgresql://bulletin:secret@127.0.0.1/bulletin", None, "--ledger "),
])
def test_a_contradictory_or_bad_choice_is_a_usage_error(tmp_path: Path, url: str, ledger_dir: str | None, message: str) -> None:
    settings = load_settings(start=tmp_path)
    with pytest.raises(ConfigError, match=re.escape(message)) as refused:
        store_place(settings, url=url, ledger_dir=ledger_dir)
    assert "secret" not in str(refused.value)


def test_opening_a_place_read_only_makes_nothing_and_open_store_is_the_same_choice(tmp_path: Path) -> None:
    settings = load_settings(start=tmp_path)
    with StorePlace("", tmp_path / "ledger").open(readonly=True) as store:
        assert isinstance(store, SQLiteStore) and not (tmp_path / "ledger").exists()
    with open_store(settings, ledger_dir=tmp_path / "ledger") as store:
        assert isinstance(store, SQLiteStore) and (tmp_path / "ledger" / "store.db").is_file()
