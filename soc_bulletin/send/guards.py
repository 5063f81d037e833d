"""What a send checks in its issue's ledger before it claims anyone: a send started long ago is not resumed by
accident, and every recipient of an edition receives the same content (the freeze)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import RefusedError
from ..render.renderer import Edition
from ..store.base import DAY
from ..store.ledger import EditionVersion, Ledger
from .preflight import Fingerprint, changed_articles, fingerprint

__all__ = ["check_stale", "freeze"]



def check_stale(ledger: Ledger, /, *, identity: str, list_id: str, limit: int, resume_stale: bool, waiting: int) -> None:
    """Record when the send began (and the list id its Message-IDs are keyed with); refuse to go on with a send that
    began more than ``limit`` days ago unless ``resume_stale``."""
    started = ledger.meta().get("started")
    if started is None:
        ledger.set_meta("started", str(time.time()))
        ledger.set_meta("list_id", list_id)  # bounces verify Message-IDs with it
        return
    days = (time.time() - float(started)) / DAY
    if days > limit and not resume_stale:
        when = dt.datetime.fromtimestamp(float(started), dt.UTC).strftime("%Y-%m-%d")
        raise RefusedError(
            f"this send of issue {identity} started on {when}, {days:.0f} days ago (more than {limit}); "
            f"{waiting} recipient(s) have not had it. Pass --resume-stale to send it to them anyway")


def freeze(ledger: Ledger, editions: dict[str, Edition], /, *, issue_dir: Path, identity: str, accept_changes: bool,
           waiting: int, read: Callable[[str], bytes] | None = None) -> None:
    """Refuse an edition whose content differs from what earlier recipients received, unless ``accept_changes``
    (``read``: an image's bytes by its ``src``, see :func:`~.preflight.fingerprint`)."""
    latest: dict[str, EditionVersion] = {}
    for version in ledger.versions():
        latest[version.edition] = version
    changes: list[tuple[str, EditionVersion, Fingerprint, int]] = []
    for key, edition in editions.items():
        now = fingerprint(edition, issue_dir, read)
        before = latest.get(key)
        if before is None:
            ledger.record_version(key, now.digest, now.articles, new=True)
        elif before.fingerprint != now.digest:
            received = ledger.sent_with(key, before.version)
            if received == 0:  # nobody has the earlier version: nothing to keep consistent
                ledger.record_version(key, now.digest, now.articles, new=False)
            else:
                changes.append((key, before, now, received))
    if changes and not accept_changes:
        parts = []
        for key, before, now, received in changes:
            parts.append(f"edition '{key}' ({changed_articles(before.articles, now.articles)}; "
                         f"{received} recipient(s) already received the earlier version)")
        raise RefusedError(
            f"issue {identity} changed since its send began: {'; '.join(parts)}. "
            f"Undo the change, or pass --accept-changes to send the new version to the {waiting} recipient(s) who have not had it")
    for key, _, now, _ in changes:
        ledger.record_version(key, now.digest, now.articles, new=True)


