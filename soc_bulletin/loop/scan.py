"""Bounces that are not delivery status notifications: a server's own failure notice, read as text.

qmail, Exim, old Sendmail, Exchange 2003, Domino, Gmail's and many hosted
services' notices say in prose which recipients failed. The notice is the text
before the returned copy of the message; each address in it is scored by where
it stands (alone on a line, ``<address>:``, ``RCPT TO:<address>``, an
``X-Failed-Recipients`` header...), the sender's own addresses never count, and
the status comes from the text that follows the address.
"""

from __future__ import annotations

import email
import re
from collections.abc import Iterable
from email import policy
from email.message import Message

from .mime import EXCHANGE_FORM, addresses_in, decoded_header, header_addresses, part_text, returned_headers, text_parts
from .reports import best_status, status_in
from .verdict import Failure

__all__ = ["BOUNCE_SENDER", "looks_like_bounce", "notice", "scan_notice"]

BOUNCE_SENDER = re.compile(
    r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|mdaemon|mail[-_.]?delivery[-_.]?(?:system|subsystem)?|"
    r"mailerd|double-bounce|bounces?|mail[-_.]?admin|mailadmin|mail[-_.]?notify|root|nobody|"
    r"ndr|nondelivery|system)(?:[-_.+][\w.-]*)?@", re.I)
#: the mail system's own mailboxes, never a failed recipient in its own notice
_DAEMON = re.compile(r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|double-bounce)@", re.I)
_SENDER_NAME = re.compile(r"mail delivery (system|subsystem|service)|mailer.?daemon|postmaster|system administrator|"
                          r"mail administrator|delivery status notification|microsoft outlook|mail system", re.I)
_SUBJECT = re.compile(
    r"undeliver|undelivered|non.?deliver|not delivered|delivery (status|failure|failed|problem|notification|report|error|"
    r"has failed|incomplete|delayed)|returned mail|return(ed)? to sender|mail delivery failed|failure notice|"
    r"could not (be )?deliver|couldn.t be delivered|mail (system )?error|warning: could not send|delivery warning|"
    r"failed delivery|message (not|could not be) (delivered|sent)|permanent (error|failure)|mail failure|user unknown|"
    r"delivery notification|rejected|bounced?|error sending|failed mail|nicht zustellbar|non remis|unzustellbar|"
    r"mail could not|NDN|DELIVERY FAILURE|message delayed|returned message|failure delivery|delivery.*unsuccessful|"
    r"\bfailed\b|\bfailure\b|unable to deliver|retour|devolvido|no entregado|不達|エラー|送信できません|"
    r"delayed \d+ (?:hours?|minutes?|days?)|delayed (?:mail|message)|退信|退回|投递失败|未能(?:成功)?送达|无法(?:投递|送达)|发送失败|반송|전송 실패|"
    r"mancato recapito|non recapitabile|onbestelbaar|niet (?:bezorgd|afgeleverd)|n[ãa]o entregue|no se pudo entregar|"
    r"[ée]chec de (?:la )?(?:remise|distribution)|не доставлено|недоставлен|ошибка доставки",
    re.I)
_REPLY_PREFIX = re.compile(r"\s*(re|aw|sv|vs|antw|rif)\s*(\[\d+\])?\s*:", re.I)  # a reply, not a forwarded bounce
#: a reply prefix some servers put before their own title (``RE: Undeliverable:``, ``AW: Unzustellbar:``)
_PREFIXED_TITLE = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|antw|rif|fw|fwd|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+(?:undeliverable|undelivered|unzustellbar|"
    r"nicht zustellbar|non remis|non recapitabile|onbestelbaar|no se puede entregar|delivery (?:status notification|"
    r"failure|has failed)|returned mail|mail delivery failed|failure notice|退信|系统退信)", re.I)
