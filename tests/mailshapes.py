"""Bounces, complaints and other replies in the shapes real servers write them, made by the tests.

Each builder takes the failed recipient and the address the notice is sent to
(the envelope sender of the bounced message, a VERP address when VERP is on)
and returns the message's bytes. The shapes follow what each server writes:
the subjects, the wording of the prose, the MIME structure and the
delivery-status fields; the addresses and hosts are example ones.
"""

from __future__ import annotations

from collections.abc import Callable

Builder = Callable[[str, str], bytes]

ORIGINAL_ID = "<2019-08.0123456789abcdef01234567@example.org>"


def _original(recipient: str, sender: str) -> str:
    return (f"Return-Path: <{sender}>\nMessage-ID: {ORIGINAL_ID}\nDate: Thu, 01 Aug 2019 09:00:00 +0000\n"
            f"From: SOC Partnerships <team@example.org>\nTo: <{recipient}>\nSubject: SOC Local Partnerships Bulletin\n"
            "List-Id: <soc.example.org>\n")


def _lf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def postfix(recipient: str, to: str) -> bytes:
    return _lf(f"""Return-Path: <>
Delivered-To: {to}
Date: Thu, 01 Aug 2019 09:00:05 +0000 (UTC)
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="4F1A2B3C.1564650005/mx.example.net"
Message-Id: <20190801090005.4F1A2B3C@mx.example.net>

This is a MIME-encapsulated message.

--4F1A2B3C.1564650005/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<{recipient}>: host mail.example.net[192.0.2.25] said: 550 5.1.1
    <{recipient}>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)

--4F1A2B3C.1564650005/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: 4F1A2B3C
Arrival-Date: Thu,  1 Aug 2019 09:00:01 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.1
Remote-MTA: dns; mail.example.net
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected:
    User unknown in local recipient table

--4F1A2B3C.1564650005/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{_original(recipient, to)}
--4F1A2B3C.1564650005/mx.example.net--
""")


def postfix_delayed(recipient: str, to: str) -> bytes:
    return _lf(f"""Return-Path: <>
Date: Thu, 01 Aug 2019 13:00:05 +0000 (UTC)
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Delayed Mail (still being retried)
To: {to}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="D3L4Y"

--D3L4Y
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

<{recipient}>: connect to mail.example.net[192.0.2.25]:25: Connection timed out

--D3L4Y
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {recipient}
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mail.example.net[192.0.2.25]:25: Connection timed out
Will-Retry-Until: Tue, 6 Aug 2019 09:00:01 +0000 (UTC)

--D3L4Y
Content-Type: text/rfc822-headers

{_original(recipient, to)}
--D3L4Y--
""")


def exim(recipient: str, to: str) -> bytes:
    return _lf(f"""Return-path: <>
Envelope-to: {to}
Date: Thu, 01 Aug 2019 10:15:23 +0100
Message-Id: <E1hsz0R-0004aB-Ab@mail.example.net>
X-Failed-Recipients: {recipient}
Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon@mail.example.net>
To: {to}
Content-Type: text/plain; charset=us-ascii
Subject: Mail delivery failed: returning message to sender

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  {recipient}
    SMTP error from remote mail server after RCPT TO:<{recipient}>:
    550 5.1.1 The email account that you tried to reach does not exist

------ This is a copy of the message, including all the headers. ------

{_original(recipient, to)}
Hello partners.
""")


def sendmail(recipient: str, to: str) -> bytes:
    return _lf(f"""Return-Path: <>
Date: Thu, 1 Aug 2019 10:00:00 +0100
From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>
Message-Id: <201908010900.x7190000012345@relay.example.net>
To: <{to}>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="x7190000012345.1564650000/relay.example.net"
Subject: Returned mail: see transcript for details
Auto-Submitted: auto-generated (failure)

This is a MIME-encapsulated message

--x7190000012345.1564650000/relay.example.net

The original message was received at Thu, 1 Aug 2019 10:00:00 +0100
from mx.example.org [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
<{recipient}>
    (reason: 550 5.2.1 Mailbox disabled for this recipient)

   ----- Transcript of session follows -----
... while talking to mail.example.net.:
>>> RCPT To:<{recipient}>
<<< 550 5.2.1 Mailbox disabled for this recipient
550 5.2.1 <{recipient}>... User unknown

--x7190000012345.1564650000/relay.example.net
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.net
Received-From-MTA: DNS; mx.example.org
Arrival-Date: Thu, 1 Aug 2019 10:00:00 +0100

Final-Recipient: RFC822; {recipient}
Action: failed
Status: 5.2.1
Remote-MTA: DNS; mail.example.net
Diagnostic-Code: SMTP; 550 5.2.1 Mailbox disabled for this recipient
Last-Attempt-Date: Thu, 1 Aug 2019 10:00:01 +0100

--x7190000012345.1564650000/relay.example.net
Content-Type: text/rfc822-headers

{_original(recipient, to)}
--x7190000012345.1564650000/relay.example.net--
""")


