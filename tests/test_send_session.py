"""``send_issue``: a run's policy (options, proofs, ``--at``, the daily limit, the outcome) called as a library, with a
view that records what it is shown, against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from soc_bulletin.errors import ConfigError
from soc_bulletin.send.campaign import Campaign, DryRun, SendResult
from soc_bulletin.send.engine import DeliveryReport
from soc_bulletin.send.session import SendOutcome, SendRequest, send_issue
from soc_bulletin.store.ledger import RunTargets

from .smtp import FaultyController
from .test_send import write_list


class Recorder:
    """A :class:`~soc_bulletin.send.session.SendView` that notes each event; its waits answer ``waits_end``."""

    def __init__(self, *, waits_end: bool = True) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.warnings: list[str] = []
        self.waits_end = waits_end

    def warning(self, text: str, /) -> None:
        self.warnings.append(text)

    def dry_run(self, campaign: Campaign, dry: DryRun, /) -> None:
        self.events.append(("dry_run", dry.recipients))

    def proof_sent(self, edition: str, address: str, where: str, reply: str, /) -> None:
        self.events.append(("proof", edition, address))

    async def wait_to_start(self, campaign: Campaign, at: dt.datetime, /) -> bool:
        self.events.append(("wait_to_start", at))
        return self.waits_end

    def preflight_passed_again(self) -> None:
        self.events.append(("preflight_again",))

    @contextlib.contextmanager
    def delivering(self, campaign: Campaign, where: str, /) -> Iterator[
            tuple[Callable[[RunTargets], None], Callable[[DeliveryReport], None]]]:
        self.events.append(("delivering", where))
        yield (lambda targets: self.events.append(("started", targets.to_send))), (lambda report: None)

    def finished(self, result: SendResult, campaign: Campaign, /) -> None:
        self.events.append(("finished", result.report.sent))

    async def wait_to_resume(self, when: float, /) -> bool:
        self.events.append(("wait_to_resume",))
        return self.waits_end

    def kinds(self) -> list[str]:
        return [event[0] for event in self.events]


def request(workdir: Path, **options: Any) -> SendRequest:
    return SendRequest(workdir / "issue", subscribers=[workdir / "list.csv"], segments=str(workdir / "segments.yaml"),
                       suppressed=str(workdir / "suppressed.csv"), ledger_dir=str(workdir / "ledger"), backoff=0.02, **options)


def states(workdir: Path) -> list[str]:
    [path] = (workdir / "ledger").glob("*.sqlite3")
    with sqlite3.connect(path) as db:
        return sorted(state for (state,) in db.execute("SELECT state FROM recipients"))


@pytest.mark.parametrize(("options", "message"), [
    ({"ledger": "postgresql://x@127.0.0.1/db"}, "give --ledger (PostgreSQL) or --ledger-dir (SQLite files), not both"),
    ({"lease": 0.5}, "--lease must be from 1 to 86400 seconds, not 0.5"),
    ({"daily_limit": 0}, "--daily-limit must be at least 1, not 0"),
    ({"concurrency": 0}, "--concurrency must be at least 1"),
    ({"max_attempts": 0}, "--max-attempts must be at least 1"),
    ({"at": "2999-01-01T09:00", "dry_run": True}, "--at starts a send; it does not go with --dry-run or --test-to"),
])
def test_options_that_do_not_go_together_are_refused_before_anything_is_read(
        workdir: Path, smtp: FaultyController, options: dict[str, Any], message: str) -> None:
    write_list(workdir / "list.csv", 3)
    view = Recorder()
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        send_issue(request(workdir, smtp=smtp.url, **options), view)
    assert not view.events and not view.warnings and not (workdir / "ledger").exists() and smtp.recorder.received == []


def test_a_send_reports_its_start_and_end_and_a_second_run_sends_nothing(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 6)
    view = Recorder()
    assert send_issue(request(workdir, smtp=smtp.url), view) is SendOutcome.DONE
    assert view.events == [("delivering", smtp.url), ("started", 6), ("finished", 6)]
    assert [w.split(": ", 1)[1][:6] for w in view.warnings] == ["SB504 "], "the preflight's warning (no preheader) shown"
    assert sorted(r.rcpt_tos[0] for r in smtp.recorder.received) == addresses
    again = Recorder()
    assert send_issue(request(workdir, smtp=smtp.url), again) is SendOutcome.DONE
    assert again.events == [("delivering", smtp.url), ("started", 0), ("finished", 0)]
    assert len(smtp.recorder.received) == 6


def test_a_refused_recipient_makes_the_outcome_problems(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 4)
    smtp.recorder.faults.rcpt_permanent.add(addresses[1])
    assert send_issue(request(workdir, smtp=smtp.url), Recorder()) is SendOutcome.PROBLEMS
    assert states(workdir) == ["failed-permanent", "sent", "sent", "sent"]


def test_proofs_go_to_one_address_and_are_never_recorded(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 4)
    view = Recorder()
    assert send_issue(request(workdir, smtp=smtp.url, test_to="Editor@Example.org"), view) is SendOutcome.DONE
    assert view.kinds() == ["proof"] and view.events[0][2] == "Editor@example.org"
    assert [r.rcpt_tos for r in smtp.recorder.received] == [["Editor@example.org"]]
    assert not list((workdir / "ledger").glob("*.sqlite3")) or states(workdir) == []
    with pytest.raises(ConfigError, match="--test-to 'not an address' is not an email address"):
        send_issue(request(workdir, smtp=smtp.url, test_to="not an address"), Recorder())


def test_a_dry_run_sends_nothing(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 5)
    view, connections = Recorder(), smtp.recorder.faults.connections  # the controller's own check when it started
    assert send_issue(request(workdir, smtp=smtp.url, dry_run=True), view) is SendOutcome.DONE
    assert view.events == [("dry_run", 5)] and smtp.recorder.received == [] and smtp.recorder.faults.connections == connections


def test_at_probes_the_relay_first_then_sends_after_the_wait_and_a_second_preflight(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 3)
    at = (dt.datetime.now().astimezone() + dt.timedelta(hours=1)).replace(microsecond=0)
    interrupted, connections = Recorder(waits_end=False), smtp.recorder.faults.connections
    assert send_issue(request(workdir, smtp=smtp.url, at=at.isoformat()), interrupted) is SendOutcome.INTERRUPTED
    assert interrupted.events == [("wait_to_start", at)]
    assert smtp.recorder.faults.connections == connections + 1 and smtp.recorder.received == [], "the relay was asked, nothing sent"
    view = Recorder()
    assert send_issue(request(workdir, smtp=smtp.url, at=at.isoformat()), view) is SendOutcome.DONE
    assert view.kinds() == ["wait_to_start", "preflight_again", "delivering", "started", "finished"]
    assert len(smtp.recorder.received) == 3


def test_the_daily_limit_ends_later_or_waits_when_asked(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 5)
    assert send_issue(request(workdir, smtp=smtp.url, daily_limit=2), Recorder()) is SendOutcome.LATER
    assert len(smtp.recorder.received) == 2
    view = Recorder(waits_end=False)  # the wait is interrupted: the rest stay pending
    assert send_issue(request(workdir, smtp=smtp.url, daily_limit=2, resume_when_allowed=True), view) is SendOutcome.INTERRUPTED
    assert view.kinds() == ["delivering", "started", "finished", "wait_to_resume"]
    assert states(workdir).count("pending") == 3 and len(smtp.recorder.received) == 2


def test_the_request_is_built_from_parsed_options_by_name() -> None:
    made = SendRequest.from_options({"issue_dir": "x", "test_to": "a@example.org", "lease": 30.0, "no_progress": True})
    assert (made.issue_dir, made.test_to, made.lease, made.segment) == ("x", "a@example.org", 30.0, "all")