#: what only a failure notice says, never a person's passing mention of a failure
_NOTICE_TEXT = re.compile(
    r"could not be delivered|couldn.t be delivered|was not delivered|wasn.t delivered|undeliverable|delivery (?:has )?failed|"
    r"konnte nicht zugestellt|nicht zugestellt werden|n.a pas pu .tre (?:remis|distribu)|未能|无法投递|no (?:se )?pudo (?:ser )?entregar|"
    r"non [èe] stato (?:possibile )?recapitat|kon niet worden (?:bezorgd|afgeleverd)|n[ãa]o (?:foi|pôde ser) entregue|"
    r"не (?:может быть |удалось )?доставить|не доставлено",
    re.I)
#: a mailing list's own notice: from its owner, or a list server's, refusing a post
_LIST_ADMIN = re.compile(r"^(?:owner-[\w.-]+|[\w.-]+-(?:owner|admin|request|bounces?))@", re.I)
_LIST_REFUSAL = re.compile(r"not (?:a )?member|non-?member|not allowed to post|you are not (?:allowed|permitted|subscribed)|"
                           r"posting [^\n]{0,40}(?:not allowed|restricted|rejected)|duplicated message-id", re.I)
_FAILURE_TEXT = re.compile(
    r"could not be delivered|couldn.t be delivered|not be delivered|was not delivered|wasn.t delivered|undeliverable|"
    r"delivery (has )?failed|failed permanently|permanent (error|failure|fatal)|user unknown|unknown user|no such (user|"
    r"mailbox|address|recipient)|does not exist|doesn.t exist|not (found|listed|known)|mailbox (unavailable|full|is full|"
    r"not found|disabled|quota)|quota|recipient (rejected|address rejected|not found|unknown)|address rejected|"
    r"unrouteable|unroutable|host (not found|unknown)|delivery to the following|did not reach|following (address|"
    r"recipient)|transcript of session|returned mail|message (could not|was not|wasn.t)|could not deliver|unable to deliver|"
    r"i.m afraid i wasn.t able|given up|giving up|rejected|refused|error|failed|failure|not delivered|delayed|"
    r"temporar|retry|bounce|invalid|disabled|suspended|blocked|denied|expired|too (large|big)|exceeded|timeout|timed out|"
    r"nicht zugestellt|non remis|n.a pas pu|konnte nicht|no pudo|送信|配信|宛先|未能|失败|退信|不存在|已满|recapit|bezorgd|"
    r"entregue|доставлен|доставить", re.I)
_TEMPORARY = re.compile(
    r"temporar|\bdelayed\b|delivery delay|has been delayed|deferred|will (continue|retry|be retried|try again|keep trying)|"
    r"still (trying|being retried)|not yet been delivered|has not (yet )?been delivered yet|warning: could not send|"
    r"no action is required|retry (timeout|time)|will be (re)?tried|could not be delivered for|in queue", re.I)
_PERMANENT = re.compile(r"permanent|given up|giving up|gave up|fatal|will not be retried|hard bounce", re.I)
#: a final notice: delivery abandoned, so permanent for this message whatever the status class
_ABANDONED = re.compile(r"given up|giving up|gave up|not going to try again|will not be (?:re)?tried|no further attempts|"
                        r"(?<!not a )permanent fatal error|(?:deleted|removed) from (?:the )?(?:mail )?queue|"
                        r"too long in (?:the )?queue|delivery (?:has been )?abandoned|retry time(?:out)? (?:exceeded|reached)", re.I)
#: a warning that delivery goes on: never a final notice
_WARNING = re.compile(r"warning (?:message )?only|no action is required|will (?:continue|retry|be retried|try again|keep trying)|"
                      r"still (?:trying|being retried)|not yet been delivered|has been delayed|transient non-fatal", re.I)
#: a line of help or of other people: a help desk to write to, a directory's similar names, a signature
_HELP_LINE = re.compile(
    r"^[^\n]*(?:please (?:contact|send|write|call|visit|e-?mail)|for (?:more |further )?(?:information|help|assistance)|"
    r"similar names|did you mean|if you (?:need|have) (?:help|questions|any)|help ?desk|learn more|联系|客服|お問い合わせ)"
    r"|^-- ?$", re.I | re.M)
