"""What the sign-up and preference forms ask, how their answers are read, and the mail that confirms an address.

The forms ask for the address, a name, the organisation, and what the segments
select on (``subscribers/segments.yaml``): the regions and tags they name, as
written there, so a new subscriber falls into the right segments. Consent is
recorded with the version of the wording the person was shown (a digest of
:data:`WORDING`: change the text and the version changes with it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from ..audience.segments import Segments
from ..config import Settings
from ..send.message import OutgoingMessage
from ..store.people import CONFIRM_DAYS, Person
from . import web

__all__ = ["LANGUAGES", "WORDING", "WORDING_VERSION", "Choices", "Details", "bulletin_name", "confirmation_mail", "details_fields", "read_address",
           "read_details"]

#: what the sign-up form tells people their data is for (its digest is recorded with their consent)
WORDING = ("We use your email address, name, organisation and the choices below only to send you the bulletin. We keep "
           "them until you unsubscribe or ask us to delete them. Every bulletin has links to change your details, "
           "pause, or unsubscribe.")
WORDING_VERSION = hashlib.sha256(WORDING.encode()).hexdigest()[:12]
#: the languages a person may choose ("" = the issue's main language)
LANGUAGES = (("", "No preference"), ("en", "English"), ("cy", "Cymraeg (Welsh)"), ("both", "Both English and Welsh"))
_MOST = 200  # characters in a name or an organisation


@dataclass(frozen=True, slots=True)
class Choices:
    """The regions and tags a form offers (from the segments' definitions)."""

    regions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @classmethod
    def of(cls, segments: Segments, /) -> Choices:
        """What ``segments`` select on."""
        return cls(tuple(segments.named("region")), tuple(segments.named("tag")))


def read_address(value: str, /, *, field: str = "email") -> tuple[str, dict[str, str]]:
    """The normalised address typed in ``field``, or "" and the problem with it."""
    value = value.strip()
    if not value:
        return "", {field: "Enter your email address"}
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - 25 ms, only when an address is read
    try:
        return validate_email(value, check_deliverability=False).normalized, {}
    except EmailNotValidError:
        return "", {field: "Enter an email address in the correct format, like name@example.org"}


@dataclass(frozen=True, slots=True)
class Details:
    """What a person says about themselves on a form."""

    name: str = ""
    organisation: str = ""
    region: str = ""
    tags: frozenset[str] = frozenset()
    language: str = ""

    def onto(self, person: Person, /) -> Person:
        """``person`` with these details."""
        return replace(person, name=self.name, organisation=self.organisation, region=self.region, tags=self.tags,
                       language=self.language)

    @classmethod
    def of(cls, person: Person, /) -> Details:
        """The details ``person`` has now."""
        return cls(person.name, person.organisation, person.region, person.tags, person.language)


def read_details(form: Mapping[str, Sequence[str]], choices: Choices, /) -> tuple[Details, dict[str, str]]:
    """The name, organisation, region, tags and language a form sent, and a problem per field that is wrong."""
    def one(name: str) -> str:
        return " ".join(web.first(form, name).split())

    name, organisation, region, language = one("name"), one("organisation"), one("region"), one("language")
    by_fold = {r.casefold(): r for r in choices.regions}
    offered = {t.casefold(): t for t in choices.tags}
    ticked = [" ".join(t.split()) for t in form.get("tags", ())]
    errors = _text_errors(name, organisation)
    if region and region.casefold() not in by_fold:
        errors["region"] = "Choose a region from the list"
    if any(t.casefold() not in offered for t in ticked):
        errors["tags"] = "Choose from the areas listed"
    if language not in dict(LANGUAGES):
        errors["language"] = "Choose a language from the list"
    details = Details(name, organisation, by_fold.get(region.casefold(), ""),
                      frozenset(offered[t.casefold()] for t in ticked if t.casefold() in offered),
                      language if language in dict(LANGUAGES) else "")
    return details, errors


def _text_errors(name: str, organisation: str) -> dict[str, str]:
    """A problem for a name or organisation too long or holding control characters, or an organisation left out."""
    errors: dict[str, str] = {}
    for field, label, value in (("name", "Your name", name), ("organisation", "Your organisation", organisation)):
        if len(value) > _MOST:
            errors[field] = f"{label} must be {_MOST} characters or fewer"
        elif any(not c.isprintable() for c in value):
            errors[field] = f"{label} must not contain control characters"
    if not organisation and "organisation" not in errors:
        errors["organisation"] = "Enter the organisation you work for"
    return errors


def details_fields(choices: Choices, details: Details, errors: Mapping[str, str], /) -> str:
    """The fields of a person's details, filled with ``details``."""
    name, organisation, region, tags, language = (details.name, details.organisation, details.region, details.tags,
                                                  details.language)
    parts = [
        web.text_field("name", "Your name", name, error=errors.get("name", ""), autocomplete="name",
                       hint="So the bulletin can greet you by name (optional)"),
        web.text_field("organisation", "Your organisation", organisation, error=errors.get("organisation", ""),
                       autocomplete="organization", hint="For example, a police force, council or charity"),
    ]
    if choices.regions:
        parts.append(web.select("region", "Where you work", [("", "Choose a region (optional)"),
                                                           *((r, r) for r in choices.regions)], region,
                                error=errors.get("region", "")))
    if choices.tags:
        parts.append(web.checkboxes("tags", "The areas you work in", choices.tags, tags, error=errors.get("tags", ""),
                                    hint="Choose all that apply; the bulletin's articles for them are sent to you"))
    parts.append(web.select("language", "Language", LANGUAGES, language, error=errors.get("language", "")))
    return "".join(parts)


def bulletin_name(settings: Settings, /) -> str:
    """The bulletin's name as the pages and mails say it: the display name of ``[sending] from``."""
    return parseaddr(settings.sending.from_)[0] or settings.sending.list_id or "the bulletin"


def confirmation_mail(settings: Settings, /, *, to: str, link: str, kind: str, now: dt.datetime) -> OutgoingMessage:
    """The mail asking ``to`` to confirm a sign-up (``kind`` "signup") or a new address ("move") by following
    ``link``."""
    sender = settings.sending.from_
    address = parseaddr(sender)[1]
    name = bulletin_name(settings)
    if kind == "move":
        subject = f"Confirm your new address for {name}"
        opening = f"Someone asked for {name} to be sent to this address instead of their old one."
        action = "To confirm the change, open this link and choose the button"
    else:
        subject = f"Confirm your subscription to {name}"
        opening = f"Someone asked for {name} to be sent to this address."
        action = "To confirm, open this link and choose the button"
    text = (f"{opening}\n\n{action} (it works for {CONFIRM_DAYS} days):\n\n{link}\n\n"
            "If it was not you, ignore this message: nothing is sent to you unless you confirm.\n")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message_id = make_msgid(domain=address.rpartition("@")[2] or "localhost")
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message.set_content(text)
    envelope = settings.sending.envelope_sender or address
    return OutgoingMessage(envelope, to, message_id, message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
