"""Several real ``soc-bulletin send`` processes sharing one send through a real PostgreSQL ledger.

Three senders on 3,000 recipients, one killed with SIGKILL mid-send; one
``--rate`` across three; the database restarted mid-send.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE
from .postgres import pg_url, server  # noqa: F401 - the fixture
from .smtp import FaultyController, RecordingHandler
from .test_send import write_list


class TimedHandler(RecordingHandler):
    """Records when each message was accepted, too."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250 2.0.0"):
            self.accepted.append(time.monotonic())
        return reply


@pytest.fixture
def timed_smtp() -> Iterator[FaultyController]:
    controller = FaultyController(TimedHandler())
    controller.start()
    yield controller
    controller.stop()


def setup(tmp_path: Path, count: int) -> list[str]:
    issue = tmp_path / "issue"
    (issue / "articles").mkdir(parents=True)
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
    (issue / "articles" / "first.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text("police: {segments: [police]}\n", encoding="utf-8")
    (tmp_path / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    return write_list(tmp_path / "list.csv", count)


def start(tmp_path: Path, smtp_url: str, ledger: str, *extra: str) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "soc_bulletin", "send", str(tmp_path / "issue"), "--subscribers", str(tmp_path / "list.csv"),
        "--smtp", smtp_url, "--ledger", ledger, "--segments", str(tmp_path / "segments.yaml"),
        "--suppressed", str(tmp_path / "suppressed.csv"), "--no-progress", "--concurrency", "4", *extra,
    ]
    env = {**os.environ, "PGPASSWORD": server().password}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, out + err
    assert "Traceback" not in err
    return out, err


def states(url: str) -> dict[str, str]:
    with psycopg.connect(url) as db:
        return {a: s for a, s in db.execute("SELECT address, state FROM soc_bulletin.recipients")}


def held_by(url: str, pid: int) -> set[str]:
    with psycopg.connect(url) as db:
        return {a for (a,) in db.execute("SELECT address FROM soc_bulletin.recipients WHERE state = 'sending'"
                                          " AND split_part(claimer, '/', 2) = %s", (str(pid),))}


def wait_for(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_three_senders_share_3000_recipients_and_one_is_killed(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    addresses = setup(tmp_path, 3000)
    smtp = FaultyController(RecordingHandler())
    smtp.recorder.faults.data_delay = 0.003
    smtp.start()
    try:
        senders = [start(tmp_path, smtp.url, pg_url, "--lease", "2") for _ in range(3)]
        victim = senders[1]
        wait_for(lambda: len(smtp.recorder.received) >= 900 and held_by(pg_url, victim.pid), "the victim to be sending")
        os.kill(victim.pid, signal.SIGKILL)
        victim.communicate(timeout=30)
        in_flight = held_by(pg_url, victim.pid)  # the lease is 2s: nobody has taken them yet
        outputs = [finish(p) for p in (senders[0], senders[2])]
    finally:
        smtp.stop()
    assert victim.returncode == -signal.SIGKILL and in_flight

    counts = smtp.recorder.by_recipient()
    assert set(counts) == set(addresses), "every recipient got the issue"
    duplicates = {a for a, n in counts.items() if n > 1}
    assert duplicates <= in_flight, "only the killed sender's rows in flight may repeat"
    assert all(counts[a] == 2 for a in duplicates)
    assert len(in_flight) <= 4 * 64 + 64, "a queue of up to two batches, the connections' messages, outcomes not yet written"
    for address in duplicates:
        ids = {r.message["Message-ID"] for r in smtp.recorder.received if r.rcpt_tos == [address]}
        assert len(ids) == 1, "a repeated message keeps its Message-ID"
    assert set(states(pg_url).values()) == {"sent"} and len(states(pg_url)) == 3000
    sent = [int(re.search(r"^Sent (\d+) ", out, re.M)[1]) for out, _ in outputs]  # type: ignore[index]
    assert all(n > 0 for n in sent), "both survivors took part"


def test_one_rate_across_three_senders(tmp_path: Path, pg_url: str, timed_smtp: FaultyController) -> None:  # noqa: F811
    addresses = setup(tmp_path, 240)
    senders = [start(tmp_path, timed_smtp.url, pg_url, "--rate", "40/s") for _ in range(3)]
    outputs = [finish(p) for p in senders]
    assert timed_smtp.recorder.by_recipient() == {a: 1 for a in addresses}
    handler = timed_smtp.recorder
    assert isinstance(handler, TimedHandler)
    accepted = sorted(handler.accepted)
    rate = (len(accepted) - 1) / (accepted[-1] - accepted[0])
    assert rate == pytest.approx(40, rel=0.10), f"{rate:.1f}/s across three senders, not 40/s"
    sent = [int(re.search(r"^Sent (\d+) ", out, re.M)[1]) for out, _ in outputs]  # type: ignore[index]
    assert sum(sent) == 240 and sum(1 for n in sent if n) >= 2, f"the senders shared the send: {sent}"


def test_the_database_restarted_mid_send_loses_nothing(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    addresses = setup(tmp_path, 900)
    smtp = FaultyController(RecordingHandler())
    smtp.recorder.faults.data_delay = 0.01
    smtp.start()
    try:
        senders = [start(tmp_path, smtp.url, pg_url, "--lease", "15") for _ in range(2)]
        wait_for(lambda: len(smtp.recorder.received) >= 150, "the send to be under way")
        server().stop()
        time.sleep(1.0)
        received_while_down = len(smtp.recorder.received)
        server().start()
        outputs = [finish(p) for p in senders]
    finally:
        smtp.stop()
    assert received_while_down < 900, "the database came back before the send ended"
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}, "nobody lost, nobody twice"
    assert set(states(pg_url).values()) == {"sent"}
    assert any("out of reach" in err for _, err in outputs), "the senders noticed the restart"
