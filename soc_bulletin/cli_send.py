"""``soc-bulletin send`` and ``soc-bulletin status``: deliver an issue, show how far a send got."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import signal
import uuid
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from .archive import web_url as archive_url
from .campaign import SendPlan, ledger_path, message_templates, plan_send, render_edition, send_issue
from .config import Settings, load_settings
from .dispatch import DeliveryOptions, DeliveryReport, RateLimit
from .errors import ConfigError
from .ledger import Counts, SQLiteLedger
from .load import load_issue
from .message import MessageTemplate
from .render import Renderer
from .segments import load_segments
from .subscribers import read_subscribers
from .suppression import Suppressions, load_suppressions
from .transports import OutboxTransport, SMTPSettings, SMTPTransport, Transport

__all__ = ["register"]

DEFAULT_SUBSCRIBERS = "subscribers/example.csv"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``send`` and ``status`` commands."""
    p = sub.add_parser("send", help="send an issue to a segment, through an outbox folder or SMTP")
    p.add_argument("issue_dir", metavar="ISSUE_DIR")
    p.add_argument("--subscribers", nargs="+", metavar="FILE", default=[DEFAULT_SUBSCRIBERS], help=f"subscriber lists (default {DEFAULT_SUBSCRIBERS})")
    p.add_argument("--segment", default="all", help="the segment to send to (default: all)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--outbox", metavar="DIR", help="write .eml files here (default when no --smtp: outbox/<issue>/<segment>)")
    where.add_argument("--smtp", metavar="URL", help="smtp://host:port or smtps://host:port; login from SOC_BULLETIN_SMTP_USER/_PASSWORD")
    p.add_argument("--starttls", action="store_true", help="refuse to send unless the server offers STARTTLS")
    p.add_argument("--cafile", default="", help="CA certificates to trust for the SMTP server's TLS")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the SMTP server (default 30)")
    p.add_argument("--concurrency", type=int, default=4, help="SMTP connections at once (default 4)")
    p.add_argument("--rate", type=RateLimit.parse, help="at most this many messages, e.g. 30/min")
    p.add_argument("--max-attempts", type=int, default=4, help="tries per message in one run on temporary failures")
    p.add_argument("--backoff", type=float, default=2.0, help="first retry delay in seconds, doubled each time")
    p.add_argument("--dry-run", action="store_true", help="build every message, send nothing, print counts and a sample")
    p.add_argument("--test-to", metavar="ADDRESS", help="send one proof copy to ADDRESS (not recorded as a send)")
    p.add_argument("--report", metavar="FILE", help="write the final report as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _common(p)
    p.set_defaults(handler=_send)

    s = sub.add_parser("status", help="show how far each send of an issue got")
    s.add_argument("issue_dir", metavar="ISSUE_DIR")
    s.add_argument("--segment", help="only this segment")
    s.add_argument("--ledger-dir", default=".ledger", help="where ledgers are kept (default .ledger)")
    s.set_defaults(handler=_status)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="settings file (default ./soc-bulletin.toml if present)")
    p.add_argument("--segments", help="segment definitions (default from settings: subscribers/segments.yaml)")
    p.add_argument("--suppressed", help="suppression list (default from settings: subscribers/suppressed.csv)")
    p.add_argument("--ledger-dir", default=".ledger", help="where ledgers are kept (default .ledger)")


def _transport(args: argparse.Namespace, issue_key: str) -> tuple[Transport, str]:
    if args.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if args.smtp:
        settings = SMTPSettings.from_url(args.smtp, starttls=args.starttls, timeout=args.timeout, cafile=args.cafile)
        return SMTPTransport(settings, size=args.concurrency), f"{args.smtp}"
    outbox = Path(args.outbox or Path("outbox") / issue_key / args.segment)
    return OutboxTransport(outbox), f"outbox {outbox}/"


def _plan(args: argparse.Namespace, settings: Settings) -> tuple[SendPlan, Suppressions]:
    issue = load_issue(args.issue_dir)
    report = read_subscribers(*args.subscribers)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if report.invalid:
        print(f"{report.invalid} invalid subscriber row(s) left out (see above).", file=sys.stderr)
    default_segments = Path(settings.sending.segments)
    segments = load_segments(args.segments or (default_segments if default_segments.exists() else None))
    suppressions = load_suppressions(args.suppressed or settings.sending.suppressed)
    web_url = _web_url(args, settings)
    plan = plan_send(issue, report.subscribers, segments=segments, segment=args.segment, suppressions=suppressions, renderer=Renderer(), web_url=web_url)
    return plan, suppressions


def _web_url(args: argparse.Namespace, settings: Settings) -> str:
    return archive_url(settings.site.base_url, Path(args.issue_dir).resolve().name)


