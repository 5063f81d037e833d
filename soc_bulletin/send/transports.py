"""Transports: where finished messages go. One small interface, two implementations.

``OutboxTransport`` writes one ``.eml`` file per message (the default, so the
main job needs no server); ``SMTPTransport`` keeps a small pool of connections
(opened, TLS and login, by aiosmtplib; each message's MAIL, RCPT and DATA, RSET
and QUIT by :class:`~.transaction.Connection`) and
maps every SMTP outcome to success or a :class:`SendError` that says whether
to retry (4xx, dropped connection, timeout), give up on the recipient (5xx)
or stop the whole send (authentication, TLS). A login goes only over TLS
(``smtps://`` or STARTTLS actually negotiated) unless the settings allow a
plain-text one (a relay on the same host): otherwise a ConfigError, before the
credentials are written to the socket.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Self
from urllib.parse import unquote, urlsplit

from ..config import Environment
from ..config.values import hide_password
from ..errors import ConfigError, MessageRefused, RecipientRefused, SenderFailure, SendError, TemporaryFailure
from .message import OutgoingMessage

if TYPE_CHECKING:  # aiosmtplib is imported by the SMTP transport's methods: importing the stage does not load it
    import aiosmtplib

    from .transaction import Connection

__all__ = ["OutboxTransport", "SMTPSettings", "SMTPTransport", "Transport"]



class Transport(ABC):
    """Delivers messages; ``send`` returns the server's reply or raises SendError.

    An async context manager: whoever uses it (``Campaign.send``, ``Campaign.proof``, and ``send_issue`` for the relay's
    probe before a wait for ``--at``) holds it in ``async with``, the one place it is closed, after success, failure or
    cancellation alike; a closed transport opens new connections when used again.
    """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    async def send(self, message: OutgoingMessage, /) -> str:
        """Hand over one message; return the acceptance reply."""

    async def probe(self, envelope_from: str, /) -> None:  # noqa: B027 - nothing to prove by default
        """Prove, before any recipient is claimed, that messages from ``envelope_from`` can be handed over."""

    async def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections."""


class OutboxTransport(Transport):
    """Writes each message to ``DIR/<message-id>.eml``; a retry overwrites, never duplicates."""

    def __init__(self, directory: str | Path, /) -> None:
        self.directory = Path(directory)

    async def probe(self, envelope_from: str, /) -> None:
        """The folder can be created and written to."""
        test = self.directory / f".probe-{os.getpid()}"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            test.write_bytes(b"")
            test.unlink()
        except OSError as exc:
            raise SenderFailure(f"cannot write to the outbox {self.directory}: {exc.strerror or exc}") from exc

    def path_for(self, message: OutgoingMessage, /) -> Path:
        """The file a message is written to."""
        return self.directory / (re.sub(r"[^A-Za-z0-9._-]", "_", message.message_id.strip("<>")) + ".eml")

    async def send(self, message: OutgoingMessage, /) -> str:
        path = self.path_for(message)
        try:
            await asyncio.to_thread(_write_durably, path, message.data)
        except OSError as exc:
            raise SenderFailure(f"cannot write {path}: {exc.strerror or exc}", recipient=message.recipient) from exc
        return f"written to {path}"