#: a failed recipient named by its local part alone (old sendmail's ``jo... User unknown``, GroupWise's ``jo (user not found)``)
_BARE_LOCAL = re.compile(
    r"^[ \t>]*(?:[45]\d\d[ -])?<?(?P<l>[\w+=-]+(?:\.[\w+=-]+)*)>?(?:\.\.\.[ \t]*|[ \t]+\()(?:user unknown|unknown user|"
    r"user not found|no such (?:user|mailbox)|mailbox (?:unavailable|full|not found)|not found|does not exist|invalid)", re.I | re.M)
#: sendmail's and Exim's note of the address an alias was expanded from: the address we sent to
_EXPANDED = re.compile(r"(?:expanded|generated) from:?\s*<?(?P<a>[^\s<>()]+@[^\s<>()]+?)>?\)?[ \t]*$", re.I | re.M)
#: where the returned copy of the message starts when it is inlined in the notice: a line saying so
_RETURNED_MARK = re.compile(
    r"^[ \t]*(?:[-=_*>]{2,}[ \t]*)?\(?(?:the )?(?:"
    r"(?:below this line is a copy of the message|this is a copy of (?:the|your) message|original message (?:follows|header|"
    r"headers|text)|original mail (?:header|headers)|(?:un)?sent message (?:below|follows)|message text follows|"
    r"message headers? follows?|headers? of (?:the |your )?(?:original )?message|copy of (?:the |your )?(?:original )?message|"
    r"included is the original message|message (?:body|headers) follows|begin (?:returned|original) message|"
    r"original (?:mail|message) as follows|possibly truncated original message follows)[^\n]*"
    r"|(?:original|returned|undelivered|failed|forwarded|rfc822) message[ \t]*[-=_*:.)]*[ \t]*)$",
    re.I | re.M)
#: header fields only a message has, and fields only a delivery report has
_MESSAGE_FIELD = re.compile(r"(?:received|return-path|message-id|mime-version|x-mailer|in-reply-to|references)$", re.I)
_REPORT_FIELD = re.compile(r"(?:final-recipient|original-recipient|reporting-mta|action|status|diagnostic-code)$", re.I)
#: how an address stands in a notice, most telling first: tier 1 names a failed recipient, tier 2 a recipient
_ADDRESS = r"(?<![^\s<>()\[\]\"',;:=])(?P<a>[^\s<>()\[\]\"',;:@]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})"
_TIER1 = tuple(re.compile(p.replace("{a}", _ADDRESS), re.I | re.M) for p in (
    r"rcpt to:?\s*<?{a}",
    r"^[ \t>]*<{a}>[ \t]*:",
    r"^[ \t>]*{a}[ \t]*:[ \t]*\S",
    r"<?{a}>?\s*\.\.\.",
    r"^[ \t>]*{a}[ \t]+on[ \t]",
    r"^[ \t>*-]*<?\"?{a}\"?>?[ \t]*[.:;,]?[ \t]*$",
    r"deliver(?:ing|ed|y)?[^\n@]{0,40}\bto:?[ \t]*<?{a}",
    r"(?:recipient|address|user|mailbox|destinatario|destinataire|empf.nger)[^\n@]{0,40}<?{a}",
    r"<?{a}>?[^\n@]{0,60}(?:user unknown|unknown user|no such|does not exist|not found|not listed|rejected|"
    r"unavailable|invalid|disabled|quota|full|refused|failed|unknown|undeliverable)",
    r"^[ \t>]*final-recipient:[^\n]*{a}",
    r"generated by <?{a}",
    r"\b(?:mailing list|list)\s*<{a}>",
))
_TIER2 = tuple(re.compile(p.replace("{a}", _ADDRESS), re.I | re.M) for p in (
    r"^[ \t>]*(?:to|rcpt|e-?mail|for):?[ \t]*<?{a}",
))
_IDS = re.compile(r"(?:message-id:|\bid\b|in-reply-to:|references:)\s*<[^<>\n]*>", re.I)


