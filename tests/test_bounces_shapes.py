"""Failure notices of more servers and report styles (:mod:`.mailshapes_more`): the right recipients, statuses and
permanence, and never a failure dropped silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.loop.classify import classify_bytes
from soc_bulletin.loop.policy import is_hard
from soc_bulletin.loop.verdict import Kind

from . import mailshapes, mailshapes_more
from .mailshapes import ORIGINAL_ID, Builder
from .mailshapes_more import MORE
from .smtp import FaultyController
from .test_bounces_cli import maildir_with, project, send_issue  # noqa: F401 - project is a fixture

RECIPIENT = "jo.bloggs@example.net"
VERP = "bounces+abcdefghijklmnop@example.org"


@pytest.mark.parametrize(("builder", "expected"), [row[1:] for row in MORE], ids=[row[0] for row in MORE])
def test_each_shape_names_its_failed_recipients_with_their_status_and_permanence(
        builder: Builder, expected: list[tuple[str, str | None, bool]]) -> None:
    verdict = classify_bytes(builder(RECIPIENT, VERP))
    wanted = [(a.format(r=RECIPIENT, d="example.net"), status, permanent) for a, status, permanent in expected]
    assert (verdict.kind, [(f.address, f.status, f.permanent) for f in verdict.recipients]) == (Kind.BOUNCE, wanted)


def test_at_least_ten_more_kinds_of_server_and_report_style_are_covered() -> None:
    assert len({name.split("-")[0] for name, *_ in MORE}) >= 10


@pytest.mark.parametrize(("builder", "hard"), [
    (mailshapes_more.qmail_gave_up, False),  # abandoned, so permanent for this message; a timeout is no gone address
    (mailshapes_more.domino_full, False),
    (mailshapes_more.sina_chinese, False),
    (mailshapes_more.exim_delayed, False),
    (mailshapes_more.yahoo_disabled, False),
    (mailshapes_more.sendmail_expanded, True),
    (mailshapes_more.groupwise, True),
])
def test_each_is_scored_by_the_failure_table(builder: Builder, hard: bool) -> None:
    [failure] = classify_bytes(builder(RECIPIENT, VERP)).recipients
    assert is_hard(failure) is hard


def test_a_failure_notice_whose_recipient_cannot_be_read_is_a_bounce_naming_nobody_not_an_automatic_reply() -> None:
    verdict = classify_bytes(mailshapes_more.redacted(RECIPIENT, "bounces@example.org"))
    assert (verdict.kind, verdict.recipients) == (Kind.BOUNCE, ())


@pytest.mark.parametrize("raw", [
    # a report part whose recipient is unreadable
    b"From: postmaster@mx.example.net\r\nTo: bounces@example.org\r\nSubject: Report\r\nAuto-Submitted: auto-replied\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\n"
    b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
    b"Final-Recipient: rfc822; No Message Collected\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n--B--\r\n",
    # a returned message from a mail system, with nothing readable about whom
    b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nTo: bounces@example.org\r\nSubject: Returned mail\r\n"
    b"Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=R\r\n\r\n--R\r\n"
    b"Content-Type: text/plain\r\n\r\nThe attached message was returned.\r\n--R\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: team@example.org\r\nSubject: SOC bulletin\r\n\r\nHello.\r\n--R--\r\n",
], ids=["report-part", "returned-message"])
def test_other_failure_shapes_naming_nobody_are_bounces_naming_nobody(raw: bytes) -> None:
    verdict = classify_bytes(raw)
    assert (verdict.kind, verdict.recipients) == (Kind.BOUNCE, ())


@pytest.mark.parametrize("raw", [
    b"From: Jo Bloggs <jo.bloggs@example.net>\r\nTo: team@example.org\r\nSubject: Automatic reply: SOC bulletin\r\n"
    b"Auto-Submitted: auto-replied\r\n\r\nI am out of the office until Monday; my mail is not delivered to a deputy.\r\n",
    b"From: Jo Bloggs <jo.bloggs@example.net>\r\nTo: team@example.org\r\nSubject: Re: Undeliverable: our funding bid\r\n\r\n"
    b"Sorry, that was my typo: the address jo.blogs@example.net failed. Please use this one.\r\n",
    b"Return-Path: <>\r\nFrom: Jo Bloggs <jo.bloggs@example.net>\r\nTo: team@example.org\r\nSubject: Out of office\r\n"
    b"Auto-Submitted: auto-replied\r\n\r\nI am away until Monday. Mail is not delivered to a deputy; "
    b"please contact office@example.net.\r\n",
    b"From: Partners list <partners@lists.example.net>\r\nTo: team@example.org\r\nSubject: [Partners] Funding round\r\n"
    b"List-Id: <partners.lists.example.net>\r\nX-Mailman-Version: 2.1.39\r\n\r\nIf you are not a member yet, "
    b"ask al.smith@example.net to add you; posts from non-members are held.\r\n",
], ids=["out-of-office", "persons-reply", "out-of-office-null-return-path", "a-lists-post"])
def test_replies_and_posts_that_speak_of_failure_stay_what_they_are(raw: bytes) -> None:
    assert classify_bytes(raw).kind in (Kind.AUTO_REPLY, Kind.NONE)


@pytest.mark.parametrize(("builder", "status"), [
    (mailshapes_more.sendmail_bare_local, None),  # X-Mailer: ... 2.0.13 in the returned message
    (mailshapes_more.domino_full, None),  # "release 2.0.12" in the quoted subject
    (mailshapes_more.yahoo_disabled, None),  # Yahoo's own "554.30"
])
def test_version_numbers_and_dates_are_never_statuses(builder: Builder, status: str | None) -> None:
    assert [f.status for f in classify_bytes(builder(RECIPIENT, VERP)).recipients] == [status]


def test_bounces_reports_an_unreadable_failure_left_for_a_person_and_exits_non_zero(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    box = maildir_with(project / "Maildir", [mailshapes_more.redacted(RECIPIENT, "bounces@example.org"),
                                             mailshapes.auto_reply(RECIPIENT, "bounces@example.org")])
    assert main(["bounces", str(box)]) == 1
    out = capsys.readouterr().out
    assert "  unreadable failure: left for a person" in out.splitlines()
    assert out.splitlines()[-1] == ("2 message(s) read: 1 bounce, 1 auto-reply; 1 unreadable failure(s) (left for a person); "
                                    "0 address(es) newly suppressed.")
    assert len(list((box / "new").iterdir())) == 1, "the notice stays in the mailbox for a person; the reply is handled"
    assert main(["bounces", str(box)]) == 1, "and is reported again on the next run"


def test_a_report_naming_where_the_address_forwarded_acts_on_the_address_sent_to(
        project: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    [address] = send_issue(project, smtp, "issue")
    [received] = smtp.recorder.received
    raw = mailshapes_more.aol_forwarded(address, "bounces@example.org")  # no VERP: the Message-ID is the evidence
    raw = raw.replace(ORIGINAL_ID.encode(), str(received.message["Message-ID"]).encode())
    box = maildir_with(project / "Maildir", [raw])
    capsys.readouterr()
    assert main(["bounces", str(box)]) == 0
    assert f"  {address}: suppressed (bounced)" in capsys.readouterr().out.splitlines()


def test_a_version_at_the_start_of_a_line_is_no_success_status_of_a_failure() -> None:
    raw = (b"From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: Undelivered Mail\r\n\r\n"
           b"Your message\r\n\r\n2.0.12 release notes\r\n\r\ncould not be delivered to <jo.bloggs@example.net>: no such user\r\n")
    assert [(f.address, f.status, f.permanent) for f in classify_bytes(raw).recipients] == [(RECIPIENT, None, True)]


def test_sendmails_report_names_the_alias_sent_to_and_keeps_the_actual_recipient_beside_it() -> None:
    raw = mailshapes.sendmail(RECIPIENT, VERP).replace(
        b"Final-Recipient: RFC822; jo.bloggs@example.net\r\n",
        b"Final-Recipient: RFC822; jo.bloggs@example.net\r\nX-Actual-Recipient: RFC822; jbloggs@mailhost.example.net\r\n")
    [failure] = classify_bytes(raw).recipients
    assert (failure.address, failure.final, failure.status) == (RECIPIENT, "jbloggs@mailhost.example.net", "5.2.1")


def test_an_exchange_internal_original_recipient_gives_way_to_the_smtp_address() -> None:
    imcea = "IMCEAEX-_O=EXAMPLE_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=jbloggs@example.net"
    raw = mailshapes.office365(RECIPIENT, VERP).replace(
        b"Original-Recipient: rfc822;jo.bloggs@example.net", f"Original-Recipient: rfc822;{imcea}".encode())
    assert [(f.address, f.final) for f in classify_bytes(raw).recipients] == [(RECIPIENT, "")]
