"""The suppression list in the ledger database, shared by every sender, the unsubscribe service and bounces.

When the ledger is in PostgreSQL, a send suppresses everyone on the list in
the database *and* everyone in the CSV suppression list (a named one must
exist; a missing default one is no warning, since bounces go to the
database). Senders add bounces to the database, and check it again as they
claim each batch, so an address suppressed mid-send (an unsubscribe, another
sender's bounce) is not sent to from then on. :func:`import_csv` and
:func:`export_csv` move the list to and from the usual CSV format.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from pathlib import Path
from typing import TextIO

from email_validator import EmailNotValidError, validate_email

from ..audience.csvsource import spreadsheet_safe
from ..audience.suppression import COLUMNS, Suppression, Suppressions, load_suppressions
from ..config import Settings
from ..errors import ConfigError
from ..problems import Problem
from .postgres_db import Connection, Database, ensure_schema

__all__ = ["add_suppression", "export_csv", "import_csv", "load_shared", "shared_suppressions", "suppress", "suppression_key"]

_ADD = ("INSERT INTO soc_bulletin.suppressions (key, address, reason, date)"
        " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) ON CONFLICT (key) DO NOTHING")


def suppression_key(address: str, /) -> str:
    """The address as the ledger keys it: normalised by email-validator when valid, casefolded."""
    address = address.strip()
    with contextlib.suppress(EmailNotValidError):
        address = validate_email(address, check_deliverability=False).normalized
    return address.casefold()


def add_suppression(db: Connection, address: str, reason: str, /, *, date: str = "") -> bool:
    """Add one address inside a transaction; False when it was already suppressed."""
    key = suppression_key(address)
    with contextlib.suppress(EmailNotValidError):
        address = validate_email(address.strip(), check_deliverability=False).normalized
    return db.execute(_ADD, ([key], [address], [" ".join(reason.split())], [date or dt.date.today().isoformat()])).rowcount > 0


def _open(url: str, *, create: bool) -> tuple[Database, bool]:
    """The database, and whether it holds the ledger's schema (made when ``create``)."""
    db = Database(url, purpose="suppressions").open()
    try:
        return db, ensure_schema(db, create=create)
    except BaseException:
        db.close()
        raise


def suppress(url: str, address: str, reason: str, /, *, date: str = "") -> bool:
    """Add one address to the list at ``url`` (the unsubscribe service, bounce processing); False if already there."""
    db, _ = _open(url, create=True)
    try:
        return db.run(lambda conn, _: add_suppression(conn, address, reason, date=date))
    finally:
        db.close()


def load_shared(url: str, /) -> Suppressions:
    """Every address suppressed in the database at ``url`` (none before the first send or import made the schema)."""
    db, exists = _open(url, create=False)
    try:
        found = db.run(lambda conn, _: conn.execute(
            "SELECT address, reason, date FROM soc_bulletin.suppressions ORDER BY added, key").fetchall()) if exists else []
    finally:
        db.close()
    return Suppressions(tuple(Suppression(a, r, d) for a, r, d in found), db.where)


def shared_suppressions(url: str, named: str | Path | None, settings: Settings) -> tuple[Suppressions, Path, list[str]]:
    """The database's list joined with the CSV one (a named file must exist): nobody on either is sent to."""
    if named is not None:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"the suppression list {path} does not exist (or is not a file)")
    else:
        path = settings.resolve(settings.sending.suppressed)
    from_file = load_suppressions(path)
    shared = load_shared(url)
    joined = Suppressions(from_file.entries + shared.entries, f"{shared.path} and {path}", from_file.problems)
    return joined, path, [str(p) for p in from_file.problems]


def import_csv(url: str, path: str | Path, /) -> tuple[int, int, tuple[Problem, ...]]:
    """Add every address of the CSV list at ``path``; returns (added, already there, the file's warnings)."""
    if not Path(path).is_file():
        raise ConfigError(f"the suppression list {path} does not exist (or is not a file)")
    entries = load_suppressions(Path(path))
    rows = {suppression_key(e.address): e for e in entries}
    today = dt.date.today().isoformat()
    db, _ = _open(url, create=True)
    try:
        added = db.run(lambda conn, _: conn.execute(_ADD, (
            list(rows), [e.address for e in rows.values()], [e.reason or "imported" for e in rows.values()],
            [e.date or today for e in rows.values()])).rowcount)
    finally:
        db.close()
    return added, len(rows) - added, entries.problems


def export_csv(url: str, out: TextIO, /) -> int:
    """Write the database's list to ``out`` as CSV (address, reason, date); returns how many rows."""
    shared = load_shared(url)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in shared:
        writer.writerow([spreadsheet_safe(entry.address), spreadsheet_safe(entry.reason), spreadsheet_safe(entry.date)])
    return len(shared)
