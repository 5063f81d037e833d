"""Machine-readable reports: delivery status notifications (RFC 3464), feedback reports (ARF, RFC 5965)
and Amazon SES notifications (JSON in the body).

Each reader returns None when the message holds no report of its kind.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import Message
from typing import Any

from .mime import addresses_in, clean_address, field_blocks, header_addresses, own_parts, part_text, returned_headers
from .verdict import Failure

__all__ = ["Complaint", "DeliveryStatus", "STATUS", "best_status", "delivery_status", "delivery_status_in_text", "feedback_report",
           "permanence", "status_in", "ses_notification"]

#: an enhanced status code (RFC 3463)
STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
#: what stands just before a status where a status is: a reply code, ``#`` or a bracket, a field or word naming it,
#: the start of a line; never a version number (``Mailer 2.0.13``), a release or a date
_BEFORE_STATUS = re.compile(r"(?:\b[245]\d\d[ -]?|[#(\[<=]|\b(?:status|code|smtp|error|reason|said|x-postfix)\s*[:;=]?|^)[ \t]*$",
                            re.I | re.M)
_REPLY = re.compile(r"(?<![\d.])([245])\d\d(?=[ -]|$)")
_NOT_FAILED = {"delivered", "relayed", "expanded"}


@dataclass(frozen=True, slots=True)
class Complaint:
    """A feedback report: its type (abuse, opt-out, auth-failure...) and the recipients it names."""

    feedback_type: str
    recipients: tuple[str, ...]


def _payload_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the parser split the report into header blocks
        return "\n\n".join(str(block) for block in payload if isinstance(block, Message))
    return part_text(part)


def status_in(text: str, /, *, classes: str = "245") -> str | None:
    """The first enhanced status code of one of ``classes`` in ``text`` that stands where a status does."""
    for found in STATUS.finditer(text):
        if found[1] in classes and _BEFORE_STATUS.search(text, max(0, found.start() - 24), found.start()):
            return found.group(0)
    return None


def permanence(status: str | None, diagnostic: str, action: str = "") -> bool:
    """Whether a failure is permanent: a report that delivery failed (abandoned, whatever the status class; RFC 3464),
    else by its status class, else its SMTP reply code, else its action."""
    if action == "failed":
        return True
    if status:
        return status.startswith("5")
    found = _REPLY.search(diagnostic)
    if found:
        return found[1] == "5"
    return action != "delayed"


def best_status(status: str, diagnostic: str) -> str | None:
    """The most precise status: the report's, or a more specific one of the same class in the diagnostic."""
    given = STATUS.search(status)
    said = status_in(diagnostic)
    if given and said and said[0] == given[1] and given[2] == "0" and given[3] == "0":  # 5.0.0 beside a 5.1.1
        return said
    return given.group(0) if given else said


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """What a DSN reports: the failed and delayed recipients, and how many it reports delivered or relayed."""

    failures: tuple[Failure, ...]
    succeeded: int


def delivery_status(message: Message, /, *, nested: bool = False) -> DeliveryStatus | None:
    """The report of a DSN; None when the message holds no delivery-status part.

    With ``nested``, a report inside an attached message counts too (a bounce forwarded by a person or a relay).
    """
    kinds = ("message/delivery-status", "message/global-delivery-status")
    parts = [p for p in (message.walk() if nested else own_parts(message)) if p.get_content_type() in kinds]
    if not parts:
        return None
    failures: list[Failure] = []
    succeeded = 0
    for part in parts:
        for block in _recipient_blocks(_payload_text(part)):
            failure = _failure(block)
            if failure is None:
                succeeded += _succeeded(block)
            elif failure.address.casefold() not in {f.address.casefold() for f in failures}:
                failures.append(failure)
    return DeliveryStatus(tuple(failures), succeeded)


def _succeeded(block: dict[str, str]) -> int:
    action = block.get("action", "").strip().casefold().split(" ")[0]
    return int(action in _NOT_FAILED or block.get("status", "").strip().startswith("2"))


def delivery_status_in_text(text: str, /) -> list[Failure]:
    """The failed recipients of delivery-status fields written into the text of a message (a broken report)."""
    if not re.search(r"^[ \t]*final-recipient[ \t]*:", text, re.I | re.M):
        return []
    failures: list[Failure] = []
    for block in _recipient_blocks(text):
        failure = _failure(block)
        if failure is not None and failure.address.casefold() not in {f.address.casefold() for f in failures}:
            failures.append(failure)
    return failures


def _recipient_blocks(text: str) -> list[dict[str, str]]:
    """One field mapping per recipient, even when a server left out the blank lines between them."""
    blocks: list[dict[str, str]] = []
    for fields in field_blocks(text):
        current: dict[str, str] = {}
        for name, value in fields:
            if name in ("final-recipient", "original-recipient") and name in current:
                blocks.append(current)
                current = {}
            current.setdefault(name, value)
        if "final-recipient" in current or "original-recipient" in current or "x-actual-recipient" in current:
            blocks.append(current)
    return blocks