def office365(recipient: str, to: str) -> bytes:
    return _lf(f"""From: postmaster@example.onmicrosoft.com
To: {to}
Date: Thu, 1 Aug 2019 09:00:09 +0000
Content-Type: multipart/report; report-type=delivery-status;
	boundary="cb9a8b4f-8d7e-4d1e-b4c4-6b0e9a0a0001"
MIME-Version: 1.0
Message-ID: <0e7f7c8b-1111-2222-3333-444455556666@DB6PR0101MB0001.eurprd01.prod.outlook.com>
In-Reply-To: {ORIGINAL_ID}
References: {ORIGINAL_ID}
Subject: Undeliverable: SOC Local Partnerships Bulletin
Auto-Submitted: auto-replied
X-MS-Exchange-Message-Is-Ndr:

--cb9a8b4f-8d7e-4d1e-b4c4-6b0e9a0a0001
Content-Type: multipart/alternative; differences=Content-Type;
	boundary="6f7e5d4c-0001"

--6f7e5d4c-0001
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Your message to {recipient} couldn't be delivered.
{recipient.split("@")[0]} wasn't found at {recipient.split("@")[1]}.
Action Required                                   Recipient
Unknown To address

How to Fix It
The address may be misspelled or may not exist.

--6f7e5d4c-0001
Content-Type: text/html; charset="us-ascii"

<html><body><p>Your message to <a href=3D"mailto:{recipient}">{recipient}</a> couldn't be delivered.</p></body></html>

--6f7e5d4c-0001--

--cb9a8b4f-8d7e-4d1e-b4c4-6b0e9a0a0001
Content-Type: message/delivery-status

Reporting-MTA: dns;DB6PR0101MB0001.eurprd01.prod.outlook.com
Received-From-MTA: dns;mail.example.org
Arrival-Date: Thu, 1 Aug 2019 09:00:08 +0000

Original-Recipient: rfc822;{recipient}
Final-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {recipient} not found by SMTP address lookup

--cb9a8b4f-8d7e-4d1e-b4c4-6b0e9a0a0001
Content-Type: message/rfc822

{_original(recipient, to)}
Hello partners.

--cb9a8b4f-8d7e-4d1e-b4c4-6b0e9a0a0001--
""")


def gmail(recipient: str, to: str) -> bytes:
    return _lf(f"""Delivered-To: {to}
Return-Path: <>
MIME-Version: 1.0
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: {to}
Auto-Submitted: auto-replied
Subject: Delivery Status Notification (Failure)
References: {ORIGINAL_ID}
In-Reply-To: {ORIGINAL_ID}
X-Failed-Recipients: {recipient}
Message-ID: <5d42a9b5.1c69fb81.a1b2.c3d4.GMR@mx.google.com>
Date: Thu, 01 Aug 2019 02:00:05 -0700 (PDT)
Content-Type: multipart/report; boundary="000000000000f00d"; report-type=delivery-status

--000000000000f00d
Content-Type: text/plain; charset="UTF-8"


** Address not found **

Your message wasn't delivered to {recipient} because the address couldn't be found, or is unable to receive mail.

The response from the remote server was:
550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.

--000000000000f00d
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com
Received-From-MTA: dns; team@example.org
Arrival-Date: Thu, 01 Aug 2019 02:00:04 -0700 (PDT)
X-Original-Message-ID: {ORIGINAL_ID}

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Remote-MTA: dns; gmail-smtp-in.l.google.com. (2a00:1450:400c:c0b::1b, the server for the domain gmail.com.)
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.
Last-Attempt-Date: Thu, 01 Aug 2019 02:00:05 -0700 (PDT)

--000000000000f00d
Content-Type: message/rfc822

{_original(recipient, to)}
Hello partners.

--000000000000f00d--
""")


def qmail_notice(to: str, blocks: str, original: str, date: str = "1 Aug 2019 09:00:03 -0000") -> bytes:
    """qmail-send's failure notice: its fixed words, one block per failed recipient, the copy of the message."""
    return _lf(f"""Return-Path: <>
Date: {date}
From: MAILER-DAEMON@mx.example.net
To: {to}
Subject: failure notice

Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

{blocks}
--- Below this line is a copy of the message.

{original}
Hello partners.
""")


def qmail(recipient: str, to: str) -> bytes:
    return qmail_notice(to, f"<{recipient}>:\nSorry, I couldn't find any host named mail.example.invalid. (#5.1.2)\n",
                        _original(recipient, to))


