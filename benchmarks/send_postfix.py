"""This project's send against postfix's C load generator, into postfix's C sink: the ratio of their rates.

    python benchmarks/send_postfix.py POSTFIX_ROOT [-n 2000] [--sessions 10] [--rounds 7] [--code DIR] [--no-pipelining]

POSTFIX_ROOT is Debian's postfix package extracted (nothing is installed, no
mail server runs)::

    mkdir /tmp/postfix && cd /tmp/postfix
    apt-get download postfix && dpkg-deb -x postfix_*.deb root     # POSTFIX_ROOT is /tmp/postfix/root

``smtp-sink`` listens on 127.0.0.1 (a free port). Each round, back to back
(each side first every other round): ``smtp-source -d`` sends N copies of
one message of Issue 11 (as this project builds it, written to a file) over
``--sessions`` connections, kept open as this project keeps its own; and
this project's real send path -- ``Campaign.send`` through ``SMTPTransport``
with a SQLite ledger in a temporary folder, to N generated recipients,
``concurrency`` = sessions, the CLI's other defaults, on the event loop the
CLI uses -- sends the same N into the same sink. No DKIM signature on either
side (smtp-source cannot sign). smtp-sink offers PIPELINING: this project
uses it, smtp-source cannot (``--no-pipelining``: the sink offers none).
The sink's own count confirms both delivered all N.

Printed for each round: both rates and their ratio, each side's CPU time per
message, and how busy the sink was (its CPU time over the round's); then the
medians, and the median of the rounds' ratios beside the goal (>= 0.8).

The project side runs in a subprocess with ``PYTHONPATH=--code`` (default:
this checkout), so an older copy of the code can be measured the same way.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ISSUE_DIR = HERE.parent / "issues" / "2019-08"
SEGMENTS = HERE.parent / "subscribers" / "segments.yaml"
GOAL = 0.8


# -- the project's side, in its own process ---------------------------------------------------------


def worker(spec: dict[str, Any]) -> None:
    """Prepare the campaign, write the message file, then send a round for each "go PORT" line read."""
    import asyncio

    import soc_bulletin
    from soc_bulletin.config import Settings
    from soc_bulletin.send.campaign import Campaign
    from soc_bulletin.send.engine import DeliveryOptions
    from soc_bulletin.send.transports import SMTPSettings, SMTPTransport

    try:  # the event loop the CLI runs a send on; an older copy of the code without one used asyncio's
        runner: Any = importlib.import_module("soc_bulletin.send.runner")
        run, loop = runner.run, runner.loop_name()
    except ImportError:
        run, loop = asyncio.run, "asyncio"

    work = Path(spec["work"])
    (work / "list.csv").write_text("email,name\n" + "".join(f"partner{n:06d}@example.org,Partner {n}\n" for n in range(spec["n"])),
                                   encoding="utf-8")
    (work / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    campaign = Campaign.prepare(Path(spec["issue"]), lists=[work / "list.csv"], settings=Settings(), suppressed_file=work / "suppressed.csv",
                                segments_file=Path(spec["segments"]), ledger_dir=work / "ledger")
    template = next(iter(campaign.templates.values()))
    assert template.dkim is None
    first = campaign.recipients[0][0]
    message = template.build(first.email, first.name)
    Path(spec["message"]).write_bytes(message.data.replace(b"\r\n", b"\n"))  # smtp-source -F ends each line with CRLF itself
    print(json.dumps({"from": message.envelope_from, "to": message.recipient, "size": len(message.data),
                      "code": str(Path(soc_bulletin.__file__).parent), "loop": loop}), flush=True)
    for n, command in enumerate(sys.stdin):
        port = int(command.split()[1])
        campaign.ledger_dir = work / f"ledger-{n}"
        transport = SMTPTransport(SMTPSettings("127.0.0.1", port, tls="none"), size=spec["sessions"])
        cpu, started = _cpu(resource.RUSAGE_SELF), time.perf_counter()
        result = run(campaign.send(transport, options=DeliveryOptions(concurrency=spec["sessions"])))
        seconds = time.perf_counter() - started
        print(json.dumps({"sent": result.report.sent, "seconds": seconds, "cpu": _cpu(resource.RUSAGE_SELF) - cpu}), flush=True)


def _cpu(who: int) -> float:
    """User and system seconds of this process (with its threads) or of its waited-for children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


