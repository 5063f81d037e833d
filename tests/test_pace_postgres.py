"""Three real senders on one PostgreSQL store and a relay that throttles: one pace, one daily limit, between them."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .postgres import pg_url, server  # noqa: F401 - the fixture
from .test_postgres_senders import finish, setup, start, states
from .throttling import throttling_relay


def test_three_senders_slow_down_together_and_everyone_gets_it_once(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    addresses = setup(tmp_path, 300)
    relays = throttling_relay(30)
    relay = next(relays)
    try:
        started = time.monotonic()
        senders = [start(tmp_path, relay.url, pg_url, "--report", str(tmp_path / f"report{n}.json")) for n in range(3)]
        for sender in senders:
            finish(sender)
        elapsed = time.monotonic() - started
    finally:
        relays.close()
    assert relay.recorder.by_recipient() == {a: 1 for a in addresses}, "everyone once"
    assert set(states(pg_url).values()) == {"sent"}
    reports = [json.loads((tmp_path / f"report{n}.json").read_text()) for n in range(3)]
    assert all(r["failed"] == [] and r["retries"] == 0 for r in reports)
    assert relay.recorder.throttled > 0 and sum(r["throttles"] for r in reports) > 0
    paced = [r["pace"] for r in reports if r["pace"] is not None]
    assert paced and max(paced) < 60, "the shared pace came down to about the relay's 30 a second"
    assert elapsed < 90, "bounded: 300 at 30 a second is 10 s"


def test_three_senders_share_one_daily_limit(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    setup(tmp_path, 90)
    relays = throttling_relay(0)
    relay = next(relays)
    try:
        senders = [start(tmp_path, relay.url, pg_url, "--daily-limit", "40") for _ in range(3)]
        outputs = [sender.communicate(timeout=120) for sender in senders]
    finally:
        relays.close()
    assert [s.returncode for s in senders] == [75, 75, 75], outputs
    assert all("the daily limit of 40 message(s) in 24 hours is reached; the next may go at" in err for _, err in outputs)
    assert len(relay.recorder.received) == 40, "never more than the limit between them"
    found = states(pg_url)
    assert list(found.values()).count("sent") == 40 and list(found.values()).count("pending") == 50
