"""The send stage: a campaign prepared once (the preflight), the delivery engine, messages, transports and the ledger."""

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
