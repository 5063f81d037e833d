"""The store: everything soc_bulletin remembers about people and deliveries, behind one interface.

- each issue's delivery ledger (:class:`~.ledger.Ledger`: rows, states, edition versions, leases, feedback);
- the suppression list: one entry per address *and source* (one-click, mail, bounce, complaint, manual), so an
  undo lifts only the unsubscribe it undoes and never a bounce or a complaint;
- the opaque tokens of unsubscribe links, and the secret they and VERP tokens are keyed with (generated on first
  use when none is configured, so no token can be computed from public facts);
- what bounce processing remembers: messages handled (by digest) and soft bounces (once per bounced message);
- the messages handed over in the last 24 hours, for the daily limit every sender shares.

Two backends behave the same (one test suite runs on both): :class:`~.sqlite_store.SQLiteStore`, the embedded
default (``.ledger/store.db`` beside one ledger file per issue), and :class:`~.postgres_store.PostgresStore`,
one PostgreSQL database shared by any number of machines. :func:`~.open.open_store` chooses, once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..audience.suppression import SOURCES, Suppression, Suppressions, load_suppressions, source_of, suppression_key
from ..config import Environment
from ..errors import ConfigError
from ..problems import Problem
from .hashing import Hasher
from .ledger import Ledger
from .people import Person, Request

if TYPE_CHECKING:
    from .privacy import PrivacyBackend

__all__ = ["DAY", "SECRET_BYTES", "Imported", "Store", "days_counted", "entries_of", "fingerprint", "new_secret", "quota_grant"]

#: bytes of randomness in a generated secret (43 characters of URL-safe base64)
SECRET_BYTES = 32
#: the daily limit's window: any 24 hours (relays count a rolling day: Office 365, Google, Amazon SES)
DAY = 86_400.0


def new_secret() -> str:
    """A fresh random secret."""
    return secrets.token_urlsafe(SECRET_BYTES)


def fingerprint(secret: str, /) -> str:
    """A short name for a secret that reveals nothing of it."""
    return hmac.new(secret.encode(), b"soc-bulletin key fingerprint", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import of a CSV suppression list did."""

    added: int
    already: int
    problems: tuple[Problem, ...] = ()


