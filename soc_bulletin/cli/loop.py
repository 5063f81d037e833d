"""``soc-bulletin serve`` (also ``unsubscribe-server``) and ``soc-bulletin bounces``: parse, call :mod:`soc_bulletin.loop`, print."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from types import FrameType

from ..errors import ConfigError
from ..terminal import printable
from .exits import Exit
from .suppressions import opened, store_options

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


def _bounces(args: argparse.Namespace) -> int:
    from .. import config
    from ..loop.process import Processor
    from ..loop.run_text import needs_attention, outcome_lines, run_summary
    from ..loop.sources import Disposal, open_sources

    settings = config.load_settings(args.config)
    sources = open_sources(args.sources, Disposal(move_to=args.move_to or "", delete=args.delete), readonly=args.dry_run,
                           imap_password=settings.env.imap_password, cafile=args.cafile, timeout=args.timeout)
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
        print(run_summary(report, args.dry_run), file=sys.stderr)
    else:
        for outcome in report.outcomes:
            print(*outcome_lines(outcome), sep="\n", file=sys.stderr if outcome.error else sys.stdout)
        print(run_summary(report, args.dry_run))
    for problem in report.problems:
        print(printable(problem), file=sys.stderr)
    return Exit.PROBLEMS if needs_attention(report) else Exit.OK