def notice(message: Message, /) -> tuple[str, Message | None]:
    """The notice text (before any inlined copy of the message) and the returned message's header."""
    text = EXCHANGE_FORM.sub("", "\n".join(part_text(p) for p in text_parts(message)))
    returned = returned_headers(message)
    mark = _RETURNED_MARK.search(text)
    if mark and mark.start() > 0:
        inline = text[mark.end():].lstrip("-=_* \t\n")
        inline = inline[inline.find("\n") + 1:] if not re.match(r"[\w-]+:", inline) else inline
        text = text[:mark.start()]
    elif (pasted := _pasted_header(text)) > 0 and set(addresses_in(text[:pasted])) - _helping(text[:pasted]):
        inline, text = text[pasted:], text[:pasted]  # the returned message pasted with no line saying so
    else:
        inline = ""
    if returned is None and re.match(r"\s*[\w-]+:", inline):
        returned = email.message_from_string(inline.lstrip(), policy=policy.compat32)
    return text, returned


def _pasted_header(text: str) -> int:
    """Where a message's header pasted into the text starts: three header fields or more at the margin, one of them
    one only a message has, none a delivery report's; -1 when there is none."""
    start, offset = -1, 0
    names: list[str] = []
    for line in [*text.split("\n"), ""]:
        field = re.match(r"([A-Za-z][\w-]*):[ \t]+\S", line)
        if field:
            start = offset if not names else start
            names.append(field[1])
        elif not (line[:1] in " \t" and line.strip() and names):  # a continuation line keeps the block going
            if len(names) >= 3 and any(_MESSAGE_FIELD.match(n) for n in names) and not any(_REPORT_FIELD.match(n) for n in names) \
                    and "multipart/report" not in text[start:offset].casefold():  # a bounce pasted whole is the notice
                return start
            names = []
        offset += len(line) + 1
    return -1


def looks_like_bounce(message: Message, text: str, /) -> bool:
    """Whether a message without a report is a failure notice: from a mail system, or titled as one, saying so.

    A title alone is not enough when the subject is a person's reply (``Re:``, ``AW:``...).
    """
    if message.get("X-Failed-Recipients"):
        return True
    sender = " ".join(str(message.get(name, "")) for name in ("From", "Sender", "Return-Path"))
    by_system = _from_mail_system(message, sender)
    empty_return = str(message.get("Return-Path", "")).strip() in ("<>", "") and "Return-Path" in message
    subject = decoded_header(message, "Subject")
    titled = _titled(message, subject, text, by_system or empty_return)
    if _list_refusal(message, sender, subject, text):
        return True
    if not (by_system or titled):  # a null return path alone: an automatic reply has one too
        return bool(empty_return and _NOTICE_TEXT.search(text))
    return bool(_FAILURE_TEXT.search(text) or titled and (by_system or empty_return))


def _from_mail_system(message: Message, sender: str) -> bool:
    """Whether the sender's address is a mail system's (MAILER-DAEMON, postmaster...) or its name says it is one."""
    return any(BOUNCE_SENDER.match(a) for a in addresses_in(sender)) or bool(_SENDER_NAME.search(decoded_header(message, "From")))


def _titled(message: Message, subject: str, text: str, from_system: bool) -> bool:
    """Whether the subject is a failure notice's (not a person's reply to one, unless a mail system sent it or the
    notice's first words say so), or an automatic message's first words say it is one."""
    says_so = bool(_NOTICE_TEXT.search(text[:500]))  # a notice's first words, never a person's passing mention
    automatic = str(message.get("Auto-Submitted", "no")).strip().lower() != "no"
    return bool(_SUBJECT.search(subject)) and (from_system or not _REPLY_PREFIX.match(subject)
                                               or bool(_PREFIXED_TITLE.match(subject) and says_so)) or automatic and says_so


def _list_refusal(message: Message, sender: str, subject: str, text: str) -> bool:
    """Whether a mailing list's owner or software refuses a post: from the owner saying so, or a list's
    refusal by its title (a post to the list only carries the list's headers)."""
    if any(_LIST_ADMIN.match(a) for a in addresses_in(sender)):
        return bool(_LIST_REFUSAL.search(f"{subject}\n{text}"))
    listed = any(message.get(h) for h in ("X-MLServer", "X-Mailman-Version", "Mailing-List", "X-ML-Name", "X-Listprocessor-Version"))
    return listed and bool(_LIST_REFUSAL.search(subject))


