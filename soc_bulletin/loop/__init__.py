"""Closing the loop: the subscribers' service (one-click unsubscribe, sign-up, preferences), and bounces, complaints
and mailed unsubscribes read back into the store.

- :mod:`.service` — the ASGI application (Starlette) answering ``unsubscribe_base_url`` and the pages under
  ``[service] base_url`` (:mod:`.selfservice`, :mod:`.signup`, :mod:`.preferences`, built from :mod:`.web`);
  :mod:`.serve` runs it under uvicorn.
- :mod:`.classify` — what one received message is (:class:`Verdict`): :mod:`.reports` reads DSNs (RFC 3464), ARF
  reports (RFC 5965) and Amazon SES notifications, :mod:`.scan` the servers' prose notices.
- :mod:`.sources` and :mod:`.imap` — Maildir, mbox, folders of ``.eml`` files, IMAP mailboxes.
- :mod:`.process` — the run: :mod:`.policy` decides, :mod:`.ledgers` names recipients and issues,
  :mod:`soc_bulletin.store.state` remembers what was handled; :mod:`.run_text` says what a run did.
"""

from .._public import publish as _publish
from .classify import classify_bytes
from .process import Outcome, Processor, RunReport
from .service import create_app
from .verdict import Failure, Kind, Verdict

__all__ = ["Failure", "Kind", "Outcome", "Processor", "RunReport", "Verdict", "classify_bytes", "create_app"]

_publish(globals())
