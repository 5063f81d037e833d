"""What one message in a bounce mailbox says: its kind and the recipients it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Failure", "Kind", "Verdict"]


class Kind(StrEnum):
    """The kinds of message a bounce or team mailbox holds."""

    BOUNCE = "bounce"            # a delivery status notification (RFC 3464) or a server's own failure notice
    COMPLAINT = "complaint"      # an abuse report from a feedback loop (ARF, RFC 5965)
    UNSUBSCRIBE = "unsubscribe"  # a mail sent by the List-Unsubscribe mailto: link
    AUTO_REPLY = "auto-reply"    # an out-of-office or other automatic reply (RFC 3834): ignored
    NONE = "none"                # anything else: left for a person


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient named by a message: for a bounce, the failed address and how it failed.

    ``status`` is the DSN status code (``5.1.1``) when the message gives one;
    ``permanent`` is False for a delay or another temporary failure.
    ``address`` is the address the message was sent to when the report tells
    it (``Original-Recipient``, sendmail's "expanded from"); ``final`` the
    address it was forwarded to and failed at, when that is another one.
    """

    address: str
    status: str | None = None
    permanent: bool = True
    diagnostic: str = ""
    final: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision about one message.

    ``verp`` holds the addresses the message was delivered to (its ``To``,
    ``Delivered-To`` and the like) so a VERP token can name the recipient;
    ``original_ids`` the Message-IDs of the bounced message, which name its issue;
    ``feedback_type`` the ARF feedback type of a complaint; ``token`` the
    unsubscribe token of an unsubscribe request.
    """

    kind: Kind
    recipients: tuple[Failure, ...] = ()
    verp: tuple[str, ...] = ()
    original_ids: tuple[str, ...] = ()
    feedback_type: str = ""
    token: str = ""
    sender: str = ""
    date: str = ""
    notes: tuple[str, ...] = field(default=())
