"""Deciding what a received message is: DSNs and ARF reports in the shapes of many servers, and the policy tables."""

from __future__ import annotations

import email
import email.policy

import pytest

from soc_bulletin.loop.classify import classify_bytes
from soc_bulletin.loop.mime import Unreadable
from soc_bulletin.loop.policy import is_hard, suppresses
from soc_bulletin.loop.verdict import Failure, Kind
from soc_bulletin.send.verp import verp_address, verp_token, verp_tokens_in

from . import mailshapes
from .mailshapes import ORIGINAL_ID, SHAPES, Builder

RECIPIENT = "jo.bloggs@example.net"
VERP = "bounces+abcdefghijklmnop@example.org"


@pytest.mark.parametrize(("builder", "kind", "status", "permanent"), [row[1:] for row in SHAPES], ids=[row[0] for row in SHAPES])
def test_each_servers_shape_names_the_recipient_its_status_and_permanence(builder: Builder, kind: str, status: str | None,
                                                                            permanent: bool) -> None:
    verdict = classify_bytes(builder(RECIPIENT, VERP))
    assert verdict.kind.value == kind
    assert [(f.address, f.status, f.permanent) for f in verdict.recipients] == [(RECIPIENT, status, permanent)]
    assert VERP in verdict.verp


def _notice(raw: bytes, /) -> str:
    """The words a server writes to a person: its notice's first text part, without the recipient it names."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return " ".join(str(part.get_content()).replace(RECIPIENT, "").split())


def test_at_least_ten_kinds_of_server_are_recognised() -> None:
    """Ten servers' notices, each worded its own way, each read right: not ten rows of the table, ten verdicts."""
    recognised = {}
    for name, builder, kind, status, permanent in SHAPES:
        if name in ("postfix-delayed", "mailbox-full"):  # more of Postfix's notices
            continue
        raw = builder(RECIPIENT, VERP)
        verdict = classify_bytes(raw)
        if verdict.kind.value == kind and [(f.address, f.status, f.permanent) for f in verdict.recipients] == [
                (RECIPIENT, status, permanent)]:
            recognised[name] = _notice(raw)
    assert len(recognised) >= 10, sorted(recognised)
    assert len(set(recognised.values())) == len(recognised), "each server's notice is worded its own way"


@pytest.mark.parametrize(("builder", "ids"), [
    (mailshapes.postfix, (ORIGINAL_ID,)),  # from the returned header (text/rfc822-headers)
    (mailshapes.office365, (ORIGINAL_ID,)),  # In-Reply-To and the returned message, once
    (mailshapes.qmail, (ORIGINAL_ID,)),  # from the copy inlined after "Below this line"
    (mailshapes.domino, ()),
])
def test_the_bounced_messages_id_is_found_so_the_issue_can_be(builder: Builder, ids: tuple[str, ...]) -> None:
    assert classify_bytes(builder(RECIPIENT, VERP)).original_ids == ids


