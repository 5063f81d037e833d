"""A real aiosmtpd server on 127.0.0.1 for the sending tests, with fault injection.

The handler records every accepted message and can be told to answer RCPT
with 4xx/5xx, drop the connection during DATA, stop answering, or refuse
connections with 421, a set number of times each; and to offer PIPELINING.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released: for "connection refused" only)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Faults:
    """How many times each fault still fires (per address where keyed by address)."""

    refuse_connect: int = 0
    rcpt_temporary: Counter[str] = field(default_factory=Counter)
    rcpt_permanent: set[str] = field(default_factory=set)
    drop_in_data: Counter[str] = field(default_factory=Counter)
    hang_in_data: Counter[str] = field(default_factory=Counter)
    data_delay: float = 0.0
    mail_reply: str = ""
    rcpt_reply: str = "550 5.1.1 No such user here"  # the answer to an address in rcpt_permanent
    data_reply: dict[str, str] = field(default_factory=dict)  # the reply after DATA, by recipient ("*": everyone)
    pipelining: bool = False  # offer PIPELINING (RFC 2920) in the EHLO reply
    close_after_rset: int = 0  # close the connection right after answering RSET (as a relay closes an idle one)
    connections: int = 0  # connections accepted
    open_connections: int = 0  # connections accepted and not yet ended (by QUIT or the client closing it)
    data_commands: int = 0  # DATA commands received, answered 354 or not
    auth_commands: int = 0  # AUTH commands received, answered or not (a login's first step)


class RecordingHandler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.faults = Faults()
        self.lock = threading.Lock()

    async def handle_EHLO(self, server: SMTP, session: Any, envelope: Any, hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.faults.pipelining else responses

    async def handle_MAIL(self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.faults.mail_reply:
            return self.faults.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.faults.rcpt_permanent:
            return self.faults.rcpt_reply
        if self.faults.rcpt_temporary[address] > 0:
            self.faults.rcpt_temporary[address] -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        [rcpt] = envelope.rcpt_tos
        if self.faults.data_delay:
            await asyncio.sleep(self.faults.data_delay)
        if self.faults.drop_in_data[rcpt] > 0:
            self.faults.drop_in_data[rcpt] -= 1
            assert server.transport is not None
            server.transport.close()
            return "250 dropped (never seen by the client)"
        reply = self.faults.data_reply.get(rcpt) or self.faults.data_reply.get("*")
        if reply:
            return reply
        if self.faults.hang_in_data[rcpt] > 0:
            self.faults.hang_in_data[rcpt] -= 1
            await asyncio.sleep(30)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 2.0.0 Queued"

    def by_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(r for m in self.received for r in m.rcpt_tos)


class _FaultySMTP(SMTP):
    faults: Faults

    async def _handle_client(self) -> None:
        self.faults.connections += 1
        if self.faults.refuse_connect > 0:
            self.faults.refuse_connect -= 1
            await self.push("421 4.3.2 Too busy, try later")
            assert self.transport is not None
            self.transport.close()
            return
        self.faults.open_connections += 1
        try:
            await super()._handle_client()
        finally:
            self.faults.open_connections -= 1

    async def smtp_DATA(self, arg: str) -> None:
        self.faults.data_commands += 1
        await super().smtp_DATA(arg)

    async def smtp_AUTH(self, arg: str) -> None:
        self.faults.auth_commands += 1
        await super().smtp_AUTH(arg)

    async def smtp_RSET(self, arg: str) -> None:
        await super().smtp_RSET(arg)
        if self.faults.close_after_rset > 0:
            self.faults.close_after_rset -= 1
            assert self.transport is not None
            self.transport.close()


class FaultyController(Controller):
    """The server binds port 0 itself and reads the port it got: no race with another test for a port."""

    def __init__(self, handler: RecordingHandler, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)
        self.recorder = handler

    def _create_server(self) -> Any:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context)
        self.port = int(server.sockets[0].getsockname()[1])
        return server

    def factory(self) -> SMTP:
        server = _FaultySMTP(self.handler, **self.SMTP_kwargs)
        server.faults = self.recorder.faults
        return server

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def authenticator(user: str, password: str) -> Any:
    def check(server: SMTP, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    return check