def amazon_ses(recipient: str, to: str) -> bytes:
    notification = (
        '{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",'
        f'"bouncedRecipients":[{{"emailAddress":"{recipient}","action":"failed","status":"5.1.1",'
        '"diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2019-08-01T09:00:05.000Z",'
        '"feedbackId":"0100016c4b5a-1111-2222","reportingMTA":"dsn; a8-50.smtp-out.amazonses.com"},'
        '"mail":{"timestamp":"2019-08-01T09:00:04.000Z","source":"team@example.org",'
        f'"destination":["{recipient}"]}}}}'
    )
    return _lf(f"""Return-Path: <0101016c4b5a-aaaa-bbbb@us-west-2.amazonses.com>
From: AWS Notifications <no-reply@sns.amazonaws.com>
To: {to}
Subject: AWS Notification Message
Date: Thu, 01 Aug 2019 09:00:06 +0000
Message-ID: <0101016c4b5a-cccc-dddd@us-west-2.amazonses.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

{notification}
""")


def domino(recipient: str, to: str) -> bytes:
    return _lf(f"""Date: Thu, 1 Aug 2019 10:00:00 +0100
MIME-Version: 1.0
From: Postmaster@example.net
To: {to}
Subject: DELIVERY FAILURE: User {recipient.split("@")[0]} ({recipient}) not listed in Domino Directory
Content-Type: text/plain; charset=UTF-8

Your message

  Subject: SOC Local Partnerships Bulletin

was not delivered to:

  {recipient}

because:

  User {recipient.split("@")[0]} ({recipient}) not listed in Domino Directory
""")


def courier(recipient: str, to: str) -> bytes:
    return _lf(f"""Return-Path: <>
From: "Courier mail server at mx.example.net" <@>
To: {to}
Subject: NOTICE: mail delivery status.
Mime-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="=_courier_0"
Date: Thu, 01 Aug 2019 09:00:07 +0000

This is a MIME 1.0 formatted message.

--=_courier_0
Content-Type: text/plain; charset="utf-8"

This is a delivery status notification from mx.example.net,
running the Courier mail server, version 1.0.6.

The original message was received on Thu, 01 Aug 2019 09:00:05 +0000
from mx.example.org [192.0.2.10]

---------------------------------------------------------------------------

                           UNDELIVERABLE MAIL

Your message to the following recipients cannot be delivered:

<{recipient}>:
    mail.example.net [192.0.2.25]:
>>> RCPT TO:<{recipient}>
<<< 550 5.1.1 <{recipient}>... User unknown

--=_courier_0
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Thu, 01 Aug 2019 09:00:05 +0000
Received-From-MTA: dns; mx.example.org (mx.example.org [192.0.2.10])

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.0.0
Remote-MTA: dns; mail.example.net
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>... User unknown

--=_courier_0
Content-Type: text/rfc822-headers

{_original(recipient, to)}
--=_courier_0--
""")


def yahoo_notice(to: str, reason: str, original: str) -> bytes:
    """Yahoo's failure notice: its fixed words, the failed recipient's block, the copy of the message."""
    return _lf(f"""From: MAILER-DAEMON@yahoo.com
To: {to}
Subject: Failure Notice
Date: Thu, 01 Aug 2019 09:00:11 +0000
Content-Type: text/plain; charset=us-ascii

Sorry, we were unable to deliver your message to the following address.

{reason}
--- Below this line is a copy of the message.

{original}
Hello partners.
""")


def yahoo(recipient: str, to: str) -> bytes:
    return yahoo_notice(to, f"<{recipient}>:\nRemote host said: 552 1 Requested mail action aborted, mailbox not found [RCPT_TO]\n",
                        _original(recipient, to))


def exchange2003(recipient: str, to: str) -> bytes:
    return _lf(f"""From: System Administrator <postmaster@example.net>
To: {to}
Subject: Undeliverable: SOC Local Partnerships Bulletin
Date: Thu, 1 Aug 2019 09:00:00 -0000
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

Your message

  To:      {recipient}
  Subject: SOC Local Partnerships Bulletin
  Sent:    Thu, 1 Aug 2019 09:00:00 -0000

did not reach the following recipient(s):

{recipient} on Thu, 1 Aug 2019 09:00:00 -0000
    The e-mail account does not exist at the organization this message was sent to.
    <mx.example.net #5.1.1>
""")


def mailbox_full(recipient: str, to: str) -> bytes:
    return _lf(f"""Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: {to}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="FULL"

--FULL
Content-Type: text/plain

<{recipient}>: host mail.example.net said: 552 5.2.2 Mailbox full

--FULL
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 <{recipient}>: Mailbox full, quota exceeded

--FULL--
""")


