"""soc_bulletin: author a bulletin in YAML or Python, render it to email, check it, send it."""

from .audience import Segments, Subscriber, Suppressions, load_segments, load_suppressions, read_subscribers
from .check import CheckReport, check_paths
from .config import Settings, load_settings
from .content import (
    Article, BulletList, Callout, Contact, Contacts, Figure, Figures, Image, Issue, Link, Quote, Section, Text, Welcome,
    load_article, load_issue, read_issue,
)
from .errors import (
    BulletinError, ConfigError, ContentError, LedgerError, MessageRefused, RecipientRefused, RefusedError, RenderError,
    SendError, SenderFailure, SubscriberError, TemporaryFailure,
)
from .problems import Problem, Severity
from .render import BuildResult, Edition, Renderer, build, build_dir, render
from .send import (
    Campaign, DeliveryOptions, DeliveryReport, DryRun, OutboxTransport, RateLimit, SendResult, SendStatus, SMTPSettings,
    SMTPTransport, Transport, send_status,
)
from .site import build_archive, serve_preview

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
    "Segments",
    "SendError",
    "SendResult",
    "SendStatus",
    "SenderFailure",
    "Settings",
    "Severity",
    "Subscriber",
    "SubscriberError",
    "Suppressions",
    "TemporaryFailure",
    "Text",
    "Transport",
    "Welcome",
    "build",
    "build_archive",
    "build_dir",
    "check_paths",
    "load_article",
    "load_issue",
    "load_segments",
    "load_settings",
    "load_suppressions",
    "read_issue",
    "read_subscribers",
    "render",
    "send_status",
    "serve_preview",
]
