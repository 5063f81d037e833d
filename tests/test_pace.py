"""Sending at the relay's pace: a relay that throttles, domain limits, the daily limit, and a send that starts on time.

Real sends (``soc-bulletin send``) to a real aiosmtpd relay on 127.0.0.1 that
throttles (tests/throttling.py); bounds on time are generous (no speed goal
is tested here: benchmarks/pace.py measures that).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from soc_bulletin.errors import ConfigError
from soc_bulletin.send.schedule import parse_at

from .test_send import ledger_states, send, write_list
from .throttling import ThrottlingRelay, throttling_relay


@pytest.fixture
def relay() -> Iterator[ThrottlingRelay]:
    yield from throttling_relay(20)


def report(workdir: Path) -> dict[str, object]:
    data = json.loads((workdir / "report.json").read_text())
    assert isinstance(data, dict)
    return data


def test_a_relay_that_throttles_above_20_a_second_gets_everyone_once_and_nobody_failed(workdir: Path, relay: ThrottlingRelay,
                                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 150)
    started = time.monotonic()
    assert send(workdir, "--smtp", relay.url, "--report", str(workdir / "report.json")) == 0
    elapsed = time.monotonic() - started
    assert relay.recorder.by_recipient() == {a: 1 for a in addresses}, "every recipient once"
    assert set(ledger_states(workdir).values()) == {"sent"}
    assert relay.recorder.throttled > 0, "the relay did throttle"
    data = report(workdir)
    assert data["failed"] == [] and data["retries"] == 0, "a throttle spends no attempt"
    assert isinstance(data["throttles"], int) and data["throttles"] > 0
    assert isinstance(data["pace"], float) and data["pace"] < 40, "the pace came down to about the relay's limit"
    assert isinstance(data["throttled_seconds"], float) and data["throttled_seconds"] > 0
    assert elapsed < 60, "bounded: 150 at 20 a second is 7.5 s"
    out = capsys.readouterr().out
    assert "Throttled: " in out and "pace now " in out
    accepted = [at for at, _ in relay.recorder.accepted_at]
    late = [b - a for a, b in zip(accepted[len(accepted) // 2:], accepted[len(accepted) // 2 + 1:], strict=False)]
    assert sum(late) / len(late) > 1 / 200, "after adapting, messages are spaced, not sent in bursts"


def test_status_says_how_long_the_send_was_throttled(workdir: Path, relay: ThrottlingRelay,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from soc_bulletin.cli.main import main

    write_list(workdir / "list.csv", 60)
    assert send(workdir, "--smtp", relay.url) == 0
    capsys.readouterr()
    assert main(["status", str(workdir / "issue"), "--ledger-dir", str(workdir / "ledger")]) == 0
    assert "The relay throttled the send for " in capsys.readouterr().out


def test_a_domain_limit_is_kept_and_a_slow_gateway_holds_nobody_else_up(workdir: Path) -> None:
    fast = [f"fast{n:03d}@example.org" for n in range(60)]
    slow = [f"slow{n:02d}@slow.example.net" for n in range(6)]
    gateway = [f"gw{n:02d}@gateway.example.com" for n in range(12)]
    people = [a for trio in zip(slow + slow, fast, gateway + gateway + gateway + gateway + gateway, strict=False) for a in trio]
    people = list(dict.fromkeys(people + fast + slow + gateway))
    (workdir / "list.csv").write_text("email,name\n" + "".join(f"{a},P\n" for a in people), encoding="utf-8")
    (workdir / "soc-bulletin.toml").write_text('[sending.domains]\n"slow.example.net" = { rate = "4/s", connections = 1 }\n')
    relays = throttling_relay(0, domain_limits={"gateway.example.com": 3})
    relay = next(relays)
    try:
        assert send(workdir, "--smtp", relay.url, "--config", str(workdir / "soc-bulletin.toml"),
                    "--report", str(workdir / "report.json")) == 0
    finally:
        relays.close()
    assert relay.recorder.by_recipient() == {a: 1 for a in people}
    data = report(workdir)
    assert data["failed"] == [] and data["retries"] == 0
    assert data["slowed_domains"] == ["gateway.example.com"], "the gateway's RCPT throttle slowed its domain only"
    assert relay.recorder.throttled_domain["gateway.example.com"] > 0
    times = {address: at for at, address in relay.recorder.accepted_at}
    slow_times = sorted(times[a] for a in slow)
    assert all(b - a >= 0.2 for a, b in zip(slow_times, slow_times[1:], strict=False)), "4 a second at most"
    assert max(times[a] for a in fast) < max(times[a] for a in slow + gateway), "the rest of the list went ahead"


def quota_rows(workdir: Path) -> list[tuple[float, int]]:
    with sqlite3.connect(workdir / "ledger" / "store.db") as db:
        return [(float(a), int(c)) for a, c in db.execute("SELECT at, count FROM quota")]


def test_the_daily_limit_stops_cleanly_and_the_send_resumes_when_allowed(workdir: Path, relay: ThrottlingRelay,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 20)
    assert send(workdir, "--smtp", relay.url, "--daily-limit", "8") == 75
    err = capsys.readouterr().err
    assert "the daily limit of 8 message(s) in 24 hours is reached; the next may go at " in err
    assert "The 12 unsent stay pending" in err
    states = ledger_states(workdir)
    assert sorted(states.values()).count("sent") == 8 and sorted(states.values()).count("pending") == 12
    assert sum(c for _, c in quota_rows(workdir)) == 8
    assert send(workdir, "--smtp", relay.url, "--daily-limit", "8") == 75, "the same day: nothing more"
    assert len(relay.recorder.received) == 8
    with sqlite3.connect(workdir / "ledger" / "store.db") as db:  # as if the first 8 went 24 hours less 2 seconds ago
        db.execute("UPDATE quota SET at = ?", (time.time() - 86_400 + 2,))
    capsys.readouterr()
    started = time.monotonic()
    assert send(workdir, "--smtp", relay.url, "--daily-limit", "12", "--resume-when-allowed") == 0
    assert time.monotonic() - started >= 1.5, "it waited for the day's room"
    out = capsys.readouterr().out
    assert "Waiting for the daily limit until " in out
    assert relay.recorder.by_recipient() == {a: 1 for a in addresses}


def test_send_at_runs_the_preflight_twice_and_starts_on_time(workdir: Path, relay: ThrottlingRelay,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 5)
    at = (dt.datetime.now().astimezone() + dt.timedelta(seconds=3)).replace(microsecond=0)
    assert send(workdir, "--smtp", relay.url, "--at", at.isoformat()) == 0
    out = capsys.readouterr().out
    assert out.count("Preflight passed") == 2 and "Preflight passed again at " in out
    assert relay.recorder.by_recipient() == {a: 1 for a in addresses}
    assert min(at_ for at_, _ in relay.recorder.accepted_at) >= time.monotonic() - (time.time() - at.timestamp()), "not early"


def test_send_at_refuses_a_past_time_and_finds_a_problem_before_waiting(workdir: Path, relay: ThrottlingRelay,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 3)
    assert send(workdir, "--smtp", relay.url, "--at", "2020-01-01T09:00") == 2
    assert "--at 2020-01-01T09:00 is in the past" in capsys.readouterr().err
    (workdir / "issue" / "issue.yaml").write_text("title: [broken\n", encoding="utf-8")
    started = time.monotonic()
    assert send(workdir, "--smtp", relay.url, "--at", "2099-12-08T09:00") == 1
    assert time.monotonic() - started < 30, "the preflight failed at once, not at the time"
    assert relay.recorder.received == []


@pytest.mark.parametrize(("text", "problem"), [
    ("tomorrow", "--at must be a date and time such as 2026-12-08T09:00"),
    ("2026-13-01T09:00", "--at must be a date and time"),
])
def test_send_at_reads_times_as_people_write_them(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_at(text)
    now = dt.datetime(2026, 12, 7, 21, 0, tzinfo=dt.UTC)
    assert parse_at("2026-12-08T09:00Z", now=now) == dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
    assert parse_at("2026-12-08T09:00+01:00", now=now).utcoffset() == dt.timedelta(hours=1)
    assert parse_at("2026-12-08T09:00", now=now).tzinfo is not None, "local time, made aware"
