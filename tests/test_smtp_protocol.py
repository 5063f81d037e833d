"""The project's SMTP protocol after the login (send/transaction.py), against scripted servers on 127.0.0.1.

Each server is a real TCP server that answers with the bytes a test gives it,
in the pieces and at the moments it says, and records what it was sent; the
tests of whole sends against aiosmtpd are in test_send_fast.py.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosmtplib
import pytest

from soc_bulletin.send.message import OutgoingMessage
from soc_bulletin.send.runner import run
from soc_bulletin.send.transaction import MAX_LINE, Connection, StaleConnection, take_reply

REPO = Path(__file__).resolve().parent.parent

def message(recipient: str = "to@example.org") -> OutgoingMessage:
    body = (b"From: a@example.org\r\n", b"To: " + recipient.encode() + b"\r\n", b"Subject: x\r\n\r\nHello.\r\n")
    return OutgoingMessage("bounces@example.org", recipient, "<1@example.org>", body)


@asynccontextmanager
async def scripted(script: Callable[[asyncio.StreamReader, asyncio.StreamWriter], object], *, pipelining: bool = True,
                   reply_timeout: float = 2.0) -> AsyncIterator[Connection]:
    """A Connection to a server on 127.0.0.1 that runs ``script`` (a coroutine function of reader and writer)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await script(reader, writer)  # type: ignore[misc]
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, _ = await asyncio.get_running_loop().create_connection(asyncio.Protocol, "127.0.0.1", port)
    connection = Connection(transport, timeout=reply_timeout, pipelining=pipelining)
    transport.set_protocol(connection)
    try:
        yield connection
    finally:
        connection.close()
        server.close()
        await server.wait_closed()


async def read_until(reader: asyncio.StreamReader, end: bytes) -> bytes:
    return await reader.readuntil(end)


def test_pipelined_commands_go_in_one_write_and_replies_in_pieces_are_read_in_order() -> None:
    seen: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_until(reader, b"DATA\r\n"))
        for piece in (b"25", b"0 2.1.0 Ok\r\n250-first\r\n", b"250 second\r\n354 go ahead\r\n"):
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.02)  # each piece arrives on its own
        seen.append(await read_until(reader, b"\r\n.\r\n"))
        writer.write(b"250 2.0.0 Queued as 12\r\n")
        await reader.read()

    async def send() -> str:
        async with scripted(script) as connection:
            return await connection.transaction(message())

    assert run(send()) == "250 2.0.0 Queued as 12"
    assert seen[0] == b"MAIL FROM:<bounces@example.org>\r\nRCPT TO:<to@example.org>\r\nDATA\r\n"
    assert seen[1] == b"From: a@example.org\r\nTo: to@example.org\r\nSubject: x\r\n\r\nHello.\r\n.\r\n"


def test_without_pipelining_each_command_waits_for_its_reply() -> None:
    seen: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for reply in (b"250 ok\r\n", b"250 ok\r\n", b"354 go\r\n"):
            seen.append(await read_until(reader, b"\r\n"))
            with pytest.raises(TimeoutError):  # no command comes before the reply to the one before
                await asyncio.wait_for(read_until(reader, b"\r\n"), 0.05)
            writer.write(reply)
        await read_until(reader, b"\r\n.\r\n")
        writer.write(b"250 done\r\n")
        await reader.read()

    async def send() -> str:
        async with scripted(script, pipelining=False) as connection:
            return await connection.transaction(message())

    assert run(send()) == "250 done"
    assert seen == [b"MAIL FROM:<bounces@example.org>\r\n", b"RCPT TO:<to@example.org>\r\n", b"DATA\r\n"]


def test_a_refused_recipient_when_pipelined_reads_every_reply_and_ends_a_data_taken_anyway() -> None:
    """RFC 2920: the server may answer 354 to DATA although RCPT was refused; the message is then empty, never sent."""
    seen: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_until(reader, b"DATA\r\n")
        writer.write(b"250 ok\r\n550 5.1.1 no such user\r\n354 go\r\n")
        seen.append(await read_until(reader, b"\r\n"))
        writer.write(b"554 no valid recipients\r\n")
        seen.append(await read_until(reader, b"\r\n"))
        writer.write(b"250 reset\r\n")
        await reader.read()

    async def send() -> tuple[bool, bool]:
        async with scripted(script) as connection:
            with pytest.raises(aiosmtplib.SMTPRecipientRefused) as refused:
                await connection.transaction(message())
            assert refused.value.code == 550 and refused.value.recipient == "to@example.org"
            return await connection.rset(), connection.usable

    assert run(send()) == (True, True)
    assert seen == [b".\r\n", b"RSET\r\n"]


