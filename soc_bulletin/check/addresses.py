"""Email addresses: syntax and normal form with email-validator, DNS only on request.

email-validator keeps the part before the @-sign as written (mailboxes may
be case-sensitive) and lower-cases the domain, so ``Corrina.Griffiths@...``
is already normal and only a domain in capitals or stray spaces are
reported as not normalised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from email_validator import EmailNotValidError, EmailUndeliverableError, caching_resolver, validate_email

from .codes import Verdict
from .links import mixed_script

__all__ = ["AddressChecker", "address_attempts"]


class AddressChecker:
    """Judges addresses; remembers each verdict, so an address repeated in an issue costs once.

    With ``deliverability`` each domain is also looked up in the DNS
    (through one caching resolver for the whole run).
    """

    def __init__(self, *, deliverability: bool = False, resolver: Any = None) -> None:
        self.deliverability = deliverability
        self._resolver: Any = resolver  # None: email-validator's caching resolver over the system's DNS
        self._cache: dict[str, tuple[str, Verdict | None]] = {}

    def check(self, address: str, /, *, what: str = "address") -> list[Verdict]:
        """Problems of ``address``: invalid (SB101), not normalised (SB102), undeliverable (SB103), look-alike domain (SB105)."""
        verdicts = []
        stripped = address.strip()
        if stripped != address:
            verdicts.append(Verdict("SB102", f"The {what} '{address}' has spaces around it; write '{stripped}'."))
        if not stripped:
            return [Verdict("SB101", f"The {what} is empty; write an email address such as name@example.org.")]
        normalised, verdict = self._validate(stripped)
        if verdict is not None:
            message = verdict.message.format(what=what, address=stripped)
            return [*verdicts, Verdict(verdict.code, message, verdict.warning)]
        domain = stripped.rpartition("@")[2]
        if mixed := mixed_script(domain):
            return [*verdicts, Verdict("SB105", f"The {what} '{stripped}' has the domain '{domain}', {mixed}; write the address with the letters of the real domain.")]
        if normalised != stripped:
            verdicts.append(Verdict("SB102", f"The {what} '{stripped}' is not in its normal form; write '{normalised}'."))
        return verdicts

    def _validate(self, address: str) -> tuple[str, Verdict | None]:
        cached = self._cache.get(address)
        if cached is None:
            cached = self._cache[address] = self._run(address)
        return cached

    def _run(self, address: str) -> tuple[str, Verdict | None]:
        try:
            if self.deliverability:
                if self._resolver is None:
                    self._resolver = caching_resolver(timeout=10)
                result = validate_email(address, check_deliverability=True, dns_resolver=self._resolver)
            else:
                result = validate_email(address, check_deliverability=False)
        except EmailUndeliverableError as exc:
            return address, Verdict("SB103", "The {what} '{address}' cannot receive email: " + _braces(str(exc)))
        except EmailNotValidError as exc:
            return address, Verdict("SB101", "The {what} '{address}' is not valid: " + _braces(str(exc)))
        return result.normalized, None


def _braces(text: str) -> str:
    """``text`` safe inside a str.format template."""
    return text.replace("{", "{{").replace("}", "}}")


#: What Markdown (markdown-it) makes a link of in ``<...>``; anything else with an @ in brackets shows as literal text.
_AUTOLINK_EMAIL = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"
)
_ATTEMPT = re.compile(r"<(?P<angle>[^<>\s]*@[^<>\s]*)>|(?P<bare>[^\s<>()\[\]\"'`,;:@]+@+[^\s<>()\[\]\"'`,;]*\.[^\s<>()\[\]\"'`,;]+)")
_LINKED = re.compile(r"\]\([^)]*\)|<[a-zA-Z][a-zA-Z0-9+.-]*:[^<>\s]*>|`[^`]*`")


def address_attempts(text: str, /) -> Iterator[tuple[int, str, bool]]:
    """Addresses written in Markdown ``text`` that Markdown does not turn into links.

    Yields ``(offset, address, in_brackets)``: an ``<...@...>`` that is not a
    valid autolink (shown as literal text), or a bare word with an @-sign;
    link targets and code spans are left out. The caller judges each one.
    """
    skip = [found.span() for found in _LINKED.finditer(text)]
    for found in _ATTEMPT.finditer(text):
        if any(start <= found.start() < end for start, end in skip):
            continue
        if found["angle"] is not None:
            if not _AUTOLINK_EMAIL.fullmatch(found["angle"]):
                yield found.start("angle"), found["angle"], True
        else:
            yield found.start("bare"), found["bare"].rstrip("."), False
