"""The send stage: a run as ``send`` asks for it, a campaign prepared once (the preflight), the delivery engine,
messages, transports, and the send's status (its ledger is the store's)."""

from .._public import publish as _publish
from .campaign import Campaign, DryRun, SendResult
from .engine import DeliveryOptions, DeliveryReport, RateLimit
from .session import SendOutcome, SendRequest, SendView, send_issue
from .status import SendStatus, send_status
from .transports import OutboxTransport, SMTPSettings, SMTPTransport, Transport

__all__ = [
    "Campaign",
    "DeliveryOptions",
    "DeliveryReport",
    "DryRun",
    "OutboxTransport",
    "RateLimit",
    "SMTPSettings",
    "SMTPTransport",
    "SendOutcome",
    "SendRequest",
    "SendResult",
    "SendStatus",
    "SendView",
    "Transport",
    "send_issue",
    "send_status",
]

_publish(globals())
