"""Plan and run the send of one issue to one segment: editions, ledger, transport.

``plan_send`` works out who gets which edition (one edition per distinct
audience, never one per subscriber) and renders each once;
``message_templates`` turns editions into message templates; ``send_issue``
records the recipients in the ledger and delivers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .build import local_images
from .config import Settings
from .dispatch import DeliveryOptions, DeliveryReport, deliver
from .errors import ConfigError, ContentError
from .ledger import LedgerRow, SQLiteLedger
from .message import DkimKey, MessageTemplate, Sender
from .model import Issue
from .problems import Problem
from .render import Edition, Renderer
from .segments import Segments
from .subscribers import Subscriber
from .suppression import Suppressions, add_suppression
from .transports import Transport
from .unsubscribe import Unsubscribe

__all__ = ["SendPlan", "audiences", "ledger_path", "message_templates", "plan_send", "render_edition", "send_issue"]

log = logging.getLogger(__name__)

EVERYONE = "everyone"  # the edition key when an issue has no targeted content


@dataclass(frozen=True, slots=True)
class SendPlan:
    """Who receives which edition. ``editions`` is keyed by the ledger's edition key."""

    issue: Issue
    segment: str
    recipients: tuple[tuple[Subscriber, str], ...]
    editions: dict[str, Edition]
    suppressed: int


def audiences(issue: Issue, /) -> frozenset[str]:
    """Every segment name an article or section of ``issue`` is targeted at."""
    names = {n for s in issue.sections for n in s.audience}
    names.update(n for a in issue.articles for n in a.audience)
    return frozenset(names)


def edition_key(names: frozenset[str], /) -> str:
    """The ledger's name for the edition seen by members of ``names``."""
    return "+".join(sorted(names)) if names else EVERYONE


def render_edition(issue: Issue, key: str, /, *, renderer: Renderer, web_url: str = "") -> Edition:
    """The edition named ``key`` in a ledger (see :func:`edition_key`)."""
    audience = None if not audiences(issue) else frozenset() if key == EVERYONE else frozenset(key.split("+"))
    return renderer.render(issue, audience=audience, web_url=web_url)


def plan_send(
    issue: Issue, subscribers: Sequence[Subscriber], /, *, segments: Segments, segment: str,
    suppressions: Suppressions, renderer: Renderer, web_url: str = "",
) -> SendPlan:
    """Select the segment's recipients (suppression always wins) and render their editions."""
    chosen = segments.segment(segment)
    targeted = audiences(issue)
    unknown = sorted(n for n in targeted if n not in segments)
    if unknown:
        raise ContentError([Problem("issue", 0, 0, "SB060", f"The audience '{n}' is not a segment in {segments.path or 'segments.yaml'}.") for n in unknown])
    recipients, suppressed = [], 0
    for sub in subscribers:
        if not chosen.matches(sub):
            continue
        if sub in suppressions:
            suppressed += 1
            continue
        key = edition_key(frozenset(n for n in targeted if segments[n].matches(sub)))
        recipients.append((sub, key))
    editions = {key: render_edition(issue, key, renderer=renderer, web_url=web_url) for key in sorted({k for _, k in recipients})}
    log.info("%d recipients, %d suppressed, %d editions", len(recipients), suppressed, len(editions))
    return SendPlan(issue, segment, tuple(recipients), editions, suppressed)


def message_templates(editions: dict[str, Edition], /, *, issue_dir: Path, settings: Settings) -> dict[str, MessageTemplate]:
    """A message template per edition, with sender, unsubscribe links and inline images."""
    templates = {}
    for key, edition in editions.items():
        issue = edition.issue
        sending = settings.sending
        sender = Sender.parse(sending.from_, mailbox=issue.mailbox, envelope_sender=sending.envelope_sender, list_id=sending.list_id)
        unsubscribe = Unsubscribe(list_id=sender.list_id, mailbox=issue.mailbox, base_url=sending.unsubscribe_base_url)
        images = {src: issue_dir / src for src in local_images(issue)}
        for src, path in images.items():
            if not path.is_file():
                raise ConfigError(f"the image {path} does not exist")
        templates[key] = MessageTemplate(edition, sender=sender, unsubscribe=unsubscribe, images=images, dkim=_dkim_key(settings, sender))
    return templates


def _dkim_key(settings: Settings, sender: Sender) -> DkimKey | None:
    """The DKIM key from settings, or None when signing is not configured."""
    selector, key_path = settings.sending.dkim_selector, settings.sending.dkim_key
    if not selector and not key_path:
        return None
    if not (selector and key_path):
        raise ConfigError("DKIM signing needs both dkim_selector and dkim_key in the settings")
    try:
        key = Path(key_path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the DKIM key {key_path}: {exc.strerror or exc}") from exc
    return DkimKey(selector, sender.from_address.rsplit("@", 1)[1], key)


def ledger_path(ledger_dir: Path, issue: Issue, segment: str, /) -> Path:
    """Where the ledger of this issue and segment lives: one file per send."""
    return ledger_dir / issue.key / f"{segment}.sqlite3"


async def send_issue(
    plan: SendPlan,
    templates: dict[str, MessageTemplate],
    transport: Transport,
    /,
    *,
    ledger_dir: Path,
    suppressions: Suppressions,
    suppression_file: Path | None,
    options: DeliveryOptions = DeliveryOptions(),
    on_progress: Callable[[DeliveryReport], None] = lambda report: None,
    stop: asyncio.Event | None = None,
    template_for: Callable[[str], MessageTemplate] | None = None,
) -> DeliveryReport:
    """Record the plan's recipients in the ledger (new ones only) and deliver to everyone not yet accepted."""
    ledger = SQLiteLedger(ledger_path(ledger_dir, plan.issue, plan.segment), issue=plan.issue.key, segment=plan.segment)
    try:
        added = ledger.add(LedgerRow(sub.email, sub.name, key) for sub, key in plan.recipients)
        log.info("%d new recipients in %s", added, ledger.path)

        def bounced(address: str, reply: str) -> None:
            if suppression_file is not None:
                add_suppression(suppression_file, address, "bounced")

        suppressed = frozenset(entry.address.casefold() for entry in suppressions)
        return await deliver(
            ledger, templates, transport, options=options,
            is_suppressed=lambda address: address.casefold() in suppressed,
            on_permanent=bounced, on_progress=on_progress, stop=stop, template_for=template_for,
        )
    finally:
        ledger.close()
