"""Closing the loop: the one-click unsubscribe service, and bounces, complaints and mailed unsubscribes
read back into the suppression list and the ledgers.

- :mod:`.service` — the ASGI application (Starlette) answering ``unsubscribe_base_url``; :mod:`.serve` runs it under uvicorn.
- :mod:`.classify` — what one received message is (:class:`Verdict`): :mod:`.reports` reads DSNs (RFC 3464), ARF
  reports (RFC 5965) and Amazon SES notifications, :mod:`.scan` the servers' prose notices.
- :mod:`.sources` and :mod:`.imap` — Maildir, mbox, folders of ``.eml`` files, IMAP mailboxes.
- :mod:`.process` — the run: :mod:`.policy` decides, :mod:`.ledgers` names recipients and issues, :mod:`.state` remembers.
"""

import typing as _typing

from .._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from .classify import classify
    from .process import Outcome, Processor, RunReport
    from .service import create_app
    from .verdict import Failure, Kind, Verdict

__all__ = ["Failure", "Kind", "Outcome", "Processor", "RunReport", "Verdict", "classify", "create_app"]

__getattr__, __dir__ = _lazy_exports(__name__, {
    "Failure": ".verdict",
    "Kind": ".verdict",
    "Outcome": ".process",
    "Processor": ".process",
    "RunReport": ".process",
    "Verdict": ".verdict",
    "classify": ".classify",
    "create_app": ".service",
})
