"""The SMTP transport has one owner, ``Campaign.send`` (or ``proof``): it is closed there, once, however the send ends.

Against a real aiosmtpd server, which counts the connections still open.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from soc_bulletin.errors import LedgerError, SenderFailure
from soc_bulletin.send.campaign import Campaign
from soc_bulletin.send.engine import DeliveryOptions
from soc_bulletin.send.runner import run
from soc_bulletin.send.transports import SMTPSettings, SMTPTransport

from .smtp import FaultyController
from .test_send import write_list

OPTIONS = DeliveryOptions(concurrency=2, backoff_base=0.01, flush_interval=0.001, max_attempts=1)


class CountedTransport(SMTPTransport):
    """The real SMTP transport, counting how often it is closed."""

    def __init__(self, smtp: FaultyController) -> None:
        super().__init__(SMTPSettings("127.0.0.1", smtp.port, tls="none", timeout=5.0), size=2)
        self.closes = 0

    async def close(self) -> None:
        self.closes += 1
        await super().close()


def _campaign(workdir: Path) -> Campaign:
    return Campaign.prepare(workdir / "issue", lists=[workdir / "list.csv"], segments_file=workdir / "segments.yaml",
                            suppressed_file=workdir / "suppressed.csv", ledger_dir=workdir / "ledger")


def _all_closed(smtp: FaultyController) -> bool:
    deadline = time.monotonic() + 3
    while smtp.recorder.faults.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    return smtp.recorder.faults.open_connections == 0


def test_closed_once_after_a_send(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 5)
    transport = CountedTransport(smtp)
    result = run(_campaign(workdir).send(transport, options=OPTIONS))
    assert result.report.sent == 5
    assert transport.closes == 1 and _all_closed(smtp)


def test_closed_once_when_the_relay_refuses_the_sender(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 2)
    smtp.recorder.faults.mail_reply = "550 5.7.1 Sender not allowed"
    transport = CountedTransport(smtp)
    with pytest.raises(SenderFailure):
        run(_campaign(workdir).send(transport, options=OPTIONS))
    assert transport.closes == 1 and _all_closed(smtp)


def test_closed_once_when_the_store_fails_after_the_probe(workdir: Path, smtp: FaultyController) -> None:
    """The probe's connection, kept for the send, is closed although nothing was sent."""
    write_list(workdir / "list.csv", 2)
    campaign = _campaign(workdir)
    (workdir / "ledger").write_text("a file where the ledger folder should be")
    transport = CountedTransport(smtp)
    with pytest.raises(LedgerError):
        run(campaign.send(transport, options=OPTIONS))
    assert smtp.recorder.received == []
    assert transport.closes == 1 and _all_closed(smtp)


def test_closed_once_when_the_send_is_cancelled(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 6)
    for address in addresses:
        smtp.recorder.faults.hang_in_data[address] = 1  # every message waits in DATA: the send is mid-transaction
    transport = CountedTransport(smtp)
    campaign = _campaign(workdir)

    async def cancel_mid_send() -> None:
        task = asyncio.create_task(campaign.send(transport, options=OPTIONS))
        while smtp.recorder.faults.data_commands < 2:  # noqa: ASYNC110 - a counter of the server's thread
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(cancel_mid_send())
    assert transport.closes == 1 and _all_closed(smtp)


def test_a_proof_closes_its_transport(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 1)
    transport = CountedTransport(smtp)
    replies = run(_campaign(workdir).proof("proof@example.org", transport))
    assert [key for key, _ in replies] == ["everyone"]
    assert transport.closes == 1 and _all_closed(smtp)
