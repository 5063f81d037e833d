"""Per-recipient messages made fast: the edition is MIME-encoded once, recipients are spliced in.

Building an ``EmailMessage`` and re-encoding ~70 KB of HTML for every
recipient is far too slow for a large list. A :class:`MessageTemplate`
quoted-printable encodes the static stretches of each part once; for each
recipient only the headers that differ (To, Date, Message-ID,
List-Unsubscribe) and the placeholder values (greeting, unsubscribe link)
are encoded and joined in. In the HTML part, quoted-printable soft line
breaks (``=`` CRLF) around every spliced value keep each line valid without
re-encoding its neighbours. The text part is encoded line by line (see
:class:`.textpart.TextPart`): each line of the text edition is one line of the
message, and a line holding a placeholder is encoded whole per recipient.

No header is ever built from a string holding CR, LF or another control
character: names and subjects are cleaned, addresses are refused.
"""

from __future__ import annotations

import binascii
import hashlib
import html
import mimetypes
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr
from pathlib import Path

from ..config import check_list_id, parse_mailbox
from ..errors import ConfigError, RecipientRefused
from ..render.as_sent import EncodedHtml, content_id, with_content_ids
from ..render.languages import greeter
from ..render.renderer import Edition
from ..terminal import printable
from .dkim import DkimKey
from .languages import in_language
from .textpart import TextPart
from .unsubscribe import Unsubscribe
from .verp import verp_address

__all__ = ["DkimKey", "MessageTemplate", "OutgoingMessage", "Sender", "clean_header_text", "message_id_key"]

