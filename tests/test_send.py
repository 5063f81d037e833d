"""Sending through a real aiosmtpd server on 127.0.0.1: headers, privacy, resumption, faults."""

from __future__ import annotations

import json
import re
import sqlite3
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from soc_bulletin.cli.main import main
from soc_bulletin.send.unsubscribe import Unsubscribe

from .conftest import ISSUE_11, MINIMAL_ISSUE, suppressed_csv
from .smtp import FaultyController, RecordingHandler, authenticator

ADDRESS = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def write_list(path: Path, count: int) -> list[str]:
    addresses = [f"partner{n:04d}@example.org" for n in range(count)]
    lines = ["email,name,organisation,segments"]
    lines += [f"{a},Partner {n},Org {n % 7},{'police' if n % 3 == 0 else 'charity'}" for n, a in enumerate(addresses)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return addresses


def send(workdir: Path, *args: str, issue: Path | None = None) -> int:
    return main([
        "send", str(issue or workdir / "issue"), "--subscribers", str(workdir / "list.csv"),
        "--segments", str(workdir / "segments.yaml"), "--suppressed", str(workdir / "suppressed.csv"),
        "--ledger-dir", str(workdir / "ledger"), "--no-progress", "--backoff", "0.02", *args,
    ])


def ledger_states(workdir: Path) -> dict[str, str]:
    [path] = (workdir / "ledger").glob("*.sqlite3")
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT address, state FROM recipients"))


@pytest.mark.parametrize("base_url", ["", "https://bulletin.example.org/unsubscribe"])
def test_issue_11_to_300_recipients(workdir: Path, smtp: FaultyController, base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    addresses = write_list(workdir / "list.csv", 300)
    config = workdir / "soc-bulletin.toml"
    config.write_text(f'[sending]\nfrom = "SOC Partnerships <SCOC.localpartnerships@homeoffice.gov.uk>"\nlist_id = "soc.example.org"\nunsubscribe_base_url = "{base_url}"\n')
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", "a-long-test-secret-value")
    assert send(workdir, "--smtp", smtp.url, "--config", str(config), issue=ISSUE_11) == 0

    received = smtp.recorder.received
    assert len(received) == 300
    assert sorted(r.rcpt_tos[0] for r in received) == addresses
    everyone = {a.encode() for a in addresses}
    message_ids = set()
    unsubscribe = Unsubscribe(list_id="soc.example.org", mailbox="SCOC.localpartnerships@homeoffice.gov.uk", base_url=base_url, secret="a-long-test-secret-value")
    for r in received:
        [rcpt] = r.rcpt_tos
        assert set(ADDRESS.findall(r.data)) & everyone == {rcpt.encode()}, "names no other subscriber"
        m = r.message
        assert m["To"].addresses[0].addr_spec == rcpt and len(m["To"].addresses) == 1
        assert m["Cc"] is None and m["Bcc"] is None
        assert m["From"] == "SOC Partnerships <SCOC.localpartnerships@homeoffice.gov.uk>"
        assert m["Reply-To"] == "SCOC.localpartnerships@homeoffice.gov.uk"
        assert m["Subject"] == "SOC Local Partnerships Bulletin – August 2019, Issue 11"
        assert m["Date"] and m["List-Id"] == "<soc.example.org>"
        message_ids.add(m["Message-ID"])
        links = unsubscribe.links(rcpt)
        if base_url:
            assert m["List-Unsubscribe"] == f"<{links.https}>, <{links.mailto}>"
            assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        else:
            assert m["List-Unsubscribe"] == f"<{links.mailto}>"
            assert m["List-Unsubscribe-Post"] is None
        types = [p.get_content_type() for p in m.walk()]
        assert types[:3] == ["multipart/alternative", "text/plain", "multipart/related"] and "text/html" in types
        assert r.mail_from == "SCOC.localpartnerships@homeoffice.gov.uk"
    assert len(message_ids) == 300

    assert send(workdir, "--smtp", smtp.url, "--config", str(config), issue=ISSUE_11) == 0
    assert len(smtp.recorder.received) == 300, "a rerun sends nothing"


def test_outbox_is_the_default_and_rerun_sends_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 12)
    assert send(workdir) == 0
    files = sorted((workdir / "outbox" / "issue" / "all").glob("*.eml"))
    assert len(files) == 12
    assert send(workdir) == 0
    assert len(sorted((workdir / "outbox" / "issue" / "all").glob("*.eml"))) == 12
    out = capsys.readouterr().out
    assert "Sent 12 " in out and "Sent 0 " in out
    assert "Nothing to send: every recipient of segment 'all' has had the issue." in out
    assert main(["status", str(workdir / "issue"), "--ledger-dir", str(workdir / "ledger")]) == 0
    assert re.search(r"all\s+everyone\s+12\s+12\s+0\s+0\s+0\s+0\s+0", capsys.readouterr().out)


def test_segment_and_suppression(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 30)
    police = [a for n, a in enumerate(addresses) if n % 3 == 0]
    (workdir / "suppressed.csv").write_text(f"address,reason,date\n{police[0]},unsubscribed,2020-01-01\n")
    assert send(workdir, "--smtp", smtp.url, "--segment", "police") == 0
    assert sorted(smtp.recorder.by_recipient()) == police[1:]


def test_suppressed_after_the_ledger_was_written_is_still_not_sent(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 6)
    for address in addresses:
        smtp.recorder.faults.rcpt_temporary[address] = 1
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "1", "--concurrency", "1") == 1
    assert set(ledger_states(workdir).values()) == {"failed-temporary"}
    (workdir / "suppressed.csv").write_text(f"address,reason,date\n{addresses[2]},unsubscribed,2020-01-01\n")
    # the list no longer matters: the ledger holds addresses[2] as failed, and suppression must still win
    assert send(workdir, "--smtp", smtp.url) == 0
    assert sorted(smtp.recorder.by_recipient()) == [a for a in addresses if a != addresses[2]]
    assert ledger_states(workdir)[addresses[2]] == "suppressed"


