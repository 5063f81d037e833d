"""Send Issue 11 to N generated recipients and print messages/s, build time and peak memory.

    python benchmarks/send.py [-n 10000] [--outbox] [--concurrency 4]

Over SMTP the messages go to ``benchmarks/sink.py``, a minimal server on
127.0.0.1 run in its own process. With ``--outbox`` they are written as .eml
files to a temporary folder instead. No rate limit is set.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from soc_bulletin.campaign import message_templates, plan_send, send_issue
from soc_bulletin.config import Settings
from soc_bulletin.dispatch import DeliveryOptions
from soc_bulletin.load import load_issue
from soc_bulletin.render import Renderer
from soc_bulletin.segments import load_segments
from soc_bulletin.subscribers import Subscriber
from soc_bulletin.suppression import Suppressions
from soc_bulletin.transports import OutboxTransport, SMTPSettings, SMTPTransport, Transport

HERE = Path(__file__).resolve().parent
ISSUE_DIR = HERE.parent / "issues" / "2019-08"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="recipients (default 10,000)")
    parser.add_argument("--outbox", action="store_true", help="write .eml files instead of SMTP")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--issue", type=Path, default=ISSUE_DIR, help="issue folder (default Issue 11)")
    args = parser.parse_args()

    tracemalloc.start()
    issue = load_issue(args.issue)
    subscribers = [Subscriber(f"partner{n:06d}@example.org", name=f"Partner {n}") for n in range(args.n)]
    plan = plan_send(issue, subscribers, segments=load_segments(HERE.parent / "subscribers" / "segments.yaml"), segment="all", suppressions=Suppressions(), renderer=Renderer())
    templates = message_templates(plan.editions, issue_dir=args.issue, settings=Settings())
    template = next(iter(templates.values()))
    size = len(template.build("x@example.org", "X").data)

    start = time.perf_counter()
    for sub, _ in plan.recipients[:5000]:
        template.build(sub.email, sub.name)
    build_us = (time.perf_counter() - start) / min(5000, args.n) * 1e6

    with tempfile.TemporaryDirectory() as tmp:
        sink = None
        transport: Transport
        if args.outbox:
            transport = OutboxTransport(Path(tmp) / "outbox")
            where = "outbox"
        else:
            port = free_port()
            sink = subprocess.Popen([sys.executable, str(HERE / "sink.py"), str(port)], stdout=subprocess.PIPE, text=True)
            assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
            transport = SMTPTransport(SMTPSettings("127.0.0.1", port, tls="none"), size=args.concurrency)
            where = f"SMTP sink, {args.concurrency} connections"
        try:
            start = time.perf_counter()
            report = asyncio.run(send_issue(
                plan, templates, transport, ledger_dir=Path(tmp) / "ledger", suppressions=Suppressions(),
                suppression_file=None, options=DeliveryOptions(concurrency=args.concurrency, batch=256),
            ))
            elapsed = time.perf_counter() - start
        finally:
            if sink:
                sink.kill()
                sink.wait()
    _, peak = tracemalloc.get_traced_memory()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{issue.email_subject} to {args.n:,} recipients via {where}; message {size:,} bytes")
    print(f"sent {report.sent:,} in {elapsed:.2f}s: {report.sent / elapsed:,.0f} messages/s end to end (incl. ledger)")
    print(f"per-recipient build: {build_us:.1f} µs")
    print(f"peak memory: {peak / 2**20:.1f} MB traced by Python, {rss:.0f} MB resident (ru_maxrss)")


if __name__ == "__main__":
    main()
