"""Per-recipient unsubscribe links: a ``mailto:`` always, an ``https:`` one when configured.

Tokens are HMAC-SHA256 of the list and the address, keyed by the secret in
``SOC_BULLETIN_UNSUBSCRIBE_SECRET`` (passed in from the settings), so an unsubscribe endpoint can verify a
link without a database. Without a secret (no https link configured) the
mailto token is a plain digest: it identifies the recipient, it proves nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote

from ..config import Environment, check_url
from ..errors import ConfigError
from ..terminal import printable

__all__ = ["Unsubscribe", "UnsubscribeLinks"]



def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class UnsubscribeLinks:
    """The links of one recipient: ``mailto`` always, ``https`` may be empty."""

    mailto: str
    https: str

    @property
    def preferred(self) -> str:
        """The link shown in the footer: https when there is one."""
        return self.https or self.mailto


class Unsubscribe:
    """Makes and verifies unsubscribe links for one list."""

    def __init__(self, *, list_id: str, mailbox: str, base_url: str = "", secret: str = "") -> None:
        why = check_url(base_url) if base_url else None
        if why:
            raise ConfigError(f"unsubscribe_base_url {why} (got {printable(repr(base_url[:80]))})")
        if base_url and len(secret) < 16:
            raise ConfigError(f"an https unsubscribe link needs a secret of at least 16 characters in {Environment.UNSUBSCRIBE_SECRET}")
        self.list_id = list_id
        self.mailbox = mailbox
        self.base_url = base_url.rstrip("/")
        self._key = secret.encode("utf-8")

    def token(self, address: str, /) -> str:
        """A short token for ``address`` on this list."""
        data = f"{self.list_id}\n{address.lower()}".encode()
        digest = hmac.new(self._key, data, hashlib.sha256).digest() if self._key else hashlib.sha256(data).digest()
        return _b64(digest[:18])

    def verify(self, address: str, token: str, /) -> bool:
        """Whether ``token`` was made for ``address`` with this list's secret."""
        return bool(self._key) and hmac.compare_digest(self.token(address), token)

    def links(self, address: str, /) -> UnsubscribeLinks:
        """The mailto and (if configured) https links for ``address``."""
        token = self.token(address)
        mailto = f"mailto:{self.mailbox}?subject={quote(f'Unsubscribe {token}')}"
        https = ""
        if self.base_url:
            joiner = "&" if "?" in self.base_url else "?"
            https = f"{self.base_url}{joiner}a={quote(_b64(address.encode()))}&t={token}"
        return UnsubscribeLinks(mailto=mailto, https=https)
