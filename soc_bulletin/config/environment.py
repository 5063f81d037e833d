"""The secrets, read from environment variables here and nowhere else, checked when read and never shown.

Each secret field is left out of ``repr`` (so ``repr(settings)``, a log line or
a traceback never shows it), and an unsubscribe secret that is set must be
long enough to be a key: the current one and the previous one alike. A
problem is one ConfigError naming the variable, never its value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ConfigError

__all__ = ["MIN_SECRET", "Environment"]

#: the shortest unsubscribe secret accepted (an HMAC key: shorter ones can be guessed)
MIN_SECRET = 16


@dataclass(frozen=True, slots=True)
class Environment:
    """What comes from environment variables: secrets only (and the SMTP user name, which is shown)."""

    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    unsubscribe_secret: str = field(default="", repr=False)
    #: still accepted while links made with it are in inboxes (key rotation)
    previous_unsubscribe_secret: str = field(default="", repr=False)
    imap_password: str = field(default="", repr=False)  # for `bounces imaps://user@host/INBOX`

    SMTP_USER = "SOC_BULLETIN_SMTP_USER"
    SMTP_PASSWORD = "SOC_BULLETIN_SMTP_PASSWORD"
    UNSUBSCRIBE_SECRET = "SOC_BULLETIN_UNSUBSCRIBE_SECRET"
    PREVIOUS_UNSUBSCRIBE_SECRET = "SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS"
    IMAP_PASSWORD = "SOC_BULLETIN_IMAP_PASSWORD"

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None, /) -> Environment:
        """The variables as they are now (``os.environ`` by default); ConfigError for an unsubscribe secret too short."""
        env = os.environ if environ is None else environ
        for name in (cls.UNSUBSCRIBE_SECRET, cls.PREVIOUS_UNSUBSCRIBE_SECRET):
            if 0 < len(env.get(name, "")) < MIN_SECRET:
                raise ConfigError(f"{name} is shorter than {MIN_SECRET} characters; set a long random value, such as the output of "
                                  "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return cls(env.get(cls.SMTP_USER, ""), env.get(cls.SMTP_PASSWORD, ""), env.get(cls.UNSUBSCRIBE_SECRET, ""),
                   previous_unsubscribe_secret=env.get(cls.PREVIOUS_UNSUBSCRIBE_SECRET, ""),
                   imap_password=env.get(cls.IMAP_PASSWORD, ""))
