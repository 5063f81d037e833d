"""Per-recipient unsubscribe links: a ``mailto:`` always, an ``https:`` one when configured, both with one opaque token.

A token is 16 characters of URL-safe base64 of an HMAC-SHA256 of the list id
and the address, keyed with ``SOC_BULLETIN_UNSUBSCRIBE_SECRET`` or, when none
is configured, with the secret the store made for the project on first use:
it reveals nothing about the address, cannot be computed from public facts,
and is the same in every message to that address. A send records each token
in the store; the service and bounce processing find the address by looking
the token up there: a token the store made is the proof that the link was in
a message we sent to that address (so a link keeps working whatever the
secret or list id became since). Links of earlier versions
(``?a=<address>&t=<token>``) are verified with the secret (the current one,
or ``SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS`` while its links are in inboxes).
The same key signs the VERP token of each message's envelope sender (:mod:`.verp`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qs

from ..config import Environment, Settings, check_url
from ..errors import ConfigError
from ..terminal import printable
from .verp import verp_token

__all__ = ["Unsubscribe", "UnsubscribeLinks", "list_id_of", "parse_link"]



def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_link(query: str, /) -> tuple[str, str] | None:
    """The (token, address) of an https link's query: ``t=TOKEN``, or an earlier version's ``a=ADDRESS&t=TOKEN``
    (then the address is given); None when it holds no token."""
    try:
        values = parse_qs(query, max_num_fields=20)
    except ValueError:  # more fields than a link ever has
        return None
    token, encoded = (values.get("t") or [""])[0], (values.get("a") or [""])[0]
    if not token or len(token) > 64 or len(encoded) > 700:
        return None
    if not encoded:
        return token, ""
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return (token, address) if "@" in address and address.isprintable() else None


@dataclass(frozen=True, slots=True)
class UnsubscribeLinks:
    """The links of one recipient: ``mailto`` always, ``https`` and ``preferences`` (the service's page) may be empty."""

    mailto: str
    https: str
    preferences: str = ""

    @property
    def preferred(self) -> str:
        """The link shown in the footer: https when there is one."""
        return self.https or self.mailto


class Unsubscribe:
    """Makes and verifies the unsubscribe links of one list; ``secret`` is required (at least 16 characters)."""

    def __init__(self, *, list_id: str, mailbox: str, secret: str, base_url: str = "", previous_secret: str = "",
                 preferences_url: str = "") -> None:
        why = check_url(base_url) if base_url else None
        if why:
            raise ConfigError(f"unsubscribe_base_url {why} (got {printable(repr(base_url[:80]))})")
        for name, value in ((Environment.UNSUBSCRIBE_SECRET, secret), (Environment.PREVIOUS_UNSUBSCRIBE_SECRET, previous_secret)):
            if (value or name == Environment.UNSUBSCRIBE_SECRET) and len(value) < 16:
                raise ConfigError(f"{name} must be at least 16 characters")
        self.list_id = list_id
        self.mailbox = mailbox
        self.base_url = base_url.rstrip("/")
        #: the preference page (``<service>/preferences``); empty: no such link
        self.preferences_url = preferences_url
        self._key = secret.encode("utf-8")
        self._previous = previous_secret.encode("utf-8")
        self._keyed: dict[bytes, hmac.HMAC] = {}  # each key's HMAC state, copied per message (half the cost of re-keying)

    def _mac(self, key: bytes | None, data: bytes) -> bytes:
        key = self._key if key is None else key
        keyed = self._keyed.get(key)
        if keyed is None:
            keyed = self._keyed[key] = hmac.new(key, digestmod=hashlib.sha256)
        mac = keyed.copy()
        mac.update(data)
        return mac.digest()

    def token(self, address: str, /, *, key: bytes | None = None) -> str:
        """The token of ``address`` on this list (made with the current secret unless ``key`` is given)."""
        return _b64(self._mac(key, f"unsubscribe\n{self.list_id}\n{address.casefold()}".encode())[:12])

    def verify(self, address: str, token: str, /) -> bool:
        """Whether ``token`` was made for ``address`` with this list's secret or the previous one (constant time);
        an earlier version's token (keyed, 24 characters) too."""
        given = token.encode("ascii", "replace")
        keys = [key for key in (self._key, self._previous) if key]
        made = [self.token(address, key=key) for key in keys]
        made += [_b64(hmac.digest(key, f"{self.list_id}\n{address.lower()}".encode(), "sha256")[:18]) for key in keys]
        return any([hmac.compare_digest(candidate.encode(), given) for candidate in made])

    def preferences_mac(self, token: str, /, *, key: bytes | None = None) -> str:
        """The second half of a preference link (``p=``): a link's token alone (as in List-Unsubscribe, which mail
        providers see) unsubscribes, but opens nobody's preferences."""
        return _b64(self._mac(key, f"preferences\n{self.list_id}\n{token}".encode())[:12])

    def verify_preferences(self, token: str, mac: str, /) -> bool:
        """Whether ``mac`` is the preference half of ``token`` (current or previous secret; constant time)."""
        given = mac.encode("ascii", "replace")
        return any([hmac.compare_digest(self.preferences_mac(token, key=key).encode(), given) for key in self.keys])

    def message_digest(self, issue: str, address: str, salt: str = "", /, *, key: bytes | None = None) -> str:
        """The 24 hex digits of the Message-ID of ``issue``'s message to ``address``: keyed, so a Message-ID that
        names an address cannot be made up by someone who never received the message."""
        return self._mac(key, f"message-id\n{issue}\n{self.list_id}\n{address.casefold()}\n{salt}".encode()).hex()[:24]

    def verp_token(self, issue: str, address: str, /) -> str:
        """The token of ``address`` in the envelope sender of ``issue``'s message (see :mod:`.verp`)."""
        return verp_token(self._key, issue, address)

    @property
    def keys(self) -> tuple[bytes, ...]:
        """The secrets a token may have been made with: the current one, then the previous one (when configured)."""
        return tuple(key for key in (self._key, self._previous) if key)

    def links(self, address: str, /) -> UnsubscribeLinks:
        """The mailto and (if configured) https links for ``address``."""
        token = self.token(address)  # URL-safe base64: nothing in it to quote
        mailto = f"mailto:{self.mailbox}?subject=Unsubscribe%20{token}"
        https = preferences = ""
        if self.base_url:
            https = f"{self.base_url}{'&' if '?' in self.base_url else '?'}t={token}"
        if self.preferences_url:
            preferences = f"{self.preferences_url}?t={token}&p={self.preferences_mac(token)}"
        return UnsubscribeLinks(mailto=mailto, https=https, preferences=preferences)


def list_id_of(settings: Settings, /) -> str:
    """The list id the links were made with: ``list_id``, else ``bulletin.<domain of from>`` as sending derives it."""
    sending = settings.sending
    if sending.list_id:
        return sending.list_id
    if sending.from_:
        return "bulletin." + sending.from_.rpartition("@")[2].strip(" >").lower()  # as sending derives it (domains ignore case)
    raise ConfigError("the unsubscribe service needs [sending] list_id (or from) in the settings, as the links were made with")