def scan_notice(message: Message, text: str, returned: Message | None, /) -> list[Failure]:
    """The failed recipients a failure notice names, with the status the text gives each.

    The sender's own addresses (the notice's From, To and Return-Path, the
    returned message's From) count only when nothing else is named.
    """
    own = _casefolded(header_addresses(message, "To", "Cc", "Reply-To", "Delivered-To", "X-Original-To"))
    senders = _senders(message, text, returned)
    searched = _IDS.sub(" ", text)
    for chosen in _choices(message, returned, searched, own, senders):
        if chosen:
            found = [_failure_of(text, address, chosen) for address in dict.fromkeys(chosen)]
            return _with_expanded(text, found)
    return []


def _casefolded(addresses: Iterable[str]) -> set[str]:
    return {a.casefold() for a in addresses}


def _senders(message: Message, text: str, returned: Message | None) -> set[str]:
    """The sender's own addresses: the notice's and the returned message's From, Sender and Return-Path, and the
    ``MAIL FROM`` the text quotes."""
    senders = _casefolded(header_addresses(message, "From", "Sender", "Return-Path"))
    senders |= _casefolded(header_addresses(returned, "From", "Sender", "Return-Path"))
    return senders | _casefolded(re.findall(r"mail from:\s*<?([^>\s]+@[^>\s]+)>?", text, re.I))


def _candidates(searched: str, senders: set[str]) -> list[str]:
    """The addresses the notice names that may have failed: not the sender's, not a mail system's, and not in help
    text (a help desk, similar names, a signature) unless nothing else is named."""
    candidates = [a for a in addresses_in(searched) if a.casefold() not in senders and not _DAEMON.match(a)]
    helping = _helping(searched)
    if any(a.casefold() not in helping for a in candidates):
        candidates = [a for a in candidates if a.casefold() not in helping]
    return candidates


def _choices(message: Message, returned: Message | None, searched: str, own: set[str],
             senders: set[str]) -> tuple[list[str], ...]:
    """The failed recipients as each kind of evidence names them, the most telling first: X-Failed-Recipients
    named in the text, addresses named as failed (not the notice's own recipients', then theirs), addresses named
    as recipients, X-Failed-Recipients alone, local parts, the returned message's To and envelope, the first named."""
    candidates = _candidates(searched, senders)
    tiers = _tiers(searched)
    tier = {a.casefold(): tiers.get(a.casefold(), 3) for a in candidates}
    failed = header_addresses(message, "X-Failed-Recipients")
    mine = [a for a in candidates if a.casefold() not in own]
    theirs = [a for a in candidates if a.casefold() in own]
    returned_to, envelope = _returned_recipients(returned, own, senders)
    return ([a for a in failed if a.casefold() in tier], _in_tier(mine, tier, 1), _in_tier(theirs, tier, 1),
            _in_tier(mine, tier, 2), failed, _bare_locals(searched, message, returned), returned_to, envelope, mine[:1])


def _in_tier(addresses: list[str], tier: dict[str, int], number: int) -> list[str]:
    return [a for a in addresses if tier[a.casefold()] == number]


def _returned_recipients(returned: Message | None, own: set[str], senders: set[str]) -> tuple[list[str], list[str]]:
    """The returned message's first To address and the first recipient its Received fields name, never the sender's."""
    returned_to = [a for a in header_addresses(returned, "To") if a.casefold() not in senders][:1]
    envelope = [a for a in _envelope_recipients(returned) if a.casefold() not in senders | own][:1]
    return returned_to, envelope


def _helping(text: str) -> set[str]:
    """The addresses named only from the first line of help on (a help desk, similar names, a signature)."""
    first = _HELP_LINE.search(text)
    if first is None:
        return set()
    return {a.casefold() for a in addresses_in(text[first.start():])} - {a.casefold() for a in addresses_in(text[:first.start()])}


