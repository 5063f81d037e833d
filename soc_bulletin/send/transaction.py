"""An SMTP connection after its greeting, TLS and login: each message's MAIL, RCPT and DATA, RSET and QUIT.

aiosmtplib opens the connection (TCP, implicit TLS or STARTTLS, EHLO, AUTH),
all through its public API; then :meth:`Connection.take` takes the
connection's transport for good (``transport.set_protocol``, asyncio's
public API) and this small protocol speaks on it from then on. It reads
replies as RFC 5321 writes them, several in a row, so that when the server
offers PIPELINING (RFC 2920) MAIL, RCPT and DATA go out in one write and
their replies are read in order: two round trips per message instead of
four. Without PIPELINING the commands go one at a time. A refusal raises
aiosmtplib's public exception of its stage (``SMTPSenderRefused``,
``SMTPRecipientRefused``, ``SMTPDataError``...), so what follows (retry,
give up on the recipient, stop) is decided in one place (transports.py).

The message's bytes go out as they are, in the parts it was built from:
:class:`MessageTemplate` output has CRLF line ends and no line starting with
a dot, so it needs neither re-normalising nor dot-stuffing.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable
from typing import cast

import aiosmtplib

from .message import OutgoingMessage

__all__ = ["Connection", "StaleConnection"]

_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
_INVALID = -1  # the code aiosmtplib gives a reply that cannot be read (SMTPStatus.invalid_response)
MAX_LINE = 8192  # a reply line longer than this is refused (RFC 5321 asks for 512; servers' EHLO lines run longer)
MAX_REPLY = 4 * MAX_LINE  # a whole reply, continuation lines and all: bounds what a misbehaving server can make us hold


class StaleConnection(aiosmtplib.SMTPServerDisconnected):
    """The connection was closed before the transaction began: nothing was sent."""


class Connection(asyncio.Protocol):
    """One SMTP connection, ours from the end of its login: transactions, RSET and QUIT, one at a time.

    Replies that arrive while no command is waiting (a relay's "421 idle
    timeout") are dropped before the next command, so they are never taken
    for its answer.
    """

    def __init__(self, transport: asyncio.WriteTransport, /, *, timeout: float | None, pipelining: bool) -> None:
        self.transport, self.timeout, self.pipelining = transport, timeout, pipelining
        self._buffer = bytearray()
        self._replies: deque[aiosmtplib.SMTPResponse] = deque()
        self._failure: Exception | None = None  # the connection ended, or a reply could not be read
        self._waiter: asyncio.Future[None] | None = None

    @classmethod
    async def take(cls, client: aiosmtplib.SMTP, /) -> Connection:
        """The connection ``client`` opened (EHLO sent first if it was not yet), now spoken on by a Connection."""
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()
        transport = cast("asyncio.WriteTransport | None", client.transport)  # uvloop's do not register as one
        if transport is None or transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        connection = cls(transport, timeout=client.timeout, pipelining=client.supports_extension("pipelining"))
        transport.set_protocol(connection)
        return connection

    @property
    def usable(self) -> bool:
        """Neither closed nor out of step."""
        return self._failure is None and not self.transport.is_closing()

    async def transaction(self, message: OutgoingMessage, /) -> str:
        """Send ``message``; the server's acceptance, or the aiosmtplib error of the refusal.

        StaleConnection when the connection turns out closed before the server
        answered MAIL (a relay closes idle connections): the message was not sent.
        """
        mail = b"MAIL FROM:<" + message.envelope_from.encode() + b">"
        rcpt = b"RCPT TO:<" + message.recipient.encode() + b">"
        if _CONTROL.search(mail) or _CONTROL.search(rcpt):  # a command that could smuggle in another
            raise ValueError("Command arg contains a prohibited control character")
        if not self.usable:
            raise StaleConnection(str(self._failure or "Connection lost"))
        self._forget_unasked()
        steps: tuple[tuple[bytes, tuple[int, ...], Callable[[aiosmtplib.SMTPResponse], aiosmtplib.SMTPResponseException]], ...] = (
            (mail, (250,), lambda r: aiosmtplib.SMTPSenderRefused(r.code, r.message, message.envelope_from)),
            (rcpt, (250, 251), lambda r: aiosmtplib.SMTPRecipientRefused(r.code, r.message, message.recipient)),
            (b"DATA", (354,), lambda r: aiosmtplib.SMTPDataError(r.code, r.message)),
        )
        if self.pipelining:
            self.transport.write(b"".join(command + b"\r\n" for command, _, _ in steps))
        for index, (command, accepted, refusal) in enumerate(steps):
            if not self.pipelining:
                self.transport.write(command + b"\r\n")
            reply = await (self._first() if index == 0 else self._next())
            if reply.code not in accepted:
                if self.pipelining and reply.code >= 500 and index < len(steps) - 1:  # kept: read what the rest got first
                    await self._settle(len(steps) - 1 - index)
                raise refusal(reply)
        self.transport.writelines((*message.parts, b".\r\n"))  # on uvloop one system call, the parts never joined
        reply = await self._next()
        if reply.code != 250:
            raise aiosmtplib.SMTPDataError(reply.code, reply.message)
        return f"{reply.code} {reply.message}"

    async def rset(self) -> bool:
        """RSET after a refused transaction; False when the connection is no longer usable (then it is closed)."""
        try:
            if self.usable:
                self._forget_unasked()
                self.transport.write(b"RSET\r\n")
                if (await self._next()).code == 250:
                    return True
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            pass
        self.close()
        return False

    async def quit(self) -> None:
        """QUIT and close; a server that does not answer in time is simply left."""
        try:
            if self.usable:
                self._forget_unasked()
                self.transport.write(b"QUIT\r\n")
                await self._next()
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        self._failure = self._failure or aiosmtplib.SMTPServerDisconnected("Connection closed")
        self.transport.close()

    async def _settle(self, count: int) -> None:
        """Read the replies to the ``count`` commands after a refused one; a DATA the server took anyway gets an empty message.

        Whatever fails here closes the connection, so it is never reused out of step.
        """
        try:
            for _ in range(count):
                reply = await self._next()
            if reply.code == 354:  # RFC 2920: DATA accepted although nobody could be sent to; end it at once
                self.transport.write(b".\r\n")
                await self._next()
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            self.close()

    # -- reading replies ---------------------------------------------------------------------------------

    def _forget_unasked(self) -> None:
        """Drop what the server said while nobody asked (a reply read now would be taken for the next command's)."""
        self._replies.clear()
        self._buffer.clear()

    async def _first(self) -> aiosmtplib.SMTPResponse:
        """The reply to MAIL; StaleConnection when the connection had closed before it came."""
        try:
            return await self._next()
        except aiosmtplib.SMTPServerDisconnected as exc:
            raise StaleConnection(str(exc)) from exc

    async def _next(self) -> aiosmtplib.SMTPResponse:
        """The next reply, within ``timeout`` for each (aiosmtplib's errors otherwise)."""
        if not self._replies and self._failure is None:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(self.timeout, self._time_out) if self.timeout is not None else None
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
        if not self._replies and self._failure is None:  # out of step from here on: never reused
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
            if len(self._buffer) > MAX_REPLY:
                raise aiosmtplib.SMTPResponseException(_INVALID, "Response too long")
            while (reply := take_reply(self._buffer)) is not None:
                self._replies.append(reply)
        except aiosmtplib.SMTPResponseException as exc:
            self._buffer.clear()
            self._failure = exc
        if self._replies or self._failure is not None:  # a reply in pieces wakes nobody until it is whole
            self._wake()

    def eof_received(self) -> bool | None:
        self._failure = self._failure or aiosmtplib.SMTPServerDisconnected("Unexpected EOF received")
        self._wake()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        if self._failure is None:
            self._failure = aiosmtplib.SMTPServerDisconnected("Connection lost")
            self._failure.__cause__ = exc
        self._wake()


def take_reply(buffer: bytearray, /) -> aiosmtplib.SMTPResponse | None:
    """The first complete reply in ``buffer``, taken out of it (None until there is one).

    RFC 5321 4.2: lines ``NNN-text`` continue a reply, ``NNN text`` (or ``NNN``) ends it; the texts are joined by
    newlines. A line without a three-digit code, or longer than :data:`MAX_LINE`, is an SMTPResponseException.
    """
    code, text, offset = -1, bytearray(), 0
    while (end := buffer.find(b"\n", offset)) != -1:
        line = bytes(buffer[offset : end + 1])
        if len(line) > MAX_LINE:
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
