"""Per-recipient unsubscribe links: a ``mailto:`` always, an ``https:`` one when configured.

Tokens are HMAC-SHA256 of the list and the address, keyed by the secret in
``SOC_BULLETIN_UNSUBSCRIBE_SECRET`` (passed in from the settings), so an unsubscribe endpoint can verify a
link without a database. Without a secret (no https link configured) the
mailto token is a plain digest: it identifies the recipient, it proves nothing.

The key can be rotated: links are made with the current secret, and
:meth:`Unsubscribe.verify` also accepts the previous one
(``SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS``) while those links are in inboxes.
:func:`parse_link` reads an address and token back from a link's query.
The same key signs the VERP token of each message's envelope sender (:mod:`.verp`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qs

from ..config import Environment, check_url
from ..errors import ConfigError
from ..terminal import printable
from .verp import verp_token

__all__ = ["Unsubscribe", "UnsubscribeLinks", "parse_link"]



def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_link(query: str, /) -> tuple[str, str] | None:
    """The (address, token) of an https link's query (``a=...&t=...``), or None when it holds none."""
    try:
        values = parse_qs(query, max_num_fields=20)
    except ValueError:  # more fields than a link ever has
        return None
    encoded, token = (values.get("a") or [""])[0], (values.get("t") or [""])[0]
    if not encoded or not token or len(encoded) > 700 or len(token) > 64:
        return None
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return (address, token) if "@" in address and address.isprintable() else None


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

    def __init__(self, *, list_id: str, mailbox: str, base_url: str = "", secret: str = "", previous_secret: str = "") -> None:
        why = check_url(base_url) if base_url else None
        if why:
            raise ConfigError(f"unsubscribe_base_url {why} (got {printable(repr(base_url[:80]))})")
        if base_url and len(secret) < 16:
            raise ConfigError(f"an https unsubscribe link needs a secret of at least 16 characters in {Environment.UNSUBSCRIBE_SECRET}")
        self.list_id = list_id
        self.mailbox = mailbox
        self.base_url = base_url.rstrip("/")
        self._key = secret.encode("utf-8")
        self._previous = previous_secret.encode("utf-8")

    def token(self, address: str, /, *, key: bytes | None = None) -> str:
        """A short token for ``address`` on this list (made with the current secret unless ``key`` is given)."""
        key = self._key if key is None else key
        data = f"{self.list_id}\n{address.lower()}".encode()
        digest = hmac.digest(key, data, "sha256") if key else hashlib.sha256(data).digest()
        return _b64(digest[:18])

    def verify(self, address: str, token: str, /) -> bool:
        """Whether ``token`` was made for ``address`` with this list's secret or the previous one (constant time)."""
        given = token.encode("ascii", "replace")
        results = [hmac.compare_digest(self.token(address, key=key).encode(), given) for key in (self._key, self._previous) if key]
        return any(results)

    def verp_token(self, issue: str, address: str, /) -> str:
        """The token of ``address`` in the envelope sender of ``issue``'s message (see :mod:`.verp`)."""
        return verp_token(self._key, issue, address)

    @property
    def keys(self) -> tuple[bytes, ...]:
        """The secrets a token may have been made with: the current one, then the previous one (either may be empty)."""
        return (self._key, self._previous)

    def links(self, address: str, /) -> UnsubscribeLinks:
        """The mailto and (if configured) https links for ``address``."""
        token = self.token(address)  # URL-safe base64: nothing in it to quote
        mailto = f"mailto:{self.mailbox}?subject=Unsubscribe%20{token}"
        https = ""
        if self.base_url:
            joiner = "&" if "?" in self.base_url else "?"
            https = f"{self.base_url}{joiner}a={_b64(address.encode())}&t={token}"
        return UnsubscribeLinks(mailto=mailto, https=https)