class Store(ABC):
    """One project's memory of people and deliveries; see the module's docstring. Close it when done."""

    #: where the store is, as shown to people (a folder, or a database URL without secrets)
    where: str = ""
    #: opened to read only: nothing is created or written
    readonly: bool = False
    #: this opening made the store (a first use, or a mistyped place)
    created: bool = False

    # -- deliveries ------------------------------------------------------------------------------

    @abstractmethod
    def ledger(self, issue: str, /, *, create: bool = True, lease: float = 60.0) -> Ledger | None:
        """The delivery ledger of ``issue``: created when ``create`` (a send), else opened to read (None when no
        send of it has started)."""

    def record_feedback(self, issue: str, address: str, kind: str, /, *, status: str, permanent: bool, detail: str,
                        reference: str) -> bool:
        """Record a bounce or complaint against ``address``'s row in ``issue``'s ledger (see
        :meth:`~.ledger.Ledger.record_feedback`); False when the issue or the row is not there. The issue's ledger
        stays open for the next record until the store is closed."""
        ledger = self._writers.get(issue) or self._writable_ledger(issue)
        if ledger is None:
            return False
        self._writers[issue] = ledger
        return ledger.record_feedback(address, kind, status=status, permanent=permanent, detail=detail, reference=reference)

    #: the ledgers opened by :meth:`record_feedback`, by issue
    _writers: dict[str, Ledger]

    def _close_writers(self) -> None:
        for ledger in self._writers.values():
            ledger.close()
        self._writers.clear()

    @abstractmethod
    def _writable_ledger(self, issue: str, /) -> Ledger | None:
        """The ledger of an issue whose send has started, open for writing feedback beside a running send."""

    @abstractmethod
    def issues(self) -> list[str]:
        """The issues with a ledger, oldest send first."""

    # -- suppression -------------------------------------------------------------------------------

    @abstractmethod
    def suppressions(self) -> Suppressions:
        """Every suppression entry (an address may have several, one per source)."""

    @abstractmethod
    def suppressed_keys(self, keys: list[str], /) -> set[str]:
        """Which of ``keys`` (casefolded normalised addresses) are suppressed now."""

    @abstractmethod
    def _add(self, key: str, address: str, reason: str, source: str, date: str, /) -> tuple[bool, bool]:
        """Add the entry (key, source) unless present; returns (added, the key had another entry before)."""

    @abstractmethod
    def _add_many(self, rows: list[tuple[str, str, str, str, str]], /) -> int:
        """Add (key, address, reason, source, date) entries that are not there; returns how many were added."""

    @abstractmethod
    def _lift(self, key: str, source: str, date: str, /) -> int:
        """Remove the entry (key, source) and remember the lift; returns the entries removed."""

    @abstractmethod
    def _lifted(self) -> dict[tuple[str, str], str]:
        """(key, source) -> the day its entry was last lifted."""

    def suppress(self, address: str, reason: str, /, *, source: str, date: str = "") -> bool:
        """Suppress ``address`` for ``reason`` from ``source``; True when it was not suppressed before.

        The entry is kept beside the address's other entries (an unsubscribe and a complaint are two).
        """
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; one of {', '.join(SOURCES)}")
        address, key = _normal(address)
        added, before = self._add(key, address, " ".join(reason.split()), source, date or _today())
        return added and not before

    def lift(self, address: str, /, *, source: str) -> int:
        """Take back the entry ``source`` made for ``address`` (the undo of a one-click unsubscribe); the address's
        entries from other sources (a bounce, a complaint) stay. Returns how many entries were removed. Lifting
        "erased" also lifts the keyed hash an erasure left (:mod:`.privacy`)."""
        key = suppression_key(address)
        removed = self._lift(key, source, _today())
        hasher = self.hasher() if source == "erased" else None
        return removed + (self._lift(hasher(key), source, _today()) if hasher is not None else 0)

    def import_suppressions(self, path: str | Path, /) -> Imported:
        """Add every row of the CSV suppression list at ``path`` (idempotent). An entry that an undo lifted on or
        after the row's date is not brought back."""
        entries = load_suppressions(Path(path))
        lifted = self._lifted()
        rows: dict[tuple[str, str], tuple[str, str, str, str, str]] = {}
        for entry in entries.entries:  # addresses already normalised by the reader
            key, source = suppression_key(entry.address), source_of(entry)
            if lifted.get((key, source), "") < (entry.date or "0"):
                rows.setdefault((key, source), (key, entry.address, entry.reason or "imported", source, entry.date or _today()))
        added = self._add_many(list(rows.values())) if rows else 0
        return Imported(added, len(entries.entries) - added, entries.problems)

    # -- links and keys ----------------------------------------------------------------------------

    def secret(self, proposal: str = "", /, *, make: bool = True) -> str:
        """The store's own secret, made on first use (``proposal``, else a new one) unless ``make`` is off or the
        store is read-only (then "" when it has none); the same for every machine sharing the store."""
        return self._meta_value("secret", proposal or new_secret() if make and not self.readonly else None)

    def check_keys(self, current: str, previous: str = "", /) -> None:
        """Refuse to send with a key no earlier send of this store used, unless the previous key is one (rotation):
        machines sharing a store must make the same links, VERP tokens and Message-IDs. The keys used are kept as
        fingerprints (which reveal nothing of them)."""
        used = set(self._meta_value("keys").split())
        mine = fingerprint(current)
        if used and mine not in used and not (previous and fingerprint(previous) in used):
            raise ConfigError(
                f"this machine's unsubscribe key is not the one earlier sends of the store {self.where} used: set the "
                f"same {Environment.UNSUBSCRIBE_SECRET} on every machine (or none anywhere), and to change it, move the "
                f"old one to {Environment.PREVIOUS_UNSUBSCRIBE_SECRET}")
        if mine not in used:
            self._set_meta_value("keys", " ".join(sorted(used | {mine})))

    @abstractmethod
    def _meta_value(self, key: str, default: str | None = None, /) -> str:
        """The store-wide fact ``key``; when it is not there, ``default`` is recorded and returned ("" without one)."""

    @abstractmethod
    def _set_meta_value(self, key: str, value: str, /) -> None:
        """Record the store-wide fact ``key``."""

    @abstractmethod
    def remember_links(self, links: Iterable[tuple[str, str]], /) -> None:
        """Record (token, address) pairs of unsubscribe links (idempotent)."""

    @abstractmethod
    def address_of_link(self, token: str, /) -> str | None:
        """The address an unsubscribe token was made for, or None when the store never made it."""

    # -- people --------------------------------------------------------------------------------------

    @abstractmethod
    def people(self) -> list[Person]:
        """Every person's own record (sign-ups, moved addresses, list members' preferences), oldest change first."""

    @abstractmethod
    def person(self, address: str, /) -> Person | None:
        """The record of ``address`` (any case), or None."""

    @abstractmethod
    def save_person(self, person: Person, /) -> None:
        """Write ``person``'s record, replacing the one of the same address."""

    @abstractmethod
    def remove_person(self, address: str, /) -> bool:
        """Delete the record of ``address``; True when there was one."""

    @abstractmethod
    def add_request(self, digest: str, request: Request, /) -> None:
        """Keep a request until its link (whose token has this digest) is followed or it expires."""

    @abstractmethod
    def take_request(self, digest: str, now: float, /) -> Request | None:
        """The request whose token has this digest, removed (a link works once); None when there is none or it has
        expired by ``now``."""

    @abstractmethod
    def requests_since(self, address: str, since: float, /) -> int:
        """How many requests for ``address`` were made since ``since`` (a confirmation mail each): the limit per
        address."""

    @abstractmethod
    def note(self, event: str, detail: str, /) -> None:
        """Add to the store's journal (never an address: the journal outlives erasures)."""

    @abstractmethod
    def journal(self) -> list[tuple[float, str, str]]:
        """(time, event, detail) of everything noted, oldest first."""

    # -- the daily limit ---------------------------------------------------------------------------

    @abstractmethod
    def take_quota(self, limit: int, wanted: int, /, *, window: float = DAY) -> tuple[int, float]:
        """Take up to ``wanted`` of the ``limit`` messages every sender of the store may hand over in any ``window``
        seconds; returns (taken, seconds until one more may be taken when none was). See :func:`quota_grant`."""

    @abstractmethod
    def give_back_quota(self, count: int, /) -> None:
        """Give back ``count`` messages taken and not handed over (the latest taken first)."""

    # -- bounce processing -------------------------------------------------------------------------

    @abstractmethod
    def seen(self, digest: str, /) -> bool:
        """Whether the message with this digest was handled before."""

    @abstractmethod
    def handled(self, digest: str, source: str, kind: str, /) -> None:
        """Remember the message as handled."""

    @abstractmethod
    def soft_bounces(self, address: str, reference: str, day: dt.date, status: str, /, *, days: int,
                     record: bool = True) -> int:
        """Count a soft bounce of ``address`` for the bounced message ``reference`` on ``day``; returns the days
        with one within ``days`` days up to ``day``. Notices about one message count once (their first day);
        ``record=False`` (a dry run) counts it without writing."""

    @abstractmethod
    def close(self) -> None:
        """Release the store."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- privacy (:mod:`.privacy`: erasure, subject access, retention) -----------------------------------

    #: the store's hasher once it has one
    _hasher: Hasher | None = None

    def hasher(self, *, make: bool = False) -> Hasher | None:
        """The keyed hash that stands for erased and expired addresses (:mod:`.hashing`), with the store's own key:
        made on first use when ``make`` (and the store is writable); None while the store has none."""
        if self._hasher is None:
            secret = self._meta_value("hash_key", new_secret() if make and not self.readonly else None)
            self._hasher = Hasher(secret) if secret else None
        return self._hasher

    def _hash_keys(self, keys: Iterable[str], /) -> dict[str, str]:
        """Each key, and its keyed hash when the store has a hasher, mapped to the key: what a check of suppressed
        keys looks up."""
        hasher = self.hasher()
        wanted = {key: key for key in keys}
        if hasher is not None:
            wanted.update({hasher(key): key for key in list(wanted)})
        return wanted

    @abstractmethod
    def _privacy(self) -> PrivacyBackend:
        """This backend's side of erasure, subject access and retention."""