def test_421_on_connect_is_retried(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 5)
    smtp.recorder.faults.refuse_connect = 3
    assert send(workdir, "--smtp", smtp.url, "--concurrency", "1") == 0
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}


def test_451_on_rcpt_is_retried_and_550_is_permanent(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 6)
    smtp.recorder.faults.rcpt_temporary[addresses[1]] = 2
    smtp.recorder.faults.rcpt_permanent.add(addresses[4])
    assert send(workdir, "--smtp", smtp.url, "--report", str(workdir / "report.json")) == 1
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses if a != addresses[4]}
    states = ledger_states(workdir)
    assert states[addresses[4]] == "failed-permanent" and states[addresses[1]] == "sent"
    report = json.loads((workdir / "report.json").read_text())
    assert report["sent"] == 5 and report["retries"] == 2
    assert report["failed"] == [{"address": addresses[4], "state": "failed-permanent", "reply": "550 5.1.1 No such user here"}]
    assert f"failed-permanent: {addresses[4]}: 550 5.1.1 No such user here" in capsys.readouterr().err
    assert addresses[4] in suppressed_csv(workdir / "ledger"), "a hard bounce is suppressed"
    assert send(workdir, "--smtp", smtp.url) == 0
    assert smtp.recorder.by_recipient()[addresses[4]] == 0


def test_connection_dropped_during_data_is_retried_once(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 4)
    smtp.recorder.faults.drop_in_data[addresses[0]] = 1
    assert send(workdir, "--smtp", smtp.url, "--concurrency", "1") == 0
    assert smtp.recorder.by_recipient() == {a: 1 for a in addresses}


