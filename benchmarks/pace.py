"""Sending at the relay's pace: 2,000 messages through a relay that throttles above 50 a second.

    python benchmarks/pace.py [-n 2000] [--limit 50] [--ledger postgresql://user@host/db] [--senders 3]

The relay (aiosmtpd, in its own process) answers new transactions over 50 in
any second with ``451 4.7.1`` or ``421 4.7.0`` (tests/throttling.py). The
adaptive send (no ``--rate``: it finds the relay's pace itself) goes through
it; the ideal is the same send with ``--rate`` set by hand to the relay's
limit, measured in the same run through the same relay that never throttles
(so that no throttle of its own jitter slows the yardstick), each a real
``soc-bulletin send``. The goal: the adaptive
send within 1.15x the ideal's time, with 0 failed and everyone once. Then the
same with three senders sharing a PostgreSQL store (``--ledger URL``, the
password from PGPASSWORD; without it, a temporary server from Debian's
postgresql package, as the tests start one). Times are delivery times (the
report's ``seconds``; for several senders, from the first start to the last
end), so the preflight, the same in both, does not blur the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def relay_main(limit: float) -> None:
    """The relay process: print its port, then on each line of stdin print what it received as JSON."""
    from tests.throttling import throttling_relay

    relays = throttling_relay(limit)
    relay = next(relays)
    print(relay.port, flush=True)
    for _ in sys.stdin:
        counts = relay.recorder.by_recipient()
        print(json.dumps({"received": sum(counts.values()), "people": len(counts), "throttled": relay.recorder.throttled}),
              flush=True)
    relays.close()


class Relay:
    def __init__(self, limit: float) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--relay", str(limit)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdin is not None
        self.url = f"smtp://127.0.0.1:{self.process.stdout.readline().strip()}"

    def stats(self) -> dict[str, int]:
        assert self.process.stdout is not None and self.process.stdin is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        data = json.loads(self.process.stdout.readline())
        assert isinstance(data, dict)
        return data

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def project(count: int) -> Path:
    from tests.conftest import send_folder

    work = send_folder(Path(tempfile.mkdtemp(prefix="soc-pace-")))
    run = work.name.rsplit("-", 1)[-1].lower()  # addresses of their own, so the relay counts each run's people
    (work / "list.csv").write_text("email,name\n" + "".join(f"p{n:05d}.{run}@example.org,Partner {n}\n" for n in range(count)),
                                   encoding="utf-8")
    return work


def senders(work: Path, relay: Relay, count: int, ledger: str, extra: list[str]) -> tuple[float, list[dict[str, Any]]]:
    """Run ``count`` sends at once; (seconds from the first delivery's start to the last's end, their reports)."""
    where = ["--ledger", ledger] if ledger else ["--ledger-dir", str(work / "ledger")]
    processes = []
    for n in range(count):
        command = [sys.executable, "-m", "soc_bulletin", "send", str(work / "issue"), "--subscribers", str(work / "list.csv"),
                   "--segments", str(work / "segments.yaml"), "--suppressed", str(work / "suppressed.csv"), "--smtp", relay.url,
                   "--no-progress", "--report", str(work / f"report{n}.json"), *where, *extra]
        processes.append((time.time(), subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    ends, reports = [], []
    for _, process in processes:
        out, err = process.communicate(timeout=900)
        ends.append(time.time())
        if process.returncode not in (0,):
            raise SystemExit(f"a send failed ({process.returncode}):\n{out}{err}")
    for n in range(count):
        reports.append(json.loads((work / f"report{n}.json").read_text()))
    starts = [end - report["seconds"] for end, report in zip(ends, reports, strict=True)]
    return max(ends) - min(starts), reports


def one(label: str, relay: Relay, count: int, senders_n: int, ledger: str, extra: list[str]) -> float:
    work = project(count)
    before = relay.stats()
    seconds, reports = senders(work, relay, senders_n, ledger, extra)
    after = relay.stats()
    failed = sum(len(r["failed"]) for r in reports)
    throttles = sum(r["throttles"] for r in reports)
    received, people = after["received"] - before["received"], after["people"] - before["people"]
    print(f"  {label:<34} {seconds:7.2f} s  {count / seconds:6.1f} msg/s  failed {failed}  throttling replies {throttles}  "
          f"received {received} (people {people}){'' if received == people == count else '  <-- NOT everyone once'}")
    return seconds


def database(url: str) -> tuple[str, Any]:
    if url:
        return url, None
    from tests.postgres import _binaries
    from tests.postgres import server as start

    if _binaries() is None:
        return "", None
    running = start()
    os.environ["PGPASSWORD"] = running.password
    return running.database(), running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=50.0, help="the relay's messages a second")
    parser.add_argument("--senders", type=int, default=3)
    parser.add_argument("--ledger", default="", help="a PostgreSQL URL (default: a temporary server, when installed)")
    parser.add_argument("--relay", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay is not None:
        relay_main(args.relay)
        return
    relay, plain = Relay(args.limit), Relay(0)
    rate = f"{args.limit:g}/s"
    try:
        print(f"{args.n:,} messages through a relay that throttles above {rate} (451 4.7.1 / 421 4.7.0); "
              f"{args.n / args.limit:.0f} s at exactly {rate}")
        print("one sender, SQLite:")
        ideal = one(f"ideal: --rate {rate} set by hand", plain, args.n, 1, "", ["--rate", rate])
        adaptive = one("adaptive: no --rate", relay, args.n, 1, "", [])
        print(f"  adaptive / ideal: {adaptive / ideal:.2f}x (goal <= 1.15x)")
        url, server = database(args.ledger)
        if url:
            print(f"{args.senders} senders, one PostgreSQL store:")
            ideal = one(f"ideal: --rate {rate} shared", plain, args.n, args.senders, url, ["--rate", rate])
            adaptive = one("adaptive: no --rate", relay, args.n, args.senders, database(args.ledger)[0] if not server else
                           server.database(), [])
            print(f"  adaptive / ideal: {adaptive / ideal:.2f}x (goal <= 1.15x)")
        else:
            print("(no PostgreSQL: pass --ledger URL, or install Debian's postgresql, for the three senders)")
    finally:
        relay.close()
        plain.close()


if __name__ == "__main__":
    main()