# -- postfix's side and the comparison ---------------------------------------------------------------


class Sink:
    """postfix's smtp-sink on 127.0.0.1, counting the messages it accepts (its -c output)."""

    def __init__(self, root: Path, options: list[str]) -> None:
        self.messages = 0
        self.changed = threading.Condition()
        env = {**os.environ, "LD_LIBRARY_PATH": str(root / "usr/lib/postfix")}
        for _ in range(5):  # a free port, bound by smtp-sink itself; another process may take it in between
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it refuses to run as root without -u
            self.process = subprocess.Popen([str(root / "usr/sbin/smtp-sink"), *user, *options, "-c", f"127.0.0.1:{self.port}", "256"],
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            if self._listening():
                threading.Thread(target=self._count, daemon=True).start()
                return
            self.process.kill()
            self.process.wait()
        raise SystemExit("smtp-sink did not start: " + (self.process.stderr.read().decode() if self.process.stderr else ""))

    def _listening(self) -> bool:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.recv(100)
                    s.sendall(b"QUIT\r\n")
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def _count(self) -> None:
        assert self.process.stdout is not None
        tail = b""
        while chunk := os.read(self.process.stdout.fileno(), 4096):
            tail = (tail + chunk)[-200:]
            found = re.findall(rb"mesg=(\d+)", tail)
            if found:
                with self.changed:
                    self.messages = int(found[-1])
                    self.changed.notify_all()

    def wait_for(self, count: int) -> int:
        """The count once it reaches ``count`` (or after 10 s without it)."""
        with self.changed:
            self.changed.wait_for(lambda: self.messages >= count, timeout=10)
            return self.messages

    def cpu(self) -> float:
        """The sink's user and system seconds so far (Linux /proc), or NaN."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


class Round:
    """One side's send of N messages: seconds, its own CPU seconds and the sink's."""

    def __init__(self, n: int, seconds: float, cpu: float, sink_cpu: float) -> None:
        self.rate, self.cpu_us, self.sink_busy = n / seconds, cpu / n * 1e6, sink_cpu / seconds


def source_round(root: Path, sink: Sink, message: Path, n: int, sessions: int, sender: str, recipient: str) -> Round:
    """smtp-source: N copies of the message over ``sessions`` kept-open connections."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(root / "usr/lib/postfix")}
    before, sink_cpu, cpu = sink.messages, sink.cpu(), _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(root / "usr/sbin/smtp-source"), "-d", "-s", str(sessions), "-m", str(n), "-F", str(message),
                    "-f", sender, "-t", recipient, f"127.0.0.1:{sink.port}"], env=env, check=True)
    seconds = time.perf_counter() - started
    got = sink.wait_for(before + n) - before
    assert got == n, f"the sink counted {got} messages from smtp-source, not {n}"
    return Round(n, seconds, _cpu(resource.RUSAGE_CHILDREN) - cpu, sink.cpu() - sink_cpu)