def days_counted(this: set[str], days: int, stored: Callable[[str, str], set[str]]) -> int:
    """The days with a soft bounce within ``days`` days up to the day ``this`` bounced message was counted on (its
    first notice's day, or the day it would be counted on), that day included."""
    until = max(this)
    since = (dt.date.fromisoformat(until) - dt.timedelta(days=days - 1)).isoformat()
    return len(stored(since, until) | this)


def quota_grant(taken: list[tuple[float, int]], limit: int, wanted: int, now: float, window: float, /) -> tuple[int, float]:
    """How many of ``wanted`` may be taken at ``now`` when (time, count) were taken in the ``window`` before, and when
    none may: the seconds until enough of the oldest leave the window for one more."""
    used = sum(count for _, count in taken)
    granted = max(0, min(wanted, limit - used))
    if granted:
        return granted, 0.0
    over = used - limit + 1
    for at, count in sorted(taken):
        over -= count
        if over <= 0:
            return 0, max(0.0, at + window - now)
    return 0, window


def _today() -> str:
    return dt.date.today().isoformat()


def _normal(address: str) -> tuple[str, str]:
    """The address as stored (normalised by email-validator when valid, else as written) and its key."""
    from email_validator import EmailNotValidError, validate_email

    address = address.strip()
    if not address or any(c in address for c in "\r\n"):
        raise ValueError(f"cannot suppress {address!r}: give one email address")
    with contextlib.suppress(EmailNotValidError):  # a bounce may report an address we would not accept: kept as written
        address = validate_email(address, check_deliverability=False).normalized
    return address, suppression_key(address)


def entries_of(rows: Iterable[tuple[str, str, str, str]], where: str, /, hasher: Hasher | None = None) -> Suppressions:
    """A :class:`Suppressions` from (address, reason, date, source) rows; ``hasher`` matches erased addresses."""
    return Suppressions(tuple(Suppression(a, r, d, source=s) for a, r, d, s in rows), where, hasher=hasher)
