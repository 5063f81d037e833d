"""The proof that a report is about a message this project sent: the store's ledgers, read back.

A bounce or complaint acts only on such evidence (:class:`Evidence`):

1. a VERP token (the envelope sender the report was delivered to) made with the
   current or the previous secret for a recipient row of an issue; else
2. a Message-ID of the reported message that is exactly the one this project
   gave its message of that issue to an address the report names (Message-IDs
   are keyed, :meth:`~soc_bulletin.send.unsubscribe.Unsubscribe.message_digest`),
   to a recipient the ledger records as sent.

Anything else (no token, a token that does not verify, a Message-ID never
sent, an address that never had the issue) names nobody. Tokens are computed
from the rows with each secret, once per run.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..audience.suppression import is_hashed
from ..errors import LedgerError
from ..send.failure_policy import message_reference
from ..send.unsubscribe import Unsubscribe
from ..send.verp import verp_token
from ..store.base import Store
from ..store.ledger import State

__all__ = ["Evidence", "Recipient"]

log = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(r"<([A-Za-z0-9][A-Za-z0-9._-]*)\.([0-9a-f]{24})@[^<>\s]+>")
#: states of a row whose message left: a bounce or complaint can only be about one of these
_WENT_OUT = (State.SENT, State.FAILED_PERMANENT, State.FAILED_TEMPORARY)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A recipient of one issue, as its ledger knows them: the bounced message is the issue's one message to them."""

    issue: str
    address: str

    @property
    def reference(self) -> str:
        """The bounced message, however the evidence named it (every notice about it counts once)."""
        return message_reference(self.issue, self.address)


class Evidence:
    """The ledgers of ``store``, indexed on first use. ``keys`` are the secrets tokens and Message-IDs were made with
    (current, previous); ``list_id`` the settings' list id, when they give one (each send records its own too)."""

    def __init__(self, store: Store, /, *, keys: tuple[str, str], list_id: str = "") -> None:
        self.store = store
        self.keys, self.list_ids = keys, {list_id} - {""}
        self.makers: tuple[Unsubscribe, ...] = ()
        self.problems: list[str] = []
        self._rows: dict[str, dict[str, tuple[str, bool]]] | None = None  # issue -> key -> (address, went out)
        self._verp: dict[str, tuple[str, str]] = {}

    def _load(self) -> dict[str, dict[str, tuple[str, bool]]]:
        if self._rows is not None:
            return self._rows
        self._rows = {}
        for issue in self.store.issues():
            rows = self._read(issue)
            if rows is not None:
                self._rows[issue] = rows
        self.makers = tuple(Unsubscribe(list_id=list_id, mailbox="", secret=self.keys[0], previous_secret=self.keys[1])
                            for list_id in sorted(self.list_ids - {""}) if self.keys[0])
        self._index_verp(self._rows)
        log.info("indexed the ledgers of %d issue(s) in %s", len(self._rows), self.store.where)
        return self._rows

    def _read(self, issue: str) -> dict[str, tuple[str, bool]] | None:
        """An issue's rows (key -> address, whether it went out), its list id noted; None without a ledger or with a
        damaged one (a problem)."""
        try:
            ledger = self.store.ledger(issue, create=False)
        except LedgerError as exc:
            self.problems.append(f"the ledger of {issue} left out: {exc}")
            return None
        if ledger is None:
            return None
        try:
            rows = {row.key: (row.address, row.state in _WENT_OUT) for row in ledger.rows()}
            self.list_ids.add(ledger.meta().get("list_id", ""))
        finally:
            ledger.close()
        return rows

    def _index_verp(self, ledgers: dict[str, dict[str, tuple[str, bool]]]) -> None:
        """The VERP token of each address a message went out to, under each key (the current and the previous)."""
        keys = [key.encode() for key in self.keys if key]
        for issue, rows in ledgers.items():
            for address, went_out in rows.values():
                if went_out and not is_hashed(address):  # a row kept as a keyed hash names nobody
                    for key in keys:
                        self._verp.setdefault(verp_token(key, issue, address), (issue, address))

    def by_verp(self, tokens: Iterable[str], /) -> Recipient | None:
        """The recipient whose VERP token is one of ``tokens``."""
        self._load()
        for token in tokens:
            if token in self._verp:
                issue, address = self._verp[token]
                return Recipient(issue, address)
        return None

    def by_message_id(self, addresses: Iterable[str], message_ids: Iterable[str], /) -> list[Recipient]:
        """The ``addresses`` to whom this project sent a message with one of ``message_ids``."""
        rows = self._load()
        found: list[Recipient] = []
        for message_id in message_ids:
            match = _MESSAGE_ID.fullmatch(message_id.strip())
            if not match or match[1] not in rows:
                continue
            issue, digest = match[1], match[2]
            for address in addresses:
                known = rows[issue].get(address.casefold())
                if known and known[1] and any(hmac.compare_digest(maker.message_digest(issue, known[0], key=key), digest)
                                              for maker in self.makers for key in maker.keys):
                    found.append(Recipient(issue, known[0]))
        return list({r.address.casefold(): r for r in found}.values())

    def unsubscriber(self, token: str, sender: str, /) -> str | None:
        """Who a mailed unsubscribe with ``token`` is for: the address the store made the token for; or ``sender``
        when the token is an earlier version's, keyed and made for them. None when the token proves nothing."""
        if not token:
            return None
        address = self.store.address_of_link(token)
        if address:
            return address
        self._load()
        return sender if sender and any(maker.verify(sender, token) for maker in self.makers) else None
