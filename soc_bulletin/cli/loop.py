"""``soc-bulletin serve`` (also ``unsubscribe-server``) and ``soc-bulletin bounces``: parse, call :mod:`soc_bulletin.loop`, print."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..terminal import printable
from .exits import Exit
from .suppressions import opened, store_options

if TYPE_CHECKING:  # the loop stage (Starlette, uvicorn, the parsers) is imported only by these commands
    from ..config import Settings
    from ..loop.process import Outcome, RunReport
    from ..loop.sources import Disposal, Source

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` (alias ``unsubscribe-server``) and ``bounces`` commands."""
    u = sub.add_parser("serve", aliases=["unsubscribe-server"],
                       help="serve the subscribers' pages: one-click unsubscribe (RFC 8058), sign-up, preferences")
    u.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: behind a TLS reverse proxy)")
    u.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port, printed)")
    u.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="proxies whose X-Forwarded-For is believed, comma-separated (default 127.0.0.1)")
    u.add_argument("--smtp", metavar="URL", help="send confirmation mails through this relay, smtp://host:port or "
                   "smtps://host:port (login from SOC_BULLETIN_SMTP_USER/PASSWORD); default: <outbox>/service/")
    u.add_argument("--starttls", action="store_true", help="with --smtp: refuse a relay that does not offer STARTTLS")
    u.add_argument("--segments", metavar="FILE", help="segment definitions the sign-up form offers (default: the settings')")
    store_options(u)
    u.set_defaults(handler=_serve)

    b = sub.add_parser("bounces", help="read bounces, complaints and mailed unsubscribes into the suppression list")
    b.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="a Maildir, an mbox file, a folder of .eml files, or imaps://user@host/MAILBOX "
                        "(password from SOC_BULLETIN_IMAP_PASSWORD)")
    b.add_argument("--dry-run", action="store_true", help="decide and print; write, mark and move nothing")
    b.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or a JSON array")
    disposal = b.add_mutually_exclusive_group()
    disposal.add_argument("--move-to", metavar="FOLDER", help="move handled messages to this folder or IMAP mailbox")
    disposal.add_argument("--delete", action="store_true", help="delete handled messages (default: mark them)")
    store_options(b)
    b.add_argument("--cafile", default="", help="CA certificates to trust for the IMAP server's TLS")
    b.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the IMAP server (default 30)")
    b.set_defaults(handler=_bounces)


def _serve(args: argparse.Namespace) -> int:
    from .. import config
    from ..loop.serve import serve
    from ..loop.service import check_service_settings, create_app

    settings = config.load_settings(args.config)
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be from 0 to 65535, not {args.port}")
    check_service_settings(settings)  # before any store is opened (or made)
    transport = None
    if args.smtp:
        from ..send.transports import SMTPSettings, SMTPTransport

        env = settings.env
        transport = SMTPTransport(SMTPSettings.from_url(args.smtp, starttls=args.starttls, username=env.smtp_user,
                                                       password=env.smtp_password), size=1)
    store = opened(args)
    try:
        app = create_app(settings, store, transport=transport, segments_file=args.segments)
        server = serve(app, host=args.host, port=args.port, forwarded_allow_ips=args.forwarded_allow_ips)
    except BaseException:
        store.close()
        raise

    def stop(signum: int, frame: FrameType | None) -> None:
        server.close()

    signal.signal(signal.SIGTERM, stop)
    path = settings.sending.unsubscribe_base_url.split("//", 1)[-1].partition("/")[2]
    print(f"Unsubscribe service at {server.url}/{path} (for {settings.sending.unsubscribe_base_url}); Ctrl-C stops it.",
          flush=True)
    pages = settings.service_url.split("//", 1)[-1].partition("/")[2]
    signup = "subscribe, confirm, " if settings.sending.from_ else ""
    print(f"Pages ({signup}preferences, accessibility) under {server.url}/{pages + '/' if pages else ''} "
          f"(for {settings.service_url}/){'' if signup else '; sign-up is off: set [sending] from'}.", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.close()
    finally:
        store.close()
    return Exit.OK


def _sources(args: argparse.Namespace, settings: Settings, disposal: Disposal) -> list[Source]:
    from ..loop.imap import ImapSource, is_imap_url
    from ..loop.sources import open_local

    opened: list[Source] = []
    try:
        for name in args.sources:
            if is_imap_url(name):
                opened.append(ImapSource(name, disposal, password=settings.env.imap_password, cafile=args.cafile,
                                         timeout=args.timeout, readonly=args.dry_run))
            else:
                opened.append(open_local(Path(name), disposal))
    except BaseException:
        for source in opened:
            source.close()
        raise
    return opened


def _bounces(args: argparse.Namespace) -> int:
    from .. import config
    from ..loop.process import Processor
    from ..loop.sources import Disposal

    settings = config.load_settings(args.config)
    sources = _sources(args, settings, Disposal(move_to=args.move_to or "", delete=args.delete))  # each one checked first
    try:
        with opened(args, readonly=args.dry_run) as store:
            processor = Processor(settings, store, dry_run=args.dry_run)
            handed, sources = sources, []  # the run closes each
            report = processor.run(handed)
    finally:
        for source in sources:
            source.close()
    if args.format == "json":
        json.dump([outcome.as_json() for outcome in report.outcomes], sys.stdout, indent=2)
        print()
        print(printable(_summary(report, args.dry_run)), file=sys.stderr)
    else:
        for outcome in report.outcomes:
            _print(outcome)
        print(printable(_summary(report, args.dry_run)))
    for problem in report.problems:
        print(printable(problem), file=sys.stderr)
    return Exit.PROBLEMS if report.unreadable or report.unreadable_failures or report.problems else Exit.OK


def _print(outcome: Outcome) -> None:
    from ..loop.verdict import Kind

    if outcome.error:
        print(printable(f"{outcome.source}: cannot be read, left in the mailbox: {outcome.error}"), file=sys.stderr)
        return
    named = ", ".join(f"{f.address} ({f.status or '-'}, {'permanent' if f.permanent else 'temporary'})"
                      if outcome.kind is Kind.BOUNCE else f.address for f in outcome.recipients)
    print(printable(f"{outcome.source}: {outcome.kind.value}" + (f": {named}" if named else "")))
    for action in outcome.actions:
        print(printable(f"  {action}"))


def _summary(report: RunReport, dry_run: bool) -> str:
    from ..loop.verdict import Kind

    kinds = Counter(o.kind.value for o in report.outcomes if not o.error)
    parts = [f"{kinds[k.value]} {k.value}" for k in Kind if kinds[k.value]]
    text = f"{len(report.outcomes)} message(s) read" + (f": {', '.join(parts)}" if parts else "")
    if report.already:
        text += f"; {report.already} handled before, skipped"
    if report.unreadable:
        text += f"; {report.unreadable} could not be read (left in the mailbox)"
    if report.unverified:
        text += f"; {report.unverified} not ours / unverified (left for a person)"
    if report.unreadable_failures:
        text += f"; {report.unreadable_failures} unreadable failure(s) (left for a person)"
    text += f"; {report.suppressed} address(es) newly suppressed."
    return text + (" Dry run: nothing was written, marked or moved." if dry_run else "")
