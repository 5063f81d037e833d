"""One ``send`` run as a command asks for it: the options checked, a dry run, proofs, or a send at a time, resumed when allowed.

:func:`send_issue` holds the policy of a run (which options go together, where
the outbox is, the preflight now and again at ``--at``, the campaign prepared
again after each wait, the outcome); a :class:`SendView` it is given shows what
happens (the CLI prints lines and a progress bar). It returns a
:class:`SendOutcome`, which the CLI turns into an exit code.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import signal
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import ConfigError
from .campaign import Campaign, DryRun, SendResult
from .options import DeliveryOptions
from .pacing import RateLimit
from .runner import run

if TYPE_CHECKING:
    import datetime as dt

    from ..store.ledger import RunTargets
    from .engine import DeliveryReport
    from .transports import Transport

__all__ = ["SendOutcome", "SendRequest", "SendView", "outcome", "proof_address", "send_issue"]


@dataclass(frozen=True)
class SendRequest:
    """What a ``send`` was asked to do; the fields are named as the command's options (``--test-to``: ``test_to``)."""

    issue_dir: str | Path
    subscribers: Sequence[str | Path] = ()
    segment: str = "all"
    outbox: str | None = None
    smtp: str | None = None
    starttls: bool = False
    allow_plaintext_login: bool = False
    cafile: str = ""
    timeout: float = 30.0
    concurrency: int = 4
    rate: RateLimit | None = None
    daily_limit: int | None = None
    resume_when_allowed: bool = False
    at: str | None = None
    max_attempts: int = 4
    backoff: float = 2.0
    dry_run: bool = False
    test_to: str | None = None
    accept_changes: bool = False
    resume_stale: bool = False
    config: str | None = None
    segments: str | None = None
    suppressed: str | None = None
    ledger_dir: str | None = None
    ledger: str | None = None
    lease: float = 60.0

    @classmethod
    def from_options(cls, options: Mapping[str, Any], /) -> SendRequest:
        """The request from parsed options (``vars(args)``): the fields it names, the others left out."""
        return cls(**{f.name: options[f.name] for f in dataclasses.fields(cls) if f.name in options})

    def start_time(self) -> dt.datetime | None:
        """``--at`` as a moment to come, or None; ConfigError for a bad or past time, or with --dry-run or --test-to."""
        if not self.at:
            return None
        if self.dry_run or self.test_to:
            raise ConfigError("--at starts a send; it does not go with --dry-run or --test-to")
        from .schedule import parse_at

        return parse_at(self.at)

    def check(self) -> None:
        """ConfigError for options that do not go together or are out of range (before anything is read)."""
        if self.ledger and self.ledger_dir:
            raise ConfigError("give --ledger (PostgreSQL) or --ledger-dir (SQLite files), not both")
        if not 1 <= self.lease <= 86_400:
            raise ConfigError(f"--lease must be from 1 to 86400 seconds, not {self.lease:g}")
        if self.daily_limit is not None and self.daily_limit < 1:
            raise ConfigError(f"--daily-limit must be at least 1, not {self.daily_limit}")
        if self.concurrency < 1:
            raise ConfigError("--concurrency must be at least 1")
        if self.max_attempts < 1:
            raise ConfigError("--max-attempts must be at least 1")


class SendOutcome(enum.Enum):
    """How a run ended: everything done, interrupted, stopped by the daily limit, or some failed or left unsent."""

    DONE = "done"
    INTERRUPTED = "interrupted"
    LATER = "later"
    PROBLEMS = "problems"


class SendView(Protocol):
    """What a run shows; the CLI prints it."""

    def warning(self, text: str, /) -> None:
        """Something the preflight found worth saying that does not refuse the send."""

    def dry_run(self, campaign: Campaign, dry: DryRun, /) -> None:
        """The dry run's findings."""

    def proof_sent(self, edition: str, address: str, where: str, reply: str, /) -> None:
        """One proof handed over."""

    async def wait_to_start(self, campaign: Campaign, at: dt.datetime, /) -> bool:
        """The preflight passed; wait until ``at`` (False when interrupted)."""

    def preflight_passed_again(self) -> None:
        """The preflight passed again when the time came; the send starts."""

    def delivering(self, campaign: Campaign, where: str, /) -> AbstractContextManager[
            tuple[Callable[[RunTargets], None], Callable[[DeliveryReport], None]]]:
        """Around one delivery: the callbacks for its start (once the server answered) and its progress."""

    def finished(self, result: SendResult, campaign: Campaign, /) -> None:
        """One delivery's report."""

    async def wait_to_resume(self, when: float, /) -> bool:
        """Wait until the daily limit allows the next message (a POSIX time); False when interrupted."""


