"""The throttle table, the AIMD pace and ``[sending.domains]`` as tables: pure functions, no time taken."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from soc_bulletin.config import load_settings
from soc_bulletin.config.domains import DomainLimit
from soc_bulletin.errors import ConfigError, MessageRefused, RecipientRefused, TemporaryFailure
from soc_bulletin.send.adaptive import DECREASE, FLOOR, NEAR, Pace, recovered, slowed
from soc_bulletin.send.domains import DomainGates
from soc_bulletin.send.throttle import Scope, throttle_of
from soc_bulletin.store.base import quota_grant

THROTTLES = [
    # code, reply, stage, scope
    (421, "4.7.0 Too many connections, slow down", "connect", Scope.SEND),
    (421, "4.3.2 Too busy, try later", "connect", Scope.SEND),
    (451, "4.7.1 Try again later", "mail", Scope.SEND),
    (452, "4.5.3 Too many recipients", "rcpt", Scope.DOMAIN),
    (454, "4.7.0 Throttling failure: Maximum sending rate exceeded", "data", Scope.SEND),
    (454, "Throttling failure: Daily message quota exceeded", "data", Scope.SEND),
    (450, "too much mail from this sender", "rcpt", Scope.DOMAIN),
    (452, "4.7.1 met.police.uk: too many messages, slow down", "rcpt", Scope.DOMAIN),
    (451, "4.3.0 Try again later", "rcpt", ""),        # a temporary failure, not a throttle: retried with backoff
    (452, "4.2.2 Mailbox full", "data", ""),
    (450, "4.2.1 Mailbox temporarily unavailable", "rcpt", ""),
]


@pytest.mark.parametrize(("code", "reply", "stage", "scope"), THROTTLES)
def test_which_replies_throttle_and_what_they_slow(code: int, reply: str, stage: str, scope: str) -> None:
    assert throttle_of(TemporaryFailure(f"{code} {reply}", code=code, reply=reply, stage=stage)) == scope


@pytest.mark.parametrize("error", [RecipientRefused("x", code=550, reply="5.7.1 too many", stage="rcpt"),
                                   MessageRefused("x", code=554, reply="5.2.0 quota exceeded, slow down", stage="data"),
                                   TemporaryFailure("the SMTP server closed the connection")])
def test_only_a_temporary_reply_can_throttle(error: Exception) -> None:
    assert throttle_of(error) == ""  # type: ignore[arg-type]


def test_a_throttle_drops_to_07_of_what_the_relay_took_then_the_echo_is_ignored() -> None:
    pace = recovered(Pace.start(None), 100.0, 0)
    pace = recovered(pace, 100.0, 50)  # 50 accepted in the window's first instant: counted over a whole second
    dropped = slowed(pace, 100.1, "451 4.7.1")
    assert dropped.rate == pytest.approx(50 * DECREASE) and dropped.peak == pytest.approx(50) and dropped.since == 100.1
    assert slowed(dropped, 100.5, "451 4.7.1").rate == dropped.rate, "within the hold: the old rate's echo"
    again = slowed(dropped, 101.2, "421")
    assert again.rate == pytest.approx(50 * DECREASE * DECREASE) and again.throttles == 2


def test_the_pace_climbs_quickly_to_95_percent_then_slowly_and_never_above_the_ceiling() -> None:
    pace = slowed(Pace.start(40.0), 10.0, "451 4.7.1")
    assert pace.rate == pytest.approx(28.0) and pace.target == 40.0
    quick = recovered(pace, 11.0, 20)
    assert quick.rate == pytest.approx(NEAR * 40, rel=0.02)
    slow = recovered(quick, 12.0, 20)
    assert quick.rate is not None and slow.rate is not None and 0 < slow.rate - quick.rate < 1
    back = recovered(slow, 20.0, 1000)
    assert back.rate == 40.0 and back.since is None and back.throttled == pytest.approx(10.0), "the spell ended"


def test_the_pace_never_goes_below_one_a_minute() -> None:
    pace = Pace.start(FLOOR * 1.2)
    for n in range(10):
        pace = slowed(pace, 1000.0 * (n + 1), "421")
    assert pace.rate == FLOOR
    assert Pace.from_json(pace.to_json()) == pace


def test_a_domain_gate_keeps_its_rate_and_connections() -> None:
    gates = DomainGates({"police.uk": DomainLimit(rate=2.0, connections=1)})
    key = gates.key("a@met.police.uk")
    assert key == "police.uk" and gates.key("b@example.org") == "example.org"
    assert gates.admit(key) == 0.0
    assert math.isinf(gates.admit(key)), "its one connection is busy"
    gates.release(key)
    assert 0 < gates.admit(key) <= 0.5, "the next slot is half a second on"
    assert gates.admit("example.org") == 0.0, "a domain without a gate waits for nothing"


@pytest.mark.parametrize(("taken", "limit", "wanted", "expected"), [
    ([], 10, 4, (4, 0.0)),
    ([(0.0, 8)], 10, 4, (2, 0.0)),
    ([(0.0, 6), (50.0, 4)], 10, 4, (0, 86_400.0 - 100.0)),  # room when the oldest 6 are a day old
    ([(0.0, 6), (50.0, 4)], 3, 1, (0, 86_400.0 - 50.0)),    # over a lowered limit: both must leave
])
def test_the_daily_limit_is_a_rolling_day(taken: list[tuple[float, int]], limit: int, wanted: int, expected: tuple[int, float]) -> None:
    assert quota_grant(taken, limit, wanted, 100.0, 86_400.0) == expected


@pytest.mark.parametrize(("table", "message"), [
    ('"met police" = { rate = "1/s" }', "4: [sending.domains] 'met police' is not a domain"),
    ('"met.police.uk" = { rate = "fast" }', "4: [sending.domains] 'met.police.uk' rate must look like \"60/min\""),
    ('"met.police.uk" = { connections = 0 }', "4: [sending.domains] 'met.police.uk' connections must be a whole number from 1 to 100"),
    ('"met.police.uk" = { speed = 1 }', "4: [sending.domains] 'met.police.uk': unknown key 'speed'"),
    ('"met.police.uk" = 5', "4: [sending.domains] 'met.police.uk' must be a table"),
])
def test_domain_limits_are_checked_with_one_line_each(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "soc-bulletin.toml"
    path.write_text(f"[sending]\ndaily_limit = 100\n[sending.domains]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}:{message}") and "\n" not in str(caught.value)


def test_domain_limits_and_daily_limit_are_read(tmp_path: Path) -> None:
    path = tmp_path / "soc-bulletin.toml"
    path.write_text('[sending]\ndaily_limit = 10000\n[sending.domains]\n"met.police.uk" = { rate = "60/min", connections = 1 }\n',
                    encoding="utf-8")
    sending = load_settings(path).sending
    assert sending.daily_limit == 10000 and sending.domains == {"met.police.uk": DomainLimit(rate=1.0, connections=1)}
    path.write_text("[sending]\ndaily_limit = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"daily_limit must be from 1 to 100000000 \(messages\), not 0"):
        load_settings(path)


def test_a_throttle_before_anything_was_counted_waits_for_a_count_then_guesses() -> None:
    pace = Pace.start(None)
    for n in range(20):
        pace = slowed(pace, 1.0 + n / 100, "421")
        assert pace.rate is None, "nothing measured yet: the counts of other senders are on their way"
    assert slowed(pace, 2.0, "421").rate == pytest.approx(0.7)
    counted = recovered(Pace.start(None), 1.0, 30)
    assert slowed(counted, 1.05, "421").rate == pytest.approx(21.0), "30 accepted: at least 30 a second"
