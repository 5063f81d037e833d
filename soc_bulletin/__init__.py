"""soc_bulletin: author a bulletin in YAML or Python, render it to email, check it, send it."""

from .render.build import BuildResult, build, build_dir
from .send.campaign import Campaign, DryRun, SendResult, SendStatus, send_status
from .check import CheckReport, check_paths
from .send.engine import DeliveryOptions, DeliveryReport, RateLimit
from .errors import (
    BulletinError, ConfigError, ContentError, LedgerError, MessageRefused, RecipientRefused, RefusedError, RenderError,
    SendError, SenderFailure, SubscriberError, TemporaryFailure,
)
from .content.load import load_article, load_issue, read_issue
from .content.model import (
    Article, BulletList, Callout, Contact, Contacts, Figure, Figures, Image, Issue, Link, Quote,
    Section, Text, Welcome,
)
from .problems import Problem, Severity
from .render.renderer import Edition, Renderer, render
from .send.transports import OutboxTransport, SMTPSettings, SMTPTransport, Transport

__all__ = [
    "Article",
    "BuildResult",
    "BulletList",
    "BulletinError",
    "Callout",
    "Campaign",
    "CheckReport",
    "ConfigError",
    "Contact",
    "Contacts",
    "ContentError",
    "DeliveryOptions",
    "DeliveryReport",
    "DryRun",
    "Edition",
    "Figure",
    "Figures",
    "Image",
    "Issue",
    "LedgerError",
    "Link",
    "MessageRefused",
    "OutboxTransport",
    "Problem",
    "Quote",
    "RateLimit",
    "RecipientRefused",
    "RefusedError",
    "RenderError",
    "Renderer",
    "SMTPSettings",
    "SMTPTransport",
    "Section",
    "SendError",
    "SendResult",
    "SendStatus",
    "SenderFailure",
    "Severity",
    "SubscriberError",
    "TemporaryFailure",
    "Text",
    "Transport",
    "Welcome",
    "build",
    "build_dir",
    "check_paths",
    "load_article",
    "load_issue",
    "read_issue",
    "render",
    "send_status",
]
