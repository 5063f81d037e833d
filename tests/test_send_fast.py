"""The fast paths of a send agree with what they replaced: the event loop, the suppression check, the claim, message parts."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import uvloop
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from soc_bulletin.audience.suppression import Suppression, Suppressions, suppression_key
from soc_bulletin.send.campaign import Campaign, SendResult
from soc_bulletin.send.engine import DeliveryOptions
from soc_bulletin.send.message import OutgoingMessage
from soc_bulletin.send.runner import UVLOOP, loop_factory, loop_name, run
from soc_bulletin.send.transports import SMTPSettings, SMTPTransport
from soc_bulletin.store.ledger import LedgerRow, RunTargets, State
from soc_bulletin.store.sqlite_ledger import SQLiteLedger

from .conftest import suppressed_csv
from .smtp import FaultyController
from .test_message import template
from .test_send import tls_server, write_list  # noqa: F401  (tls_server: the STARTTLS server fixture)

# -- the event loop ----------------------------------------------------------------------------------


async def _loop_type() -> type[asyncio.AbstractEventLoop]:
    return type(asyncio.get_running_loop())


def test_a_send_runs_on_uvloop_unless_it_is_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UVLOOP, raising=False)
    assert run(_loop_type()) is uvloop.Loop and loop_name() == "uvloop"
    for off in ("0", "off", "No", " false "):
        monkeypatch.setenv(UVLOOP, off)
        assert not issubclass(run(_loop_type()), uvloop.Loop) and loop_name() == "asyncio"
    monkeypatch.setenv(UVLOOP, "1")
    assert run(_loop_type()) is uvloop.Loop


def test_without_uvloop_installed_asyncio_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if it were not installed: importing it fails
    assert loop_factory({}) is None and loop_name({}) == "asyncio"
    assert not issubclass(run(_loop_type()), uvloop.Loop)


def _prepare(workdir: Path) -> Campaign:
    return Campaign.prepare(workdir / "issue", lists=[workdir / "list.csv"], segments_file=workdir / "segments.yaml",
                            suppressed_file=workdir / "suppressed.csv", ledger_dir=workdir / "ledger")


def _send(campaign: Campaign, settings: SMTPSettings) -> tuple[SendResult, list[type[asyncio.AbstractEventLoop]]]:
    loops: list[type[asyncio.AbstractEventLoop]] = []

    def started(targets: RunTargets) -> None:
        loops.append(type(asyncio.get_running_loop()))

    options = DeliveryOptions(concurrency=3, backoff_base=0.01, flush_interval=0.001)
    return run(campaign.send(SMTPTransport(settings, size=3), options=options, on_start=started)), loops


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_a_send_delivers_refuses_and_retries_alike_on_either_loop(workdir: Path, smtp: FaultyController, monkeypatch: pytest.MonkeyPatch,
                                                                   loop: str) -> None:
    monkeypatch.setenv(UVLOOP, "1" if loop == "uvloop" else "0")
    addresses = write_list(workdir / "list.csv", 12)
    faults = smtp.recorder.faults
    faults.rcpt_permanent.add(addresses[1])
    faults.rcpt_temporary[addresses[2]] = 1
    faults.drop_in_data[addresses[3]] = 1
    campaign = _prepare(workdir)
    result, loops = _send(campaign, SMTPSettings.from_url(smtp.url))
    assert loops == [uvloop.Loop] if loop == "uvloop" else not issubclass(loops[0], uvloop.Loop)

    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses if a != addresses[1]}
    assert result.report.sent == 11 and result.report.retries == 2 and [f.address for f in result.report.failed] == [addresses[1]]
    with sqlite3.connect(workdir / "ledger" / "issue.sqlite3") as db:
        states = dict(db.execute("SELECT address, state FROM recipients"))
    assert states == {a: "failed-permanent" if a == addresses[1] else "sent" for a in addresses}
    assert addresses[1] in suppressed_csv(workdir / "ledger")
    for received in smtp.recorder.received:  # the bytes written in parts arrive as the message built whole
        [rcpt] = received.rcpt_tos
        name = f"Partner {addresses.index(rcpt)}"
        assert _without_date(received.data) == _without_date(campaign.templates[_edition(campaign, rcpt)].build(rcpt, name).data)


def test_starttls_on_uvloop_carries_the_message_intact(workdir: Path, tls_server: tuple[FaultyController, Path],  # noqa: F811
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UVLOOP, raising=False)
    controller, ca_file = tls_server
    addresses = write_list(workdir / "list.csv", 3)
    campaign = _prepare(workdir)
    result, loops = _send(campaign, SMTPSettings.from_url(controller.url, starttls=True, cafile=str(ca_file)))
    assert loops == [uvloop.Loop] and result.report.sent == 3
    assert sorted(r.rcpt_tos[0] for r in controller.recorder.received) == addresses
    for received in controller.recorder.received:
        [rcpt] = received.rcpt_tos
        built = campaign.templates[_edition(campaign, rcpt)].build(rcpt, f"Partner {addresses.index(rcpt)}")
        assert _without_date(received.data) == _without_date(built.data)


def _edition(campaign: Campaign, address: str) -> str:
    return next(key for sub, key in campaign.recipients if sub.email == address)


def _without_date(data: bytes) -> bytes:
    parsed = email.message_from_bytes(data.replace(b"\r\n", b"\n"), policy=email.policy.compat32)
    del parsed["Date"]
    return parsed.as_bytes()


# -- the suppression check of every claimed row ------------------------------------------------------------

_LOCAL = st.text(alphabet="abcXYZ09._+-'\"\\ ()[]!é", min_size=1, max_size=10)
_DOMAIN = st.sampled_from(["example.org", "EXAMPLE.org", "xn--bcher-kva.example", "bücher.example", "[127.0.0.1]",
                           "[IPv6:0:0:0:0:0:0:0:1]", "localhost", "ex_ample.org", "example.org."])
_ADDRESS = st.builds(lambda local, domain, pad: f"{pad}{local}@{domain}{pad}", _LOCAL, _DOMAIN, st.sampled_from(["", " "]))
_CASE = st.sampled_from([str, str.upper, str.lower, str.swapcase])


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(_ADDRESS, max_size=4), _ADDRESS, _CASE, st.booleans())
def test_the_suppression_lists_fast_key_is_the_full_normalisation(listed: list[str], address: str, case: Callable[[str], str],
                                                                   also: bool) -> None:
    """A plain address skips ``validate_email`` (the engine asks for every claimed row); the answer stays the same."""
    for asked in (address, case(address), address.strip()):
        full = asked.strip()
        with contextlib.suppress(EmailNotValidError):
            full = validate_email(full, check_deliverability=False).normalized
        assert suppression_key(asked) == full.casefold(), asked
    entries = [*listed, case(address)] if also else listed
    suppressions = Suppressions(tuple(Suppression(a) for a in entries))
    if also:
        assert address in suppressions


# -- the ledger's claim and a run's targets -----------------------------------------------------------------


def test_a_claim_takes_exactly_the_first_pending_rows_of_its_run(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "i.sqlite3", identity="i")
    try:
        ledger.begin_run("r1", [LedgerRow(f"a{n}@x.org", "", "everyone") for n in range(6)], listed=bool, suppressed=lambda a: False)
        ledger.begin_run("r2", [LedgerRow(f"b{n}@x.org", "", "everyone") for n in range(3)], listed=bool, suppressed=lambda a: False)
        first = ledger.claim("r1", 2)
        ledger.mark([(first[0].address, State.SENT, "250 ok"), (first[1].address, State.PENDING, "")])  # the second goes back
        again = ledger.claim("r1", 3)
        assert [r.address for r in first] == ["a0@x.org", "a1@x.org"]
        assert [(r.address, r.attempts) for r in again] == [("a1@x.org", 2), ("a2@x.org", 1), ("a3@x.org", 1)]
        rows = {r.address: (r.state, r.attempts) for r in ledger.rows()}
        assert rows["a0@x.org"] == (State.SENT, 1) and rows["a4@x.org"] == (State.PENDING, 0)
        assert all(rows[f"b{n}@x.org"] == (State.PENDING, 0) for n in range(3)), "another run's rows are untouched"
        assert [r.address for r in ledger.claim("r1", 10)] == ["a4@x.org", "a5@x.org"] and ledger.claim("r1", 10) == []
    finally:
        ledger.close()


def test_an_address_listed_twice_in_one_run_is_one_row_holding_the_second(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "i.sqlite3", identity="i")
    try:
        targets = ledger.begin_run("r1", [LedgerRow("Jo@x.org", "Jo", "police"), LedgerRow("jo@x.org", "Joanna", "everyone")],
                                   listed=bool, suppressed=lambda a: False)
        assert (targets.new, targets.to_send) == (1, 1)
        [row] = ledger.rows()
        assert (row.address, row.name, row.edition, row.state) == ("jo@x.org", "Joanna", "everyone", State.PENDING)
    finally:
        ledger.close()


# -- messages kept in parts -------------------------------------------------------------------------------


def test_a_message_is_built_in_parts_that_share_the_static_bytes() -> None:
    t = template()
    one, two = t.build("a@example.org", "A"), t.build("b@example.org", "B")
    assert b"".join(one.parts) == one.data and b"".join(two.parts) == two.data and one.data != two.data
    shared = [p for p in one.parts if any(p is q for q in two.parts)]
    assert sum(map(len, shared)) > len(one.data) / 2, "the large static stretches are the template's own bytes, not copies"
    whole, pieces = OutgoingMessage("f@x.org", "a@x.org", "<id>", b"xy"), OutgoingMessage("f@x.org", "a@x.org", "<id>", (b"x", b"y"))
    assert whole.parts == (b"xy",) and whole == pieces and hash(whole) == hash(pieces) and pieces.data == b"xy"
    assert whole != OutgoingMessage("f@x.org", "b@x.org", "<id>", b"xy")


# -- pipelining: the same judgement of every reply ------------------------------------------------------

_MODES = [pytest.param(True, id="pipelining"), pytest.param(False, id="one-by-one")]


def _fault_send(workdir: Path, smtp: FaultyController, on_start: Callable[[RunTargets], None] = lambda targets: None,
                concurrency: int = 2) -> SendResult:
    options = DeliveryOptions(concurrency=concurrency, backoff_base=0.01, flush_interval=0.001)
    transport = SMTPTransport(SMTPSettings("127.0.0.1", smtp.port, tls="none", timeout=1.0), size=concurrency)
    return run(_prepare(workdir).send(transport, options=options, on_start=on_start))


@pytest.mark.parametrize("pipelining", _MODES)
def test_each_reply_is_judged_alike_with_or_without_pipelining(workdir: Path, smtp: FaultyController, pipelining: bool) -> None:
    addresses = write_list(workdir / "list.csv", 12)
    faults = smtp.recorder.faults
    faults.pipelining = pipelining
    faults.rcpt_permanent.add(addresses[1])
    faults.rcpt_temporary[addresses[2]] = 1
    faults.drop_in_data[addresses[3]] = 1
    faults.data_reply[addresses[4]] = "552 5.2.2 Mailbox full"
    faults.hang_in_data[addresses[5]] = 1
    result = _fault_send(workdir, smtp)
    refused = {addresses[1], addresses[4]}
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses if a not in refused}
    assert result.report.sent == 10 and result.report.retries == 3 and not result.report.stopped
    assert {f.address for f in result.report.failed} == refused
    with sqlite3.connect(workdir / "ledger" / "issue.sqlite3") as db:
        states = dict(db.execute("SELECT address, state FROM recipients"))
    assert states == {a: "failed-permanent" if a in refused else "sent" for a in addresses}
    listed = suppressed_csv(workdir / "ledger")  # the failure table: an unknown user at once, a full mailbox is scored
    assert addresses[1] in listed and addresses[4] not in listed
    # one by one, DATA follows an accepted RCPT only: 10 sent, and the dropped, refused and hung attempts
    assert faults.data_commands >= 14 if pipelining else faults.data_commands == 13


@pytest.mark.parametrize("pipelining", _MODES)
@pytest.mark.parametrize(("stage", "reply", "said"), [
    ("mail", "550 5.7.1 Sender blocked", "the SMTP server refused the sender: 550 5.7.1 Sender blocked"),
    ("rcpt", "550 5.7.1 Relaying denied", "the SMTP server refused the sender: 550 5.7.1 Relaying denied"),
    ("data", "554 5.7.1 Message rejected as spam", "the SMTP server refused the message: 554 5.7.1 Message rejected as spam"),
])
def test_a_refusal_that_stops_the_send_stops_it_alike(workdir: Path, smtp: FaultyController, pipelining: bool,
                                                      stage: str, reply: str, said: str) -> None:
    addresses = write_list(workdir / "list.csv", 6)
    faults = smtp.recorder.faults
    faults.pipelining = pipelining

    def refuse(targets: RunTargets) -> None:  # after the probe's MAIL was accepted
        if stage == "mail":
            faults.mail_reply = reply
        elif stage == "rcpt":
            faults.rcpt_permanent.update(addresses)
            faults.rcpt_reply = reply
        else:
            faults.data_reply["*"] = reply

    result = _fault_send(workdir, smtp, on_start=refuse)
    assert result.report.stopped == said and result.report.sent == 0 and smtp.recorder.received == []
    assert result.report.counts.pending == 6 and suppressed_csv(workdir / "ledger") == "address,reason,date\n"


@pytest.mark.parametrize("pipelining", _MODES)
def test_a_connection_closed_while_idle_is_replaced_unseen(workdir: Path, smtp: FaultyController, pipelining: bool) -> None:
    addresses = write_list(workdir / "list.csv", 4)
    smtp.recorder.faults.pipelining = pipelining
    smtp.recorder.faults.close_after_rset = 1  # the probe's connection, kept for the first message, is closed by the server
    result = _fault_send(workdir, smtp)
    assert result.report.sent == 4 and result.report.retries == 0 and smtp.recorder.faults.close_after_rset == 0
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}


@pytest.mark.parametrize("pipelining", _MODES)
def test_a_refused_recipient_leaves_the_connection_in_step_for_the_next(workdir: Path, smtp: FaultyController, pipelining: bool) -> None:
    addresses = write_list(workdir / "list.csv", 5)
    smtp.recorder.faults.pipelining = pipelining
    smtp.recorder.faults.rcpt_permanent.update(addresses[1:3])
    at_start: list[int] = []
    result = _fault_send(workdir, smtp, on_start=lambda targets: at_start.append(smtp.recorder.faults.connections), concurrency=1)
    assert result.report.sent == 3 and smtp.recorder.by_recipient() == {a: 1 for a in addresses if a not in addresses[1:3]}
    assert smtp.recorder.faults.connections == at_start[0], "the probe's connection carried every message: no other was opened"
