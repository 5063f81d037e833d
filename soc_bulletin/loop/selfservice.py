"""Subscribers looking after themselves: sign-up with double opt-in, confirmation, and the preference page.

- ``subscribe``: the form; a valid one makes a request (kept as a digest of its token, for
  :data:`~soc_bulletin.store.people.CONFIRM_DAYS` days) and mails its link to the address. The answer is the same
  page whoever the address belongs to: nothing here looks up whether it is subscribed. At most
  :data:`PER_HOUR` mails an hour (and :data:`PER_DAY` a day) go to one address, whoever asks.
- ``confirm``: a GET shows a button (mail scanners fetch links); the POST takes the request (a link works once) and
  only then is the person a subscriber, with their consent recorded. Confirming proves the address is theirs, so it
  lifts the address's suppressions (an earlier unsubscribe, a bounce, an erasure); an unsubscribe after it
  suppresses again.
- ``preferences``: reached from a bulletin's footer (``?t=<link token>&p=<its preference half>``): details, a pause,
  a new address (confirmed by a mail to it; the old one is then suppressed as "moved"), unsubscribing, and
  subscribing again. A wrong link gets one page that tells nothing.

Everything is written to the store only. Pages come from :mod:`.web`.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from ..audience.subscribers import Subscriber, read_subscribers
from ..audience.suppression import SOURCES, suppression_key
from ..config import Settings
from ..content.wording import wording
from ..errors import SendError
from ..send.transports import Transport
from ..send.unsubscribe import Unsubscribe
from ..store.base import Store
from ..store.people import CONFIRM_DAYS, Person, Request, token_digest
from ..store.privacy import iso_time
from . import web
from .signup import (
    WORDING,
    WORDING_VERSION,
    Choices,
    bulletin_name,
    confirmation_mail,
    details_fields,
    read_address,
    read_details,
)

__all__ = ["PER_DAY", "PER_HOUR", "Page", "SelfService"]

log = logging.getLogger(__name__)

PER_HOUR, PER_DAY = 3, 10  # confirmation mails to one address
_T = TypeVar("_T")
#: a page: (status, HTML)
Page = tuple[int, str]


class SelfService:
    """The pages' logic for one project: ``transport`` carries the confirmation mails."""

    def __init__(self, settings: Settings, store: Store, transport: Transport, unsubscribe: Unsubscribe,
                 choices: Choices) -> None:
        self.settings, self.store, self.transport, self.unsubscribe, self.choices = settings, store, transport, unsubscribe, choices
        self.base = settings.service_url
        self.name = bulletin_name(settings)
        self._lock = threading.Lock()  # the store's connection is shared by the worker threads (the one-click writes too)
        self._list: tuple[tuple[Path, float], dict[str, Subscriber]] | None = None

    async def run(self, work: Callable[[], _T]) -> _T:
        """``work`` (store calls) in a worker thread, one at a time."""
        from starlette.concurrency import run_in_threadpool  # noqa: PLC0415 - Starlette is loaded by the service


        def locked() -> _T:
            with self._lock:
                return work()

        return await run_in_threadpool(locked)

    def footer(self, lang: str = "en") -> str:
        """What every page ends with (in ``lang``)."""
        _ = wording(lang)
        return web.link(f"{self.base}/accessibility", _("Accessibility statement"))

    def respond(self, title: str, body: str, *, status: int = 200, error: bool = False,
                heading: str | None = "") -> Page:
        """A page of the service."""
        return status, web.frame(title, body, heading=heading, error=error, footer=self.footer())

    # -- sign-up -------------------------------------------------------------------------------

    def subscribe_form(self, values: Mapping[str, Sequence[str]] | None = None, errors: Mapping[str, str] | None = None) -> Page:
        """The sign-up form (with what was typed and its problems, when it came back)."""
        errors = errors or {}
        typed = values or {}
        inner = (web.text_field("email", "Email address", (typed.get("email") or [""])[0], error=errors.get("email", ""),
                                kind="email", autocomplete="email", required=True)
                 + details_fields(self.choices, read_details(typed, self.choices)[0], errors) + web.paragraph(WORDING))
        body = (web.error_summary(errors) + web.paragraph(f"Get {self.name} by email. We send a link to your address "
                                                          "first: nothing is sent until you confirm.")
                + web.button_form("Subscribe", inner=inner))
        return self.respond(f"Subscribe to {self.name}", body, status=400 if errors else 200, error=bool(errors))

    async def subscribe(self, form: Mapping[str, Sequence[str]], client_page: str) -> Page:
        """A sign-up form sent: a request and its mail, or the form again with its problems."""
        address, errors = read_address((form.get("email") or [""])[0])
        details, detail_errors = read_details(form, self.choices)
        errors |= detail_errors
        if errors:
            return self.subscribe_form(form, errors)
        now = time.time()
        consent = {"given": iso_time(now), "wording": WORDING_VERSION, "page": client_page}
        person = details.onto(Person(address, origin="signup", consent=consent))
        if not await self._mail_request("signup", address, person, now):
            return self.unavailable()
        return self.respond("Check your email", web.paragraph(
            f"If {address} can receive {self.name}, we have sent it a link to confirm. The link works for {CONFIRM_DAYS} "
            "days. If nothing arrives in a few minutes, check your junk folder."))

    async def _mail_request(self, kind: str, address: str, person: Person, now: float) -> bool:
        """Keep a request and mail its link, unless the address had its share of mails; False when the mail could not
        be handed over (nothing is kept then)."""
        token = secrets.token_urlsafe(32)
        digest = token_digest(token)

        def keep() -> bool:
            if (self.store.requests_since(address, now - 3600) >= PER_HOUR
                    or self.store.requests_since(address, now - 86_400) >= PER_DAY):
                return False
            self.store.add_request(digest, Request(kind, address, person, now, now + CONFIRM_DAYS * 86_400))
            return True

        if not await self.run(keep):
            log.info("a confirmation mail was not sent: the address had its share this hour or day")
            return True  # the same answer: the limit says nothing about the address either
        mail = confirmation_mail(self.settings, to=address, link=f"{self.base}/confirm?t={token}", kind=kind,
                                 now=dt.datetime.fromtimestamp(now, dt.UTC))
        try:
            await self.transport.send(mail)
        except SendError as exc:
            log.error("a confirmation mail could not be handed over: %s", exc.__class__.__name__)
            await self.run(lambda: self.store.take_request(digest, now))
            return False
        return True

    def unavailable(self) -> Page:
        """The page when a request could not be carried out (the store, or the mail, could not be used)."""
        return self.respond("Please try again", web.paragraph(
            "Your request could not be completed. Nothing was changed. Please try again in a few minutes."), status=503)

    def accessibility(self) -> Page:
        """The accessibility statement."""
        from ..site.accessibility import statement

        contact = self.settings.service.contact or self.settings.sending.from_
        return self.respond("Accessibility statement", statement(contact), heading=None)

    # -- confirmation --------------------------------------------------------------------------

    def confirm_form(self) -> Page:
        """What a confirmation link shows: a button (following the link changes nothing)."""
        return self.respond("Confirm your email address", web.paragraph("Choose the button to confirm.")
                          + web.button_form("Confirm"))

    async def confirm(self, token: str) -> Page:
        """Carry out the request whose link this is."""
        now = time.time()

        def take() -> tuple[Request | None, str]:
            request = self.store.take_request(token_digest(token), now) if token else None
            if request is None:
                return None, ""
            if request.kind == "move":
                old = request.person
                moved = replace(old, address=request.address, origin="moved" if old.origin == "list" else old.origin,
                                updated=now)
                self.store.save_person(moved)
                if old.key != moved.key:
                    self.store.remove_person(old.address)
                    self.store.suppress(old.address, "moved to a new address", source="moved")
            else:
                self.store.save_person(replace(request.person, consent={**request.person.consent, "confirmed": iso_time(now)},
                                               updated=now))
            self._lift_all(request.address)
            return request, self._preferences_link(request.address)

        request, manage = await self.run(take)
        if request is None:
            return self.respond("This link has expired", web.paragraph(
                f"A confirmation link works once, for {CONFIRM_DAYS} days. ")
                + web.paragraph("To get the bulletin, ") + web.link(f"{self.base}/subscribe", "subscribe again"), status=400)
        title = "Your address is changed" if request.kind == "move" else "You are subscribed"
        return self.respond(title, web.paragraph(f"The next {self.name} goes to {request.address}.")
                          + f"<p>{web.link(manage, 'Manage your subscription')}</p>\n")

    def _lift_all(self, address: str) -> None:
        for source in SOURCES:
            self.store.lift(address, source=source)

    def _preferences_link(self, address: str) -> str:
        self.store.remember_links([(self.unsubscribe.token(address), address)])
        return self.unsubscribe.links(address).preferences

    # -- preferences ---------------------------------------------------------------------------

    async def who(self, token: str, mac: str) -> str | None:
        """The address a preference link was made for; None for a link we did not make."""
        if not token or not mac or not self.unsubscribe.verify_preferences(token, mac):
            return None
        return await self.run(lambda: self.store.address_of_link(token))

    def wrong_link(self) -> Page:
        """The one page every link we did not make gets."""
        return self.respond("This link does not work", web.paragraph(
            "Use the \u201cManage your subscription\u201d link in your latest bulletin, or ")
            + web.link(f"{self.base}/subscribe", "subscribe again"), status=404)

    def listed(self, address: str) -> Subscriber | None:
        """The row of ``address`` in the project's list (read again when the file changes; call it in :meth:`run`)."""
        path = self.settings.resolve(self.settings.sending.subscribers)
        try:
            stamp = (path, path.stat().st_mtime)
        except OSError:
            return None
        if self._list is None or self._list[0] != stamp:
            report = read_subscribers(path)
            self._list = (stamp, {s.key: s for s in report.subscribers})
        return self._list[1].get(address.casefold())

    async def preferences(self, address: str, form: Mapping[str, Sequence[str]] | None = None) -> Page:
        """The preference page of ``address``; ``form``: what one of its forms sent."""
        from .preferences import act, page

        notice, errors = "", dict[str, str]()
        if form is not None:
            notice, errors = await act(self, address, form)
        def state() -> tuple[Person, bool]:
            person = self.store.person(address) or Person.of(self.listed(address) or Subscriber(address), origin="list")
            return person, bool(self.store.suppressed_keys([suppression_key(address)]))

        person, suppressed = await self.run(state)
        return page(self, address, person, suppressed, notice, errors, form or {})

