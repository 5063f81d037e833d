"""One failure table for both paths: a refusal during the SMTP transaction and a bounce report that comes later.

The table is tested as a table, against the README's (one table, the same rows
in the same order), and end to end: a real aiosmtpd server refuses a recipient
at RCPT while ``soc-bulletin bounces`` reads a report of the same failure for
another, and both are scored alike.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.loop.policy import is_hard
from soc_bulletin.loop.verdict import Failure
from soc_bulletin.send.failure_policy import CASES, case_of, status_of_reply, suppresses_at_once
from soc_bulletin.store.sqlite_store import SQLiteStore

from . import mailshapes
from .conftest import suppressed_csv
from .smtp import FaultyController
from .test_bounces_cli import maildir_with, project, verp_of  # noqa: F401 - project is a fixture
from .test_send import write_list

README = Path(__file__).resolve().parents[1] / "README.md"

TABLE = [
    # status, text, case, suppressed at once when permanent
    ("5.2.2", "552 5.2.2 Mailbox full", "mailbox full", False),
    ("4.2.2", "452 4.2.2 The email account that you tried to reach is over quota", "mailbox full", False),
    (None, "552 Requested mail action aborted: exceeded storage allocation", "mailbox full", False),
    ("5.1.1", "550 5.1.1 sorry, mailbox jo@example.net is over quota", "mailbox full", False),  # the words veto the status
    ("4.7.1", "450 4.7.1 <jo@example.net>: Recipient address rejected: Greylisted, try again in 5 minutes", "greylisting", False),
    (None, "451 Greylisting in action, please come back later", "greylisting", False),
    ("4.7.0", "421 4.7.0 Try again later, closing connection. (rate limited)", "rate limiting", False),
    ("5.7.1", "550 5.7.1 Too many messages from your IP, rate limit exceeded", "rate limiting", False),
    ("5.3.4", "552 5.3.4 Message size exceeds fixed limit", "message too large", False),
    (None, "552 Message size exceeds fixed maximum message size", "message too large", False),
    ("5.7.1", "554 5.7.1 Message rejected as spam", "blocked or policy", False),
    ("5.1.8", "553 5.1.8 Sender address domain does not exist", "the sender's fault", False),
    ("4.4.7", "Delivery expired (message too old)", "given up: expired in the queue", False),
    ("5.1.1", "550 5.1.1 User unknown", "unknown user or domain", True),
    ("5.1.2", "550 5.1.2 Host unknown", "unknown user or domain", True),
    ("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
     "unknown user or domain", True),
    (None, "550 No such user here", "unknown user or domain", True),
    ("5.2.1", "550 5.2.1 The email account that you tried to reach is disabled", "disabled mailbox", False),
    ("5.0.0", "554 delivery error: message rejected", "any other failure", False),
    (None, "the recipient address 'jo@ex\u00e4mple.net' has non-ASCII characters, which SMTP without SMTPUTF8 cannot carry",
     "an address SMTP cannot carry", True),
]


@pytest.mark.parametrize(("status", "text", "name", "at_once"), TABLE)
def test_each_failure_falls_in_its_case_and_only_a_gone_address_suppresses_at_once(status: str | None, text: str, name: str,
                                                                                     at_once: bool) -> None:
    assert case_of(status, text).name == name
    assert suppresses_at_once(status, text, permanent=True) is at_once
    assert suppresses_at_once(status, text, permanent=False) is False, "a temporary failure never suppresses at once"
    assert is_hard(Failure("jo@example.net", status, True, text)) is at_once, "a bounce report is judged by the same table"


@pytest.mark.parametrize(("reply", "status"), [
    ("552 5.2.2 Mailbox full", "5.2.2"), ("550-5.1.1 The email account", "5.1.1"), ("5.7.1 Relaying denied", "5.7.1"),
    ("550 No such user", None), ("554 Transaction failed 2.0.13", None),
])
def test_the_status_of_an_smtp_reply_is_the_enhanced_code_at_its_start(reply: str, status: str | None) -> None:
    assert status_of_reply(reply) == status


def test_the_readme_has_one_failure_table_with_the_policys_cases_in_order() -> None:
    text = README.read_text(encoding="utf-8")
    tables = re.findall(r"^\| case \| statuses \|.*\n\|[- |]+\|\n((?:\|.*\n)+)", text, re.M)
    assert len(tables) == 1, "one failure table for SMTP refusals and bounce reports"
    rows = [line.split("|")[1].strip() for line in tables[0].splitlines()]
    assert rows == [case.name for case in CASES]
    for line, case in zip(tables[0].splitlines(), CASES, strict=True):
        assert ("at once" in line.split("|")[-2]) is case.at_once, line
    assert "5.2.2 → suppressed" not in text and "(5.1.x, 5.2.1, 5.2.2)" not in text


def _soft_days(folder: Path, address: str) -> int:
    """How many days with a soft bounce the store holds for ``address`` (asked for a day ahead, without writing)."""
    with SQLiteStore(folder / "ledger", readonly=True) as store:
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        return store.soft_bounces(address, "a question", tomorrow, "", days=30, record=False) - 1


@pytest.mark.parametrize(("reply", "report", "at_once"), [
    ("552 5.2.2 Mailbox full", mailshapes.mailbox_full, False),
    ("550 5.1.1 No such user here", mailshapes.postfix, True),
])
def test_a_refusal_at_send_time_and_a_bounce_report_of_the_same_failure_are_scored_alike(
        project: Path, smtp: FaultyController, reply: str, report: mailshapes.Builder, at_once: bool) -> None:  # noqa: F811
    refused, accepted, other = write_list(project / "list.csv", 3)
    smtp.recorder.faults.rcpt_permanent.add(refused)
    smtp.recorder.faults.rcpt_reply = reply
    assert main(["send", str(project / "issue"), "--subscribers", str(project / "list.csv"), "--smtp", smtp.url,
                 "--no-progress"]) == 1  # a failed recipient is a problem found
    box = maildir_with(project / "Maildir", [report(accepted, verp_of("issue", accepted))])
    assert main(["bounces", str(box)]) == 0
    listed = suppressed_csv(project / "ledger")
    assert (refused in listed, accepted in listed) == (at_once, at_once)
    assert other not in listed
    if not at_once:
        assert (_soft_days(project, refused), _soft_days(project, accepted)) == (1, 1), "one soft bounce each: 1 of 3"
