"""The one exception hierarchy of soc_bulletin.

::

    BulletinError
    ├── ContentError(BulletinError, ValueError)      bad issue or article files; carries .problems
    ├── SubscriberError(BulletinError, ValueError)   bad subscriber lists or segments; carries .problems
    ├── ConfigError(BulletinError, ValueError)       bad options, settings or environment
    ├── LedgerError(BulletinError, RuntimeError)     a ledger or store that is damaged, foreign, unreadable,
    │                                                out of reach or gone (also mid-send)
    ├── RefusedError(BulletinError, ValueError)      the send is refused before anything more goes out
    │                                                (content changed since the send began, a stale send)
    ├── RenderError(BulletinError, RuntimeError)     a layout or MJML failed to render
    └── SendError(BulletinError, ConnectionError)    a message was not delivered; carries recipient, code, reply
        ├── RecipientRefused                         the recipient's fault: 5xx at RCPT, 5.1.x/5.2.x after DATA,
        │                                            an address SMTP cannot carry; scored by the failure table
        ├── MessageRefused                           the message's fault: content, policy or size (5.6.x, 5.7.x,
        │                                            5.3.4); the send stops, nobody is suppressed
        ├── SenderFailure                            the sender's or configuration's fault: login, TLS, DKIM,
        │                                            sender refused, outbox unwritable; the send stops
        └── TemporaryFailure                         4xx, dropped connection, time-out: retried

Each error inherits the nearest builtin too, so callers may catch either.
Each class says the exit code of a command it ends (``exit_code``, as click's
exceptions do; the codes are :class:`soc_bulletin.cli.exits.Exit`'s, and a test
keeps the two in step): 1 problems found, 2 usage or settings, 65 a send refused
(``RefusedError``), 74 a ledger or store that cannot be trusted or reached
(``LedgerError``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._public import publish

if TYPE_CHECKING:  # annotations only: the error tree loads with no dataclasses (soc-bulletin --help)
    from collections.abc import Iterable

    from .problems import Problem

__all__ = [
    "BulletinError",
    "ConfigError",
    "ContentError",
    "LedgerError",
    "MessageRefused",
    "RecipientRefused",
    "RefusedError",
    "RenderError",
    "SendError",
    "SenderFailure",
    "SubscriberError",
    "TemporaryFailure",
]


class BulletinError(Exception):
    """Root of every error soc_bulletin raises on purpose."""

    #: the exit code of a command this error ends (Exit.PROBLEMS)
    exit_code: int = 1


class _ProblemsError(BulletinError):
    """An error that carries a sorted list of problems, printed one per line."""

    def __init__(self, problems: Iterable[Problem], /) -> None:
        self.problems: list[Problem] = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "no problems")


class ContentError(_ProblemsError, ValueError):
    """Issue or article files that cannot be turned into a model."""


class SubscriberError(_ProblemsError, ValueError):
    """Subscriber lists or segment definitions that cannot be used."""


class ConfigError(BulletinError, ValueError):
    """An option, setting or environment variable that is missing or wrong."""

    exit_code = 2  # Exit.USAGE


class LedgerError(BulletinError, RuntimeError):
    """A ledger or store that cannot be trusted: empty, corrupt, foreign, unreadable, out of reach, or replaced mid-send."""

    exit_code = 74  # Exit.LEDGER: not a usage error; the send resumes once the store is right


class RefusedError(BulletinError, ValueError):
    """A send refused before any more messages go out (content changed since it began, a stale send)."""

    exit_code = 65  # Exit.REFUSED: a person decides (undo the change, --accept-changes, --resume-stale)


class RenderError(BulletinError, RuntimeError):
    """A layout or the MJML compiler failed."""


class SendError(BulletinError, ConnectionError):
    """A message was not delivered. Subclasses say whose fault it was, and so what happens next."""

    def __init__(self, message: str, /, *, recipient: str | None = None, code: int | None = None, reply: str = "",
                 stage: str = "") -> None:
        super().__init__(message)
        self.recipient = recipient
        self.code = code
        self.reply = reply
        self.stage = stage  # where the reply came: "connect", "mail", "rcpt", "data"; "" when not a reply


class RecipientRefused(SendError):
    """The recipient cannot be delivered to, for good: recorded as failed-permanent and scored by the failure table
    (``send/failure_policy.py``: suppressed at once when the address is gone, else a soft bounce)."""


class MessageRefused(SendError):
    """The message itself was refused (content, policy, size): stop, suppress nobody, keep rows retryable."""


class SenderFailure(SendError):
    """Nothing can be sent with this sender or configuration (login, TLS, DKIM, sender refused): stop."""


class TemporaryFailure(SendError):
    """Try again later: a 4xx reply, a dropped connection or a time-out."""


publish(globals())
