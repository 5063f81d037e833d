"""One message's SMTP transaction on a connection that aiosmtplib opened: MAIL, RCPT, DATA, the message.

aiosmtplib reads one reply per command it writes. For the length of a
transaction a small reader (:class:`_Replies`) stands in for its protocol,
so that when the server offers PIPELINING (RFC 2920) MAIL, RCPT and DATA go
out in one write and their replies are read in order: two round trips per
message instead of four. Without PIPELINING the commands go one at a time.
Either way replies are parsed as aiosmtplib parses them, and a refusal
raises the aiosmtplib exception of its stage, so what follows (retry, give
up on the recipient, stop) is decided exactly as before (see transports.py).

The message's bytes go out as they are, in the parts it was built from:
:class:`MessageTemplate` output has CRLF line ends and no line starting with
a dot, so it needs neither aiosmtplib's re-normalising nor dot-stuffing.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable
from typing import cast

import aiosmtplib
from aiosmtplib.protocol import MAX_LINE_LENGTH, MAX_RESPONSE_LENGTH, SMTPProtocol

from .message import OutgoingMessage

__all__ = ["StaleConnection", "transaction"]

_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
_INVALID = aiosmtplib.SMTPStatus.invalid_response.value


class StaleConnection(aiosmtplib.SMTPServerDisconnected):
    """The connection was closed before the transaction began: nothing was sent."""


async def transaction(client: aiosmtplib.SMTP, message: OutgoingMessage, /) -> str:
    """Send ``message`` on ``client``'s connection; the server's acceptance, or the aiosmtplib error of the refusal.

    StaleConnection when the connection turns out closed before the server
    answered MAIL (a relay closes idle connections): the message was not sent.
    """
    mail = b"MAIL FROM:<" + message.envelope_from.encode() + b">"
    rcpt = b"RCPT TO:<" + message.recipient.encode() + b">"
    if _CONTROL.search(mail) or _CONTROL.search(rcpt):  # as aiosmtplib refuses a command that could smuggle in another
        raise ValueError("Command arg contains a prohibited control character")
    try:
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()
        protocol = client.protocol
        transport = cast("asyncio.WriteTransport | None", protocol and protocol.transport)  # uvloop's do not register as one
        if protocol is None or protocol._command_lock is None or transport is None or transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        lock = protocol._command_lock
        await lock.acquire()
    except aiosmtplib.SMTPServerDisconnected as exc:
        raise StaleConnection(str(exc)) from exc
    replies = _Replies(protocol, client.timeout)
    transport.set_protocol(replies)
    try:
        return await _commands(transport, replies, message, mail, rcpt, pipelined=client.supports_extension("pipelining"))
    finally:
        transport.set_protocol(protocol)
        lock.release()


async def _commands(
    transport: asyncio.WriteTransport, replies: _Replies, message: OutgoingMessage, mail: bytes, rcpt: bytes, *, pipelined: bool,
) -> str:
    """MAIL, RCPT and DATA (in one write when ``pipelined``), each reply judged in order, then the message."""
    steps: tuple[tuple[bytes, tuple[int, ...], Callable[[aiosmtplib.SMTPResponse], aiosmtplib.SMTPResponseException]], ...] = (
        (mail, (250,), lambda r: aiosmtplib.SMTPSenderRefused(r.code, r.message, message.envelope_from)),
        (rcpt, (250, 251), lambda r: aiosmtplib.SMTPRecipientRefused(r.code, r.message, message.recipient)),
        (b"DATA", (354,), lambda r: aiosmtplib.SMTPDataError(r.code, r.message)),
    )
    if pipelined:
        transport.write(b"".join(command + b"\r\n" for command, _, _ in steps))
    for index, (command, accepted, refusal) in enumerate(steps):
        if not pipelined:
            transport.write(command + b"\r\n")
        reply = await (replies.first() if index == 0 else replies.next())
        if reply.code not in accepted:
            if pipelined and reply.code >= 500 and index < len(steps) - 1:  # the connection is kept: read what the rest got first
                await _settle(transport, replies, len(steps) - 1 - index)
            raise refusal(reply)
    return await _content(transport, replies, message)


async def _content(transport: asyncio.WriteTransport, replies: _Replies, message: OutgoingMessage) -> str:
    transport.writelines((*message.parts, b".\r\n"))  # on uvloop one system call, the parts never copied into one buffer
    reply = await replies.next()
    if reply.code != 250:
        raise aiosmtplib.SMTPDataError(reply.code, reply.message)
    return f"{reply.code} {reply.message}"


async def _settle(transport: asyncio.WriteTransport, replies: _Replies, count: int) -> None:
    """Read the replies to the ``count`` commands after a refused one; a DATA the server took anyway gets an empty message.

    Whatever fails here closes the connection, so it is never reused out of step.
    """
    try:
        for _ in range(count):
            reply = await replies.next()
        if reply.code == 354:  # RFC 2920: DATA accepted although nobody could be sent to; end it at once
            transport.write(b".\r\n")
            await replies.next()
    except (TimeoutError, aiosmtplib.SMTPException, OSError):
        transport.close()


class _Replies(asyncio.Protocol):
    """The connection's protocol during a transaction: reads replies, several in a row, as aiosmtplib reads one.

    What happens to the connection meanwhile (closed, end of input, writes
    paused) is passed on to aiosmtplib's protocol, which stays its owner.
    """

    def __init__(self, owner: SMTPProtocol, timeout: float | None) -> None:
        self._owner, self._timeout = owner, timeout
        self._buffer = bytearray()
        self._replies: deque[aiosmtplib.SMTPResponse] = deque()
        self._failure: Exception | None = None  # the connection ended, or a reply could not be read
        self._waiter: asyncio.Future[None] | None = None

    async def first(self) -> aiosmtplib.SMTPResponse:
        """The reply to MAIL; StaleConnection when the connection had closed before it came."""
        try:
            return await self.next()
        except aiosmtplib.SMTPServerDisconnected as exc:
            raise StaleConnection(str(exc)) from exc

    async def next(self) -> aiosmtplib.SMTPResponse:
        """The next reply, within the client's timeout for each (aiosmtplib's errors otherwise)."""
        if not self._replies and self._failure is None:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(self._timeout, self._time_out) if self._timeout is not None else None
            try:
                while not self._replies and self._failure is None:
                    self._waiter = loop.create_future()
                    await self._waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        if self._replies:
            return self._replies.popleft()
        assert self._failure is not None
        raise self._failure

    def _time_out(self) -> None:
        if not self._replies and self._failure is None:  # the connection is out of step from here on, as aiosmtplib's would be
            self._failure = aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response")
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self._failure is not None:
            return
        self._buffer += data
        try:
            if len(self._buffer) > MAX_RESPONSE_LENGTH:
                raise aiosmtplib.SMTPResponseException(_INVALID, "Response too long")
            while (reply := _take_reply(self._buffer)) is not None:
                self._replies.append(reply)
        except aiosmtplib.SMTPResponseException as exc:
            self._buffer.clear()
            self._failure = exc
        if self._replies or self._failure is not None:  # a reply in pieces wakes nobody until it is whole
            self._wake()

    def eof_received(self) -> bool | None:
        self._failure = self._failure or aiosmtplib.SMTPServerDisconnected("Unexpected EOF received")
        self._wake()
        return self._owner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._failure is None:
            self._failure = aiosmtplib.SMTPServerDisconnected("Connection lost")
            self._failure.__cause__ = exc
        self._wake()
        self._owner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._owner.pause_writing()

    def resume_writing(self) -> None:
        self._owner.resume_writing()


def _take_reply(buffer: bytearray) -> aiosmtplib.SMTPResponse | None:
    """The first complete reply in ``buffer``, taken out of it (None until there is one), parsed as aiosmtplib does."""
    code, text, offset = -1, bytearray(), 0
    while (end := buffer.find(b"\n", offset)) != -1:
        line = bytes(buffer[offset : end + 1])
        if len(line) > MAX_LINE_LENGTH:
            raise aiosmtplib.SMTPResponseException(_INVALID, "Response too long")
        try:
            code = int(line[:3])
        except ValueError:
            raise aiosmtplib.SMTPResponseException(
                _INVALID, f"Malformed SMTP response line: {line.decode('utf-8', errors='ignore')}") from None
        offset = end + 1
        if text:
            text += b"\n"
        text += line[4:].strip(b" \t\r\n")
        if line[3:4] != b"-":
            del buffer[:offset]
            return aiosmtplib.SMTPResponse(code, bytes(text).decode("utf-8", "surrogateescape"))
    return None