CRLF = b"\r\n"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def message_id_key(issue: str, /) -> str:
    """What an issue's Message-IDs start with: its identity, with what a Message-ID cannot hold made ``-``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", issue)


def clean_header_text(text: str, /) -> str:
    """``text`` with every control character (CR and LF included) turned into a space, and runs of blanks made one."""
    if text.isascii() and text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # nothing to clean (the common case, checked without a regular expression)
    return " ".join(_CONTROL.sub(" ", text).split())


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(
    rf"(?=[^@]{{1,64}}@){_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
#: an RFC 2047 encoded-word starts with this; header text holding it is always encoded, so it stays data
_ENCODED_WORD_START = "=?"
#: a display name that formataddr leaves unquoted: printable ASCII without its specials ([]\\()<>@,:;".)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")
_MAX_LINE = 998  # octets in a header line, CRLF excluded (RFC 5322)


def _check_address(address: str, what: str) -> str:
    """``address`` if it is a plain ASCII ``local@domain`` (a dot-atom and a host name), else ConfigError.

    An address holding ``=?`` is refused too: it cannot be encoded as data, and mail
    programs decode an encoded-word even where RFC 2047 forbids one.
    """
    if not address.isascii():
        raise ConfigError(f"{what} {printable(repr(address))} has non-ASCII characters, which SMTP without SMTPUTF8 cannot carry")
    if len(address) > 254 or not _PLAIN_ADDRESS.fullmatch(address) or _ENCODED_WORD_START in address:  # mail programs decode =?...?=
        raise ConfigError(f"{what} {printable(repr(address[:100]))} is not a plain email address")
    return address


def _needs_encoding(text: str) -> bool:
    """Whether header text must be RFC 2047 encoded to reach the reader as it is."""
    return not text.isascii() or _ENCODED_WORD_START in text


def _header(name: str, value: str) -> bytes:
    """One header line; values that are not plain ASCII, look like encoded-words or are too long are RFC 2047 encoded."""
    if not _needs_encoding(value) and len(name) + 2 + len(value) <= _MAX_LINE:
        return f"{name}: {value}\r\n".encode("ascii")
    return f"{name}: {_encoded_words(value)}\r\n".encode("ascii")


def _address_header(name: str, display: str, address: str) -> bytes:
    """``Name: display <address>``; the display name is encoded as data unless it is short plain ASCII."""
    display = clean_header_text(display)
    if _PLAIN_NAME.fullmatch(display) and _ENCODED_WORD_START not in display:  # what formataddr writes as it is
        line = f"{name}: {display} <{address}>" if display else f"{name}: {address}"
        if len(line) <= _MAX_LINE:
            return f"{line}\r\n".encode("ascii")
    if not _needs_encoding(display):
        line = f"{name}: {formataddr((display, address))}"
        if len(line) <= _MAX_LINE:
            return f"{line}\r\n".encode("ascii")
    return f"{name}: {_encoded_words(display)}\r\n <{address}>\r\n".encode("ascii")


def _encoded_words(text: str) -> str:
    """RFC 2047 base64 encoded-words of at most 75 characters, one per folded line.

    Whitespace between adjacent encoded-words is ignored when decoding, so the
    text comes back exactly (a character is never split across words).
    """
    words, chunk = [], ""
    for char in text:
        if len((chunk + char).encode()) > 45:  # 45 bytes -> 60 base64 chars + 12 of wrapping
            cut = chunk.rfind(" ") + 1 or len(chunk)  # prefer to end a word after a space
            words.append(chunk[:cut])
            chunk = chunk[cut:]
        chunk += char
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{binascii.b2a_base64(w.encode(), newline=False).decode()}?=" for w in words)


@dataclass(frozen=True, slots=True)
class Sender:
    """Who the bulletin is from and where replies and bounces go."""

    from_name: str
    from_address: str
    reply_to: str
    envelope_sender: str
    list_id: str
    verp: bool = False  # envelope_sender was set: each message's carries its recipient's token (bounces+TOKEN@, .verp)

    @classmethod
    def parse(cls, from_: str, /, *, mailbox: str, envelope_sender: str = "", list_id: str = "") -> Sender:
        """From ``"Name <address>"`` (or a bare address) and the team ``mailbox``; ConfigError if any is unsafe."""
        _check_address(mailbox, "the team mailbox")
        if from_:
            try:
                name, address = parse_mailbox(from_)
            except ConfigError as exc:
                raise ConfigError(f"the From address {printable(repr(from_[:100]))} {exc}") from exc
        else:
            name, address = "", mailbox
        _check_address(address, "the From address")
        domain = address.rsplit("@", 1)[1]
        list_id = list_id or f"bulletin.{domain}"
        why = check_list_id(list_id)
        if why:
            raise ConfigError(f"the list id {printable(repr(list_id[:100]))} {why}")
        return cls(
            from_name=clean_header_text(name), from_address=address, reply_to=mailbox,
            envelope_sender=_check_address(envelope_sender or address, "the envelope sender"),
            list_id=list_id, verp=bool(envelope_sender),
        )


class OutgoingMessage:
    """One message ready for a transport: envelope and RFC 5322 bytes.

    ``data`` may be given as the pieces the message is made of (``parts``),
    joined only when ``data`` is first read: an SMTP transport writes the
    pieces as they are, with no copy of 140 KB per recipient.
    """

    __slots__ = ("_data", "envelope_from", "message_id", "parts", "recipient")

    def __init__(self, envelope_from: str, recipient: str, message_id: str, data: bytes | tuple[bytes, ...]) -> None:
        self.envelope_from, self.recipient, self.message_id = envelope_from, recipient, message_id
        self.parts: tuple[bytes, ...] = (data,) if isinstance(data, bytes) else data
        self._data = data if isinstance(data, bytes) else None

    @property
    def data(self) -> bytes:
        """The whole message."""
        if self._data is None:
            self._data = b"".join(self.parts)
        return self._data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OutgoingMessage) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"OutgoingMessage({self.envelope_from!r}, {self.recipient!r}, {self.message_id!r}, <{len(self.data)} bytes>)"

    def _key(self) -> tuple[str, str, str, bytes]:
        return (self.envelope_from, self.recipient, self.message_id, self.data)


class MessageTemplate:
    """Everything of one edition's messages that is the same for every recipient.

    ``images`` maps each local image ``src`` used by the HTML to its file;
    they travel as inline parts (``cid:``) in a multipart/related; ``image_data`` holds
    the bytes of those already read (a run reads each image once).
    """

    def __init__(
        self,
        edition: Edition,
        /,
        *,
        sender: Sender,
        unsubscribe: Unsubscribe,
        images: dict[str, Path] | None = None,
        dkim: DkimKey | None = None,
        issue_id: str = "",
        image_data: Mapping[str, bytes] | None = None,
    ) -> None:
        self.sender = sender
        self.dkim = dkim
        self.unsubscribe = unsubscribe
        self.domain = sender.from_address.rsplit("@", 1)[1]
        self.key = message_id_key(issue_id or edition.issue.key)
        digest = hashlib.sha256(f"{self.key}|{sender.list_id}".encode()).hexdigest()[:12]
        self._boundary = f"=_soc_{digest}"
        images = images or {}
        data = image_data or {}  # the bytes of images already read (by src), else read here
        related = [self._image_part(path, content_id(n, digest, self.domain), data.get(src))
                   for n, (src, path) in enumerate(sorted(images.items()), 1)]
        self._text = TextPart(edition.text)
        self._greeting = greeter(edition.languages or (edition.issue.language,))
        self._language = (edition.languages or (edition.issue.language,))[0]
        self._html = EncodedHtml(with_content_ids(edition.html, images, digest, self.domain))
        #: the HTML part's bytes as sent, with the longest values a recipient is given (Gmail clips over 102 KB)
        self.html_bytes = self._html.size()
        self._static_headers = b"".join([
            _address_header("From", sender.from_name, sender.from_address),
            _header("Reply-To", sender.reply_to),
            _header("Subject", clean_header_text(edition.subject)),
            _header("List-Id", f"<{sender.list_id}>"),
            b"MIME-Version: 1.0\r\n",
            f'Content-Type: multipart/alternative; boundary="{self._boundary}a"\r\n'.encode(),
        ])
        self._one_click = unsubscribe.base_url.lower().startswith("https://")  # RFC 8058: one-click only with an https URI
        boundary = self._boundary
        qp_headers = b"Content-Type: text/%s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        self._text_head = CRLF + f"--{boundary}a\r\n".encode() + qp_headers % b"plain"
        self._html_head = CRLF + f"--{boundary}a\r\n".encode()
        self._tail = CRLF
        if related:
            self._html_head += f'Content-Type: multipart/related; type="text/html"; boundary="{boundary}r"\r\n\r\n--{boundary}r\r\n'.encode()
            self._tail += b"".join(f"--{boundary}r\r\n".encode() + part for part in related)
            self._tail += f"--{boundary}r--\r\n".encode()
        self._html_head += qp_headers % b"html"
        self._tail += f"--{boundary}a--\r\n".encode()
        self._date_cache = (0, b"")

    def _image_part(self, path: Path, cid: str, data: bytes | None = None) -> bytes:
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = binascii.b2a_base64(path.read_bytes() if data is None else data, newline=False)
        lines = CRLF.join(body[i : i + 76] for i in range(0, len(body), 76))
        return (
            f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
            f'Content-ID: <{cid}>\r\nContent-Disposition: inline; filename="{re.sub(r"[^A-Za-z0-9._-]", "_", path.name)}"\r\n\r\n'
        ).encode() + lines + CRLF

    #: mixed into Message-IDs; a proof copy sets it so it never shares a real message's ID
    id_salt: str = ""

    def message_id(self, address: str, /) -> str:
        """The Message-ID of this issue for ``address``: the same on every retry."""
        return f"<{self.key}.{self.unsubscribe.message_digest(self.key, address, self.id_salt)}@{self.domain}>"

    def _date(self) -> bytes:
        now = int(time.time())
        if self._date_cache[0] != now:
            stamp = format_datetime(datetime.fromtimestamp(now, UTC))  # "+0000": RFC 5322 (the zone "GMT" is obsolete)
            self._date_cache = (now, f"Date: {stamp}\r\n".encode())
        return self._date_cache[1]

    def build(self, address: str, name: str = "", /) -> OutgoingMessage:
        """The message for one recipient; RecipientRefused when the address cannot be carried."""
        try:
            _check_address(address, "the recipient address")
        except ConfigError as exc:
            raise RecipientRefused(str(exc), recipient=address) from exc
        name = clean_header_text(name)
        links = self.unsubscribe.links(address)
        message_id = self.message_id(address)
        greeting = self._greeting(name)
        if links.https:
            list_unsubscribe = f"List-Unsubscribe: <{links.https}>,\r\n <{links.mailto}>\r\n"
        else:
            list_unsubscribe = f"List-Unsubscribe: <{links.mailto}>\r\n"
        headers = [
            _address_header("To", name, address),
            self._date(),
            f"Message-ID: {message_id}\r\n{list_unsubscribe}".encode("ascii"),
        ]
        if self._one_click:
            headers.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
        unsubscribe_url = in_language(links.preferred, self._language)
        text = self._text.chunks({"greeting": greeting, "unsubscribe_url": unsubscribe_url, "preferences_url": links.preferences})
        body_html = self._html.chunks({"greeting": html.escape(greeting), "unsubscribe_url": html.escape(unsubscribe_url),
                                       "preferences_url": html.escape(links.preferences)})
        parts = _coalesce([self._static_headers, *headers, self._text_head, *text, self._html_head, *body_html, self._tail])
        if self.dkim is not None:
            data = b"".join(parts)
            parts = (self.dkim.sign(data), data)
        envelope = verp_address(self.sender.envelope_sender, self.unsubscribe.verp_token(self.key, address)) if self.sender.verp else None
        return OutgoingMessage(envelope or self.sender.envelope_sender, address, message_id, parts)


def _coalesce(pieces: list[bytes]) -> tuple[bytes, ...]:
    """``pieces`` with each run of small ones joined: a few parts to write, and the large static ones never copied."""
    out: list[bytes] = []
    run: list[bytes] = []
    for piece in pieces:
        if len(piece) < 4096:
            run.append(piece)
            continue
        if run:
            out.append(b"".join(run))
            run = []
        out.append(piece)
    if run:
        out.append(b"".join(run))
    return tuple(out)