def test_server_that_stops_answering_times_out_and_is_retried(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 3)
    smtp.recorder.faults.hang_in_data[addresses[1]] = 1
    assert send(workdir, "--smtp", smtp.url, "--timeout", "1", "--concurrency", "1") == 0
    counts = smtp.recorder.by_recipient()
    assert all(counts[a] >= 1 for a in addresses)
    # the hung DATA was never acknowledged; the server records it late, with the same Message-ID
    ids = {r.message["Message-ID"] for r in smtp.recorder.received if r.rcpt_tos == [addresses[1]]}
    assert len(ids) == 1


def test_authentication_failure_stops_the_send(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 3)
    controller = FaultyController(RecordingHandler(), authenticator=authenticator("user", "right"), auth_require_tls=False)
    controller.start()
    try:
        monkeypatch.setenv("SOC_BULLETIN_SMTP_USER", "user")
        monkeypatch.setenv("SOC_BULLETIN_SMTP_PASSWORD", "wrong")
        assert send(workdir, "--smtp", controller.url, "--allow-plaintext-login") == 1  # a relay on this host, without TLS
        assert "refused the login: 535" in capsys.readouterr().err
        assert not (workdir / "ledger").exists(), "refused before anyone was claimed"
        monkeypatch.setenv("SOC_BULLETIN_SMTP_PASSWORD", "right")
        assert send(workdir, "--smtp", controller.url, "--allow-plaintext-login") == 0
        assert len(controller.recorder.received) == 3
    finally:
        controller.stop()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[FaultyController, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    controller = FaultyController(RecordingHandler(), tls_context=context, require_starttls=True)
    controller.start()
    yield controller, ca_file
    controller.stop()


def test_starttls_with_a_self_signed_certificate(workdir: Path, tls_server: tuple[FaultyController, Path], capsys: pytest.CaptureFixture[str]) -> None:
    controller, ca_file = tls_server
    write_list(workdir / "list.csv", 3)
    assert send(workdir, "--smtp", controller.url, "--starttls") == 1
    err = capsys.readouterr().err
    assert "certificate" in err.lower(), err
    assert len(controller.recorder.received) == 0
    assert not (workdir / "ledger").exists(), err
    assert send(workdir, "--smtp", controller.url, "--starttls", "--cafile", str(ca_file)) == 0
    assert len(controller.recorder.received) == 3


def test_unreachable_server_pauses_without_losing_anyone(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 40)
    from .smtp import closed_port
    assert send(workdir, "--smtp", f"smtp://127.0.0.1:{closed_port()}", "--max-attempts", "2") == 1
    err = capsys.readouterr().err
    assert re.search(r"soc-bulletin: error: cannot connect: .*(Connect call failed|Connection refused)", err), err  # asyncio's words, uvloop's
    assert "Traceback" not in err
    assert not (workdir / "ledger").exists(), "nobody is claimed while the server cannot be reached"


def test_rate_limit_spaces_messages(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 6)
    assert send(workdir, "--smtp", smtp.url, "--rate", "20/s", "--report", str(workdir / "r.json")) == 0
    seconds = json.loads((workdir / "r.json").read_text())["seconds"]
    assert seconds >= 5 / 20, "six messages at 20 a second take at least a quarter second"


def test_dry_run_sends_nothing(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 9)
    assert send(workdir, "--smtp", smtp.url, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Dry run: preflight passed. 9 message(s) would be sent to segment 'all' (0 already had the issue, 0 suppressed)" in out
    assert "To: Partner 0 <partner0000@example.org>" in out
    assert smtp.recorder.received == [] and not (workdir / "ledger").exists()


def test_test_to_sends_one_proof_not_recorded(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 9)
    assert send(workdir, "--smtp", smtp.url, "--test-to", "editor@example.org") == 0
    [proof] = smtp.recorder.received
    assert proof.rcpt_tos == ["editor@example.org"]
    assert proof.message["Subject"] == "[Proof: everyone] Test Bulletin – February 2020, Issue 3"
    assert not (workdir / "ledger").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--smtp", "http://x"], "--smtp must look like smtp://host:port"),
        (["--smtp", "smtp://user:pw@127.0.0.1:25"], "put no credentials in the SMTP URL"),
        (["--segment", "polce"], "There is no segment 'polce'; did you mean 'police'?"),
    ],
)
def test_configuration_errors_exit_2(workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    write_list(workdir / "list.csv", 2)
    assert send(workdir, *args) == 2
    assert message in capsys.readouterr().err


def test_each_audience_gets_its_own_edition(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    addresses = write_list(workdir / "list.csv", 9)
    issue = workdir / "issue"
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE.replace("articles: [first]", "articles: [first, police-only]"))
    (issue / "articles" / "police-only.yaml").write_text("title: Only for police\naudience: [police]\nblocks:\n  - text: Police news.\n")
    assert send(workdir, "--dry-run") == 0
    assert "edition(s): everyone (6), police (3)" in capsys.readouterr().out
    assert send(workdir, "--smtp", smtp.url) == 0
    for r in smtp.recorder.received:
        html = [p for p in r.message.walk() if p.get_content_type() == "text/html"][0].get_content()
        is_police = addresses.index(r.rcpt_tos[0]) % 3 == 0
        assert ("Only for police" in html) is is_police
        assert "First article" in html


def test_a_5xx_to_our_sender_stops_the_send_and_bounces_nobody(workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 5)
    smtp.recorder.faults.mail_reply = "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException"
    assert send(workdir, "--smtp", smtp.url) == 1
    assert "refused the sender: 554" in capsys.readouterr().err
    assert not (workdir / "ledger").exists(), "refused before anyone was claimed"
    assert suppressed_csv(workdir / "ledger") == "address,reason,date\n"
    smtp.recorder.faults.mail_reply = ""
    assert send(workdir, "--smtp", smtp.url) == 0
    assert len(smtp.recorder.received) == 5


def test_an_address_smtp_cannot_carry_fails_alone_without_hanging(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "list.csv").write_text("email,name\na@example.org,A\njosé@example.org,José\nb@example.org,B\n", encoding="utf-8")
    assert send(workdir) == 1
    states = ledger_states(workdir)
    assert states == {"a@example.org": "sent", "josé@example.org": "failed-permanent", "b@example.org": "sent"}
    assert "non-ASCII" in capsys.readouterr().err


def test_a_rerun_gives_each_recipient_the_edition_of_their_current_tags(workdir: Path, smtp: FaultyController) -> None:
    addresses = write_list(workdir / "list.csv", 6)
    issue = workdir / "issue"
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE.replace("articles: [first]", "articles: [first, police-only]"))
    (issue / "articles" / "police-only.yaml").write_text("title: Only for police\naudience: [police]\nblocks:\n  - text: Police news.\n")
    for address in addresses:
        smtp.recorder.faults.rcpt_temporary[address] = 1
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "1") == 1
    # the police partner is re-tagged before the rerun: the plan no longer has a police edition
    (workdir / "list.csv").write_text((workdir / "list.csv").read_text().replace(",police", ",charity"))
    assert send(workdir, "--smtp", smtp.url) == 0
    assert sorted(smtp.recorder.by_recipient()) == addresses
    police = [r for r in smtp.recorder.received if r.rcpt_tos == [addresses[0]]][0]
    assert "Only for police" not in police.message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_proof_never_shares_a_real_message_id(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 1)
    assert send(workdir, "--smtp", smtp.url, "--test-to", "partner0000@example.org") == 0
    assert send(workdir, "--smtp", smtp.url) == 0
    proof, real = smtp.recorder.received
    assert proof.rcpt_tos == real.rcpt_tos
    assert proof.message["Message-ID"] != real.message["Message-ID"]


def test_dry_run_shows_the_subject_as_written(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (example_project / "subscribers" / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    assert main(["send", "issues/2019-08", "--segment", "police-wales", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  Subject: Bwletin Partneriaethau Lleol SOC – Awst 2019, Rhifyn 11" in out  # the first in the list reads Welsh
    assert not any("=?utf-8?" in line for line in out)