def _failure(block: dict[str, str]) -> Failure | None:
    address, final = _recipient(block)
    action = block.get("action", "").strip().casefold().split(" ")[0]
    diagnostic = _diagnostic(block)
    status = best_status(block.get("status", ""), diagnostic)
    if not address or action in _NOT_FAILED or (status or "").startswith("2"):
        return None
    if not action and status is None and not diagnostic:
        return None
    return Failure(address, status, permanence(status, diagnostic, action), diagnostic[:300], final)


def _recipient(block: dict[str, str]) -> tuple[str, str]:
    """The address we sent to, when the report gives it (not an Exchange-internal IMCEA... form of it), and the
    address where delivery failed when it is another one ("" when not)."""
    named = [clean_address(block.get(name, "").partition(";")[2] or block.get(name, ""))
             for name in ("original-recipient", "final-recipient", "x-actual-recipient")]
    address = next((a for a in named if a and not a.upper().startswith("IMCEA")), "") or next((a for a in named if a), "")
    final = next((a for a in reversed(named[1:]) if a and a.casefold() != address.casefold()), "")
    return address, final


def _diagnostic(block: dict[str, str]) -> str:
    """The Diagnostic-Code's text, without its type (``smtp;``), on one line."""
    diagnostic = block.get("diagnostic-code", "")
    return " ".join((diagnostic.partition(";")[2] if ";" in diagnostic[:12] else diagnostic).split())


def feedback_report(message: Message, /) -> Complaint | None:
    """The complaint of an ARF report; None when the message holds no feedback-report part."""
    part = next((p for p in own_parts(message) if p.get_content_type() == "message/feedback-report"), None)
    if part is None:
        return None
    fields = [f for block in field_blocks(_payload_text(part)) for f in block]
    feedback_type = next((v.casefold().split()[0] for n, v in fields if n == "feedback-type" and v.split()), "abuse")
    recipients = [clean_address(v) for n, v in fields if n in ("original-rcpt-to", "removal-recipient")]
    if not any(recipients):
        recipients = header_addresses(returned_headers(message), "To")
    return Complaint(feedback_type, tuple(dict.fromkeys(r for r in recipients if r)))


def ses_notification(message: Message, /) -> tuple[str, list[Failure]] | None:
    """An Amazon SES notification (``Bounce`` or ``Complaint``) sent as JSON in the body, with its recipients."""
    for part in own_parts(message):
        data = _ses_data(part)
        if data is None:
            continue
        kind = str(data.get("notificationType") or data.get("eventType") or "")
        if kind == "Bounce":
            return "bounce", _ses_bounces(data)
        if kind == "Complaint":
            return "complaint", _ses_complaints(data)
    return None


def _ses_data(part: Message) -> dict[str, Any] | None:
    """The notification a text or JSON part holds (unwrapped from an SNS envelope), or None."""
    if part.get_content_maintype() != "text" or part.get_content_subtype() not in ("plain", "json"):
        return None
    text = part_text(part).strip()
    start = text.find("{")
    if start < 0 or not re.search(r'\\?"(?:notificationType|eventType)\\?"', text):
        return None
    data = _json_object(text[start:])
    if isinstance(data, dict) and isinstance(data.get("Message"), str):  # an SNS envelope around the notification
        data = _json_object(data["Message"])
    return data if isinstance(data, dict) else None


def _ses_bounces(data: dict[str, Any]) -> list[Failure]:
    """The bounced recipients, each permanent by its status, else by the bounce's type."""
    bounce: dict[str, Any] = data["bounce"] if isinstance(data.get("bounce"), dict) else {}
    permanent = bounce.get("bounceType") != "Transient"
    failures = []
    for item in bounce.get("bouncedRecipients") or []:
        if isinstance(item, dict) and (address := clean_address(str(item.get("emailAddress", "")))):
            diagnostic = str(item.get("diagnosticCode", ""))
            status = best_status(str(item.get("status", "")), diagnostic)
            failures.append(Failure(address, status,
                                    status.startswith("5") if status else permanent, diagnostic[:300]))
    return failures


def _ses_complaints(data: dict[str, Any]) -> list[Failure]:
    complaint: dict[str, Any] = data["complaint"] if isinstance(data.get("complaint"), dict) else {}
    found = [clean_address(str(i.get("emailAddress", ""))) for i in complaint.get("complainedRecipients") or []
             if isinstance(i, dict)]
    return [Failure(a, None, True) for a in found if a]


def _json_object(text: str) -> Any:
    """The JSON object at the start of ``text``; truncated text (a cut notification) is read as far as it goes."""
    try:
        return json.JSONDecoder(strict=False).raw_decode(text)[0]
    except ValueError:
        pass
    kinds = re.search(r'"(?:notificationType|eventType)"\s*:\s*"(\w+)"', text)
    if not kinds:
        return None
    key = {"Bounce": "bouncedRecipients", "Complaint": "complainedRecipients"}.get(kinds[1], "")
    listed = re.search(rf'"{key}"\s*:\s*\[(.*?)\]', text, re.S) if key else None
    found = addresses_in(listed[1]) if listed else []
    recipients = [{"emailAddress": a} for a in found]
    bounce_type = re.search(r'"bounceType"\s*:\s*"(\w+)"', text)
    body = {"bounceType": bounce_type[1] if bounce_type else "Permanent", "bouncedRecipients": recipients,
            "complainedRecipients": recipients}
    return {"notificationType": kinds[1], "bounce": body, "complaint": body}
