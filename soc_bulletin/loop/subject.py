"""A person's rights, answered from the project: a copy of everything held about an address (subject access), and
its erasure, with the CSV lists that still name it.

:func:`subject_access` adds to what the store holds (:func:`soc_bulletin.store.privacy.held`) the rows of the CSV
lists that name the address and the Message-ID of each message sent to it (recomputed: Message-IDs are keyed,
:meth:`~soc_bulletin.send.unsubscribe.Unsubscribe.message_digest`). :func:`forget` erases addresses and says which
lists still hold them: the team must remove them from the partner's export too, or a list sent from without the
store would mail them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audience.csvsource import iter_rows
from ..audience.suppression import suppression_key
from ..config import Settings, parse_mailbox
from ..errors import ConfigError
from ..problems import Problem
from ..send.message import message_id_key
from ..send.unsubscribe import Unsubscribe
from ..store.base import Store
from ..store.hashing import is_hashed
from ..store.open import keys_of
from ..store.privacy import erasable_key, held
from ..store.privacy import forget as forget_in_store

__all__ = ["Forgotten", "forget", "lists_naming", "subject_access"]

#: states of a row whose message left (it has a Message-ID)
_WENT_OUT = ("sent", "sending", "failed-temporary", "failed-permanent")


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What :func:`forget` did for one address: the store's counts, and the CSV lists (file, lines) still naming it."""

    counts: dict[str, int]
    lists: list[tuple[str, list[int]]]


def csv_lists(settings: Settings, extra: Sequence[str | Path] = (), /) -> list[Path]:
    """The CSV files that may name people: the settings' list and suppression list (when they exist) and ``extra``."""
    found = [settings.resolve(settings.sending.subscribers), settings.resolve(settings.sending.suppressed), *map(Path, extra)]
    return list(dict.fromkeys(path for path in found if path.is_file()))


def lists_naming(keys: Iterable[str], files: Sequence[Path], /) -> dict[str, list[tuple[str, list[int]]]]:
    """For each key (a casefolded normalised address), the files among ``files`` with a cell holding it, and the lines."""
    wanted: dict[str, list[tuple[str, list[int]]]] = {key: [] for key in keys}
    for path in files:
        lines: dict[str, list[int]] = {}
        for line, fields in iter_rows(path):
            if isinstance(fields, Problem):
                continue
            for cell in fields:
                if "@" in cell:
                    key = suppression_key(cell)
                    if key in wanted and line not in lines.setdefault(key, []):
                        lines[key].append(line)
        for key, found in lines.items():
            wanted[key].append((str(path), found))
    return wanted


def subject_access(store: Store, settings: Settings, address: str, /, *, lists: Sequence[str | Path] = ()) -> dict[str, Any]:
    """Everything the project holds about ``address`` (JSON-ready): the lists and rows naming it, and what the store
    holds (its own record, requests, deliveries with Message-IDs and feedback, suppressions, link tokens, soft
    bounces). ValueError when ``address`` is not an email address."""
    key = erasable_key(address)
    found: dict[str, Any] = {"address": key, "store": store.where}
    found["lists"] = [{"file": file, "lines": lines} for file, lines in lists_naming([key], csv_lists(settings, lists))[key]]
    found.update(held(store, key))
    current, _ = keys_of(settings, store, make=False)
    domain = _domain(settings)
    for delivery in found["deliveries"]:
        delivery["message_id"], delivery["message_id_note"] = _message_id(delivery, current, domain)
    return found


def forget(store: Store, settings: Settings, addresses: Sequence[str], /, *,
           lists: Sequence[str | Path] = ()) -> list[Forgotten]:
    """Erase each of ``addresses`` from the store (:func:`soc_bulletin.store.privacy.forget`); ValueError before
    anything is erased when one is not an email address."""
    keys = [erasable_key(address) for address in addresses]
    naming = lists_naming(keys, csv_lists(settings, lists))
    return [Forgotten(forget_in_store(store, key), naming[key]) for key in keys]


def _domain(settings: Settings) -> str:
    """The domain of the From address Message-IDs end with, when the settings give it."""
    if not settings.sending.from_:
        return ""
    try:
        return parse_mailbox(settings.sending.from_)[1].rsplit("@", 1)[1]
    except ConfigError:
        return ""


def _message_id(delivery: dict[str, Any], secret: str, domain: str) -> tuple[str | None, str]:
    """The Message-ID of the message of one delivery row, or None and why it cannot be recomputed."""
    if delivery["state"] not in _WENT_OUT:
        return None, "no message left for this row"
    if is_hashed(delivery["address"]):
        return None, "the row keeps only a keyed hash of the address (erased, or past [privacy] keep_delivery_days)"
    if not secret or not delivery["list_id"]:
        return None, "the key or the list id the message was made with is not known here"
    issue = message_id_key(delivery["issue"])
    digest = Unsubscribe(list_id=delivery["list_id"], mailbox="", secret=secret).message_digest(issue, delivery["address"])
    if not domain:
        return f"<{issue}.{digest}@...>", "the domain is the issue's team mailbox's ([sending] from is not set)"
    return f"<{issue}.{digest}@{domain}>", "recomputed with the current key (a message sent before a key rotation differs)"
