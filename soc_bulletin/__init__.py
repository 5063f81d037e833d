"""soc_bulletin: author a bulletin in YAML or Python, render it to email, check it, send it."""

from ._public import lazy_exports as _lazy_exports

#: the public names, under the module each comes from: the one list. ``__all__`` and the lazy
#: ``__getattr__`` are made from it; the block for type checkers below repeats it (a test compares them).
_EXPORTS = {
    ".audience": ("Segments", "Subscriber", "Suppressions", "load_segments", "load_suppressions", "read_subscribers"),
    ".check": ("CheckReport", "check_paths"),
    ".config": ("Settings", "load_settings"),
    ".content": ("Article", "BulletList", "Callout", "Contact", "Contacts", "Figure", "Figures", "Image", "Issue", "Link", "Quote",
                 "Section", "Text", "Welcome", "load_article", "load_issue", "read_issue"),
    ".errors": ("BulletinError", "ConfigError", "ContentError", "LedgerError", "MessageRefused", "RecipientRefused", "RefusedError",
                "RenderError", "SendError", "SenderFailure", "SubscriberError", "TemporaryFailure"),
    ".problems": ("Problem", "Severity"),
    ".render": ("BuildResult", "Edition", "Renderer", "build_dir", "build_issue", "render_issue"),
    ".send": ("Campaign", "DeliveryOptions", "DeliveryReport", "DryRun", "OutboxTransport", "RateLimit", "SMTPSettings", "SMTPTransport",
              "SendResult", "SendStatus", "Transport", "send_status"),
    ".site": ("build_archive", "serve_preview"),
}

__all__ = sorted(name for names in _EXPORTS.values() for name in names)
__getattr__, __dir__ = _lazy_exports(_EXPORTS)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing; type checkers take it as true
if TYPE_CHECKING:
    from .audience import Segments as Segments
    from .audience import Subscriber as Subscriber
    from .audience import Suppressions as Suppressions
    from .audience import load_segments as load_segments
    from .audience import load_suppressions as load_suppressions
    from .audience import read_subscribers as read_subscribers
    from .check import CheckReport as CheckReport
    from .check import check_paths as check_paths
    from .config import Settings as Settings
    from .config import load_settings as load_settings
    from .content import Article as Article
    from .content import BulletList as BulletList
    from .content import Callout as Callout
    from .content import Contact as Contact
    from .content import Contacts as Contacts
    from .content import Figure as Figure
    from .content import Figures as Figures
    from .content import Image as Image
    from .content import Issue as Issue
    from .content import Link as Link
    from .content import Quote as Quote
    from .content import Section as Section
    from .content import Text as Text
    from .content import Welcome as Welcome
    from .content import load_article as load_article
    from .content import load_issue as load_issue
    from .content import read_issue as read_issue
    from .errors import BulletinError as BulletinError
    from .errors import ConfigError as ConfigError
    from .errors import ContentError as ContentError
    from .errors import LedgerError as LedgerError
    from .errors import MessageRefused as MessageRefused
    from .errors import RecipientRefused as RecipientRefused
    from .errors import RefusedError as RefusedError
    from .errors import RenderError as RenderError
    from .errors import SenderFailure as SenderFailure
    from .errors import SendError as SendError
    from .errors import SubscriberError as SubscriberError
    from .errors import TemporaryFailure as TemporaryFailure
    from .problems import Problem as Problem
    from .problems import Severity as Severity
    from .render import BuildResult as BuildResult
    from .render import Edition as Edition
    from .render import Renderer as Renderer
    from .render import build_dir as build_dir
    from .render import build_issue as build_issue
    from .render import render_issue as render_issue
    from .send import Campaign as Campaign
    from .send import DeliveryOptions as DeliveryOptions
    from .send import DeliveryReport as DeliveryReport
    from .send import DryRun as DryRun
    from .send import OutboxTransport as OutboxTransport
    from .send import RateLimit as RateLimit
    from .send import SendResult as SendResult
    from .send import SendStatus as SendStatus
    from .send import SMTPSettings as SMTPSettings
    from .send import SMTPTransport as SMTPTransport
    from .send import Transport as Transport
    from .send import send_status as send_status
    from .site import build_archive as build_archive
    from .site import serve_preview as serve_preview
del TYPE_CHECKING