def arf_yahoo(recipient: str, to: str) -> bytes:
    return _lf(f"""From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>
To: fbl@example.org
Subject: FW: SOC Local Partnerships Bulletin
Date: Thu, 1 Aug 2019 12:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"

--ARF
Content-Type: text/plain; charset="us-ascii"

This is an email abuse report for an email message received from IP 192.0.2.10 on Thu, 1 Aug 2019 09:00:04 +0000.
For more information about this format please see http://www.mipassoc.org/arf/.

--ARF
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: Yahoo!-Mail-Feedback/1.0
Version: 0.1
Original-Mail-From: <{to}>
Original-Rcpt-To: <{recipient}>
Received-Date: Thu, 1 Aug 2019 09:00:04 +0000
Reported-Domain: example.org
Authentication-Results: mta1.mail.yahoo.com  from=example.org; domainkeys=neutral; dkim=pass

--ARF
Content-Type: message/rfc822
Content-Disposition: inline

{_original(recipient, to)}
Hello partners.

--ARF--
""")


def arf_outlook(recipient: str, to: str) -> bytes:
    """Outlook.com's feedback loop (JMRP) redacts the recipient: only the reported message's envelope sender names it."""
    return _lf(f"""From: staff@hotmail.com
To: fbl@example.org
Subject: complaint about message from 192.0.2.10
Date: Thu, 1 Aug 2019 12:00:00 -0800
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="JMRP"

--JMRP
Content-Type: text/plain

This is an email abuse report for an email message received from IP 192.0.2.10.

--JMRP
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: Hotmail FBL
Version: 1
Original-Mail-From: <{to}>
Arrival-Date: Thu, 1 Aug 2019 09:00:04 -0800
Source-IP: 192.0.2.10

--JMRP
Content-Type: message/rfc822

Return-Path: <{to}>
Message-ID: {ORIGINAL_ID}
From: SOC Partnerships <team@example.org>
To: <redacted@hotmail.com>
Subject: SOC Local Partnerships Bulletin

Hello partners.

--JMRP--
""")


def auto_reply(recipient: str, to: str) -> bytes:
    return _lf(f"""From: Jo Bloggs <{recipient}>
To: {to}
Subject: Automatic reply: SOC Local Partnerships Bulletin
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
In-Reply-To: {ORIGINAL_ID}
Date: Thu, 1 Aug 2019 09:01:00 +0000
Content-Type: text/plain; charset=utf-8

I am out of the office until Monday 12 August with no access to email.
""")


def delivered(recipient: str, to: str) -> bytes:
    return _lf(f"""From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: {to}
Subject: Successful Mail Delivery Report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="OK"

--OK
Content-Type: text/plain

Your message was successfully delivered to the destination(s) listed below.

<{recipient}>: delivery via mail.example.net[192.0.2.25]:25: 250 2.0.0 Ok: queued as 4F1A

--OK
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {recipient}
Action: relayed
Status: 2.0.0
Diagnostic-Code: smtp; 250 2.0.0 Ok: queued as 4F1A

--OK--
""")


def person(recipient: str, to: str) -> bytes:
    return _lf(f"""From: Jo Bloggs <{recipient}>
To: SOC Partnerships <team@example.org>
Subject: Re: SOC Local Partnerships Bulletin
Date: Thu, 1 Aug 2019 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

Thank you, the article on asset recovery was very useful. Could we add our newsletter too?
""")


def unsubscribe_mail(recipient: str, token: str, mailbox: str = "team@example.org") -> bytes:
    """What a mail program sends for the List-Unsubscribe mailto: link."""
    return _lf(f"""From: {recipient}
To: {mailbox}
Subject: Unsubscribe {token}
Date: Thu, 1 Aug 2019 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

This message was automatically generated by Gmail.
""")


#: (name, builder, kind, [(status, permanent)] for the recipient) — one row per server shape
SHAPES: list[tuple[str, Builder, str, str | None, bool]] = [
    ("postfix", postfix, "bounce", "5.1.1", True),
    ("postfix-delayed", postfix_delayed, "bounce", "4.4.1", False),
    ("exim", exim, "bounce", "5.1.1", True),
    ("sendmail", sendmail, "bounce", "5.2.1", True),
    ("office365", office365, "bounce", "5.1.10", True),
    ("gmail", gmail, "bounce", "5.1.1", True),
    ("qmail", qmail, "bounce", "5.1.2", True),
    ("amazon-ses", amazon_ses, "bounce", "5.1.1", True),
    ("domino", domino, "bounce", None, True),
    ("courier", courier, "bounce", "5.1.1", True),
    ("yahoo", yahoo, "bounce", None, True),
    ("exchange-2003", exchange2003, "bounce", "5.1.1", True),
    ("mailbox-full", mailbox_full, "bounce", "5.2.2", True),
    ("arf-yahoo", arf_yahoo, "complaint", None, True),
]
