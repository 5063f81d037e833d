"""The one exception hierarchy of soc_bulletin.

::

    BulletinError
    ├── ContentError(BulletinError, ValueError)      bad issue or article files; carries .problems
    ├── SubscriberError(BulletinError, ValueError)   bad subscriber lists or segments; carries .problems
    ├── ConfigError(BulletinError, ValueError)       bad options, settings or environment
    ├── RenderError(BulletinError, RuntimeError)     a layout or MJML failed to render
    └── SendError(BulletinError, ConnectionError)    a transport failed; carries recipient, code, reply,
                                                     and whether it is permanent or fatal

Each error inherits the nearest builtin too, so callers may catch either.
"""

from __future__ import annotations

from collections.abc import Iterable

from .problems import Problem

__all__ = [
    "BulletinError",
    "ConfigError",
    "ContentError",
    "RenderError",
    "SendError",
    "SubscriberError",
]


class BulletinError(Exception):
    """Root of every error soc_bulletin raises on purpose."""


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


class RenderError(BulletinError, RuntimeError):
    """A layout or the MJML compiler failed."""


class SendError(BulletinError, ConnectionError):
    """A transport could not deliver a message."""

    def __init__(
        self,
        message: str,
        /,
        *,
        recipient: str | None = None,
        code: int | None = None,
        reply: str = "",
        permanent: bool = False,
        fatal: bool = False,
    ) -> None:
        super().__init__(message)
        self.recipient = recipient
        self.code = code
        self.reply = reply
        #: the server refused this recipient for good (5xx): do not retry
        self.permanent = permanent
        #: nothing can be sent (authentication refused, TLS required but absent): stop the send
        self.fatal = fatal
