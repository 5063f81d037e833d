"""The send stage: a campaign prepared once (the preflight), the delivery engine, messages, transports and the ledger."""

from .campaign import Campaign, DryRun, SendResult
from .engine import DeliveryOptions, DeliveryReport, RateLimit
from .ledger import Counts, State
from .sqlite_ledger import SQLiteLedger
from .status import SendStatus, send_status
from .transports import OutboxTransport, SMTPSettings, SMTPTransport, Transport

__all__ = [
    "Campaign",
    "Counts",
    "DeliveryOptions",
    "DeliveryReport",
    "DryRun",
    "OutboxTransport",
    "RateLimit",
    "SMTPSettings",
    "SMTPTransport",
    "SQLiteLedger",
    "SendResult",
    "SendStatus",
    "State",
    "Transport",
    "send_status",
]
