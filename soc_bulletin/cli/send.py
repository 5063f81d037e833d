"""``soc-bulletin send`` and ``soc-bulletin status``: parse, call ``send_issue`` or ``status_report``, show progress, print."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..terminal import printable
from . import send_args
from . import suppressions as cli_suppressions
from .exits import Exit
from .paths import issue_folder, relative

# The send stage, email-validator and rich are imported by the handlers that use them, so that other commands and
# --help start without them (tests/test_startup.py).
if TYPE_CHECKING:
    import datetime as dt

    from ..send.campaign import Campaign, DryRun, SendResult
    from ..send.engine import DeliveryReport
    from ..store.ledger import RunTargets

__all__ = ["register"]



def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``send`` and ``status`` commands."""
    p = sub.add_parser("send", help="send an issue to a segment, through an outbox folder or SMTP")
    p.add_argument("issue_dir", metavar="ISSUE_DIR")
    p.add_argument("--subscribers", nargs="+", metavar="FILE", default=[], help="subscriber lists (default from settings: subscribers/example.csv)")
    p.add_argument("--segment", default="all", help="the segment to send to (default: all)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--outbox", metavar="DIR", help="write .eml files here (default when no --smtp: <project>/outbox/<issue>/<segment>)")
    where.add_argument("--smtp", metavar="URL", help="smtp://host:port or smtps://host:port; login from SOC_BULLETIN_SMTP_USER/_PASSWORD")
    p.add_argument("--starttls", action="store_true", help="refuse to send unless the server offers STARTTLS")
    p.add_argument("--allow-plaintext-login", action="store_true",
                   help="log in even when the connection is not encrypted (a relay on this host); without it a login needs TLS")
    p.add_argument("--cafile", default="", help="CA certificates to trust for the SMTP server's TLS")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the SMTP server (default 30)")
    p.add_argument("--concurrency", type=int, default=4, help="SMTP connections at once (default 4)")
    p.add_argument("--rate", type=send_args.rate, help="at most this many messages, e.g. 30/min (slower when the relay throttles)")
    p.add_argument("--daily-limit", type=int, metavar="N", help="at most N messages in any 24 hours, every sender of the store "
                   "together (default from settings: [sending] daily_limit); reached: stop, exit 75, say when to resume")
    p.add_argument("--resume-when-allowed", action="store_true", help="when the daily limit stops the send, wait and go on")
    p.add_argument("--at", metavar="TIME", help="start at TIME, e.g. 2026-12-08T09:00 (local) or ...T09:00+00:00: "
                   "the preflight runs now and again at TIME")
    p.add_argument("--max-attempts", type=int, default=4, help="tries per message in one run on temporary failures (default 4)")
    p.add_argument("--backoff", type=float, default=2.0, help="first retry delay in seconds, doubled each time (default 2)")
    p.add_argument("--dry-run", action="store_true", help="run the preflight and build every message; send and record nothing")
    p.add_argument("--test-to", metavar="ADDRESS", help="send one proof of each edition to ADDRESS (never recorded; outbox: a proofs folder)")
    p.add_argument("--accept-changes", action="store_true", help="send a changed issue to those who have not had it yet")
    p.add_argument("--resume-stale", action="store_true", help="resume a send that started longer ago than stale_after_days")
    p.add_argument("--report", metavar="FILE", help="write the final report as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--config", help="settings file (default: the soc-bulletin.toml found from the issue folder upwards, "
                   "then from the working directory)")
    p.add_argument("--segments", help="segment definitions (default from settings: subscribers/segments.yaml)")
    p.add_argument("--suppressed", help="suppression list, which must exist (default from settings: subscribers/suppressed.csv)")
    p.add_argument("--ledger-dir", help="where ledgers are kept (default from settings: <project>/.ledger)")
    p.add_argument("--ledger", metavar="URL", help="a PostgreSQL ledger that several senders share, postgresql://user@host/db "
                   "(default from settings: [ledger] url); the password from PGPASSWORD, ~/.pgpass or a service file")
    p.add_argument("--lease", type=float, default=60.0, metavar="SECONDS",
                   help="with --ledger: how long a claim is held without renewal; a dead sender's rows wait this long (default 60)")
    p.set_defaults(handler=_send)

    s = sub.add_parser("status", help="show how far the send of an issue got")
    s.add_argument("issue_dir", metavar="ISSUE_DIR")
    s.add_argument("--ledger-dir", help="where ledgers are kept (default from settings: <project>/.ledger)")
    s.add_argument("--ledger", metavar="URL", help="a PostgreSQL ledger, postgresql://user@host/db (default from settings: [ledger] url)")
    s.add_argument("--config", help="settings file (default: the soc-bulletin.toml found from the issue folder upwards, then from the working directory)")
    s.add_argument("--failed", action="store_true", help="list the failed recipients with the server's replies")
    s.add_argument("--segment", metavar="NAME", help="only the sends to this segment")
    s.add_argument("--format", choices=("text", "csv"), help="with --failed: text (the default) or csv, cells a spreadsheet "
                   "would run as a formula written with ' in front")
    s.set_defaults(handler=_status)
    cli_suppressions.register(sub)


