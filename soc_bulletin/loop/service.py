"""The subscribers' service: an ASGI application (Starlette) with the one-click unsubscribe at the path of
``unsubscribe_base_url`` and, under the service's address (``[service] base_url``, else that link's folder), the
pages ``subscribe``, ``confirm``, ``preferences`` and ``accessibility`` (:mod:`.selfservice`).

The one-click unsubscribe:

- ``POST`` with the body ``List-Unsubscribe=One-Click`` (RFC 8058, what Gmail
  and Yahoo send, and what the page's button sends): the opaque token in the
  query is looked up in the store (an earlier version's link, which names its
  address, is verified by HMAC in constant time, the previous secret too), the
  suppression is written durably to the store, then 200. No cookies, no login, no redirect. Doing it twice
  changes nothing.
- ``GET``: a page with a button that POSTs; a GET never unsubscribes (mail
  scanners fetch links). After unsubscribing, the page offers an undo
  (``action=undo``), which takes back only the one-click entry: never a
  bounce or a complaint of the same address.
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
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from ..audience.segments import project_segments
from ..config import Settings, load_settings
from ..errors import BulletinError, ConfigError
from ..send.transports import OutboxTransport, Transport
from ..send.unsubscribe import Unsubscribe, list_id_of, parse_link
from ..store.base import Store
from ..store.open import keys_of, open_store
from . import web
from .pages import CONFIRM, DONE, FAILED, UNDONE, page, page_language
from .selfservice import Page, SelfService
from .signup import Choices
from .web import HEADERS

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["Limits", "app_from_environment", "check_service_settings", "create_app"]

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one client may ask: the body's bytes, and requests per minute (with a burst)."""

    max_body: int = 4096
    max_form: int = 16_384  # a sign-up or preference form
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


def check_service_settings(settings: Settings, /) -> str:
    """ConfigError unless the settings say where the service answers and which list its links are of; the list id."""
    if not settings.sending.unsubscribe_base_url:
        raise ConfigError("set [sending] unsubscribe_base_url: the service answers at its path")
    if not (settings.service.contact or settings.sending.from_):
        raise ConfigError("set [sending] from (or [service] contact): the service's accessibility statement names the "
                          "address to report a problem to")
    return list_id_of(settings)


