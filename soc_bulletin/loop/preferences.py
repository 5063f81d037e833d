"""The preference page: what it shows a person, and what each of its forms does.

Each form posts ``action`` (details, pause, resume, move, unsubscribe, resubscribe) back to the page's own URL,
whose token says who the person is. A list member's changes become their own record in the store, which wins over
the partner's next CSV export; a pause leaves them out of every send until the day it ends.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..store.people import Person
from . import web
from .signup import Details, details_fields, read_address, read_details

if TYPE_CHECKING:
    from .selfservice import Page, SelfService

__all__ = ["act", "page"]

MAX_PAUSE_DAYS = 366
#: the suppressions a person may take back themselves (a bounce or a complaint needs a confirmed sign-up)
OWN_SOURCES = ("one-click", "mail", "preferences")


async def act(service: SelfService, address: str, form: Mapping[str, Sequence[str]], /) -> tuple[str, dict[str, str]]:
    """Carry out the form's ``action`` for ``address``: (a notice of what was done, or problems by field)."""
    store = service.store
    action = web.first(form, "action")
    now = time.time()

    def current() -> Person:
        person = store.person(address)
        if person is not None:
            return person
        listed = service.listed(address)
        return Person.of(listed) if listed is not None else Person(address, origin="list")

    if action == "details":
        details, errors = read_details(form, service.choices)
        if errors:
            return "", errors
        await service.run(lambda: store.save_person(replace(details.onto(current()), updated=now)))
        return "Your details are saved. They are used from the next bulletin.", {}
    if action == "pause":
        until, problem = _pause_until(web.first(form, "until"))
        if problem:
            return "", {"until": problem}
        await service.run(lambda: store.save_person(replace(current(), paused_until=until, updated=now)))
        return f"The bulletin is paused. It starts again on {_day(until)}.", {}
    if action == "resume":
        await service.run(lambda: store.save_person(replace(current(), paused_until="", updated=now)))
        return "The bulletin is no longer paused.", {}
    if action == "move":
        new, errors = read_address(web.first(form, "new_email"), field="new_email")
        if errors:
            return "", errors
        if new.casefold() == address.casefold():
            return "", {"new_email": "Enter an address that is not the one you have now"}
        person = await service.run(current)
        if not await service._mail_request("move", new, person, now):
            return "", {"new_email": "The confirmation could not be sent. Please try again in a few minutes"}
        return (f"We have sent a link to {new}. Your address changes when you open it and confirm. Until then, the "
                "bulletin goes to this address."), {}
    if action == "unsubscribe":
        await service.run(lambda: store.suppress(address, "unsubscribed", source="preferences"))
        return "You are unsubscribed. You will not receive the bulletin at this address any more.", {}
    if action == "resubscribe":
        await service.run(lambda: [store.lift(address, source=source) for source in OWN_SOURCES])
        return "You are subscribed again.", {}
    return "", {"action": "Choose one of the buttons on this page"}


def _pause_until(value: str) -> tuple[str, str]:
    """The ISO day a pause ends, or a problem with what was typed."""
    if not value:
        return "", "Enter the date the bulletin should start again, like 2027-03-01"
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return "", "Enter a real date, like 2027-03-01"
    today = dt.date.today()
    if day <= today:
        return "", "The date must be in the future"
    if day > today + dt.timedelta(days=MAX_PAUSE_DAYS):
        return "", "You can pause for up to a year"
    return day.isoformat(), ""


def _day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def page(service: SelfService, address: str, person: Person, suppressed: bool, notice: str, errors: Mapping[str, str],
         form: Mapping[str, Sequence[str]], /) -> Page:
    """The preference page of ``address``."""
    parts = [web.error_summary(errors)]
    if notice:
        parts.append(web.notice(notice))
    if suppressed:
        parts.append(web.paragraph(f"You are unsubscribed: the bulletin is not sent to {address}."))
        parts.append(web.button_form("Subscribe again", {"action": "resubscribe"}))
        parts.append(web.paragraph("If it still does not arrive, ") + web.link(f"{service.base}/subscribe", "subscribe again")
                     + " to confirm your address.")
        return service.respond("Manage your subscription", "".join(parts), status=400 if errors else 200, error=bool(errors))
    status = f"The bulletin is sent to {address}."
    if person.paused_on(dt.date.today()):
        status += f" It is paused until {_day(person.paused_until)}."
    parts.append(web.paragraph(status))
    details = Details.of(person)
    if errors and web.first(form, "action") == "details":
        details = read_details(form, service.choices)[0]  # what was typed, with its problems
    parts += [
        "<h2>Your details</h2>\n",
        web.button_form("Save your details", {"action": "details"},
                        inner=details_fields(service.choices, details, errors if web.first(form, "action") == "details" else {})),
        "<h2>Pause the bulletin</h2>\n",
        web.button_form("Pause", {"action": "pause"}, inner=web.text_field(
            "until", "Start again on", web.first(form, "until"), error=errors.get("until", ""), kind="date",
            hint="For example, 2027-03-01. Up to a year from today.")),
    ]
    if person.paused_until:
        parts.append(web.button_form("Start again now", {"action": "resume"}, secondary=True))
    parts += [
        "<h2>Change your email address</h2>\n",
        web.button_form("Send a confirmation link", {"action": "move"}, inner=web.text_field(
            "new_email", "Your new email address", web.first(form, "new_email"), error=errors.get("new_email", ""), kind="email",
            autocomplete="email", hint="We send a link to the new address; the change happens when you open it.")),
        "<h2>Unsubscribe</h2>\n",
        web.paragraph("Stop receiving the bulletin at this address."),
        web.button_form("Unsubscribe", {"action": "unsubscribe"}),
    ]
    return service.respond("Manage your subscription", "".join(parts), status=400 if errors else 200, error=bool(errors))
