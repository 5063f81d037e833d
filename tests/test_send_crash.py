"""A real ``soc-bulletin send`` killed mid-send loses no one and repeats only what was in flight."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import send_folder
from .smtp import FaultyController, RecordingHandler
from .test_send import write_list

RECIPIENTS = 1000


@pytest.fixture
def slow_smtp() -> Iterator[FaultyController]:
    controller = FaultyController(RecordingHandler())
    controller.recorder.faults.data_delay = 0.004
    controller.start()
    yield controller
    controller.stop()


def _command(tmp_path: Path, url: str) -> list[str]:
    return [
        sys.executable, "-m", "soc_bulletin", "send", str(tmp_path / "issue"),
        "--subscribers", str(tmp_path / "list.csv"), "--smtp", url, "--concurrency", "4",
        "--segments", str(tmp_path / "segments.yaml"), "--suppressed", str(tmp_path / "suppressed.csv"),
        "--ledger-dir", str(tmp_path / "ledger"), "--no-progress",
    ]


def _setup(tmp_path: Path) -> list[str]:
    send_folder(tmp_path)
    return write_list(tmp_path / "list.csv", RECIPIENTS)


def _interrupt_after(process: subprocess.Popen[bytes], server: FaultyController, received: int, sig: int) -> None:
    deadline = time.monotonic() + 60
    while len(server.recorder.received) < received:
        assert process.poll() is None, "the send finished before it could be interrupted"
        assert time.monotonic() < deadline, "the send made no progress"
        time.sleep(0.01)
    os.kill(process.pid, sig)
    process.wait(timeout=60)


def _states(tmp_path: Path) -> dict[str, str]:
    [path] = (tmp_path / "ledger").glob("*.sqlite3")
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT address, state FROM recipients"))


def test_sigkill_mid_send_then_resume(tmp_path: Path, slow_smtp: FaultyController) -> None:
    addresses = _setup(tmp_path)
    process = subprocess.Popen(_command(tmp_path, slow_smtp.url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _interrupt_after(process, slow_smtp, 300, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL

    states = _states(tmp_path)
    in_flight = {a for a, s in states.items() if s == "sending"}
    recorded_sent = {a for a, s in states.items() if s == "sent"}
    assert len(states) == RECIPIENTS
    assert 0 < len(recorded_sent) < RECIPIENTS
    assert recorded_sent <= set(slow_smtp.recorder.by_recipient()), "sent only after the server accepted"

    resumed = subprocess.run(_command(tmp_path, slow_smtp.url), capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr

    counts = slow_smtp.recorder.by_recipient()
    assert set(counts) == set(addresses), "every recipient got the issue"
    duplicates = {a for a, n in counts.items() if n > 1}
    assert all(counts[a] == 2 for a in duplicates)
    assert duplicates <= in_flight, "only messages in flight at the kill may repeat"
    assert len(duplicates) <= len(in_flight) <= 4 * 64 + 64
    for address in duplicates:
        ids = {r.message["Message-ID"] for r in slow_smtp.recorder.received if r.rcpt_tos == [address]}
        assert len(ids) == 1, "a repeated message keeps its Message-ID"
    assert set(_states(tmp_path).values()) == {"sent"}


def test_ctrl_c_stops_cleanly_and_resume_repeats_nothing(tmp_path: Path, slow_smtp: FaultyController) -> None:
    addresses = _setup(tmp_path)
    with open(tmp_path / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen(_command(tmp_path, slow_smtp.url), stdout=subprocess.DEVNULL, stderr=stderr)
        _interrupt_after(process, slow_smtp, 200, signal.SIGINT)
    assert process.returncode == 130
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()
    states = _states(tmp_path)
    assert "sending" not in states.values(), "a clean stop leaves nothing in flight"
    assert {a for a, s in states.items() if s == "sent"} == set(slow_smtp.recorder.by_recipient())

    resumed = subprocess.run(_command(tmp_path, slow_smtp.url), capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert slow_smtp.recorder.by_recipient() == {a: 1 for a in addresses}


def test_sigkill_in_one_segment_then_resume_with_an_overlapping_one(tmp_path: Path, slow_smtp: FaultyController) -> None:
    """Killed while sending to 'police', then resumed as 'all': nobody gets the issue twice but the in-flight."""
    addresses = _setup(tmp_path)
    police = {a for n, a in enumerate(addresses) if n % 3 == 0}
    process = subprocess.Popen([*_command(tmp_path, slow_smtp.url), "--segment", "police"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _interrupt_after(process, slow_smtp, 100, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    states = _states(tmp_path)
    in_flight = {a for a, s in states.items() if s == "sending"}
    assert set(states) == police, "the ledger holds only the segment that was being sent"
    assert {a for a, s in states.items() if s == "sent"} <= set(slow_smtp.recorder.by_recipient())

    resumed = subprocess.run([*_command(tmp_path, slow_smtp.url), "--segment", "all"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    counts = slow_smtp.recorder.by_recipient()
    assert set(counts) == set(addresses)
    duplicates = {a for a, n in counts.items() if n > 1}
    assert duplicates <= in_flight and all(counts[a] == 2 for a in duplicates)
    for address in duplicates:
        ids = {r.message["Message-ID"] for r in slow_smtp.recorder.received if r.rcpt_tos == [address]}
        assert len(ids) == 1, "a repeated message keeps its Message-ID"
    assert set(_states(tmp_path).values()) == {"sent"}
