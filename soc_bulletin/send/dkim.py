"""DKIM signing of outgoing messages, with a key proven to verify before anything is sent."""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from ..errors import SenderFailure

__all__ = ["DkimKey"]


@dataclass(frozen=True, slots=True)
class DkimKey:
    """A DKIM signing key: ``selector._domainkey.domain`` publishes its public half."""

    selector: str
    domain: str
    private_key: bytes

    SIGNED_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"list-id",
                      b"list-unsubscribe", b"list-unsubscribe-post", b"mime-version", b"content-type")

    def sign(self, data: bytes, /) -> bytes:
        """The ``DKIM-Signature`` header line for ``data``."""
        import dkim  # imported only when signing is configured

        try:
            return bytes(dkim.sign(data, self.selector.encode(), self.domain.encode(), self.private_key,
                                   include_headers=list(self.SIGNED_HEADERS), linesep=b"\r\n"))
        except (dkim.DKIMException, ValueError, TypeError, IndexError) as exc:
            raise SenderFailure(f"DKIM signing with the key of selector {self.selector!r} failed: {' '.join(str(exc).split())}") from exc

    def probe(self) -> None:
        """Sign a probe message and verify it against this key's own public half; SenderFailure if it fails.

        Catches a public key, a damaged key or garbage before any recipient is claimed.
        """
        import dkim  # imported only when signing is configured
        from dkim import crypto

        try:
            private = crypto.parse_pem_private_key(self.private_key)
        except (crypto.UnparsableKeyError, ValueError, TypeError, IndexError) as exc:
            raise SenderFailure(f"not an RSA private key in PEM format ({' '.join(str(exc).split())})") from exc
        public = _der_sequence(_der_integer(private["modulus"]), _der_integer(private["publicExponent"]))
        record = b"v=DKIM1; k=rsa; p=" + binascii.b2a_base64(public, newline=False)
        probe = (f"From: <probe@{self.domain}>\r\nTo: <probe@{self.domain}>\r\nSubject: probe\r\n"
                 "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\nMessage-ID: <probe@soc-bulletin>\r\n\r\nprobe\r\n").encode()
        signed = self.sign(probe) + probe
        try:
            verified = dkim.verify(signed, dnsfunc=lambda name, timeout=5: record)
        except (dkim.DKIMException, ValueError, TypeError, IndexError) as exc:
            raise SenderFailure(f"a probe signature does not verify ({' '.join(str(exc).split())})") from exc
        if not verified:
            raise SenderFailure("a probe signature does not verify against the key's public half")


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # a leading zero keeps it positive
    return b"\x02" + _der_length(len(body)) + body


def _der_sequence(*parts: bytes) -> bytes:
    body = b"".join(parts)
    return b"\x30" + _der_length(len(body)) + body


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw
