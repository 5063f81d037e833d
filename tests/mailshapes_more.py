"""More failure notices, in the shapes of servers and report styles beyond :mod:`.mailshapes`, made by the tests.

The shapes follow the RFCs (3461-3464 for delivery status notifications, 3834
for automatic replies) and what each server is documented to write: old
sendmail's "expanded from" and bare local parts, qmail's several recipients
and its final "giving up", Exchange 2007-2019's diagnostic block and its
``dda:SMTP=`` addresses, Lotus Domino, Novell GroupWise, Yahoo and AOL,
Sina's Chinese notices, Exim's delay warnings, other servers' "has not yet
been delivered", and mailing-list software's own bounces. Addresses and hosts
are example ones; each builder takes the failed recipient and the address the
notice is sent to.
"""

from __future__ import annotations

import base64
import re

from .mailshapes import ORIGINAL_ID, Builder, _lf, _original, postfix, qmail_notice, yahoo_notice


def _local(recipient: str) -> str:
    return recipient.split("@")[0]


def _domain(recipient: str) -> str:
    return recipient.split("@")[1]


def _b64(text: str, charset: str) -> str:
    return base64.encodebytes(text.encode(charset)).decode("ascii")


def sendmail_expanded(recipient: str, to: str) -> bytes:
    """Sendmail 8 without a report part: the alias we sent to was expanded to another address, which failed."""
    final = f"jbloggs@mailhost.{_domain(recipient)}"
    return _lf(f"""Return-Path: <>
Date: Thu, 1 Aug 2019 10:00:00 +0100
From: Mail Delivery Subsystem <MAILER-DAEMON@{_domain(recipient)}>
Message-Id: <199908010900.KAA01234@{_domain(recipient)}>
To: <{to}>
Subject: Returned mail: User unknown
Auto-Submitted: auto-generated (failure)

The original message was received at Thu, 1 Aug 2019 10:00:00 +0100
from mx.example.org [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
<{final}>
    (reason: 550 5.1.1 <{final}>... User unknown)
    (expanded from: <{recipient}>)

   ----- Transcript of session follows -----
... while talking to mailhost.{_domain(recipient)}.:
>>> RCPT To:<{final}>
<<< 550 5.1.1 <{final}>... User unknown
550 5.1.1 <{final}>... User unknown

   ----- Original message follows -----
{_original(recipient, to)}
Hello partners.
""")


def sendmail_bare_local(recipient: str, to: str) -> bytes:
    """An old sendmail (5.x) naming the failed mailbox by its local part only, on the reporting host's domain."""
    return _lf(f"""Return-Path: <MAILER-DAEMON>
Date: Thu, 1 Aug 1996 10:00:00 +0100
From: MAILER-DAEMON@{_domain(recipient)} (Mail Delivery Subsystem)
Subject: Returned mail: User unknown
To: {to}

   ----- Transcript of session follows -----
550 {_local(recipient)}... User unknown

   ----- Unsent message follows -----
Received: by {_domain(recipient)} (5.65/1.36) id AA01234; Thu, 1 Aug 1996 10:00:00 +0100
From: team@example.org
Subject: SOC Local Partnerships Bulletin
X-Mailer: Bulletin Tools 2.0.13

Hello partners.
""")


def qmail_several(recipient: str, to: str) -> bytes:
    """qmail naming two failed recipients, each with its own status: a gone address and a full mailbox."""
    other = f"al.smith@{_domain(recipient)}"
    return qmail_notice(to, f"""<{recipient}>:
192.0.2.25 does not like recipient.
Remote host said: 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown
Giving up on 192.0.2.25.

<{other}>:
192.0.2.25 failed after I sent the message.
Remote host said: 552 5.2.2 <{other}>: Mailbox full, quota exceeded
""", _original(recipient, to))


def qmail_gave_up(recipient: str, to: str) -> bytes:
    """qmail's final notice after a week of temporary failures: a 4.x status, but delivery is abandoned."""
    return qmail_notice(to, f"""<{recipient}>:
Connected to 192.0.2.25 but greeting failed.
Remote host said: 421 4.4.2 mail.example.net Error: timeout exceeded
I'm not going to try again; this message has been in the queue too long.
""", _original(recipient, to), date="8 Aug 2019 09:00:03 -0000")