def _write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` beside ``path``, fsync it, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True, slots=True)
class SMTPSettings:
    """How to reach the relay. ``tls``: "starttls" (when offered), "starttls-required", "tls" or "none".

    A login (``username``) needs TLS unless ``allow_plaintext_login``; the password is never in the repr.
    """

    host: str
    port: int
    tls: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    cafile: str = ""
    allow_plaintext_login: bool = False

    @classmethod
    def from_url(cls, url: str, /, *, starttls: bool = False, timeout: float = 30.0, cafile: str = "",
                 username: str = "", password: str = "", allow_plaintext_login: bool = False) -> SMTPSettings:
        """``smtp://host:port`` or ``smtps://host:port``; credentials never in the URL (the settings read them from the environment)."""
        try:
            parts = urlsplit(url)
            hostname = parts.hostname
        except ValueError as exc:
            raise ConfigError(f"--smtp must look like smtp://host:port or smtps://host:port, not {hide_password(url)!r} ({exc})") from exc
        if parts.scheme not in ("smtp", "smtps") or not hostname or any(c.isspace() or not c.isprintable() for c in url):
            raise ConfigError(f"--smtp must look like smtp://host:port or smtps://host:port, not {hide_password(url)!r}")
        if parts.username or parts.password:
            raise ConfigError(f"put no credentials in the SMTP URL; set {Environment.SMTP_USER} and {Environment.SMTP_PASSWORD} instead")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 587)
        except ValueError as exc:
            raise ConfigError(f"bad port in {hide_password(url)!r}") from exc
        tls = "tls" if parts.scheme == "smtps" else "starttls-required" if starttls else "starttls"
        return cls(
            host=unquote(hostname), port=port, tls=tls, username=username,
            password=password, timeout=timeout, cafile=cafile, allow_plaintext_login=allow_plaintext_login,
        )


class SMTPTransport(Transport):
    """A pool of up to ``size`` reused SMTP connections to one relay."""

    def __init__(self, settings: SMTPSettings, /, *, size: int = 4) -> None:
        self.settings = settings
        self._idle: list[Connection] = []
        self._slots = asyncio.Semaphore(size)
        self._tls: ssl.SSLContext | None = None  # made once, on the first connection that may use TLS
        self._local_hostname: str | None = None  # the name said in EHLO: looked up (getfqdn) on the first connection only

    def _client(self) -> aiosmtplib.SMTP:
        import aiosmtplib

        s = self.settings
        if self._tls is None and s.tls != "none":  # loading the CA store takes ~30 ms: once per transport, not per connection
            self._tls = ssl.create_default_context(cafile=s.cafile or None)
        return aiosmtplib.SMTP(
            hostname=s.host, port=s.port, timeout=s.timeout, use_tls=s.tls == "tls",
            start_tls=True if s.tls == "starttls-required" else False if s.tls in ("tls", "none") else None,
            tls_context=self._tls, local_hostname=self._local_hostname,
        )

    async def _open(self) -> aiosmtplib.SMTP:
        """A connection opened by aiosmtplib: greeting, TLS, EHLO and login as configured."""
        import aiosmtplib

        client = self._client()
        try:
            await client.connect()
            if self.settings.username:
                self._refuse_plaintext_login(client)
                await client.login(self.settings.username, self.settings.password)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise _classify(exc, None, "connect") from exc  # a 5xx greeting or EHLO: nobody can be sent to
        except ConfigError:
            client.close()
            raise
        self._local_hostname = client.local_hostname
        return client

    async def _connect(self) -> Connection:
        return await _take(await self._open(), "connect")

    def _refuse_plaintext_login(self, client: aiosmtplib.SMTP, /) -> None:
        """ConfigError unless the connection is TLS (implicit or STARTTLS) or a plain-text login was allowed."""
        if client.get_transport_info("sslcontext") is None and not self.settings.allow_plaintext_login:
            s = self.settings
            why = " (it offers no STARTTLS)" if s.tls == "starttls" else ""
            raise ConfigError(
                f"the connection to the SMTP server {s.host}:{s.port} is not encrypted{why}, so the login would go in clear text: "
                "refused before sending it; use smtps://, a server that offers STARTTLS, or --allow-plaintext-login for a relay "
                "on this host")

    async def probe(self, envelope_from: str, /) -> None:
        """Connect (TLS and login as configured) and see MAIL FROM accepted, then RSET; keep the connection."""
        import aiosmtplib

        async with self._slots:
            client = await self._open()
            try:
                if client.is_ehlo_or_helo_needed:
                    await client.ehlo()
                response = await client.execute_command(b"MAIL", b"FROM:<" + envelope_from.encode() + b">")
                if response.code != 250:
                    raise aiosmtplib.SMTPSenderRefused(response.code, response.message, envelope_from)
                await client.rset()
            except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
                client.close()
                raise _classify(exc, None, "mail") from exc
            self._idle.append(await _take(client, "mail"))

    async def send(self, message: OutgoingMessage, /) -> str:
        import aiosmtplib

        from .transaction import StaleConnection

        async with self._slots:
            reused = bool(self._idle)
            connection = self._idle.pop() if reused else await self._connect()
            try:
                try:
                    reply = await connection.transaction(message)
                except StaleConnection:
                    if not reused:
                        raise
                    connection.close()  # the relay closed an idle connection before MAIL: reconnect once
                    connection = await self._connect()
                    reply = await connection.transaction(message)
            except aiosmtplib.SMTPResponseException as exc:
                if exc.code < 500 or not await connection.rset():
                    connection.close()
                    raise _classify(exc, message.recipient) from exc
                self._idle.append(connection)  # a refused recipient leaves the connection usable
                raise _classify(exc, message.recipient) from exc
            except SendError:
                connection.close()
                raise
            except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
                connection.close()
                raise _classify(exc, message.recipient) from exc
            except BaseException:  # cancelled mid-transaction: the connection's state is unknown
                connection.close()
                raise
            self._idle.append(connection)
            return reply

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        await asyncio.gather(*(connection.quit() for connection in idle))


async def _take(client: aiosmtplib.SMTP, stage: str, /) -> Connection:
    """``client``'s connection, spoken on by a :class:`Connection` from now on (closed on failure)."""
    import aiosmtplib

    from .transaction import Connection

    try:
        return await Connection.take(client)
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
        client.close()
        raise _classify(exc, None, stage) from exc
    except BaseException:
        client.close()
        raise


def _enhanced(reply: str) -> tuple[int, int, int] | None:
    """The RFC 3463 enhanced status code at the start of a reply ("5.1.1 ..."), if any."""
    match = _ENHANCED.match(reply)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


_ENHANCED = re.compile(r"\s*([245])\.(\d{1,3})\.(\d{1,3})\b")

#: enhanced codes after DATA that name the mailbox, not the message (RFC 3463 5.1.x, 5.2.1, 5.2.2)
_MAILBOX_CODES = frozenset({(5, 2, 1), (5, 2, 2)})


def classify_reply(code: int, reply: str, /, *, stage: str) -> type[SendError] | None:
    """Whose fault a refusal is, from the reply code, its enhanced status code and the SMTP stage.

    ``stage`` is "connect", "mail", "rcpt" or "data". Returns None for a success
    (2xx/3xx). At RCPT a 5xx is the recipient's unless its enhanced code is
    about policy or the mail system (5.7.x, 5.3.x): then it is the sender's.
    After DATA only mailbox codes (5.1.x, 5.2.1, 5.2.2) are the recipient's;
    anything else is the message's. A pure function: the policy in one place.
    """
    if code < 400:
        return None
    if code < 500:
        return TemporaryFailure
    if stage in ("connect", "mail"):
        return SenderFailure
    enhanced = _enhanced(reply)
    if stage == "rcpt":  # a policy or system refusal (5.7.1 relaying denied) is ours, not the recipient's
        return SenderFailure if enhanced is not None and enhanced[1] in (3, 7) else RecipientRefused
    if enhanced is not None and (enhanced[1] == 1 or enhanced in _MAILBOX_CODES):
        return RecipientRefused
    return MessageRefused


def _classify(exc: BaseException, recipient: str | None, stage: str = "data") -> SendError:
    """Turn an aiosmtplib or socket error into a SendError whose type says what to do next."""
    import aiosmtplib

    tls_failure = next((e for e in (exc, exc.__cause__, exc.__context__) if isinstance(e, ssl.SSLError)), None)
    if tls_failure is not None:
        return SenderFailure(f"TLS with the SMTP server failed: {tls_failure}", recipient=recipient)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return SenderFailure(f"the SMTP server refused the login: {exc.code} {exc.message}", code=exc.code, reply=exc.message)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if isinstance(exc, aiosmtplib.SMTPSenderRefused):
            stage = "mail"
        elif isinstance(exc, aiosmtplib.SMTPRecipientRefused):
            stage = "rcpt"
        kind = classify_reply(exc.code, exc.message, stage=stage) or TemporaryFailure
        what = {SenderFailure: "the SMTP server refused the sender", MessageRefused: "the SMTP server refused the message"}
        prefix = what.get(kind, "")
        text = f"{prefix}: {exc.code} {exc.message}" if prefix else f"{exc.code} {exc.message}"
        return kind(text, recipient=recipient, code=exc.code, reply=exc.message, stage=stage)
    if isinstance(exc, (aiosmtplib.SMTPTimeoutError, asyncio.TimeoutError)):
        return TemporaryFailure(f"the SMTP server did not answer in time: {exc}", recipient=recipient)
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return TemporaryFailure(f"the SMTP server closed the connection: {exc}", recipient=recipient)
    if isinstance(exc, aiosmtplib.SMTPConnectError):
        return TemporaryFailure(f"cannot connect: {exc}", recipient=recipient)
    if isinstance(exc, aiosmtplib.SMTPException):  # e.g. STARTTLS required but not offered
        return SenderFailure(f"SMTP error: {exc}", recipient=recipient)
    return TemporaryFailure(f"cannot reach the SMTP server: {exc}", recipient=recipient)
