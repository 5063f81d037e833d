"""Choosing the store, once: ``--ledger URL`` or ``[ledger] url`` is PostgreSQL, anything else the SQLite folder.

Every command opens the project's store here, so each fact about people has
one home whichever machine or command writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..config.values import check_ledger_url
from ..errors import ConfigError
from .base import Imported, Store

__all__ = ["StorePlace", "keys_of", "named_csv", "open_store", "store_place", "take_in_csv"]


@dataclass(frozen=True, slots=True)
class StorePlace:
    """Where the project's store is: the PostgreSQL database at ``url``, else (``url`` "") the SQLite ``folder``.

    ``folder`` is set either way: a PostgreSQL store takes in what an earlier SQLite folder held.
    """

    url: str
    folder: Path

    def open(self, *, readonly: bool = False) -> Store:
        """The store; ``readonly`` creates and writes nothing."""
        if self.url:
            from .postgres_store import PostgresStore  # psycopg is needed only for this

            return PostgresStore(self.url, readonly=readonly, legacy=self.folder)
        from .sqlite_store import SQLiteStore

        return SQLiteStore(self.folder, readonly=readonly)


def store_place(settings: Settings, /, *, url: str | None = None, ledger_dir: str | Path | None = None) -> StorePlace:
    """The one choice of the store: PostgreSQL at ``url`` (``--ledger``; default: ``[ledger] url`` unless a SQLite
    folder is named), else SQLite in ``ledger_dir`` (``--ledger-dir``; default: ``[sending] ledger``)."""
    if url and ledger_dir is not None:
        raise ConfigError("give --ledger (PostgreSQL) or --ledger-dir (SQLite files), not both")
    chosen = url if url is not None else "" if ledger_dir is not None else settings.ledger.url
    problem = check_ledger_url(chosen) if chosen else None
    if problem:
        raise ConfigError(f"--ledger {problem}")
    return StorePlace(chosen, Path(ledger_dir) if ledger_dir is not None else settings.resolve(settings.sending.ledger))


def open_store(settings: Settings, /, *, url: str | None = None, ledger_dir: str | Path | None = None,
               readonly: bool = False) -> Store:
    """The project's store (see :func:`store_place`); ``readonly`` creates and writes nothing."""
    return store_place(settings, url=url, ledger_dir=ledger_dir).open(readonly=readonly)


def take_in_csv(store: Store, settings: Settings, named: str | Path | None = None, /) -> tuple[Path, Imported | None]:
    """Import the CSV suppression list into the store (idempotent): ``named`` must exist; the settings' default is
    imported when it exists. Returns the file and what the import did (None: no default file)."""
    path = named_csv(named) if named is not None else settings.resolve(settings.sending.suppressed)
    if not path.is_file():
        return path, None
    return path, store.import_suppressions(path)


def named_csv(path: str | Path, /) -> Path:
    """A CSV suppression list named on purpose: ConfigError unless it exists."""
    if not Path(path).is_file():
        raise ConfigError(f"the suppression list {path} does not exist (or is not a file)")
    return Path(path)


def keys_of(settings: Settings, store: Store, /, proposal: str = "", *, make: bool = True) -> tuple[str, str]:
    """The secrets links, VERP tokens and Message-IDs are keyed with: the configured one, else the store's own (made
    on first use, from ``proposal`` when given, unless ``make`` is off: then "" when it has none); and the one before
    it: the configured previous one, else the store's own when a configured one replaced it."""
    env = settings.env
    if not env.unsubscribe_secret:
        return store.secret(proposal, make=make), env.previous_unsubscribe_secret
    return env.unsubscribe_secret, env.previous_unsubscribe_secret or store.secret(make=False)