def exchange2013(recipient: str, to: str) -> bytes:
    """Exchange 2010-2019: prose with a diagnostic block, a DSN whose recipient is an Exchange ``dda:SMTP=`` form."""
    return _lf(f"""From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.org>
To: {to}
Date: Thu, 1 Aug 2019 09:00:09 +0000
Subject: Undeliverable: SOC Local Partnerships Bulletin
Content-Type: multipart/report; report-type=delivery-status; boundary="EX2013"
MIME-Version: 1.0
Message-ID: <6b1c2d3e-aaaa-bbbb-cccc-ddddeeeeffff@EX01.example.org>
In-Reply-To: {ORIGINAL_ID}
Auto-Submitted: auto-replied
X-MS-Exchange-Message-Is-Ndr:

--EX2013
Content-Type: text/plain; charset="us-ascii"

Delivery has failed to these recipients or groups:

Jo Bloggs
The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message. If the problem continues, please contact your helpdesk at helpdesk@example.org.

Diagnostic information for administrators:

Generating server: EX01.example.org

dda:SMTP={recipient}
Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'

Original message headers:

Received: from mx.example.org (192.0.2.10) by EX01.example.org (192.0.2.11) with Microsoft SMTP Server id 15.1.1591.10;
 Thu, 1 Aug 2019 09:00:08 +0000
From: SOC Partnerships <team@example.org>
To: Partners <partners@example.org>
Subject: SOC Local Partnerships Bulletin
Message-ID: {ORIGINAL_ID}

--EX2013
Content-Type: message/delivery-status

Reporting-MTA: dns;EX01.example.org
Received-From-MTA: dns;mx.example.org
Arrival-Date: Thu, 1 Aug 2019 09:00:08 +0000

Final-Recipient: rfc822;dda:SMTP={recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found

--EX2013--
""")


def domino_full(recipient: str, to: str) -> bytes:
    """Lotus Domino's notice of a full mail file, with the directory's list of similar names (none of them failed)."""
    return _lf(f"""Date: Thu, 1 Aug 2019 10:00:00 +0100
MIME-Version: 1.0
From: Postmaster@{_domain(recipient)}
To: {to}
Subject: DELIVERY FAILURE: Mail file for {recipient} is full
Content-Type: text/plain; charset=UTF-8

Your message

  Subject: SOC Local Partnerships Bulletin, release 2.0.12 of the guidance

was not delivered to:

  {recipient}

because:

  Unable to deliver message: the recipient's mail file is full (over its quota)

Other people in the Domino Directory with similar names:
  jo.blogs@{_domain(recipient)}
  joanna.bloggs@{_domain(recipient)}
""")


def groupwise(recipient: str, to: str) -> bytes:
    """Novell GroupWise: the recipient by its local part, the returned message after "Possibly truncated"."""
    return _lf(f"""Date: Thu, 01 Aug 2019 10:00:00 +0100
From: Mail Delivery System <postmaster@{_domain(recipient)}>
To: {to}
Subject: Undeliverable mail
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

The message that you sent was undeliverable to the following:
	{_local(recipient)} (user not found)

Possibly truncated original message follows:

{_original(recipient, to)}
Hello partners. Write to help@example.org with questions.
""")


def yahoo_disabled(recipient: str, to: str) -> bytes:
    """Yahoo's notice of a disabled mailbox: ``554.30`` is Yahoo's own code, not a status."""
    return yahoo_notice(to, f"<{recipient}>:\n554: delivery error: dd Sorry your message to {recipient} cannot be delivered. "
                            "This mailbox is disabled (554.30). - mta1001.mail.ne1.yahoo.com\n", _original(recipient, to))


def aol_forwarded(recipient: str, to: str) -> bytes:
    """AOL's report for an address that forwards: Final-Recipient is where it was forwarded, Original-Recipient ours."""
    final = "jbloggs.forward@aol.example"
    return _lf(f"""Return-Path: <>
From: Mail Delivery Subsystem <MAILER-DAEMON@aol.com>
To: {to}
Subject: Returned mail: see transcript for details
Date: Thu, 1 Aug 2019 05:00:00 -0400
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="AOL1"

--AOL1
Content-Type: text/plain

   ----- The following addresses had permanent fatal errors -----
<{final}>
    (reason: 550 MAILBOX NOT FOUND)

--AOL1
Content-Type: message/delivery-status

Reporting-MTA: dns; omr-m01.mx.aol.com

Original-Recipient: rfc822;{recipient}
Final-Recipient: rfc822;{final}
Action: failed
Status: 5.1.1
Diagnostic-Code: SMTP; 550 MAILBOX NOT FOUND

--AOL1
Content-Type: text/rfc822-headers

{_original(recipient, to)}
--AOL1--
""")