def _send(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    plan, suppressions = _plan(args, settings)
    templates = message_templates(plan.editions, issue_dir=Path(args.issue_dir), settings=settings)
    if args.dry_run:
        return _dry_run(plan, templates)
    transport, where = _transport(args, plan.issue.key)
    if args.test_to:
        return _proof(args.test_to, plan, settings, Path(args.issue_dir), transport, where)
    options = DeliveryOptions(
        concurrency=args.concurrency, rate=args.rate, max_attempts=args.max_attempts, backoff_base=args.backoff,
    )
    suppression_file = Path(args.suppressed or settings.sending.suppressed)
    print(f"Sending {plan.issue.email_subject} to segment '{plan.segment}': {len(plan.recipients)} recipients "
          f"({plan.suppressed} suppressed), {len(plan.editions)} edition(s), via {where}")
    def template_for(key: str) -> MessageTemplate:
        """An edition the ledger has from an earlier run that this plan does not need."""
        edition = render_edition(plan.issue, key, renderer=Renderer(), web_url=_web_url(args, settings))
        return message_templates({key: edition}, issue_dir=Path(args.issue_dir), settings=settings)[key]

    report = asyncio.run(_deliver(plan, templates, transport, args, options, suppressions, suppression_file, template_for))
    _print_report(report)
    if args.report:
        try:
            Path(args.report).write_text(json.dumps(_report_json(report, plan), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write the report {args.report}: {exc.strerror or exc}") from exc
    if report.stopped == "interrupted":
        return 130
    return 0 if not report.failed and not report.stopped and report.counts.remaining == 0 else 1


async def _deliver(plan: SendPlan, templates: dict[str, MessageTemplate], transport: Transport, args: argparse.Namespace,
                   options: DeliveryOptions, suppressions: Suppressions, suppression_file: Path,
                   template_for: Callable[[str], MessageTemplate]) -> DeliveryReport:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    console = Console(stderr=True)
    show = not args.no_progress and console.is_terminal
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[detail]}"), TimeRemainingColumn(), console=console, disable=not show,
    ) as progress:
        task = progress.add_task("sending", total=len(plan.recipients), detail="")

        def update(report: DeliveryReport) -> None:
            c = report.counts
            progress.update(task, completed=report.sent + len(report.failed) + report.suppressed,
                            detail=f"sent {report.sent} failed {len(report.failed)} retries {report.retries}"
                            + (f" remaining {c.remaining}" if c.total else ""))

        return await send_issue(
            plan, templates, transport, ledger_dir=Path(args.ledger_dir), suppressions=suppressions,
            suppression_file=suppression_file, options=options, on_progress=update, stop=stop,
            template_for=template_for,
        )


def _print_report(report: DeliveryReport) -> None:
    c = report.counts
    print(f"Sent {report.sent} in {report.seconds:.1f}s ({report.rate:.0f}/s); retries {report.retries}; "
          f"suppressed {report.suppressed}; failed {len(report.failed)}.")
    print(f"Ledger: {c.sent} sent, {c.pending + c.sending} pending, {c.failed_temporary} failed (temporary), "
          f"{c.failed_permanent} failed (permanent), {c.suppressed} suppressed.")
    for failure in report.failed:
        print(f"  {failure.state.value}: {failure.address}: {failure.reply}", file=sys.stderr)
    if report.stopped:
        print(f"Stopped: {report.stopped}. Run the same command again to resume.", file=sys.stderr)


def _report_json(report: DeliveryReport, plan: SendPlan) -> dict[str, Any]:
    return {
        "issue": plan.issue.key, "segment": plan.segment, "sent": report.sent, "retries": report.retries,
        "suppressed": report.suppressed, "seconds": round(report.seconds, 3), "stopped": report.stopped,
        "failed": [{"address": f.address, "state": f.state.value, "reply": f.reply} for f in report.failed],
        "ledger": dataclasses.asdict(report.counts),
    }


def _dry_run(plan: SendPlan, templates: dict[str, MessageTemplate]) -> int:
    sizes = []
    sample = None
    for sub, key in plan.recipients:
        message = templates[key].build(sub.email, sub.name)
        sizes.append(len(message.data))
        sample = sample or message
    print(f"Dry run: {len(plan.recipients)} messages would be sent to segment '{plan.segment}' "
          f"({plan.suppressed} suppressed), {len(plan.editions)} edition(s): "
          + ", ".join(f"{k} ({sum(1 for _, e in plan.recipients if e == k)})" for k in plan.editions))
    if sample:
        print(f"Message sizes: {min(sizes):,}-{max(sizes):,} bytes. Sample headers:")
        head = sample.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
        print("  " + head.replace("\r\n", "\n  "))
    return 0


def _proof(address: str, plan: SendPlan, settings: Settings, issue_dir: Path, transport: Transport, where: str) -> int:
    edition = next(iter(plan.editions.values()), None)
    if edition is None:
        raise ConfigError("the segment has no recipients, so there is no edition to proof")
    proof = dataclasses.replace(edition, subject=f"[Proof] {edition.subject}")
    template = message_templates({"proof": proof}, issue_dir=issue_dir, settings=settings)["proof"]
    template.id_salt = f"proof-{uuid.uuid4().hex}"  # never the Message-ID of a real send
    message = template.build(address, "")

    async def go() -> str:
        try:
            return await transport.send(message)
        finally:
            await transport.close()

    reply = asyncio.run(go())
    print(f"Proof sent to {address} via {where}: {reply}")
    return 0


def _status(args: argparse.Namespace) -> int:
    issue = load_issue(args.issue_dir)
    folder = Path(args.ledger_dir) / issue.key
    paths = [ledger_path(Path(args.ledger_dir), issue, args.segment)] if args.segment else sorted(folder.glob("*.sqlite3"))
    paths = [p for p in paths if p.is_file()]
    if not paths:
        print(f"No send of issue {issue.key} has started (no ledger in {folder}).")
        return 0
    print(f"{'segment':<24}{'total':>8}{'sent':>8}{'pending':>9}{'failed-t':>9}{'failed-p':>9}{'suppr.':>8}")
    for path in paths:
        ledger = SQLiteLedger(path, issue=issue.key, segment=path.stem, lock=False)
        try:
            c: Counts = ledger.counts()
        finally:
            ledger.close()
        print(f"{path.stem:<24}{c.total:>8}{c.sent:>8}{c.pending + c.sending:>9}{c.failed_temporary:>9}{c.failed_permanent:>9}{c.suppressed:>8}")
    return 0