def create_app(settings: Settings, store: Store, /, *, limits: Limits | None = None, transport: Transport | None = None,
               segments_file: str | None = None) -> Starlette:
    """The service for the settings, reading from and writing to ``store`` (kept open while the service runs; the
    caller closes it). Confirmation mails go through ``transport`` (default: the outbox folder's ``service``)."""
    from starlette.applications import Starlette  # noqa: PLC0415 - Starlette is loaded by the service, not by its neighbours
    from starlette.requests import ClientDisconnect  # noqa: PLC0415
    from starlette.responses import HTMLResponse, PlainTextResponse, Response  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    sending = settings.sending
    list_id = check_service_settings(settings)
    current, previous = keys_of(settings, store)
    unsubscribe = Unsubscribe(list_id=list_id, mailbox="", base_url=sending.unsubscribe_base_url,
                              secret=current, previous_secret=previous, preferences_url=f"{settings.service_url}/preferences")
    limits = limits or Limits()
    buckets = _Buckets(limits)
    segments = project_segments(settings, segments_file)
    pages = SelfService(settings, store, transport or OutboxTransport(settings.resolve(sending.outbox) / "service"),
                        unsubscribe, Choices.of(segments))

    def act(token: str, given: str, undo: bool) -> None:
        address = store.address_of_link(token) if not given else given if unsubscribe.verify(given, token) else None
        if not address:
            return  # a forged or unknown token: the same page, nothing written
        if undo:
            store.lift(address, source="one-click")
        else:
            store.suppress(address, "unsubscribed", source="one-click")

    async def endpoint(request: Request) -> Response:
        client = request.client.host if request.client else "-"
        if not buckets.allow(client):
            return PlainTextResponse("Too many requests; try again in a minute.\n", 429, {**HEADERS, "Retry-After": "60"})
        link = parse_link(request.url.query)
        lang = page_language(_asked_language(request.url.query))
        if request.method in ("GET", "HEAD"):
            return HTMLResponse(page(CONFIRM, footer=pages.footer(lang), lang=lang), headers=HEADERS)
        try:
            body = await _body(request, limits.max_body)
        except ClientDisconnect:  # the client went away mid-body: nothing to answer, nothing to log
            return Response(status_code=400)
        if body is None:
            return PlainTextResponse("Request too large.\n", 413, HEADERS)
        form = _form(body, request.headers.get("content-type", ""))
        undo = web.first(form, "action") == "undo"
        if not undo and web.first(form, "List-Unsubscribe") != "One-Click":
            return PlainTextResponse("Send List-Unsubscribe=One-Click to unsubscribe.\n", 400, HEADERS)
        if link is not None:
            try:
                await pages.run(lambda: act(*link, undo))  # in a worker thread, one store call at a time
            except (OSError, BulletinError, ValueError) as exc:
                log.error("cannot write to the store %s: %s", store.where, exc)
                return HTMLResponse(page(FAILED, footer=pages.footer(lang), lang=lang), 503, HEADERS)
        return HTMLResponse(page(UNDONE if undo else DONE, footer=pages.footer(lang), lang=lang), headers=HEADERS)

    Form = dict[str, list[str]] | None  # what a POST sent; None for a GET

    async def subscribe(request: Request, form: Form) -> Page:
        if form is None:
            return pages.subscribe_form()
        return await pages.subscribe(form, f"{settings.service_url}/subscribe")

    async def confirm(request: Request, form: Form) -> Page:
        if form is None:
            return pages.confirm_form()
        return await pages.confirm(web.first(parse_qs(request.url.query, max_num_fields=5), "t")[:64])

    async def preferences(request: Request, form: Form) -> Page:
        query = parse_qs(request.url.query, max_num_fields=5)
        address = await pages.who(web.first(query, "t")[:64], web.first(query, "p")[:64])
        if address is None:
            return pages.wrong_link()
        return await pages.preferences(address, form)

    async def accessibility(request: Request, form: Form) -> Page:
        return pages.accessibility()

    async def limited(request: Request) -> Response:
        """Every page: the client's rate, the form's size, then the page (or the one that says to try again)."""
        client = request.client.host if request.client else "-"
        if not buckets.allow(client):
            return PlainTextResponse("Too many requests; try again in a minute.\n", 429, {**HEADERS, "Retry-After": "60"})
        form = await _posted(request, limits.max_form) if request.method == "POST" else None
        if isinstance(form, Response):
            return form
        try:
            status, text = await handlers[request.scope["path"]](request, form)
        except (OSError, BulletinError, ValueError) as exc:
            log.error("the service cannot use the store %s: %s", store.where, exc)
            status, text = pages.unavailable()
        return HTMLResponse(text, status, HEADERS)

    route = urlsplit(sending.unsubscribe_base_url).path.rstrip("/") or "/"  # as the links are made (Unsubscribe)
    base = urlsplit(settings.service_url).path.rstrip("/")
    handlers = {f"{base}/{name}": handler for name, handler in (
        ("subscribe", subscribe), ("confirm", confirm), ("preferences", preferences), ("accessibility", accessibility))}
    handlers.pop(route, None)  # the unsubscribe link's path is its own
    if not sending.from_:  # confirmation mails need a sender: without one, nobody can sign up or move
        log.info("sign-up is off: set [sending] from, the address confirmation mails are sent from")
        handlers.pop(f"{base}/subscribe")
        handlers.pop(f"{base}/confirm")
    log.info("unsubscribe service at %s, pages under %s/, writing to %s", route, base, store.where)
    app = Starlette(routes=[Route(route, endpoint, methods=["GET", "HEAD", "POST"]),
                            *(Route(path, limited, methods=["GET", "HEAD", "POST"]) for path in handlers)])
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


def _asked_language(query: str, /) -> str:
    """The ``lang`` of a link's query ("" when it has none or the query is not a link's)."""
    try:
        return web.first(parse_qs(query, max_num_fields=20), "lang")[:16]
    except ValueError:
        return ""




async def _posted(request: Request, limit: int) -> dict[str, list[str]] | Response:
    """The fields a form posted, or the response to a body too large or cut short."""
    from starlette.requests import ClientDisconnect  # noqa: PLC0415
    from starlette.responses import PlainTextResponse, Response  # noqa: PLC0415

    try:
        body = await _body(request, limit)
    except ClientDisconnect:
        return Response(status_code=400)
    if body is None:
        return PlainTextResponse("Request too large.\n", 413, HEADERS)
    return _form(body, request.headers.get("content-type", ""), fields=100)


def _form(body: bytes, content_type: str, *, fields: int = 20) -> dict[str, list[str]]:
    """The fields of a urlencoded or multipart/form-data body (the two forms RFC 8058 clients send)."""
    if content_type.lower().startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body)
        found: dict[str, list[str]] = {}
        for part in message.iter_parts() if message.is_multipart() else ():
            name = part.get_param("name", header="content-disposition")
            content = part.get_content() if part.get_content_maintype() == "text" else ""
            if isinstance(name, str) and isinstance(content, str):
                found.setdefault(name, []).append(content.strip())
        return found
    try:
        return parse_qs(body.decode("utf-8"), max_num_fields=fields)
    except (UnicodeDecodeError, ValueError):  # not UTF-8, or more fields than any form sends
        return {}


def app_from_environment() -> Starlette:
    """The service for the settings file named by ``SOC_BULLETIN_CONFIG`` (else found from the working directory)."""
    settings = load_settings(os.environ.get("SOC_BULLETIN_CONFIG") or None)
    return create_app(settings, open_store(settings))  # open for the life of the process