def sina_chinese(recipient: str, to: str) -> bytes:
    """Sina's notice in Chinese (GB2312, base64), titled 系统退信 ("returned by the system"), from a named mailbox."""
    body = (f"您好！\n\n您发送的邮件未能成功送达以下收件人：\n\n    {recipient}\n\n"
            "原因：收件人邮箱已满 (552 5.2.2 mailbox full)\n\n"
            "如有疑问，请联系客服 kefu@vip.sina.example\n")
    subject = "=?GB2312?B?" + base64.b64encode("系统退信".encode("gb2312")).decode() + "?="
    name = "=?GB2312?B?" + base64.b64encode("新浪邮箱".encode("gb2312")).decode() + "?="
    return _lf(f"""From: {name} <sinamail@sina.example>
To: {to}
Subject: {subject}
Date: Thu, 01 Aug 2019 17:00:00 +0800
MIME-Version: 1.0
Content-Type: text/plain; charset=GB2312
Content-Transfer-Encoding: base64

{_b64(body, "gb2312")}""")


def exim_delayed(recipient: str, to: str) -> bytes:
    """Exim's delay warning: prose only, the message is still being tried."""
    return _lf(f"""Return-path: <>
Envelope-to: {to}
Date: Fri, 02 Aug 2019 10:15:23 +0100
Message-Id: <E1htAbC-0007xY-Zz@mail.example.net>
Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon@mail.example.net>
To: {to}
Subject: Warning: message 1hsz0R-0004aB-Ab delayed 24 hours
X-Exim-Version: 4.92.3 (build at 12-Oct-2019 2.0.13)

This message was created automatically by mail delivery software.
A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mail.example.net.

The message identifier is:     1hsz0R-0004aB-Ab
The subject of the message is: SOC Local Partnerships Bulletin
The date of the message is:    Thu, 01 Aug 2019 10:15:20 +0100

The address to which the message has not yet been delivered is:

  {recipient}
    host mx.{_domain(recipient)} [192.0.2.25]
    Delay reason: SMTP error from remote mail server after RCPT TO:<{recipient}>:
    452 4.2.2 The email account that you tried to reach is over quota

No action is required on your part. Delivery attempts will continue for
some time, and this warning may be repeated at intervals if the message
remains undelivered. Eventually the mail delivery software will give up,
and when that happens, the message will be returned to you.
""")


def not_yet_delivered(recipient: str, to: str) -> bytes:
    """A delay warning in another server's words, with no status at all."""
    return _lf(f"""From: postmaster@mx.example.net
To: {to}
Subject: Delivery Status Notification (Delay)
Date: Thu, 01 Aug 2019 13:00:00 +0000
Content-Type: text/plain; charset=us-ascii

This is an automatically generated Delivery Status Notification.

THIS IS A WARNING MESSAGE ONLY.

YOU DO NOT NEED TO RESEND YOUR MESSAGE.

Delivery to the following recipients has been delayed.

       {recipient}

Your message has not yet been delivered; the server will keep trying.
""")


def german_reply_prefixed(recipient: str, to: str) -> bytes:
    """A notice whose subject a server wrote as a reply (``AW: Unzustellbar:``), in German, from a plain mailbox."""
    return _lf(f"""From: Mailsystem <mail@{_domain(recipient)}>
To: {to}
Subject: AW: Unzustellbar: SOC Local Partnerships Bulletin
Date: Thu, 01 Aug 2019 11:00:00 +0200
Content-Type: text/plain; charset=utf-8

Ihre Nachricht konnte nicht zugestellt werden.

Empfänger: {recipient}
Grund: 550 5.1.1 Benutzer unbekannt
""")


def english_reply_prefixed(recipient: str, to: str) -> bytes:
    """The same in English: ``RE: Undeliverable:`` from a plain mailbox."""
    return _lf(f"""From: Mail Gateway <gateway@{_domain(recipient)}>
To: {to}
Subject: RE: Undeliverable: SOC Local Partnerships Bulletin
Date: Thu, 01 Aug 2019 11:00:00 +0000
Content-Type: text/plain; charset=utf-8

Your message could not be delivered to the following recipient:

{recipient}
550 5.1.1 No such user
""")


