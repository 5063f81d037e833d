"""Deciding what one received message is: bounce, complaint, unsubscribe request, auto-reply or none.

The order of judgement matters and is tested; the shape of a report comes
first and an automatic reply last:

1. a feedback report (ARF, RFC 5965) is a complaint; an Amazon SES notification says itself;
2. a delivery status notification (RFC 3464) is a bounce when it names a failed or delayed recipient (a
   report of success only is none);
3. delivery-status fields written into the text, then a failure notice in prose read by :mod:`.scan`
   (with flufl.bounce's detectors as a second opinion), are a bounce;
4. a message in the shape of a failure notice (a report part, a failure subject or sender, a returned
   message from a mail system) whose recipients cannot be read is still a bounce, naming nobody: the
   run leaves it for a person and says so, never takes it for an automatic reply;
5. a mail titled ``Unsubscribe TOKEN`` (what the ``List-Unsubscribe`` mailto: link sends) is an
   unsubscribe request;
6. an automatic reply (RFC 3834 ``Auto-Submitted``, out-of-office) is ignored; anything else is none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from email.message import Message

from .mime import addresses_in, clean_address, decoded_header, header_addresses, parse, returned_headers
from .reports import delivery_status, delivery_status_in_text, feedback_report, ses_notification
from .scan import looks_like_bounce, notice, scan_notice
from .verdict import Failure, Kind, Verdict

__all__ = ["classify_bytes", "classify_message"]

log = logging.getLogger(__name__)
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL + 1)  # its detectors log tracebacks; a failure is no verdict here

_UNSUBSCRIBE = re.compile(r"^\s*(?:(?:re|aw|fw|fwd)\s*:\s*)*unsubscribe\b[\s:]*(?P<token>[A-Za-z0-9_-]{16,64})?\s*$", re.I)
_AUTO_SUBJECT = re.compile(r"^\s*(auto(matic)?[- ]?(reply|response|antwort|svar)|out of (the )?office|abwesenheit|"
                           r"absence|vacation|on leave|away from|r[ée]ponse automatique|autosvar|自動応答|不在)", re.I)
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
#: where the bounce or report was delivered: a VERP address shows up here
_DELIVERED = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Delivered-To", "X-Rcpt-To", "To")


def classify_bytes(raw: bytes, /, *, second_opinion: bool = True) -> Verdict:
    """The verdict on the message in ``raw``; :class:`~.mime.Unreadable` when it holds no message."""
    return classify_message(parse(raw), second_opinion=second_opinion)


def classify_message(message: Message, /, *, second_opinion: bool = True) -> Verdict:
    """The verdict on a parsed message; without ``second_opinion``, flufl.bounce's detectors are not asked."""
    base = _facts(message)
    reported = _report(message, base)
    if reported is not None:
        return reported
    base = replace(base, original_ids=tuple(dict.fromkeys(base.original_ids + _ids(returned_headers(message)))))
    dsn = delivery_status(message)
    if dsn is not None and dsn.failures:
        return replace(base, kind=Kind.BOUNCE, recipients=dsn.failures)
    if dsn is not None and dsn.succeeded:
        return replace(base, notes=("a report of successful delivery",))
    text, returned = notice(message)
    found = delivery_status_in_text(text)
    if found:
        return replace(base, kind=Kind.BOUNCE, recipients=tuple(found))
    if dsn is not None or looks_like_bounce(message, text):  # in the shape of a failure notice
        return _notice_bounce(message, base, dsn is None, text, returned, second_opinion)
    return _request_or_reply(message, base)


def _report(message: Message, base: Verdict) -> Verdict | None:
    """The verdict of a feedback report or of an Amazon SES notification that names someone; None for neither."""
    complaint = feedback_report(message)
    if complaint is not None:  # the reported message's envelope sender may carry its VERP token
        reported = returned_headers(message)
        return replace(base, kind=Kind.COMPLAINT, recipients=tuple(Failure(a, None, True) for a in complaint.recipients),
                       feedback_type=complaint.feedback_type, verp=base.verp + tuple(header_addresses(reported, "Return-Path")),
                       original_ids=base.original_ids + _ids(reported))
    ses = ses_notification(message)
    if ses is not None and ses[1]:
        kind = Kind.BOUNCE if ses[0] == "bounce" else Kind.COMPLAINT
        return replace(base, kind=kind, recipients=tuple(ses[1]), feedback_type="abuse" if kind is Kind.COMPLAINT else "")
    return None


