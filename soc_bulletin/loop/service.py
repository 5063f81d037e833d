"""The one-click unsubscribe service: an ASGI application (Starlette) at the path of ``unsubscribe_base_url``.

- ``POST`` with the body ``List-Unsubscribe=One-Click`` (RFC 8058, what Gmail
  and Yahoo send, and what the page's button sends): the token in the query is
  verified (HMAC in constant time; the previous secret too, for rotation), the
  suppression is written durably, then 200. No cookies, no login, no redirect.
  Doing it twice changes nothing.
- ``GET``: a page with a button that POSTs; a GET never unsubscribes (mail
  scanners fetch links). After unsubscribing, the page offers an undo
  (``action=undo``), which takes back only what one-click added.
- A forged or bad token gets exactly the page a good one gets: the service never
  tells whether an address is on a list. Bodies are bounded in size and each
  client (by address; behind a proxy, as the proxy reports it) in rate.

:func:`create_app` builds it from the settings; :func:`app_from_environment`
is a factory for any ASGI server (``uvicorn --factory soc_bulletin.loop.service:app_from_environment``).
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..audience.suppression import add_suppression, remove_suppression
from ..config import Settings, load_settings
from ..errors import BulletinError, ConfigError
from ..send.unsubscribe import Unsubscribe, parse_link
from .pages import CONFIRM, DONE, FAILED, UNDONE, page

__all__ = ["Limits", "app_from_environment", "create_app", "list_id_of"]

log = logging.getLogger(__name__)

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the URL holds the token
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one client may ask: the body's bytes, and requests per minute (with a burst)."""

    max_body: int = 4096
    per_minute: float = 30.0
    burst: int = 10
    clients: int = 10_000  # clients remembered at once; the longest idle is forgotten first


class _Buckets:
    """A token bucket per client address."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        tokens, then = self._buckets.pop(client, (float(self.limits.burst), now))
        tokens = min(float(self.limits.burst), tokens + (now - then) * self.limits.per_minute / 60)
        allowed = tokens >= 1
        self._buckets[client] = (tokens - 1 if allowed else tokens, now)
        while len(self._buckets) > self.limits.clients:
            self._buckets.popitem(last=False)
        return allowed


def list_id_of(settings: Settings, /) -> str:
    """The list id the links were made with: ``list_id``, else ``bulletin.<domain of from>`` as sending derives it."""
    sending = settings.sending
    if sending.list_id:
        return sending.list_id
    if sending.from_:
        return "bulletin." + sending.from_.rpartition("@")[2].strip(" >")
    raise ConfigError("the unsubscribe service needs [sending] list_id (or from) in the settings, as the links were made with")


def create_app(settings: Settings, /, *, suppressed: Path | None = None, limits: Limits | None = None) -> Starlette:
    """The service for the settings' ``unsubscribe_base_url``, writing to the suppression list (default from the settings)."""
    sending, env = settings.sending, settings.env
    if not sending.unsubscribe_base_url:
        raise ConfigError("set [sending] unsubscribe_base_url: the service answers at its path")
    unsubscribe = Unsubscribe(list_id=list_id_of(settings), mailbox="", base_url=sending.unsubscribe_base_url,
                              secret=env.unsubscribe_secret, previous_secret=env.previous_unsubscribe_secret)
    path = suppressed or settings.resolve(sending.suppressed)
    limits = limits or Limits()
    buckets = _Buckets(limits)

    async def endpoint(request: Request) -> Response:
        client = request.client.host if request.client else "-"
        if not buckets.allow(client):
            return PlainTextResponse("Too many requests; try again in a minute.\n", 429, {**HEADERS, "Retry-After": "60"})
        link = parse_link(request.url.query)
        if request.method in ("GET", "HEAD"):
            return HTMLResponse(page(CONFIRM), headers=HEADERS)
        body = await _body(request, limits.max_body)
        if body is None:
            return PlainTextResponse("Request too large.\n", 413, HEADERS)
        form = _form(body, request.headers.get("content-type", ""))
        undo = form.get("action") == "undo"
        if not undo and form.get("List-Unsubscribe") != "One-Click":
            return PlainTextResponse("Send List-Unsubscribe=One-Click to unsubscribe.\n", 400, HEADERS)
        if link is not None and unsubscribe.verify(*link):
            try:
                if undo:
                    await run_in_threadpool(remove_suppression, path, link[0], sources=("one-click",))
                else:
                    await run_in_threadpool(add_suppression, path, link[0], "unsubscribed", source="one-click")
            except (OSError, BulletinError, ValueError) as exc:
                log.error("cannot write the suppression list %s: %s", path, exc)
                return HTMLResponse(page(FAILED), 503, HEADERS)
        return HTMLResponse(page(UNDONE if undo else DONE), headers=HEADERS)

    route = urlsplit(sending.unsubscribe_base_url).path.rstrip("/") or "/"  # as the links are made (Unsubscribe)
    log.info("unsubscribe service at %s, writing %s", route, path)
    app = Starlette(routes=[Route(route, endpoint, methods=["GET", "HEAD", "POST"])])
    app.router.redirect_slashes = False  # never a redirect: RFC 8058 clients POST once, to the link as it is
    return app


async def _body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when it is (or says it is) larger than ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            return None
    return bytes(data)


def _form(body: bytes, content_type: str) -> dict[str, str]:
    """The fields of a urlencoded or multipart/form-data body (the two forms RFC 8058 clients send)."""
    if content_type.lower().startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body)
        fields = {}
        for part in message.iter_parts() if message.is_multipart() else ():
            name = part.get_param("name", header="content-disposition")
            content = part.get_content() if part.get_content_maintype() == "text" else ""
            if isinstance(name, str) and isinstance(content, str):
                fields[name] = content.strip()
        return fields
    try:
        parsed = parse_qs(body.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):  # not UTF-8, or more fields than any form sends
        return {}
    return {key: values[0].strip() for key, values in parsed.items()}


def app_from_environment() -> Starlette:
    """The service for the settings file named by ``SOC_BULLETIN_CONFIG`` (else found from the working directory)."""
    return create_app(load_settings(os.environ.get("SOC_BULLETIN_CONFIG") or None))
