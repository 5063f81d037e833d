"""The failure policy as tables: whose fault a reply is, and what follows each kind of failure."""

from __future__ import annotations

import pytest

from soc_bulletin.errors import MessageRefused, RecipientRefused, SenderFailure, SendError, TemporaryFailure
from soc_bulletin.send.engine import DeliveryOptions, Step, backoff, next_step
from soc_bulletin.send.transports import classify_reply

CLASSIFY = [
    # code, reply, stage, expected
    (250, "2.0.0 OK", "data", None),
    (354, "go ahead", "data", None),
    (421, "4.3.2 Too busy", "connect", TemporaryFailure),
    (451, "4.3.0 Try again later", "rcpt", TemporaryFailure),
    (452, "4.2.2 Mailbox full", "data", TemporaryFailure),
    (554, "5.7.1 Service unavailable", "connect", SenderFailure),
    (553, "5.7.1 Sender address rejected", "mail", SenderFailure),
    (554, "5.2.0 SubmissionQuotaExceeded", "mail", SenderFailure),
    (550, "5.1.1 User unknown", "rcpt", RecipientRefused),
    (550, "No such user", "rcpt", RecipientRefused),
    (550, "5.4.1 Recipient address rejected: Access denied", "rcpt", RecipientRefused),
    (550, "5.7.1 Relaying denied", "rcpt", SenderFailure),
    (552, "5.3.4 Message too big", "rcpt", SenderFailure),
    (550, "5.1.1 User unknown", "data", RecipientRefused),
    (550, "5.1.10 Recipient not found", "data", RecipientRefused),
    (552, "5.2.2 Mailbox full", "data", RecipientRefused),
    (550, "5.2.1 Mailbox disabled", "data", RecipientRefused),
    (554, "5.7.1 Message rejected as spam", "data", MessageRefused),
    (552, "5.3.4 Message size exceeds limit", "data", MessageRefused),
    (550, "5.6.0 Bad content", "data", MessageRefused),
    (554, "Transaction failed", "data", MessageRefused),
    (550, "5.2.0 Other mailbox status", "data", MessageRefused),
]


@pytest.mark.parametrize(("code", "reply", "stage", "expected"), CLASSIFY)
def test_whose_fault(code: int, reply: str, stage: str, expected: type[SendError] | None) -> None:
    assert classify_reply(code, reply, stage=stage) is expected


STEPS = [
    (TemporaryFailure, 1, 4, Step.RETRY),
    (TemporaryFailure, 3, 4, Step.RETRY),
    (TemporaryFailure, 4, 4, Step.FAIL_TEMPORARY),
    (TemporaryFailure, 1, 1, Step.FAIL_TEMPORARY),
    (RecipientRefused, 1, 4, Step.FAIL_PERMANENT),
    (MessageRefused, 1, 4, Step.STOP),
    (SenderFailure, 1, 4, Step.STOP),
    (SenderFailure, 4, 4, Step.STOP),
]


@pytest.mark.parametrize(("kind", "attempt", "most", "step"), STEPS)
def test_what_follows(kind: type[SendError], attempt: int, most: int, step: Step) -> None:
    assert next_step(kind("x"), attempt, most) is step


def test_backoff_doubles_and_is_capped() -> None:
    options = DeliveryOptions(backoff_base=2.0, backoff_max=10.0)
    assert [backoff(n, options) for n in (1, 2, 3, 4, 5)] == [2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff(2, options, jitter=0.5) == 2.0