def send_issue(request: SendRequest, view: SendView, /) -> SendOutcome:
    """Run ``request`` (see the module's docstring); errors are raised, as ConfigError, RefusedError, LedgerError, SendError."""
    from .. import config
    from ..render.project import Project

    request.check()
    at = request.start_time()
    settings = config.load_settings(request.config, start=request.issue_dir)  # once: the check and the send share them

    def prepare() -> Campaign:  # the issue is read again each time (a send at --at, or resumed, sends what is there then)
        return Campaign.prepare(
            Project(request.issue_dir, settings=settings), lists=request.subscribers, segment=request.segment,
            segments_file=request.segments, suppressed_file=request.suppressed, ledger_dir=request.ledger_dir,
            ledger_url=request.ledger, dry_run=request.dry_run, proof=bool(request.test_to),
        )

    campaign = prepare()
    for warning in campaign.warnings:
        view.warning(warning)
    if request.dry_run:
        view.dry_run(campaign, campaign.dry_run())
        return SendOutcome.DONE
    outboxes = campaign.settings.resolve(campaign.settings.sending.outbox) / campaign.identity
    outbox = Path(request.outbox) if request.outbox else outboxes / request.segment
    if request.test_to:
        _send_proofs(request, campaign, outbox / "proofs" if request.outbox else outboxes / "proofs", view)
        return SendOutcome.DONE
    if at is not None:  # the whole preflight now (the relay too), then again when the time comes
        if not run(_preflight_then_wait(campaign, _transport(request, outbox, campaign)[0], at, view)):
            return SendOutcome.INTERRUPTED
        campaign = prepare()
        view.preflight_passed_again()
    return _send_and_resume(request, campaign, prepare, outbox, view)


def _send_and_resume(request: SendRequest, campaign: Campaign, prepare: Callable[[], Campaign], outbox: Path,
                     view: SendView) -> SendOutcome:
    """The send; with ``--resume-when-allowed``, after each stop by the daily limit the wait, and the send prepared again."""
    sending = campaign.settings.sending
    options = DeliveryOptions(concurrency=request.concurrency, rate=request.rate, max_attempts=request.max_attempts,
                              backoff_base=request.backoff, lease=request.lease, domains=sending.domains,
                              daily_limit=request.daily_limit if request.daily_limit is not None else sending.daily_limit)
    while True:
        transport, where = _transport(request, outbox, campaign)
        with view.delivering(campaign, where) as (started, progress):
            result = run(_deliver(campaign, transport, options, request, started, progress))
        view.finished(result, campaign)
        report = result.report
        if report.resume_at is None or not request.resume_when_allowed:
            return outcome(report)
        if not run(view.wait_to_resume(report.resume_at)):
            return SendOutcome.INTERRUPTED
        campaign = prepare()


def _send_proofs(request: SendRequest, campaign: Campaign, outbox: Path, view: SendView) -> None:
    """One proof of each edition to ``--test-to`` (never recorded), through the relay or into the proofs ``outbox``."""
    address = proof_address(request.test_to or "")
    transport, where = _transport(request, outbox, campaign)
    for key, reply in run(campaign.proof(address, transport)):
        view.proof_sent(key, address, where, reply)


def outcome(report: DeliveryReport, /) -> SendOutcome:
    """What a delivery's report comes to: done only when nothing failed, stopped or is left unsent."""
    if report.stopped == "interrupted":
        return SendOutcome.INTERRUPTED
    if report.resume_at is not None:
        return SendOutcome.LATER
    unsent = report.counts.pending + report.counts.sending
    return SendOutcome.DONE if not report.failed and not report.stopped and unsent == 0 else SendOutcome.PROBLEMS


def proof_address(text: str, /) -> str:
    """``--test-to``'s address, normalised; ConfigError when it is not an email address."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ConfigError(f"--test-to {text!r} is not an email address: {exc}") from exc


def _transport(request: SendRequest, folder: Path, campaign: Campaign) -> tuple[Transport, str]:
    """The SMTP relay of ``--smtp`` (login from the environment), else the outbox ``folder``; and where, as said."""
    from .transports import OutboxTransport, SMTPSettings, SMTPTransport

    if request.smtp:
        env = campaign.settings.env
        settings = SMTPSettings.from_url(request.smtp, starttls=request.starttls, timeout=request.timeout,
                                         cafile=request.cafile, username=env.smtp_user, password=env.smtp_password,
                                         allow_plaintext_login=request.allow_plaintext_login)
        return SMTPTransport(settings, size=request.concurrency), request.smtp
    return OutboxTransport(folder), f"outbox {folder}/"


async def _preflight_then_wait(campaign: Campaign, transport: Transport, at: dt.datetime, view: SendView) -> bool:
    """The relay's part of the preflight (as a send reaches it), then the wait until ``at``; False when interrupted."""
    sender = next(iter(campaign.templates.values())).sender
    async with transport:
        await transport.probe(sender.envelope_sender)
    return await view.wait_to_start(campaign, at)


async def _deliver(campaign: Campaign, transport: Transport, options: DeliveryOptions, request: SendRequest,
                   started: Callable[[RunTargets], None], progress: Callable[[DeliveryReport], None]) -> SendResult:
    """The send, stopped (its unsent left pending) on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        return await campaign.send(transport, options=options, accept_changes=request.accept_changes,
                                   resume_stale=request.resume_stale, on_start=started, on_progress=progress, stop=stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