def _err(text: str) -> None:
    print(printable(relative(text)), file=sys.stderr)


def _send(args: argparse.Namespace) -> int:
    from ..send.session import SendOutcome, SendRequest, send_issue

    outcome = send_issue(SendRequest.from_options(vars(args)), _SendPrinter(args))
    return {SendOutcome.DONE: Exit.OK, SendOutcome.INTERRUPTED: Exit.INTERRUPTED, SendOutcome.LATER: Exit.LATER,
            SendOutcome.PROBLEMS: Exit.PROBLEMS}[outcome]


class _SendPrinter:
    """What a send shows, as lines and a progress bar (a :class:`~soc_bulletin.send.session.SendView`)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.report_path = Path(args.report) if args.report else None
        self.quiet = args.no_progress

    def warning(self, text: str, /) -> None:
        _err(text)

    def dry_run(self, campaign: Campaign, dry: DryRun, /) -> None:
        from ..render.as_sent import shown_size

        paused = f", {campaign.paused} paused" if campaign.paused else ""
        print(relative(f"Dry run: preflight passed. {dry.recipients} message(s) would be sent to segment '{campaign.segment}' "
                       f"({dry.already_sent} already had the issue, {dry.suppressed} suppressed{paused}); edition(s): "
                       f"{_editions(campaign)}; subscriber list(s) read: {', '.join(str(p) for p in campaign.lists)}"))
        if dry.recipients:
            parts = ", ".join(f"'{key}' {shown_size(template.html_bytes)}" for key, template in campaign.templates.items())
            print(f"HTML part as sent (Gmail clips over 102 KB): {parts}.")
            print(f"Message sizes: {dry.sizes[0]:,}-{dry.sizes[1]:,} bytes. Sample headers:")
            print("\n".join("  " + printable(line) for line in send_args.readable_headers(dry.sample_headers).split("\n")))

    def proof_sent(self, edition: str, address: str, where: str, reply: str, /) -> None:
        print(printable(f"Proof of edition '{edition}' sent to {address} via {where}: {reply}"))

    async def wait_to_start(self, campaign: Campaign, at: dt.datetime, /) -> bool:
        return await send_args.wait_to_start(campaign, at, self.quiet)

    def preflight_passed_again(self) -> None:
        print(f"Preflight passed again at {send_args.clock()}; sending now.")

    @contextlib.contextmanager
    def delivering(self, campaign: Campaign, where: str, /) -> Iterator[
            tuple[Callable[[RunTargets], None], Callable[[DeliveryReport], None]]]:
        """A progress bar; the heading is printed once the server has answered (not before an error)."""
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(stderr=True)
        paused = f", {campaign.paused} paused" if campaign.paused else ""
        heading = (f"Sending {campaign.issue.email_subject} to segment '{campaign.segment}': {len(campaign.recipients)} "
                   f"recipient(s) ({campaign.suppressed} suppressed{paused}), edition(s): {_editions(campaign)}; via {where}")
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[detail]}"), TimeRemainingColumn(), console=console,
            disable=self.quiet or not console.is_terminal,
        ) as progress:
            task = progress.add_task("sending", total=0, detail="")

            def started(targets: RunTargets) -> None:
                print(heading)
                _print_targets(targets, campaign)
                progress.update(task, total=targets.to_send)

            def update(report: DeliveryReport) -> None:
                progress.update(task, completed=report.sent + len(report.failed) + report.suppressed,
                                detail=f"sent {report.sent} failed {len(report.failed)} retries {report.retries}"
                                       + send_args.pace_detail(report))

            yield started, update

    def finished(self, result: SendResult, campaign: Campaign, /) -> None:
        _print_result(result, campaign)
        if self.report_path is not None:
            _write_report(self.report_path, result, campaign)

    async def wait_to_resume(self, when: float, /) -> bool:
        return await send_args.wait_to_resume(when, self.quiet)


def _editions(campaign: Campaign) -> str:
    return ", ".join(f"{key} ({count})" for key, count in campaign.per_edition().items())


def _print_targets(targets: RunTargets, campaign: Campaign) -> None:
    if targets.already_sent:
        print(f"{targets.already_sent} recipient(s) of segment '{campaign.segment}' already had the issue; not sent again.")
    if targets.failed_permanent:
        print(f"{targets.failed_permanent} recipient(s) were refused for good earlier; not tried again.")
    for what, addresses in (("no longer on the lists", targets.skipped), ("now suppressed", targets.suppressed)):
        if addresses:
            shown = ", ".join(addresses[:5]) + (f" and {len(addresses) - 5} more" if len(addresses) > 5 else "")
            _err(f"Skipped {len(addresses)} earlier recipient(s) {what}: {shown}")
    if not targets.to_send:
        print(f"Nothing to send: every recipient of segment '{campaign.segment}' has had the issue.")


def _print_result(result: SendResult, campaign: Campaign) -> None:
    report, c = result.report, result.report.counts
    print(f"Sent {report.sent} in {report.seconds:.1f}s ({report.rate:.0f}/s); retries {report.retries}; "
          f"suppressed {report.suppressed}; failed {len(report.failed)}.")
    print(relative(f"Ledger {campaign.ledger_where}: {c.sent} sent, {c.pending + c.sending} pending, {c.failed_temporary} failed (temporary), "
          f"{c.failed_permanent} failed (permanent), {c.suppressed} suppressed, {c.skipped} skipped."))
    if report.throttles or report.slowed_domains:
        print(printable(send_args.throttling_summary(report)))
    for failure in report.failed:
        _err(f"  {failure.state.value}: {failure.address}: {failure.reply}")
    if report.stopped == "interrupted":
        _err("Interrupted: the recipients not sent to yet were not marked failed; run the same command to send to them.")
    elif report.resume_at is not None:
        _err(f"Stopped: {report.stopped}. The {c.pending + c.sending} unsent stay pending: run the same command then "
             "(or add --resume-when-allowed to wait and go on).")
    elif report.stopped:
        also = f" (the {len(report.failed)} failed above were refused on their own)" if report.failed else ""
        _err(f"Stopped: {report.stopped}. The recipients not sent to yet were not marked failed{also}; fix the cause and run the "
             "same command to send to them.")
    elif c.pending + c.sending:  # never an exit 1 without its reason
        _err(f"{c.pending + c.sending} recipient(s) are not sent yet: other senders hold them, or they are of editions this "
             "sender does not build; run the same command to send to them.")


def _write_report(path: Path, result: SendResult, campaign: Campaign) -> None:
    import dataclasses

    report = result.report
    data: dict[str, Any] = {
        "issue": campaign.identity, "segment": campaign.segment, "sent": report.sent, "retries": report.retries,
        "suppressed": report.suppressed, "seconds": round(report.seconds, 3), "stopped": report.stopped,
        "already_sent": result.targets.already_sent, "skipped": result.targets.skipped,
        "failed": [{"address": f.address, "state": f.state.value, "reply": f.reply} for f in report.failed],
        "ledger": dataclasses.asdict(report.counts),
        "throttles": report.throttles, "throttled_seconds": round(report.throttled_seconds, 1), "pace": report.pace,
        "pace_reason": report.pace_reason, "slowed_domains": report.slowed_domains, "resume_at": report.resume_at,
    }
    try:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the report {path}: {exc.strerror or exc}") from exc


def _status(args: argparse.Namespace) -> int:
    from .. import config
    from ..send.status_report import failed_lines, status_report, summary_lines, write_failed_csv

    issue_folder(args.issue_dir)  # a path that is not an issue folder: exit 2, as for every command
    if args.format and not args.failed:
        raise ConfigError("--format lists the failed recipients: give it with --failed (status --failed --format csv)")
    settings = config.load_settings(args.config, start=args.issue_dir)
    report = status_report(args.issue_dir, settings=settings, ledger_url=args.ledger, ledger_dir=args.ledger_dir,
                           segment=args.segment or "")
    if report.status is None:
        print(relative(report.note))
    elif args.failed and args.format == "csv":
        write_failed_csv(report.status, sys.stdout)
    else:
        lines = failed_lines(report.status) if args.failed else summary_lines(report.status, args.issue_dir)
        for line in lines:
            print(relative(line))
    return Exit.PROBLEMS if report.failed else Exit.OK  # failures are problems, as after the send
