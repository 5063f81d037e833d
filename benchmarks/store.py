"""The send through the store (soc_bulletin/store) beside the code before it: messages/s and peak memory.

    python benchmarks/store.py [-n 100000 1000000] [--backend sqlite postgresql] [--before DIR] [--code DIR]
                               [--postgres URL] [--transport null|smtp] [--rounds 1]

Issue 11 goes to a generated list of N fictional addresses (``@example.org``)
with a small suppression list (1,000 rows, half of them on the list), once with
the code measured (``--code``, default this checkout) and once with the code
before the store (``--before DIR``, a copy of it; by default the script takes
one itself with ``git archive c70b52f``: the SQLite ledger beside a CSV
suppression list, or the PostgreSQL ledger with its suppression table). Each
send is a real ``Campaign.prepare`` then ``Campaign.send`` with the CLI's
delivery options (4 at once, batches of 64) in a process of its own
(``PYTHONPATH`` = the code), on a new ledger; messages/s is the whole
``send`` (reaching the transport, the ledger's run, every claim and mark),
split into its start (up to ``on_start``: the freeze, link tokens, the run's
rows written) and the delivery; peak memory is that process's ru_maxrss
(prepare and send). ``prepare`` (the check, the list read, the suppression
list read or imported, the render) is shown beside it.

Backends: ``sqlite`` is the default store (a ledger folder in a temporary
folder); ``postgresql`` a server of its own (``initdb`` and ``pg_ctl`` of
Debian's package in a temporary folder, on a free port on 127.0.0.1, default
settings: durable commits) or the one at ``--postgres URL`` (its role must be
allowed to CREATE DATABASE; the password from PGPASSWORD). Each send gets a
database of its own, dropped afterwards.

The transport: ``null`` (default) takes each message inside the sender's
process (built as for SMTP, its pieces counted, nothing written), so the
ledger and the store are as large a share of the time as a send can make
them; ``smtp`` sends to ``benchmarks/sink.py`` as ``benchmarks/send.py`` does
(where the sink, on the other core, is most of the cost).

The goals, judged at the end: the store makes no send take more than 10% longer
than before, and a send to 1,000,000 recipients stays under 300 MB (MiB of
ru_maxrss). The CPU seconds of the sender are printed beside the times: on a
machine doing other work too, they say more about the code than the wall
clock does. The default run (both sizes, both backends) takes about 15 minutes
on 2 cores; ``-n 100000`` about 2.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ISSUE_DIR = ROOT / "issues" / "2019-08"
SEGMENTS = ROOT / "subscribers" / "segments.yaml"
BEFORE = "c70b52f"  # the code before the store: per-issue ledgers, the suppression list in a CSV file or a PostgreSQL table
SUPPRESSED_ROWS = 1_000  # half on the list, half not
SLOWER_AT_MOST = 1.10  # a send may take at most 10% longer than before
MEMORY_LIMIT_MB = 300  # for 1,000,000 recipients
MILLION = 1_000_000


# -- one send, in a process of its own ---------------------------------------------------------------


def worker(spec: dict[str, Any]) -> None:
    """Prepare and send with whatever code PYTHONPATH gives; print what it did as JSON."""
    import asyncio
    import resource

    import soc_bulletin  # reported, so a wrong PYTHONPATH shows
    from soc_bulletin.config import Settings
    from soc_bulletin.send.campaign import Campaign
    from soc_bulletin.send.engine import DeliveryOptions
    from soc_bulletin.send.runner import loop_name, run
    from soc_bulletin.send.transports import SMTPSettings, SMTPTransport, Transport

    class NullTransport(Transport):
        """Takes every message in this process: the pieces an SMTP transport would write, counted."""

        def __init__(self) -> None:
            self.bytes = 0

        async def send(self, message: Any, /) -> str:
            self.bytes += sum(map(len, message.parts))
            await asyncio.sleep(0)  # a turn for the rest of the loop, as a write to a socket gives
            return "250 2.0.0 queued"

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.perf_counter()
    campaign = Campaign.prepare(Path(spec["issue"]), lists=[Path(spec["list"])], settings=Settings(),
                                suppressed_file=Path(spec["suppressed"]), segments_file=Path(spec["segments"]),
                                ledger_dir=None if spec["url"] else Path(spec["ledger_dir"]), ledger_url=spec["url"])
    prepare_s = time.perf_counter() - started
    prepared_mb = peak_mb()
    transport: Transport
    if spec["port"]:
        transport = SMTPTransport(SMTPSettings("127.0.0.1", spec["port"], tls="none"), size=spec["concurrency"])
    else:
        transport = NullTransport()
    options = DeliveryOptions(concurrency=spec["concurrency"], batch=spec["batch"])
    began: list[float] = []
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    result = run(campaign.send(transport, options=options, on_start=lambda targets: began.append(time.perf_counter())))
    send_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(json.dumps({
        "code": str(Path(soc_bulletin.__file__).resolve().parent.parent), "loop": loop_name(),
        "recipients": len(campaign.recipients), "suppressed": campaign.suppressed, "sent": result.report.sent,
        "stopped": result.report.stopped, "prepare_s": prepare_s, "send_s": send_s, "start_s": began[0] - started, "cpu_s": cpu_s,
        "prepared_mb": prepared_mb, "peak_mb": peak_mb(),
    }), flush=True)


def one_send(code: Path, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run :func:`worker` under ``PYTHONPATH=code``; its report."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env, "PYTHONPATH": str(code)},
                          cwd=tempfile.gettempdir(), check=False)
    if done.returncode:
        raise SystemExit(f"the send with the code in {code} failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(report["code"]) != code:
        raise SystemExit(f"PYTHONPATH={code} ran the code in {report['code']}")
    if report["stopped"] or report["sent"] != report["recipients"]:
        raise SystemExit(f"the send with the code in {code} sent {report['sent']:,} of {report['recipients']:,} "
                         f"({report['stopped'] or 'not stopped'})")
    return report


# -- the list, the code before, the servers ----------------------------------------------------------


def write_lists(folder: Path, count: int) -> tuple[Path, Path]:
    """``count`` fictional subscribers, and a suppression list of which half are on it."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = folder / "list.csv"
    with listed.open("w", encoding="utf-8") as out:
        out.write("email,name\n")
        for start in range(0, count, 100_000):
            out.write("".join(f"partner{n:07d}@example.org,Partner {n}\n" for n in range(start, min(count, start + 100_000))))
    suppressed = folder / "suppressed.csv"
    step = max(count // (SUPPRESSED_ROWS // 2), 1)
    on_list = [f"partner{n:07d}@example.org" for n in range(0, count, step)][:SUPPRESSED_ROWS // 2]
    elsewhere = [f"gone{n:04d}@example.org" for n in range(SUPPRESSED_ROWS - len(on_list))]
    suppressed.write_text("address,reason,date\n" + "".join(
        f"{a},{'bounced' if i % 3 == 0 else 'unsubscribed'},2019-0{1 + i % 7}-1{i % 10}\n"
        for i, a in enumerate(on_list + elsewhere)), encoding="utf-8")
    return listed, suppressed


def version(code: Path) -> str:
    """The commit of the checkout ``code`` is in, and whether its soc_bulletin has changes not committed."""
    head = subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    if head.returncode:
        return "not a git checkout"
    changed = subprocess.run(["git", "-C", str(code), "status", "--porcelain", "--", "soc_bulletin"], capture_output=True,
                             text=True, check=False).stdout.splitlines()
    return f"{head.stdout.strip()}" + (f" with {len(changed)} file(s) of soc_bulletin changed" if changed else "")


def code_before(folder: Path) -> Path:
    """A copy of the code before the store (``git archive``), made in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def sink() -> Iterator[int]:
    """``benchmarks/sink.py`` on a free port, for the time of one send."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(HERE / "sink.py"), str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready", "the sink did not start"
        yield port
    finally:
        process.kill()
        process.wait()


class Postgres:
    """A throwaway cluster (Debian's binaries, a temporary folder, a free port), as tests/postgres.py makes;
    as root, the ``postgres`` user's (initdb and the server refuse root)."""

    USER = "bulletin"

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
        if not found:
            raise SystemExit("PostgreSQL is not installed (Debian's postgresql package); or give --postgres URL")
        self.bin = Path(found[-1]).parent
        self.version = Path(found[-1]).parts[4]
        self.root = Path(tempfile.mkdtemp(prefix="soc-bench-pg-"))
        self.password = secrets.token_hex(16)
        self.as_root = os.geteuid() == 0
        (self.root / "password").write_text(self.password + "\n")
        if self.as_root:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.root / "password"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.root / "data"), "-U", self.USER, "--auth-local=trust", "--auth-host=scram-sha-256",
                  f"--pwfile={self.root / 'password'}", "-E", "UTF8", "--locale=C")
        for _ in range(5):
            self.port = free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root}"
            if not self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                             "-o", options, "start", check=False).returncode:
                return
        raise SystemExit(f"PostgreSQL did not start: {(self.root / 'server.log').read_text(errors='replace')}")

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / program), *args]
        if self.as_root:
            command = [shutil.which("runuser") or "/sbin/runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root, check=False)
        if check and done.returncode:
            raise SystemExit(f"{program} failed: {done.stdout}{done.stderr}")
        return done

    @property
    def url(self) -> str:
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/postgres"

    def destroy(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "-t", "60", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def database(url: str, password: str | None) -> Iterator[str]:
    """A new database on the server of ``url``, dropped afterwards; its URL."""
    import psycopg

    name = f"soc_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, password=password, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, password=password, autocommit=True) as db:
            db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# -- the runs and the table ----------------------------------------------------------------------------


def measure(args: argparse.Namespace, backend: str, n: int, code: Path, lists: tuple[Path, Path], work: Path,
            server: tuple[str, str | None] | None) -> dict[str, Any]:
    """One send of Issue 11 to the ``n`` generated recipients with ``code``, on a new ledger."""
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    spec: dict[str, Any] = {"issue": str(args.issue), "list": str(lists[0]), "suppressed": str(lists[1]),
                            "segments": str(SEGMENTS), "ledger_dir": str(folder / "ledger"), "url": None, "port": 0,
                            "concurrency": args.concurrency, "batch": args.batch}
    env = {"PGPASSWORD": server[1]} if server and server[1] else {}
    try:
        with contextlib.ExitStack() as stack:
            if backend == "postgresql":
                assert server is not None
                spec["url"] = stack.enter_context(database(server[0], server[1]))
            if args.transport == "smtp":
                spec["port"] = stack.enter_context(sink())
            return one_send(code, spec, env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def best(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one send as one: median times, the largest peaks."""
    median = {key: statistics.median(r[key] for r in reports) for key in ("prepare_s", "send_s", "start_s", "cpu_s")}
    largest = {key: max(r[key] for r in reports) for key in ("prepared_mb", "peak_mb")}
    return {**reports[0], **median, **largest}


HEADER = (f"{'backend':<11}{'recipients':>11}  {'code':<17}{'prepare s':>10}{'send s':>9}{'(start':>8}{'deliver)':>9}"
          f"{'CPU s':>7}{'msgs/s':>9}{'vs before':>10}{'MB prepared':>12}{'MB peak':>9}")


def row(backend: str, n: int, label: str, r: dict[str, Any], before: dict[str, Any] | None) -> str:
    """One line of the table; ``before``: the send it is compared with."""
    rate = r["sent"] / r["send_s"]
    versus = f"{rate / (before['sent'] / before['send_s']):.2f}x" if before else ""
    return (f"{'SQLite' if backend == 'sqlite' else 'PostgreSQL':<11}{n:>11,}  {label[:16]:<17}{r['prepare_s']:>10.2f}"
            f"{r['send_s']:>9.2f}{r['start_s']:>8.2f}{r['send_s'] - r['start_s']:>9.2f}{r['cpu_s']:>7.2f}{rate:>9,.0f}"
            f"{versus:>10}{r['prepared_mb']:>12.0f}{r['peak_mb']:>9.0f}")


def judge(results: dict[tuple[str, int], dict[str, dict[str, Any]]], backends: list[str]) -> None:
    """Print whether the goals hold."""
    print("goals:")
    for (backend, n), r in results.items():
        ratio = r["store"]["send_s"] / r["before"]["send_s"]
        cpu = r["store"]["cpu_s"] / r["before"]["cpu_s"]
        print(f"  {backend} {n:,}: the send takes {ratio:.2f}x the time before (at most {SLOWER_AT_MOST:.2f}x): "
              f"{'holds' if ratio <= SLOWER_AT_MOST else 'FAILS'}   (the sender's CPU: {cpu:.2f}x)")
    for backend in backends:
        if (backend, MILLION) not in results:
            print(f"  {backend} {MILLION:,}: peak memory not measured (-n without {MILLION})")
            continue
        peak, old = (results[backend, MILLION][kind]["peak_mb"] for kind in ("store", "before"))
        print(f"  {backend} {MILLION:,}: peak {peak:.0f} MB (under {MEMORY_LIMIT_MB}): "
              f"{'holds' if peak < MEMORY_LIMIT_MB else 'FAILS'}   (before: {old:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, nargs="+", default=[100_000, MILLION], help="recipients (default 100000 1000000)")
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--code", type=Path, default=ROOT, help="the folder holding the soc_bulletin measured (default: here)")
    parser.add_argument("--before", type=Path, metavar="DIR",
                        help=f"a copy of the code before the store (default: git archive {BEFORE} into a temporary folder)")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to use (default: one started for the run)")
    parser.add_argument("--transport", choices=["null", "smtp"], default="null")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64, help="rows per claim (default 64, the CLI's)")
    parser.add_argument("--rounds", type=int, default=1, help="sends of each kind, alternated (median times, largest peaks)")
    parser.add_argument("--issue", type=Path, default=ISSUE_DIR, help="issue folder (default Issue 11)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    args.issue = args.issue.resolve()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-store-"))
    server: Postgres | None = None
    try:
        codes = {"before": (args.before or code_before(work / "before")).resolve(), "store": args.code.resolve()}
        labels = {"before": f"before {args.before.name if args.before else BEFORE}", "store": "store"}
        where = {"null": "null transport (built, counted, not written)", "smtp": "SMTP sink (benchmarks/sink.py)"}[args.transport]
        print(f"Issue 11 to N generated recipients ({SUPPRESSED_ROWS // 2} of them on a {SUPPRESSED_ROWS:,}-row suppression "
              f"list); {where}; {args.concurrency} at once, batches of {args.batch}; {os.cpu_count()} CPUs")
        print(f"store: {codes['store']} ({version(codes['store'])})   before: {codes['before']}   "
              f"load average {os.getloadavg()[0]:.2f}")
        lists = {n: write_lists(work / f"list-{n}", n) for n in args.n}
        results: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
        for backend in args.backend:
            connection: tuple[str, str | None] | None = None
            if backend == "postgresql" and args.postgres:
                connection = (args.postgres, os.environ.get("PGPASSWORD"))
                parts = urlsplit(args.postgres)
                print(f"PostgreSQL at {parts.hostname}:{parts.port or 5432} (a database of its own for each send)")
            elif backend == "postgresql":
                server = Postgres()
                connection = (server.url, server.password)
                print(f"PostgreSQL {server.version}: a throwaway server on 127.0.0.1:{server.port} (default settings)")
            print(HEADER)
            for n in args.n:
                rounds: dict[str, list[dict[str, Any]]] = {"before": [], "store": []}
                for _ in range(args.rounds):
                    for kind in ("before", "store"):
                        rounds[kind].append(measure(args, backend, n, codes[kind], lists[n], work, connection))
                results[backend, n] = {kind: best(reports) for kind, reports in rounds.items()}
                before = results[backend, n]["before"]
                print(row(backend, n, labels["before"], before, None))
                print(row(backend, n, labels["store"], results[backend, n]["store"], before), flush=True)
                if args.rounds > 1:
                    each = {kind: " ".join(f"{r['send_s']:.2f}" for r in reports) for kind, reports in rounds.items()}
                    print(f"{'':<24}send s by round: " + "; ".join(f"{kind} {times}" for kind, times in each.items()))
            if server is not None:
                server.destroy()
                server = None
        loop = next(iter(results.values()))["store"]["loop"]
        sent = ", ".join(f"{n:,} -> {results[args.backend[0], n]['store']['sent']:,}" for n in args.n)
        print(f"(sent = recipients - suppressed: {sent}; {loop} event loop; {args.rounds} round(s), median times; MB = MiB of "
              f"ru_maxrss; CPU s: the sender process's during the send; load average now {os.getloadavg()[0]:.2f})")
        judge(results, args.backend)
    finally:
        if server is not None:
            server.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