def _bare_locals(text: str, message: Message, returned: Message | None) -> list[str]:
    """Failed recipients named by their local part: the returned message's address with that local part, else the
    local part at the reporting domain (the notice's sender's)."""
    known = header_addresses(returned, "To", "Cc") + _envelope_recipients(returned)
    reporting = [a.rpartition("@")[2] for a in header_addresses(message, "From", "Sender")]
    found = []
    for match in _BARE_LOCAL.finditer(text):
        local = match["l"]
        same = [a for a in known if a.rpartition("@")[0].casefold() == local.casefold()]
        if same or reporting:
            found.append(same[0] if same else f"{local}@{reporting[0]}")
    return found


def _with_expanded(text: str, found: list[Failure]) -> list[Failure]:
    """Each failed address an alias was expanded into, named by the alias (the address sent to) when sendmail says so."""
    lowered = text.casefold()
    for match in _EXPANDED.finditer(text):
        before = [(lowered.rfind(f.address.casefold(), 0, match.start()), n) for n, f in enumerate(found)]
        at, index = max(before, default=(-1, -1))
        if at >= 0 and found[index].address.casefold() != match["a"].casefold():
            failure = found[index]
            found[index] = Failure(match["a"], failure.status, failure.permanent, failure.diagnostic, failure.address)
    return list({f.address.casefold(): f for f in found}.values())


def _envelope_recipients(returned: Message | None) -> list[str]:
    """The recipients the returned message's own Received fields name (``for <address>``)."""
    found: list[str] = []
    for received in (returned.get_all("Received") or []) if returned is not None else []:
        found += re.findall(r"\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?[;\s]", str(received) + " ")
    return found


def _tiers(text: str) -> dict[str, int]:
    """Each address the text names as a failed recipient (1) or as a recipient (2)."""
    found: dict[str, int] = {}
    for number, patterns in ((2, _TIER2), (1, _TIER1)):
        for pattern in patterns:
            for match in pattern.finditer(text):
                found[match["a"].rstrip(".").casefold()] = number
    return found


def _failure_of(text: str, address: str, chosen: list[str]) -> Failure:
    """The status of ``address``: from the text after it (up to the next failed address), else the whole notice."""
    start = text.casefold().find(address.casefold())
    segment = _text_after(text, address, start, chosen)
    status = _status(segment) or _status(text)
    permanent = _permanent(text, status, _reply(segment) or _reply(text))
    diagnostic = " ".join(segment[len(address):].split())[:300]
    return Failure(address, status, permanent, diagnostic)


def _text_after(text: str, address: str, start: int, chosen: list[str]) -> str:
    """The text from ``address`` (at ``start``) up to the next failed address, at most 1500 characters; the whole
    text (as far) when it is not found."""
    lowered = text.casefold()
    end = len(text)
    for other in chosen:
        if other.casefold() == address.casefold():
            continue
        at = lowered.find(other.casefold(), start + len(address))
        if at > start:
            end = min(end, at)
    segment = text[start:end] if start >= 0 else text
    return segment[:1500]


def _permanent(text: str, status: str | None, reply: str | None) -> bool:
    """Whether the failure is permanent: by its status, else its reply code, else the notice's words; a final notice
    (delivery abandoned, no warning that it goes on) is permanent whatever they say."""
    if status:
        permanent = status.startswith("5")
    elif reply:
        permanent = reply.startswith("5")
    else:
        permanent = not (_TEMPORARY.search(text) and not _PERMANENT.search(text))
    if not permanent and _ABANDONED.search(text) and not _WARNING.search(text):  # a final notice
        permanent = True
    return permanent


def _status(text: str) -> str | None:
    found = status_in(text, classes="45")  # a failure's: never a success code (or a version number at a line's start)
    return best_status(found, text) if found else None


def _reply(text: str) -> str | None:
    found = re.search(r"(?:said:|<<<|^|\s)([45]\d\d)[ -](?!\d)", text, re.M)
    return found[1] if found else None
