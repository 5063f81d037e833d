"""Send Issue 11 to N generated recipients and print messages/s, build time and peak memory.

    python benchmarks/send.py [-n 10000] [--outbox] [--concurrency 4]
    python benchmarks/send.py --ledger postgresql://user@host/db [--senders 1 2 4] [-n 10000] [--ledger-only]

Over SMTP the messages go to ``benchmarks/sink.py``, a minimal server on
127.0.0.1 run in its own process. With ``--outbox`` they are written as .eml
files to a temporary folder instead. No rate limit is set.

With ``--ledger`` (the password from PGPASSWORD or a service file), the same
send runs through the PostgreSQL ledger with 1, 2 and 4 sender processes at
once, each a real ``Campaign.send`` to the one sink, timed from a common start
to the last sender's end; then the ledger alone (claim 64, mark them sent, no
SMTP) with as many processes. The SQLite ledger's figures (one sender) are
printed beside them. Each run uses an issue identity of its own and deletes
its rows afterwards. Sends run on the event loop the CLI uses (uvloop when
installed; ``SOC_BULLETIN_UVLOOP=0`` for asyncio's).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from soc_bulletin.config import Settings
from soc_bulletin.send.campaign import Campaign
from soc_bulletin.send.engine import DeliveryOptions
from soc_bulletin.send.runner import loop_name, run
from soc_bulletin.send.transports import OutboxTransport, SMTPSettings, SMTPTransport, Transport
from soc_bulletin.store.ledger import Ledger, LedgerRow, State
from soc_bulletin.store.sqlite_ledger import SQLiteLedger

HERE = Path(__file__).resolve().parent
ISSUE_DIR = HERE.parent / "issues" / "2019-08"
SEGMENTS = HERE.parent / "subscribers" / "segments.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sink() -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    sink = subprocess.Popen([sys.executable, str(HERE / "sink.py"), str(port)], stdout=subprocess.PIPE, text=True)
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    return sink, port


def write_list(work: Path, count: int) -> Path:
    lists = work / "list.csv"
    lists.write_text("email,name\n" + "".join(f"partner{n:06d}@example.org,Partner {n}\n" for n in range(count)), encoding="utf-8")
    (work / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    return lists


def prepare(issue: Path, work: Path, ledger: str | None = None) -> Campaign:
    return Campaign.prepare(issue, lists=[work / "list.csv"], settings=Settings(), suppressed_file=work / "suppressed.csv",
                            segments_file=SEGMENTS, ledger_dir=work / "ledger", ledger_url=ledger)


def one_process(args: argparse.Namespace) -> None:
    """The original benchmark: one process, the SQLite ledger."""
    work = Path(tempfile.mkdtemp(prefix="soc-bench-"))
    write_list(work, args.n)
    prepared = time.perf_counter()
    campaign = prepare(args.issue, work)
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
            sink, port = start_sink()
            transport = SMTPTransport(SMTPSettings("127.0.0.1", port, tls="none"), size=args.concurrency)
            where = f"SMTP sink, {args.concurrency} connections"
        try:
            start = time.perf_counter()
            result = run(campaign.send(transport, options=DeliveryOptions(concurrency=args.concurrency, batch=256)))
            report = result.report
            elapsed = time.perf_counter() - start
        finally:
            if sink:
                sink.kill()
                sink.wait()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.rmtree(work, ignore_errors=True)
    print(f"{campaign.issue.email_subject} to {args.n:,} recipients via {where} ({loop_name()} event loop); message {size:,} bytes")
    print(f"preflight (check, {args.n:,}-row list, render, DKIM-less templates): {prepare_s * 1000:.0f} ms")
    print(f"sent {report.sent:,} in {elapsed:.2f}s: {report.sent / elapsed:,.0f} messages/s end to end (incl. ledger)")
    print(f"per-recipient build: {build_us:.1f} µs")
    print(f"peak memory: {rss:.0f} MB resident (ru_maxrss; timings are taken without tracemalloc, which slows them 4x)")


# -- several senders ---------------------------------------------------------------------------------


def counting(ledger: Ledger, tally: dict[str, float]) -> None:
    """Count the claims a ledger makes (calls, rows, seconds inside)."""
    claim = ledger.claim

    def counted(run: str, limit: int, /) -> list[LedgerRow]:
        started = time.perf_counter()
        rows = claim(run, limit)
        tally["claims"] += 1
        tally["claimed"] += len(rows)
        tally["claim_s"] += time.perf_counter() - started
        return rows

    ledger.claim = counted  # type: ignore[method-assign]


def worker(spec: dict[str, Any]) -> None:
    """One sender process: prepare, say ready, wait for the word, send, print what it did as JSON."""
    tally = {"claims": 0.0, "claimed": 0.0, "claim_s": 0.0}
    work = Path(spec["work"])
    if spec["mode"] == "send":
        campaign = prepare(Path(spec["issue"]), work, spec["ledger"])
        opened = campaign.open_ledger

        def open_counted(**kwargs: Any) -> Ledger | None:
            ledger = opened(**kwargs)
            if ledger is not None:
                counting(ledger, tally)
            return ledger

        campaign.open_ledger = open_counted  # type: ignore[method-assign]
        print("ready", flush=True)
        sys.stdin.readline()
        transport = SMTPTransport(SMTPSettings("127.0.0.1", spec["port"], tls="none"), size=spec["concurrency"])
        result = run(campaign.send(transport, options=DeliveryOptions(concurrency=spec["concurrency"], batch=256)))
        done = result.report.sent
    else:  # the ledger alone: claim a batch, mark it sent, again
        ledger: Ledger
        if spec["ledger"]:
            from soc_bulletin.store.postgres_ledger import PostgresLedger

            ledger = PostgresLedger(spec["ledger"], identity=spec["identity"])
        else:
            ledger = SQLiteLedger(work / "claims.sqlite3", identity=spec["identity"])
        rows = [LedgerRow(f"partner{n:06d}@example.org", f"Partner {n}", "everyone", segment="all") for n in range(spec["n"])]
        began = time.perf_counter()
        ledger.begin_run("run", rows, listed=lambda a: True, suppressed=lambda a: False)
        tally["begin_s"] = time.perf_counter() - began
        counting(ledger, tally)
        print("ready", flush=True)
        sys.stdin.readline()
        done = 0
        while batch := ledger.claim("run", 64):
            ledger.mark([(row.address, State.SENT, "250 2.0.0 queued") for row in batch])
            done += len(batch)
        ledger.close()
    print(json.dumps({"done": done, **tally}), flush=True)


def together(specs: list[dict[str, Any]]) -> tuple[float, list[dict[str, float]]]:
    """Start a worker per spec, wait until all are ready, start them at once; wall seconds and their reports."""
    processes = [subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(s)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True) for s in specs]
    for p in processes:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready", "a worker failed to start"
    started = time.perf_counter()
    for p in processes:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    reports = []
    for p in processes:
        out, _ = p.communicate(timeout=3600)
        assert p.returncode == 0, "a worker failed"
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return time.perf_counter() - started, reports


def forget(url: str, identity: str) -> tuple[float, float]:
    """Delete the run's rows; return the bytes per recipient row (table, indexes, TOAST) as left, then compacted."""
    import psycopg

    query = "SELECT pg_total_relation_size('soc_bulletin.recipients')::float / greatest(count(*), 1) FROM soc_bulletin.recipients"
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("VACUUM soc_bulletin.recipients")
        left = db.execute(query).fetchone()
        db.execute("VACUUM FULL soc_bulletin.recipients")
        compact = db.execute(query).fetchone()
        for table in ("feedback", "recipients", "editions", "meta", "senders", "pacers"):
            db.execute(f"DELETE FROM soc_bulletin.{table} WHERE issue = %s", (identity,))
    return (float(left[0]) if left else 0.0), (float(compact[0]) if compact else 0.0)


