"""The send stage: a campaign prepared once (the preflight), the delivery engine, messages, transports and the ledger."""

import typing as _typing

from .._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from .campaign import Campaign, DryRun, SendResult
    from .engine import DeliveryOptions, DeliveryReport, RateLimit
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
    "SendResult",
    "SendStatus",
    "Transport",
    "send_status",
]

__getattr__, __dir__ = _lazy_exports(__name__, {
    "Campaign": ".campaign",
    "DeliveryOptions": ".engine",
    "DeliveryReport": ".engine",
    "DryRun": ".campaign",
    "OutboxTransport": ".transports",
    "RateLimit": ".engine",
    "SMTPSettings": ".transports",
    "SMTPTransport": ".transports",
    "SendResult": ".campaign",
    "SendStatus": ".status",
    "Transport": ".transports",
    "send_status": ".status",
})