def test_a_dsn_names_every_failed_recipient_but_not_the_delivered_ones() -> None:
    raw = mailshapes.postfix(RECIPIENT, VERP).replace(
        b"Final-Recipient: rfc822; jo.bloggs@example.net\r\n",
        b"Final-Recipient: rfc822; ok@example.net\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
        b"Final-Recipient: rfc822; al@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        b"Final-Recipient: rfc822; jo.bloggs@example.net\r\n")
    verdict = classify_bytes(raw)
    assert [(f.address, f.status) for f in verdict.recipients] == [("al@example.net", "5.1.1"), (RECIPIENT, "5.1.1")]


def test_a_complaint_whose_recipient_is_redacted_keeps_the_reported_envelope_sender_for_verp() -> None:
    verdict = classify_bytes(mailshapes.arf_outlook(RECIPIENT, VERP))
    assert verdict.kind is Kind.COMPLAINT and verdict.feedback_type == "abuse"
    assert verdict.verp == ("fbl@example.org", VERP)
    assert verdict.original_ids == (ORIGINAL_ID,)


def test_an_amazon_ses_complaint_notification_is_a_complaint() -> None:
    raw = mailshapes.amazon_ses(RECIPIENT, VERP).replace(b'"notificationType":"Bounce"', b'"notificationType":"Complaint"')
    raw = raw.replace(b'"bounce":{', b'"complaint":{"complainedRecipients":[{"emailAddress":"jo.bloggs@example.net"}],')
    verdict = classify_bytes(raw)
    assert (verdict.kind, [f.address for f in verdict.recipients], verdict.feedback_type) == (Kind.COMPLAINT, [RECIPIENT], "abuse")


@pytest.mark.parametrize(("builder", "kind"), [
    (mailshapes.auto_reply, Kind.AUTO_REPLY),
    (mailshapes.delivered, Kind.NONE),
    (mailshapes.person, Kind.NONE),
])
def test_replies_and_reports_of_success_are_not_bounces(builder: Builder, kind: Kind) -> None:
    verdict = classify_bytes(builder(RECIPIENT, VERP))
    assert (verdict.kind, verdict.recipients) == (kind, ())


def test_a_mailed_unsubscribe_carries_its_token_and_sender() -> None:
    verdict = classify_bytes(mailshapes.unsubscribe_mail(RECIPIENT, "Ab-_0123456789abcdefghij"))
    assert (verdict.kind, verdict.token, verdict.recipients) == (Kind.UNSUBSCRIBE, "Ab-_0123456789abcdefghij",
                                                                 (Failure(RECIPIENT, None, True),))


def test_a_failure_notice_that_names_nobody_is_still_a_bounce_when_its_verp_address_can() -> None:
    raw = (b"From: MAILER-DAEMON@mx.example.net\r\nTo: " + VERP.encode() + b"\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           b"\r\nThe message could not be delivered.\r\n")
    verdict = classify_bytes(raw)
    assert (verdict.kind, verdict.recipients, verp_tokens_in(verdict.verp)) == (Kind.BOUNCE, (), ["abcdefghijklmnop"])
    without = classify_bytes(raw.replace(VERP.encode(), b"bounces@example.org"))  # named by nothing: left for a person
    assert (without.kind, without.recipients, verp_tokens_in(without.verp)) == (Kind.BOUNCE, (), [])


@pytest.mark.parametrize(("raw", "why"), [
    (b"", "the message is empty"),
    (b"   \r\n\r\n", "the message is empty"),
    (b"\x00\x01\x02 binary \xff\xfe", "the message does not start with mail header fields"),
    (b"just some words\nand more\n", "the message does not start with mail header fields"),
])
def test_bytes_that_are_no_message_are_unreadable(raw: bytes, why: str) -> None:
    with pytest.raises(Unreadable) as caught:
        classify_bytes(raw)
    assert str(caught.value) == why


@pytest.mark.parametrize(("failure", "hard"), [
    (Failure("a@example.net", "5.1.1", True), True),             # no such mailbox
    (Failure("a@example.net", "5.1.10", True), True),            # Office 365: recipient not found
    (Failure("a@example.net", "5.2.1", True, "The email account that you tried to reach is disabled"), False),  # may come back
    (Failure("a@example.net", "5.1.1", True, "550 5.1.1 sorry, mailbox a@example.net is over quota"), False),  # the text vetoes
    (Failure("a@example.net", "5.1.8", True, "501 5.1.8 Sender address domain does not exist"), False),  # the sender's fault
    (Failure("a@example.net", "5.0.0", True, "554 Recipient address rejected: Internal system error"), False),
    (Failure("a@example.net", "5.4.4", True), True),             # no route to the domain
    (Failure("a@example.net", "5.0.0", True, "550 User unknown"), True),
    (Failure("a@example.net", None, True, "User jo (a@example.net) not listed in Domino Directory"), True),
    (Failure("a@example.net", "5.0.0", True, "554 delivery error: message rejected"), False),
    (Failure("a@example.net", "5.2.2", True, "mailbox full"), False),  # passing: soft
    (Failure("a@example.net", "5.7.1", True, "550 5.7.1 user unknown? blocked as spam"), False),  # policy, not the address
    (Failure("a@example.net", "5.4.7", True), False),            # expired in the queue
    (Failure("a@example.net", "4.1.1", False, "user unknown"), False),  # temporary is never hard
    (Failure("a@example.net", None, True), False),
])
def test_which_failures_are_hard(failure: Failure, hard: bool) -> None:
    assert is_hard(failure) is hard


@pytest.mark.parametrize(("feedback_type", "suppressed"), [
    ("abuse", True), ("fraud", True), ("opt-out", True), ("other", True), ("virus", True),
    ("not-spam", False), ("auth-failure", False), ("Auth-Failure", False),
])
def test_which_feedback_reports_suppress(feedback_type: str, suppressed: bool) -> None:
    assert suppresses(feedback_type) is suppressed


def test_verp_tokens_are_keyed_per_issue_and_address_and_read_back() -> None:
    token = verp_token(b"k" * 16, "2019-08", "Jo@Example.net")
    assert len(token) == 16 and token == token.lower() and token.isalnum()
    assert token == verp_token(b"k" * 16, "2019-08", "jo@example.net")  # addresses compare ignoring case
    assert len({token, verp_token(b"k" * 16, "2019-09", "jo@example.net"), verp_token(b"x" * 16, "2019-08", "jo@example.net"),
                verp_token(b"", "2019-08", "jo@example.net")}) == 4
    assert verp_address("bounces@example.org", token) == f"bounces+{token}@example.org"
    assert verp_address("b" * 48 + "@example.org", token) == "b" * 48 + "@example.org"  # 64 octets at most
    assert verp_tokens_in([f"Bounces+{token.upper()}@example.org", "team@example.org"]) == [token]


def test_a_persons_reply_that_speaks_of_failure_is_no_bounce() -> None:
    raw = (b"From: Jo Bloggs <jo.bloggs@example.net>\r\nTo: team@example.org\r\nSubject: Re: Our funding bid was rejected\r\n\r\n"
           b"The error was ours: al@example.net failed to send the form. User unknown, he says.\r\n")
    assert classify_bytes(raw).kind is Kind.NONE
