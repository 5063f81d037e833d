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
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from soc_bulletin.config import Settings
from soc_bulletin.send.campaign import Campaign
from soc_bulletin.send.engine import DeliveryOptions
from soc_bulletin.send.transports import OutboxTransport, SMTPSettings, SMTPTransport, Transport

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

    work = Path(tempfile.mkdtemp(prefix="soc-bench-"))
    lists = work / "list.csv"
    lists.write_text("email,name\n" + "".join(f"partner{n:06d}@example.org,Partner {n}\n" for n in range(args.n)), encoding="utf-8")
    (work / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    prepared = time.perf_counter()
    campaign = Campaign.prepare(args.issue, lists=[lists], settings=Settings(), suppressed_file=work / "suppressed.csv",
                                segments_file=HERE.parent / "subscribers" / "segments.yaml", ledger_dir=work / "ledger")
    prepare_s = time.perf_counter() - prepared
    template = next(iter(campaign.templates.values()))
    size = len(template.build("x@example.org", "X").data)

    start = time.perf_counter()
    for sub, _ in campaign.recipients[:5000]:
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
            result = asyncio.run(campaign.send(transport, options=DeliveryOptions(concurrency=args.concurrency, batch=256)))
            report = result.report
            elapsed = time.perf_counter() - start
        finally:
            if sink:
                sink.kill()
                sink.wait()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.rmtree(work, ignore_errors=True)
    print(f"{campaign.issue.email_subject} to {args.n:,} recipients via {where}; message {size:,} bytes")
    print(f"preflight (check, {args.n:,}-row list, render, DKIM-less templates): {prepare_s * 1000:.0f} ms")
    print(f"sent {report.sent:,} in {elapsed:.2f}s: {report.sent / elapsed:,.0f} messages/s end to end (incl. ledger)")
    print(f"per-recipient build: {build_us:.1f} µs")
    print(f"peak memory: {rss:.0f} MB resident (ru_maxrss; timings are taken without tracemalloc, which slows them 4x)")


if __name__ == "__main__":
    main()
