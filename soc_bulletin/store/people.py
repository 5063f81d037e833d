"""What the store keeps about people themselves: confirmed sign-ups, everyone's preferences, pending requests.

- :class:`Person`: one address's own record. A confirmed sign-up (``origin`` "signup", with its consent), an address
  someone moved to ("moved"), or a list member's preferences ("list": the details they changed, their language, a
  pause). A list member's record wins over the partner's CSV row, so a preference survives the next import.
- :class:`Request`: a sign-up or a change of address waiting for the confirmation mail's link. Only a digest of the
  link's token is kept (a copy of the store cannot confirm anything), and it expires.

The SQL lives with each backend; this module is the shape of the data and how it becomes a subscriber.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..audience.subscribers import Subscriber

__all__ = ["CONFIRM_DAYS", "ORIGINS", "Person", "Request", "token_digest", "with_people"]

#: how long a confirmation link works
CONFIRM_DAYS = 7
#: where a person's record came from
ORIGINS = ("signup", "moved", "list")


def token_digest(token: str, /) -> str:
    """What the store keeps of a confirmation link's token."""
    return hashlib.sha256(f"soc-bulletin request\n{token}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Person:
    """One address's own record; see the module's docstring. ``paused_until`` is an ISO date (mail resumes that day);
    ``consent`` (sign-ups) says when, on which page and with which wording they agreed."""

    address: str
    origin: str = "signup"
    name: str = ""
    organisation: str = ""
    region: str = ""
    tags: frozenset[str] = frozenset()
    language: str = ""
    paused_until: str = ""
    consent: dict[str, str] = field(default_factory=dict)
    updated: float = 0.0

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"unknown origin {self.origin!r}; one of {', '.join(ORIGINS)}")
        if not isinstance(self.tags, frozenset):
            object.__setattr__(self, "tags", frozenset(self.tags))

    @property
    def key(self) -> str:
        """The address compared case-insensitively (as a :class:`Subscriber`'s)."""
        return self.address.casefold()

    def paused_on(self, day: dt.date, /) -> bool:
        """Whether mail to this person is paused on ``day``."""
        return bool(self.paused_until) and day.isoformat() < self.paused_until

    def details(self) -> str:
        """The details as kept in the store (JSON)."""
        return json.dumps({"name": self.name, "organisation": self.organisation, "region": self.region,
                           "tags": sorted(self.tags), "language": self.language}, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_row(cls, address: str, origin: str, details: str, paused_until: str, consent: str, updated: float) -> Person:
        """A person from the store's columns."""
        found: dict[str, Any] = json.loads(details or "{}")
        return cls(address=address, origin=origin, name=str(found.get("name", "")),
                   organisation=str(found.get("organisation", "")), region=str(found.get("region", "")),
                   tags=frozenset(str(t) for t in found.get("tags", ())), language=str(found.get("language", "")),
                   paused_until=paused_until, consent=json.loads(consent) if consent else {}, updated=float(updated))

    def row(self) -> tuple[str, str, str, str, str, str, float]:
        """(key, address, origin, details, paused_until, consent, updated) as the store keeps them."""
        consent = json.dumps(self.consent, sort_keys=True, ensure_ascii=False) if self.consent else ""
        return self.key, self.address, self.origin, self.details(), self.paused_until, consent, self.updated

    def subscriber(self) -> Subscriber:
        """This person as a list's subscriber (what segments and sending see)."""
        attributes = (("language", self.language),) if self.language else ()
        return Subscriber(email=self.address, name=self.name, organisation=self.organisation, region=self.region,
                          tags=self.tags, attributes=attributes)

    def over(self, listed: Subscriber, /) -> Subscriber:
        """A list member as their own record says: the details they chose win over the CSV row's."""
        attributes = dict(listed.attributes)
        if self.language:
            attributes["language"] = self.language
        return replace(listed, name=self.name or listed.name, organisation=self.organisation or listed.organisation,
                       region=self.region or listed.region, tags=self.tags or listed.tags,
                       attributes=tuple(attributes.items()))

    @classmethod
    def of(cls, subscriber: Subscriber, /, *, origin: str = "list") -> Person:
        """A record holding what a list says of ``subscriber`` (the start of their preferences)."""
        return cls(address=subscriber.email, origin=origin, name=subscriber.name, organisation=subscriber.organisation,
                   region=subscriber.region, tags=subscriber.tags, language=subscriber.attribute("language"))


@dataclass(frozen=True, slots=True)
class Request:
    """A request waiting for its confirmation link: ``kind`` "signup" (``person`` is who signs up) or "move"
    (``person`` is the record to move, ``address`` the new address)."""

    kind: str
    address: str
    person: Person
    created: float
    expires: float

    @property
    def key(self) -> str:
        """The address the confirmation mail went to, compared case-insensitively."""
        return self.address.casefold()

    def payload(self) -> str:
        """The person, as the store keeps it beside the request (JSON)."""
        key, address, origin, details, paused_until, consent, updated = self.person.row()
        return json.dumps([address, origin, details, paused_until, consent, updated], ensure_ascii=False)

    @classmethod
    def from_row(cls, kind: str, address: str, payload: str, created: float, expires: float) -> Request:
        """A request from the store's columns."""
        person = Person.from_row(*json.loads(payload))
        return cls(kind=kind, address=address, person=person, created=float(created), expires=float(expires))


def with_people(listed: Sequence[Subscriber], people: Iterable[Person], day: dt.date, /) -> tuple[tuple[Subscriber, ...], int]:
    """Who a send on ``day`` is for: the lists' subscribers as their own records say, then the confirmed sign-ups and
    moved addresses that no list holds; anyone paused on ``day`` is left out. Returns them and how many were paused.

    A list member's record whose address has left every list makes nobody a subscriber: the partner removed them.
    """
    records = {person.key: person for person in people}
    chosen: list[Subscriber] = []
    paused = 0
    for subscriber in listed:
        person = records.pop(subscriber.key, None)
        if person is not None and person.paused_on(day):
            paused += 1
        else:
            chosen.append(person.over(subscriber) if person is not None else subscriber)
    for person in records.values():
        if person.origin == "list":
            continue
        if person.paused_on(day):
            paused += 1
        else:
            chosen.append(person.subscriber())
    return tuple(chosen), paused
