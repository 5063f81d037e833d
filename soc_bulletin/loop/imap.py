"""Bounces read from an IMAP mailbox: ``imaps://user@host[:port]/MAILBOX`` (``imap://`` with STARTTLS).

The password comes only from ``SOC_BULLETIN_IMAP_PASSWORD``. Messages are
fetched with ``BODY.PEEK[]`` (reading never marks them seen); a handled one
gets ``\\Seen`` and the keyword ``$SocBulletin`` (skipped by the next run), or
is moved (``UID MOVE``, else copy and expunge) or deleted when asked. Plain
``imap://`` without STARTTLS is refused except on the loopback (a local test server).
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from ..config import Environment
from ..config.values import hide_password
from ..errors import ConfigError
from ..terminal import printable
from .sources import Disposal, Item, Source

__all__ = ["KEYWORD", "ImapSource", "is_imap_url"]

KEYWORD = "$SocBulletin"


def is_imap_url(text: str, /) -> bool:
    """Whether ``text`` names an IMAP mailbox rather than a file."""
    return text.lower().startswith(("imap://", "imaps://"))


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False


class ImapSource(Source):
    """One mailbox on an IMAP server; ``readonly`` (a dry run) selects it with EXAMINE and changes nothing."""

    def __init__(self, url: str, disposal: Disposal, /, *, password: str, cafile: str = "", timeout: float = 30.0,
                 readonly: bool = False) -> None:
        parts = urlsplit(url)
        self.label = printable(hide_password(f"{parts.scheme}://{parts.netloc}{parts.path}"))
        if parts.query or parts.fragment or not parts.hostname or not parts.username:
            raise ConfigError(f"{self.label}: give the mailbox as imaps://user@host[:port]/MAILBOX")
        if parts.password is not None:
            raise ConfigError(f"{self.label}: put no password in the URL; set {Environment.IMAP_PASSWORD}")
        if not password:
            raise ConfigError(f"{self.label}: set {Environment.IMAP_PASSWORD} to the mailbox's password")
        self.disposal, self.readonly = disposal, readonly
        self.mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
        secure = parts.scheme.lower() == "imaps"
        try:
            port = parts.port or (993 if secure else 143)
        except ValueError as exc:
            raise ConfigError(f"{self.label}: the port is not a number") from exc
        context = ssl.create_default_context(cafile=cafile or None)
        self._conn: imaplib.IMAP4 | None = None
        try:
            self._connect(parts.hostname, port, secure, context, timeout, unquote(parts.username), password)
            self._select()
        except BaseException:
            if self._conn is not None:
                with contextlib.suppress(OSError):
                    self._conn.shutdown()
            raise
        self._expunge: list[bytes] = []
        self._folders: set[str] = set()  # the folders known to exist

    def _connect(self, host: str, port: int, secure: bool, context: ssl.SSLContext, timeout: float, user: str,
                 password: str) -> None:
        try:
            if secure:
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
                self._conn = conn
            else:
                conn = self._conn = imaplib.IMAP4(host, port, timeout=timeout)
                if "STARTTLS" in conn.capabilities:
                    conn.starttls(ssl_context=context)
                elif not _loopback(host):
                    raise ConfigError(f"{self.label}: the server offers no STARTTLS; use imaps:// (passwords never travel in clear)")
            conn.login(user, password)
            kind, data = conn.capability()  # what the server offers once logged in (MOVE, UIDPLUS)
        except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
            raise ConfigError(f"{self.label}: {self._why(exc)}") from exc
        first = data[0] if kind == "OK" and data else None
        self.capabilities = {c.upper() for c in first.decode("ascii", "replace").split()} if isinstance(first, bytes) else set()

    @property
    def _imap(self) -> imaplib.IMAP4:
        assert self._conn is not None, "connected in __init__"
        return self._conn

    @staticmethod
    def _why(exc: BaseException) -> str:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"the server's TLS certificate is not trusted ({exc.verify_message}); give --cafile for a private CA"
        if isinstance(exc, socket.timeout | TimeoutError):
            return "the server did not answer in time"
        if isinstance(exc, imaplib.IMAP4.error) and not isinstance(exc, imaplib.IMAP4.abort):
            text = str(exc).strip("b'\"")
            return f"the server refused: {' '.join(text.split())[:200]}"
        return f"cannot reach the server: {getattr(exc, 'strerror', None) or exc}"

    def _command(self, what: str, *args: str, uid: bool = True) -> list[bytes | tuple[bytes, bytes]]:
        """``UID what args`` (or the plain command), OK or ConfigError naming the mailbox."""
        try:
            kind, data = self._imap.uid(what, *args) if uid else getattr(self._imap, what.lower())(*args)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ConfigError(f"{self.label}: {what} failed: {self._why(exc)}") from exc
        if kind != "OK":
            raise ConfigError(f"{self.label}: {what} refused: {printable(repr(data)[:200])}")
        return list(data)

    def _select(self) -> None:
        try:
            kind, data = self._imap.select(_quote(self.mailbox), readonly=self.readonly)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ConfigError(f"{self.label}: cannot open the mailbox: {self._why(exc)}") from exc
        if kind != "OK":
            raise ConfigError(f"{self.label}: no mailbox {self.mailbox!r} on the server")
        flags = b" ".join(x for x in self._imap.response("PERMANENTFLAGS")[1] if isinstance(x, bytes))
        self.keywords = b"\\*" in flags

    def items(self) -> Iterator[Item]:
        query = ["UNKEYWORD", KEYWORD] if self.keywords else ["ALL"]
        found = self._command("SEARCH", *query)
        uids = [u.decode() for u in (found[0] or b"").split()] if found and isinstance(found[0], bytes) else []
        for uid in uids:
            data = self._command("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if raw is None:
                yield Item(uid, key=uid, error="the server sent no message for this UID")
            else:
                yield Item(uid, raw, uid)

    def done(self, item: Item, /) -> None:
        if self.readonly:
            return
        if self.disposal.delete:
            self._command("STORE", item.key, "+FLAGS.SILENT", r"(\Deleted)")
            self._expunge.append(item.key.encode())
        elif self.disposal.move_to:
            target = _quote(self.disposal.move_to)
            self._make_folder(target)
            if "MOVE" in self.capabilities:
                self._command("MOVE", item.key, target)
            else:
                self._command("COPY", item.key, target)
                self._command("STORE", item.key, "+FLAGS.SILENT", r"(\Deleted)")
                self._expunge.append(item.key.encode())
        else:
            self._command("STORE", item.key, "+FLAGS.SILENT", f"(\\Seen {KEYWORD})" if self.keywords else r"(\Seen)")

    def _make_folder(self, target: str, /) -> None:
        """Create the folder handled messages move to unless it exists (asked once a run); a refusal is a ConfigError."""
        if target in self._folders:
            return
        if not any(self._command("LIST", '""', target, uid=False)):  # [None]: no such folder
            self._command("CREATE", target, uid=False)
        self._folders.add(target)

    def close(self) -> None:
        try:
            if self._expunge:
                if "UIDPLUS" in self.capabilities:
                    self._command("EXPUNGE", b",".join(self._expunge).decode())
                else:
                    self._command("EXPUNGE", uid=False)
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                self._imap.close()
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                self._imap.logout()

