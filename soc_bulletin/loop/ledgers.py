"""The issues' ledgers, read back: who a VERP token, an unsubscribe token or a Message-ID names.

Every ledger in the ledger folder (``.ledger/<issue>.sqlite3``) lists the
recipients of one issue. A bounce names its recipient and issue by its VERP
token (the envelope sender it was delivered to), else by the Message-ID of the
bounced message (``<issue>.<digest>@domain``), else by the latest issue sent to
the address. Tokens are computed from the rows with each secret that may have
made them (the current, the previous, none), once per run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import LedgerError
from ..send.ledger import State
from ..send.sqlite_ledger import SQLiteLedger
from ..send.unsubscribe import Unsubscribe
from ..send.verp import verp_token

__all__ = ["LedgerIndex", "Recipient"]

log = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(r"<([A-Za-z0-9][A-Za-z0-9._-]*)\.[0-9a-f]{24}@[^<>\s]+>")


@dataclass(frozen=True, slots=True)
class Recipient:
    """A recipient of one issue, as its ledger knows them."""

    issue: str
    address: str


class LedgerIndex:
    """The ledgers of ``ledger_dir``, indexed on first use.

    ``keys`` are the unsubscribe secrets links may have been made with (current,
    previous); ``list_ids`` the list ids mailto tokens may name.
    """

    def __init__(self, ledger_dir: Path, /, *, keys: Iterable[bytes] = (), list_ids: Iterable[str] = ()) -> None:
        self.ledger_dir = ledger_dir
        self.keys = tuple(dict.fromkeys([*keys, b""]))
        self.list_ids = tuple(dict.fromkeys(i for i in list_ids if i))
        self.problems: list[str] = []
        self._rows: dict[str, dict[str, tuple[str, bool]]] | None = None  # issue -> key -> (address, sent)
        self._order: list[str] = []
        self._verp: dict[str, Recipient] = {}
        self._unsubscribe: dict[str, str] = {}

    def _load(self) -> dict[str, dict[str, tuple[str, bool]]]:
        if self._rows is not None:
            return self._rows
        self._rows = {}
        started: dict[str, float] = {}
        paths = sorted(self.ledger_dir.glob("*.sqlite3")) if self.ledger_dir.is_dir() else []
        for path in paths:
            try:
                ledger = SQLiteLedger(path, identity=path.stem, create=False, lock=False)
            except LedgerError as exc:
                self.problems.append(f"ledger {path} left out: {exc}")
                continue
            try:
                found = ledger.rows()
                meta = ledger.meta()
            finally:
                ledger.close()
            self._rows[path.stem] = {row.key: (row.address, row.state is State.SENT) for row in found}
            started[path.stem] = float(meta.get("started") or meta.get("created") or 0)
        self._order = sorted(self._rows, key=lambda issue: (started[issue], issue))
        for issue, rows in self._rows.items():
            for address, _sent in rows.values():
                for key in self.keys:
                    self._verp.setdefault(verp_token(key, issue, address), Recipient(issue, address))
        for list_id in self.list_ids:
            maker = Unsubscribe(list_id=list_id, mailbox="team@example.org")
            for rows in self._rows.values():
                for address, _sent in rows.values():
                    for key in self.keys:
                        self._unsubscribe.setdefault(maker.token(address, key=key), address)
        log.info("indexed %d ledgers in %s", len(self._rows), self.ledger_dir)
        return self._rows

    def by_verp(self, tokens: Iterable[str], /) -> Recipient | None:
        """The recipient whose VERP token is one of ``tokens``."""
        self._load()
        return next((self._verp[t] for t in tokens if t in self._verp), None)

    def by_unsubscribe_token(self, token: str, /) -> str | None:
        """The address whose mailto unsubscribe token is ``token``."""
        self._load()
        return self._unsubscribe.get(token)

    def issue_of(self, address: str, message_ids: Iterable[str] = (), /) -> str | None:
        """The issue a bounce for ``address`` came from: the one its Message-IDs name, else the latest sent to it."""
        rows = self._load()
        key = address.casefold()
        for message_id in message_ids:
            found = _MESSAGE_ID.fullmatch(message_id.strip())
            if found and key in rows.get(found[1], {}):
                return found[1]
        sent = [issue for issue in self._order if rows[issue].get(key, ("", False))[1]]
        listed = [issue for issue in self._order if key in rows[issue]]
        chosen = sent or listed
        return chosen[-1] if chosen else None

    def record(self, issue: str, address: str, kind: str, /, *, status: str, permanent: bool, detail: str,
               reference: str) -> bool:
        """Record a bounce or complaint against the recipient's row in ``issue``'s ledger; False if it has none."""
        path = self.ledger_dir / f"{issue}.sqlite3"
        ledger = SQLiteLedger(path, identity=issue, create=False, lock=False)
        ledger.close()  # proven to be a ledger; now open it for writing (a send may hold its lock: SQLite waits)
        writer = SQLiteLedger(path, identity=issue, lock=False)
        try:
            return writer.record_feedback(address, kind, status=status, permanent=permanent, detail=detail, reference=reference)
        finally:
            writer.close()