def _notice_bounce(message: Message, base: Verdict, no_report: bool, text: str, returned: Message | None,
                   second_opinion: bool) -> Verdict:
    """The bounce of a message in the shape of a failure notice: a report in an attached message (when the message
    has none of its own), else the recipients its text names; it may name nobody."""
    nested = delivery_status(message, nested=True)
    if no_report and nested is not None and nested.failures:
        return replace(base, kind=Kind.BOUNCE, recipients=nested.failures)
    found = scan_notice(message, text, returned) or (_flufl(message) if second_opinion else [])
    ids = tuple(dict.fromkeys(base.original_ids + _ids(returned)))
    return replace(base, kind=Kind.BOUNCE, recipients=tuple(found), original_ids=ids)


def _request_or_reply(message: Message, base: Verdict) -> Verdict:
    """An unsubscribe request (``Unsubscribe TOKEN``, or Apple's), an automatic reply, or none."""
    subject = decoded_header(message, "Subject")
    wanted = _UNSUBSCRIBE.match(subject)
    if wanted or str(message.get("X-Apple-Unsubscribe", "")).strip().lower() == "true":
        token = (wanted["token"] or "") if wanted else ""
        return replace(base, kind=Kind.UNSUBSCRIBE, recipients=(Failure(base.sender, None, True),) if base.sender else (),
                       token=token)
    if _auto_reply(message, subject):
        return replace(base, kind=Kind.AUTO_REPLY)
    return base


def _facts(message: Message) -> Verdict:
    """A verdict of kind none holding what every verdict tells: where it was delivered, what it refers to, who and when."""
    verp = tuple(dict.fromkeys(header_addresses(message, *_DELIVERED)))
    for received in (message.get_all("Received") or [])[:3]:
        found = re.search(r"\bfor\s+<?([^\s<>;]+@[^\s<>;]+)>?", str(received))
        if found:
            verp += (found[1],)
    ids = _MESSAGE_ID.findall(" ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References")))
    return Verdict(Kind.NONE, verp=verp, original_ids=tuple(ids), sender=clean_address(str(message.get("From", ""))),
                   date=str(message.get("Date", "")).strip())


def _ids(returned: Message | None) -> tuple[str, ...]:
    if returned is None:
        return ()
    return tuple(_MESSAGE_ID.findall(str(returned.get("Message-ID", ""))))


def _auto_reply(message: Message, subject: str) -> bool:
    """RFC 3834 and its common precursors: Auto-Submitted, X-Autoreply, Precedence, an out-of-office subject."""
    submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if submitted and submitted != "no":
        return True
    if any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "X-Autogenerated")):
        return True
    if str(message.get("Precedence", "")).strip().lower() in ("auto_reply", "bulk", "junk", "list") and _AUTO_SUBJECT.search(subject):
        return True
    return bool(_AUTO_SUBJECT.search(subject))


def _flufl(message: Message) -> list[Failure]:
    """flufl.bounce's detectors, for notices that :mod:`.scan` cannot read."""
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(message)
    except Exception as exc:  # noqa: BLE001 - a detector crashing on a strange message is no verdict, but is said (-v)
        log.info("flufl.bounce's detectors failed on message %s (%s); no second opinion",
                 decoded_header(message, "Message-ID") or "without a Message-ID", type(exc).__name__)
        return []
    found = []
    for addresses, is_permanent in ((permanent, True), (temporary, False)):
        for address in addresses:
            text = address.decode("utf-8", "replace") if isinstance(address, bytes) else str(address)
            cleaned = addresses_in(text)
            if cleaned:
                found.append(Failure(cleaned[0], None, is_permanent))
    return found