def list_nonmember(recipient: str, to: str) -> bytes:
    """Mailing-list software's own bounce: the list we sent to takes posts from members only."""
    return _lf(f"""Return-Path: <partners-owner@{_domain(recipient)}>
From: partners-owner@{_domain(recipient)}
To: {to}
Subject: Your message to {recipient} was rejected: posting by non-members is not allowed
Date: Thu, 01 Aug 2019 09:05:00 +0000
X-Mailer: Mailing list server 2.1.39
List-Id: <partners.{_domain(recipient)}>
Content-Type: text/plain; charset=us-ascii

You are not allowed to post to this mailing list <{recipient}>, and your
message has been automatically rejected. If you think that your messages
are being rejected in error, contact the mailing list owner at
partners-owner@{_domain(recipient)}.
""")


def redacted(recipient: str, to: str) -> bytes:
    """A failure notice whose recipient cannot be read (the server masked it), with an Auto-Submitted header."""
    masked = "j*****@" + _domain(recipient)
    return _lf(f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: {to}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Date: Thu, 01 Aug 2019 09:00:05 +0000
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered to {masked}: 550 5.1.1 User unknown.
""")


def postfix_expired(recipient: str, to: str) -> bytes:
    """Postfix's final bounce after the queue lifetime: ``Action: failed`` with a 4.x status."""
    timed_out = f"connect to mx.{_domain(recipient)}[192.0.2.25]:25: Connection timed out"
    raw = postfix(recipient, to).decode()
    raw = raw.replace("Status: 5.1.1\r\n", "Status: 4.4.1\r\n")
    raw = re.sub(r"Diagnostic-Code: smtp; 550[^\r]*\r\n(?:[ \t][^\r]*\r\n)*", f"Diagnostic-Code: X-Postfix; {timed_out}\r\n", raw)
    return re.sub(rf"<{re.escape(recipient)}>: host [^\r]*\r\n(?:[ \t][^\r]*\r\n)*", f"<{recipient}>: {timed_out}\r\n", raw).encode()


def mdaemon_pasted(recipient: str, to: str) -> bytes:
    """MDaemon: a session transcript, then the returned message pasted with no line saying so (its contacts are
    addresses alone on a line, and none of them failed)."""
    return _lf(f"""From: MDaemon@mail.example.net
To: {to}
Subject: Permanent Delivery Failure
Date: Thu, 01 Aug 2019 09:00:07 +0000
Content-Type: text/plain; charset=us-ascii

The attached message had PERMANENT fatal delivery errors!

After one or more unsuccessful delivery attempts the attached message has been removed from the
mail queue on this server.

--- Session Transcript ---
 Thu 2019-08-01 09:00:05: Session 1234; child 1
 Thu 2019-08-01 09:00:06: <-- 550 5.1.1 Mailbox {_local(recipient)} does not exist here, delivery to {recipient} failed
--- End Transcript ---

{_original(recipient, to)}
Contacts for this issue:
  al.jones@police.example
  partners@homeoffice.example
""")


def italian(recipient: str, to: str) -> bytes:
    """An Italian provider's notice ("Mancato recapito"), quoted-printable, from a named mailbox."""
    return _lf(f"""From: Servizio Posta <avvisi@mail.example.it>
To: {to}
Subject: Mancato recapito: SOC Local Partnerships Bulletin
Date: Thu, 01 Aug 2019 11:00:00 +0200
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Non =C3=A8 stato possibile recapitare il messaggio al destinatario:

{recipient}

Motivo: 550 5.1.1 utente sconosciuto (user unknown)
""")


def exim_generated(recipient: str, to: str) -> bytes:
    """Exim naming two failed recipients, one of them an address our list address was redirected to."""
    alias = f"partners@{_domain(recipient)}"
    return _lf(f"""Return-path: <>
From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: {to}
Subject: Mail delivery failed: returning message to sender
Auto-Submitted: auto-replied

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  {recipient}
    SMTP error from remote mail server after RCPT TO:<{recipient}>:
    550 5.1.1 No such user
  al.smith@{_domain(recipient)}
    (generated from {alias})
    SMTP error from remote mail server after end of data:
    552 5.2.2 Quota exceeded

------ This is a copy of the message, including all the headers. ------

{_original(alias, to)}
Hello partners.
""")


def sendmail_notice(recipient: str, to: str, subject: str, body: str) -> bytes:
    return _lf(f"""From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>
To: {to}
Subject: {subject}
Auto-Submitted: auto-generated (failure)

The original message was received at Thu, 1 Aug 2019 09:00:00 +0100
from mx.example.org [192.0.2.10]

{body}
   ----- Transcript of session follows -----
<{recipient}>... Deferred: Connection timed out with mx.{_domain(recipient)}.
""")


def sendmail_warning(recipient: str, to: str) -> bytes:
    """Sendmail's warning that delivery goes on."""
    return sendmail_notice(recipient, to, "Warning: could not send message for past 4 hours", """\
    **********************************************
    **      THIS IS A WARNING MESSAGE ONLY      **
    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **
    **********************************************
""")


def sendmail_final(recipient: str, to: str) -> bytes:
    """Sendmail's final notice after days of 4xx replies: "permanent fatal errors", a 4.x status."""
    return sendmail_notice(recipient, to, "Returned mail: see transcript for details", f"""\
   ----- The following addresses had permanent fatal errors -----
<{recipient}>
    (reason: 421 4.4.2 Connection timed out)
""")


def courier_delayed(recipient: str, to: str) -> bytes:
    """Courier's delay warning, from a sender with no address at all."""
    return _lf(f"""From: "Courier mail server at mx.example.net" <@>
To: {to}
Subject: WARNING: delayed mail.

This is a delivery status notification from mx.example.net,
running the Courier mail server, version 0.60.

                           DELAYED MAIL

Your message to the following recipients has not yet been delivered, and
delivery attempts will continue:

<{recipient}>:
    mail.example.net [192.0.2.25]:
<<< 451 4.3.0 Temporary local problem
""")


def automatic_reply_titled(recipient: str, to: str) -> bytes:
    """A server's notice titled as a reply to the message (``RE:`` and its subject), automatic by its header."""
    return _lf(f"""From: Mail Gateway <gateway@{_domain(recipient)}>
To: {to}
Subject: RE: SOC Local Partnerships Bulletin
Auto-Submitted: auto-replied
Date: Thu, 01 Aug 2019 11:00:00 +0000
Content-Type: text/plain; charset=utf-8

Your message could not be delivered to {recipient}: 550 5.1.1 user unknown.
""")


#: (name, builder, [(address, status, permanent)] with "{r}" for the recipient and "{d}" for its domain)
MORE: list[tuple[str, Builder, list[tuple[str, str | None, bool]]]] = [
    ("sendmail-expanded-from", sendmail_expanded, [("{r}", "5.1.1", True)]),
    ("sendmail-bare-local-part", sendmail_bare_local, [("{r}", None, True)]),
    ("qmail-several-recipients", qmail_several, [("{r}", "5.1.1", True), ("al.smith@{d}", "5.2.2", True)]),
    ("qmail-gave-up", qmail_gave_up, [("{r}", "4.4.2", True)]),
    ("exchange-2013-dda", exchange2013, [("{r}", "5.1.1", True)]),
    ("domino-mail-file-full", domino_full, [("{r}", None, True)]),
    ("groupwise-local-part", groupwise, [("{r}", None, True)]),
    ("yahoo-disabled", yahoo_disabled, [("{r}", None, True)]),
    ("aol-original-recipient", aol_forwarded, [("{r}", "5.1.1", True)]),
    ("sina-chinese", sina_chinese, [("{r}", "5.2.2", True)]),
    ("exim-delay-warning", exim_delayed, [("{r}", "4.2.2", False)]),
    ("not-yet-delivered", not_yet_delivered, [("{r}", None, False)]),
    ("german-aw-prefixed", german_reply_prefixed, [("{r}", "5.1.1", True)]),
    ("english-re-prefixed", english_reply_prefixed, [("{r}", "5.1.1", True)]),
    ("mailing-list-nonmember", list_nonmember, [("{r}", None, True)]),
    ("postfix-expired", postfix_expired, [("{r}", "4.4.1", True)]),
    ("mdaemon-pasted-message", mdaemon_pasted, [("{r}", "5.1.1", True)]),
    ("italian-mancato-recapito", italian, [("{r}", "5.1.1", True)]),
    ("exim-generated-from", exim_generated, [("{r}", "5.1.1", True), ("partners@{d}", "5.2.2", True)]),
    ("sendmail-warning", sendmail_warning, [("{r}", None, False)]),
    ("sendmail-final-4xx", sendmail_final, [("{r}", "4.4.2", True)]),
    ("courier-delayed", courier_delayed, [("{r}", "4.3.0", False)]),
    ("automatic-re-titled", automatic_reply_titled, [("{r}", "5.1.1", True)]),
]
