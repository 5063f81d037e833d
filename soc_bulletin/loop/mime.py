"""Reading received mail tolerantly: parts as text, addresses, header blocks, the returned message.

Bounces are written by every kind of mail server, many of them broken; nothing
here raises on a malformed message except :func:`parse`, for bytes that hold no
message at all.
"""

from __future__ import annotations

import email
import email.header
import html
import re
from collections.abc import Iterator
from email import policy
from email.message import Message

__all__ = [
    "ADDRESS", "EXCHANGE_FORM", "Unreadable", "addresses_in", "clean_address", "decoded_header", "field_blocks", "header_addresses",
    "own_parts", "parse", "part_text", "returned_headers", "text_parts",
]

#: an email address inside text: a dot-atom or quoted local part, and a domain with a dot
ADDRESS = re.compile(
    r"""(?<![\w.+=/-])("[^"\r\n]{1,64}"|[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*\.?)"""
    r"""@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-])"""
)
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_RETURNED = ("message/rfc822", "text/rfc822-headers", "text/rfc822-header", "message/rfc822-headers", "message/global",
             "message/global-headers")


class Unreadable(ValueError):
    """Bytes that hold no mail message (no header fields at all)."""


def parse(raw: bytes, /) -> Message:
    """The message in ``raw``; Unreadable when it has no header fields at all."""
    if not raw.strip():
        raise Unreadable("the message is empty")
    head = raw[:4096].replace(b"\r\n", b"\n")
    if not re.match(rb"(From [^\n]*\n)?[!-9;-~]+:", head):
        raise Unreadable("the message does not start with mail header fields")
    try:
        message = email.message_from_bytes(raw, policy=policy.compat32)
    except Exception as exc:  # the parser is meant never to raise; a bug in it must not stop a scan
        raise Unreadable(f"the message cannot be parsed ({type(exc).__name__})") from exc
    if not message.keys():
        raise Unreadable("the message has no header fields")
    return message


def decoded_header(message: Message, name: str, /) -> str:
    """A header's value with RFC 2047 encoded-words decoded; empty when missing or undecodable."""
    value = message.get(name)
    if value is None:
        return ""
    try:
        parts = email.header.decode_header(value if isinstance(value, email.header.Header) else str(value))
        text = "".join(_decode(p, c if c and c != "unknown-8bit" else "utf-8") if isinstance(p, bytes) else p for p, c in parts)
    except (LookupError, ValueError, TypeError):
        text = str(value)
    return " ".join(text.split())


#: Exchange's way of writing an SMTP address among its other kinds (``dda:SMTP=jo@example.net``, ``SMTP:jo@...``)
EXCHANGE_FORM = re.compile(r"\b(?:dda:)?smtp[=:](?=[^\s@]+@)", re.I)


def clean_address(text: str, /) -> str:
    """``user@example.org`` from forms such as ``rfc822; <User@Example.org>`` or ``"x" <a@b>``; empty if none."""
    found = next((f for f in ADDRESS.finditer(EXCHANGE_FORM.sub("", text.replace("\\", ""))) if "**" not in f[1]), None)
    if not found:
        return ""
    local = found[1].rstrip(".") if not found[1].startswith('"') else found[1]
    return f"{local}@{found[2].rstrip('.')}"


def addresses_in(text: str, /) -> list[str]:
    """Every address in ``text``, in order of first appearance, case kept."""
    seen: dict[str, str] = {}
    for found in ADDRESS.finditer(EXCHANGE_FORM.sub("", text)):
        if "**" in found[1]:  # a masked address (j*****@example.net) names nobody
            continue
        address = f"{found[1].rstrip('.') if not found[1].startswith(chr(34)) else found[1]}@{found[2]}"
        seen.setdefault(address.casefold(), address)
    return list(seen.values())


def header_addresses(message: Message | None, *names: str) -> list[str]:
    """The addresses in the named header fields of ``message``."""
    if message is None:
        return []
    found: list[str] = []
    for name in names:
        for value in message.get_all(name) or []:
            found += addresses_in(str(value))
    return found


def part_text(part: Message, /) -> str:
    """A leaf part's content as text: transfer encoding undone, charset decoded, HTML reduced to text."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a broken encoding yields the raw text below
        payload = None
    if payload is None:
        raw = part.get_payload()
        text = raw if isinstance(raw, str) else ""
    else:
        assert isinstance(payload, bytes)
        text = _decode(payload, part.get_content_charset() or "utf-8")
    if part.get_content_subtype() == "html":
        text = html.unescape(_TAGS.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text)))
    return text.replace("\r\n", "\n")


def _decode(data: bytes, charset: str) -> str:
    """``data`` in its declared charset; in UTF-8 when it is not that (mail is often re-encoded on the way)."""
    for candidate, errors in ((charset, "strict"), ("utf-8", "strict"), (charset, "replace")):
        try:
            return data.decode(candidate, errors)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def text_parts(message: Message, /) -> Iterator[Message]:
    """The text parts of ``message`` outside any returned message, plain text first in each alternative."""
    if message.is_multipart():
        payload = [p for p in message.get_payload() if isinstance(p, Message)]
        if message.get_content_subtype() == "alternative":
            plain = [p for p in payload if p.get_content_type() == "text/plain"]
            payload = plain[:1] or payload[:1]
        for part in payload:
            if part.get_content_type() not in _RETURNED and part.get_content_type() != "message/delivery-status":
                yield from text_parts(part)
    elif message.get_content_maintype() in ("text", "multipart") and message.get_content_type() not in _RETURNED:
        yield message  # a multipart whose boundary was lost is text too


def own_parts(message: Message, /) -> Iterator[Message]:
    """Every part of ``message`` except what is inside an attached message (a returned copy, a forwarded bounce)."""
    yield message
    if message.get_content_maintype() == "message" or not message.is_multipart():
        return
    for part in message.get_payload():
        if isinstance(part, Message):
            yield from own_parts(part)


def returned_headers(message: Message, /) -> Message | None:
    """The header of the returned (bounced or reported) message when it is attached as a part, else None."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
            if isinstance(payload, str) and payload.strip():
                return email.message_from_string(payload.lstrip(), policy=policy.compat32)
        elif kind in _RETURNED:
            return email.message_from_string(part_text(part).lstrip(), policy=policy.compat32)
    return None


def field_blocks(text: str, /) -> list[list[tuple[str, str]]]:
    """``Name: value`` fields (continuation lines joined) in blocks separated by blank lines."""
    blocks: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
        elif line[:1] in " \t" and current:
            name, value = current[-1]
            current[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            current.append((name.strip().casefold(), value.strip()))
    if current:
        blocks.append(current)
    return blocks
