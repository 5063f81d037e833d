"""The store: everything the project remembers about people and deliveries (see :mod:`.base`).

- :mod:`.base` — the :class:`Store` interface; :mod:`.open` chooses the backend, once.
- :mod:`.ledger` — each issue's delivery ledger (the interface); :mod:`.sqlite_ledger`, :mod:`.postgres_ledger`.
- :mod:`.sqlite_store` — the embedded default; :mod:`.postgres_store` — one database for several machines
  (:mod:`.postgres_db`: the connection and the versioned migrations in ``postgres_migrations/``).
"""

from .._public import publish as _publish
from .base import Imported, Store
from .ledger import Counts, Ledger, LedgerRow, State
from .open import keys_of, open_store, take_in_csv
from .sqlite_ledger import SQLiteLedger

__all__ = ["Counts", "Imported", "Ledger", "LedgerRow", "SQLiteLedger", "State", "Store", "keys_of", "open_store", "take_in_csv"]

_publish(globals())