def test_no_reply_in_time_leaves_the_connection_unusable() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def send() -> bool:
        async with scripted(script, reply_timeout=0.05) as connection:
            with pytest.raises(aiosmtplib.SMTPReadTimeoutError):
                await connection.transaction(message())
            return connection.usable

    assert run(send()) is False


def test_a_connection_closed_before_mail_was_answered_is_stale() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_until(reader, b"\r\n")

    async def send() -> None:
        async with scripted(script) as connection:
            with pytest.raises(StaleConnection):
                await connection.transaction(message())
            with pytest.raises(StaleConnection):  # and stays so: nothing is written on it again
                await connection.transaction(message())

    run(send())


def test_what_a_server_says_while_nobody_asked_is_not_taken_for_the_next_reply() -> None:
    """A relay's "421 idle" (or any stray line) between transactions must not answer the next MAIL."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"421 4.4.2 idle for too long\r\n")
        await read_until(reader, b"DATA\r\n")
        writer.write(b"250 ok\r\n250 ok\r\n354 go\r\n")
        await read_until(reader, b"\r\n.\r\n")
        writer.write(b"250 queued\r\n")
        await reader.read()

    async def send() -> str:
        async with scripted(script) as connection:
            await asyncio.sleep(0.05)  # the stray line has arrived
            return await connection.transaction(message())

    assert run(send()) == "250 queued"


def test_quit_says_goodbye_and_closes() -> None:
    seen: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_until(reader, b"\r\n"))
        writer.write(b"221 bye\r\n")
        seen.append(await reader.read())

    async def send() -> bool:
        async with scripted(script) as connection:
            await connection.quit()
            await asyncio.sleep(0.05)
            return connection.usable

    assert run(send()) is False
    assert seen == [b"QUIT\r\n", b""]


@pytest.mark.parametrize(("data", "replies", "rest"), [
    (b"250 ok\r\n", [(250, "ok")], b""),
    (b"250-mail.example.org\r\n250-PIPELINING\r\n250 SIZE 100\r\n354", [(250, "mail.example.org\nPIPELINING\nSIZE 100")], b"354"),
    (b"250\n221 bye\n", [(250, ""), (221, "bye")], b""),
    (b"250-half of a reply\r\n", [], b"250-half of a reply\r\n"),
    (b"25", [], b"25"),
])
def test_replies_are_read_as_rfc_5321_writes_them(data: bytes, replies: list[tuple[int, str]], rest: bytes) -> None:
    buffer, got = bytearray(data), []
    while (reply := take_reply(buffer)) is not None:
        got.append((reply.code, reply.message))
    assert got == replies and bytes(buffer) == rest


@pytest.mark.parametrize(("data", "why"), [(b"hello\r\n", "Malformed SMTP response line: hello"),
                                          (b"250 " + b"x" * MAX_LINE + b"\r\n", "Response too long")])
def test_a_reply_that_cannot_be_read_is_an_error(data: bytes, why: str) -> None:
    with pytest.raises(aiosmtplib.SMTPResponseException, match=re.escape(why)):
        take_reply(bytearray(data))


def test_the_fast_path_uses_aiosmtplibs_public_api_only_and_pins_no_minor_version() -> None:
    source = (REPO / "soc_bulletin" / "send" / "transaction.py").read_text(encoding="utf-8")
    source += (REPO / "soc_bulletin" / "send" / "transports.py").read_text(encoding="utf-8")
    assert not re.search(r"aiosmtplib\.\w+\._|\._command_lock|from aiosmtplib\.\w+ import", source)
    [requirement] = re.findall(r'"aiosmtplib[^"]*"', (REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "<" not in requirement and "==" not in requirement and "~=" not in requirement, requirement