def line(label: str, wall: float, reports: list[dict[str, float]]) -> str:
    done = sum(r["done"] for r in reports)
    claims = sum(r["claims"] for r in reports)
    inside = sum(r["claim_s"] for r in reports) / max(claims, 1) * 1000
    return f"{label:<28}{done / wall:>10,.0f}{claims / wall:>10,.1f}{inside:>10.2f}{wall:>9.2f}"


def several(args: argparse.Namespace) -> None:
    """The PostgreSQL ledger with 1, 2, 4 senders, beside the SQLite ledger's one."""
    work = Path(tempfile.mkdtemp(prefix="soc-bench-"))
    write_list(work, args.n)
    sink, port = start_sink()
    header = f"{'':<28}{'{}/s':>10}{'claims/s':>10}{'ms/claim':>10}{'seconds':>9}"
    try:
        print(f"Issue 11 to {args.n:,} recipients, SMTP sink on 127.0.0.1, {args.concurrency} connections per sender")
        print("end to end (Campaign.send, batches of 256):")
        print(header.format("msgs"))
        for senders in [] if args.ledger_only else [0, *args.senders]:  # 0: the SQLite ledger, one sender
            identity = f"bench-{senders}-{uuid.uuid4().hex[:8]}"
            issue = work / identity
            shutil.copytree(args.issue, issue)
            spec = {"mode": "send", "issue": str(issue), "work": str(work), "port": port, "concurrency": args.concurrency,
                    "ledger": args.ledger if senders else None}
            wall, reports = together([spec] * max(senders, 1))
            print(line(f"PostgreSQL, {senders} sender(s)" if senders else "SQLite, 1 sender", wall, reports))
            if senders:
                forget(args.ledger, identity)
        print(f"the ledger alone (claim 64, mark them sent; {args.n:,} rows):")
        print(header.format("rows"))
        sizes = []
        for senders in [0, *args.senders]:
            identity = f"bench-claims-{senders}-{uuid.uuid4().hex[:8]}"
            spec = {"mode": "claims", "identity": identity, "work": str(work), "n": args.n,
                    "ledger": args.ledger if senders else None}
            wall, reports = together([spec] * max(senders, 1))
            print(line(f"PostgreSQL, {senders} claimer(s)" if senders else "SQLite, 1 claimer", wall, reports))
            if senders:
                sizes.append((max(r["begin_s"] for r in reports), forget(args.ledger, identity)))
        began, (left, compact) = sizes[0]
        print(f"PostgreSQL: begin_run of {args.n:,} targets (COPY and set-based SQL) {began:.2f}s; per recipient row "
              f"(table, indexes, TOAST): {left:,.0f} bytes after the send, {compact:,.0f} compacted (VACUUM FULL)")
    finally:
        sink.kill()
        sink.wait()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="recipients (default 10,000)")
    parser.add_argument("--outbox", action="store_true", help="write .eml files instead of SMTP")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--issue", type=Path, default=ISSUE_DIR, help="issue folder (default Issue 11)")
    parser.add_argument("--ledger", metavar="URL", help="a PostgreSQL ledger: run several senders (password from PGPASSWORD)")
    parser.add_argument("--senders", type=int, nargs="+", default=[1, 2, 4], help="sender counts to try (default 1 2 4)")
    parser.add_argument("--ledger-only", action="store_true", help="with --ledger: only the ledger alone, no SMTP")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
    elif args.ledger:
        several(args)
    else:
        one_process(args)


if __name__ == "__main__":
    main()