def project_round(project: subprocess.Popen[str], sink: Sink, n: int) -> Round:
    """This project's send of N messages, timed around ``Campaign.send``."""
    assert project.stdin is not None and project.stdout is not None
    before, sink_cpu = sink.messages, sink.cpu()
    project.stdin.write(f"go {sink.port}\n")
    project.stdin.flush()
    result = json.loads(project.stdout.readline())
    got = sink.wait_for(before + n) - before
    assert result["sent"] == n and got == n, f"the project sent {result['sent']}, the sink counted {got}, not {n}"
    return Round(n, result["seconds"], result["cpu"], sink.cpu() - sink_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("postfix", type=Path, nargs="?", help="the extracted postfix package (with usr/sbin/smtp-source)")
    parser.add_argument("-n", type=int, default=2000, help="messages per round, each side (default 2,000)")
    parser.add_argument("--sessions", type=int, default=10, help="SMTP sessions, each side (default 10)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of both sides, back to back (default 7)")
    parser.add_argument("--code", type=Path, default=HERE.parent, help="the folder holding soc_bulletin to measure (default: this checkout)")
    parser.add_argument("--issue", type=Path, default=ISSUE_DIR, help="issue folder (default Issue 11)")
    parser.add_argument("--no-pipelining", action="store_true", help="the sink offers no PIPELINING (smtp-sink -p)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(json.loads(args.worker))
    if args.postfix is None:
        parser.error("name the folder postfix was extracted to (see --help)")
    root = args.postfix.resolve()
    if not (root / "usr/sbin/smtp-source").exists():
        raise SystemExit(f"no usr/sbin/smtp-source under {root}; extract postfix there (see --help)")
    with tempfile.TemporaryDirectory(prefix="soc-postfix-") as tmp:
        message = Path(tmp) / "message.eml"
        spec = {"work": tmp, "n": args.n, "sessions": args.sessions, "issue": str(args.issue.resolve()),
                "segments": str(SEGMENTS), "message": str(message)}
        env = {**os.environ, "PYTHONPATH": str(args.code.resolve())}
        project = subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(spec)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True, env=env)
        assert project.stdout is not None and project.stdin is not None
        info = json.loads(project.stdout.readline())
        sink = Sink(root, ["-p"] if args.no_pipelining else [])
        try:
            print(f"{args.n:,} messages of {info['size']:,} bytes (Issue 11, no DKIM) into postfix smtp-sink on 127.0.0.1"
                  f"{' without PIPELINING' if args.no_pipelining else ''}, {args.sessions} sessions each side; project code {info['code']}, event loop {info['loop']}")
            print(f"{'':<6}{'messages/s':>22}{'':>8}{'CPU µs/message':>20}{'sink busy':>16}")
            print(f"{'round':<6}{'source':>11}{'project':>11}{'ratio':>8}{'source':>10}{'project':>10}{'source':>8}{'project':>8}")
            source: list[Round] = []
            ours: list[Round] = []
            for n in range(args.rounds):  # back to back, each side first every other round
                for side in (("source", "project") if n % 2 == 0 else ("project", "source")):
                    if side == "source":
                        source.append(source_round(root, sink, message, args.n, args.sessions, info["from"], info["to"]))
                    else:
                        ours.append(project_round(project, sink, args.n))
                a, b = source[-1], ours[-1]
                print(f"{n + 1:<6}{a.rate:>11,.0f}{b.rate:>11,.0f}{b.rate / a.rate:>8.2f}{a.cpu_us:>10,.0f}{b.cpu_us:>10,.0f}"
                      f"{a.sink_busy:>8.0%}{b.sink_busy:>8.0%}", flush=True)
        finally:
            project.stdin.close()
            project.wait()
            sink.stop()
    ratios = [b.rate / a.rate for a, b in zip(source, ours, strict=True)]
    ratio = statistics.median(ratios)
    med = statistics.median
    print(f"{'median':<6}{med(a.rate for a in source):>11,.0f}{med(b.rate for b in ours):>11,.0f}{ratio:>8.2f}"
          f"{med(a.cpu_us for a in source):>10,.0f}{med(b.cpu_us for b in ours):>10,.0f}"
          f"{med(a.sink_busy for a in source):>8.0%}{med(b.sink_busy for b in ours):>8.0%}")
    print(f"the rounds' ratios: {min(ratios):.2f}-{max(ratios):.2f}; ratio of the median rates: "
          f"{med(b.rate for b in ours) / med(a.rate for a in source):.2f}")
    print(f"project / smtp-source (median of the rounds): {ratio:.2f}x; goal >= {GOAL}: {'met' if ratio >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
