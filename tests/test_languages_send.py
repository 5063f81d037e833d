"""Sending an issue in English and Welsh through a real aiosmtpd: each member's language, one message each."""

from __future__ import annotations

import sqlite3
import textwrap
from email.message import EmailMessage
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from .smtp import FaultyController
from .test_languages_load import BILINGUAL, WELSH_ARTICLE
from .test_send import send

MEMBERS = {"ann@example.org": "en", "bryn@example.org": "cy", "carys@example.org": "both", "dai@example.org": "",
           "eve@example.net": "CY"}


@pytest.fixture
def bilingual_workdir(workdir: Path) -> Path:
    (workdir / "issue" / "issue.yaml").write_text(BILINGUAL, encoding="utf-8")
    (workdir / "issue" / "articles" / "first.cy.yaml").write_text(textwrap.dedent(WELSH_ARTICLE), encoding="utf-8")
    rows = ["email,name,segments,language"] + [f"{address},{address[0].upper()}{address[1:address.index('@')]},police,{language}"
                                                for address, language in MEMBERS.items()]
    (workdir / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return workdir


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_each_member_gets_their_language_and_one_message(bilingual_workdir: Path, smtp: FaultyController) -> None:
    assert send(bilingual_workdir, "--smtp", smtp.url) == 0
    received = {r.rcpt_tos[0]: r.message for r in smtp.recorder.received}
    assert sorted(received) == sorted(MEMBERS), "each member one message, nobody twice"
    assert len(smtp.recorder.received) == len(MEMBERS)
    for address in ("ann@example.org", "dai@example.org"):
        text, html = _parts(received[address])
        assert received[address]["Subject"] == "Test Bulletin – February 2020, Issue 3"
        assert '<html lang="en"' in html and "Dear " in text and "Unsubscribe" in html and "Erthygl" not in html
    for address in ("bryn@example.org", "eve@example.net"):
        text, html = _parts(received[address])
        assert received[address]["Subject"] == "Bwletin Prawf – Chwefror 2020, Rhifyn 3"
        assert '<html lang="cy"' in html and "Dad-danysgrifio" in html and "First article" not in html
        assert text.startswith("#") and "\nAnnwyl " in text and "Dear" not in text
    text, html = _parts(received["carys@example.org"])
    assert received["carys@example.org"]["Subject"] == ("Bwletin Prawf – Chwefror 2020, Rhifyn 3 / "
                                                        "Test Bulletin – February 2020, Issue 3")
    assert "Annwyl Carys, / Dear Carys," in text and text.index("Erthygl gyntaf") < text.index("First article")
    assert html.index("Erthygl gyntaf") < html.index("First article") and 'lang="en"' in html
    [ledger] = (bilingual_workdir / "ledger").glob("*.sqlite3")
    with sqlite3.connect(ledger) as db:
        rows = dict(db.execute("SELECT address, edition FROM recipients"))
    assert rows == {"ann@example.org": "everyone", "dai@example.org": "everyone", "bryn@example.org": "everyone@cy",
                    "eve@example.net": "everyone@cy", "carys@example.org": "everyone@cy+en"}


def test_a_second_run_sends_nobody_anything_again(bilingual_workdir: Path, smtp: FaultyController) -> None:
    assert send(bilingual_workdir, "--smtp", smtp.url) == 0
    count = len(smtp.recorder.received)
    send(bilingual_workdir, "--smtp", smtp.url)
    assert len(smtp.recorder.received) == count


def test_an_unknown_language_gets_the_main_one_with_a_warning(bilingual_workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bilingual_workdir / "list.csv"
    path.write_text(path.read_text(encoding="utf-8") + "fay@example.org,Fay,police,Welsh\n", encoding="utf-8")
    assert send(bilingual_workdir, "--dry-run") == 0
    out = capsys.readouterr()
    assert "1 subscriber(s) have the language 'Welsh', which is none of en, cy or 'both'; they receive the en edition." in out.out + out.err


def test_status_counts_each_language_edition(bilingual_workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:
    assert send(bilingual_workdir, "--smtp", smtp.url) == 0
    capsys.readouterr()
    assert main(["status", str(bilingual_workdir / "issue"), "--ledger-dir", str(bilingual_workdir / "ledger")]) == 0
    rows = {line.split()[1]: line.split()[2:4] for line in capsys.readouterr().out.splitlines() if line.startswith("police ")
            or line.startswith("all ")}
    assert rows == {"everyone": ["2", "2"], "everyone@cy": ["2", "2"], "everyone@cy+en": ["1", "1"]}


def test_a_segment_may_choose_by_language(bilingual_workdir: Path, smtp: FaultyController) -> None:
    (bilingual_workdir / "segments.yaml").write_text("welsh-readers: {language: [cy, both]}\n", encoding="utf-8")
    assert send(bilingual_workdir, "--smtp", smtp.url, "--segment", "welsh-readers") == 0
    assert sorted(r.rcpt_tos[0] for r in smtp.recorder.received) == ["bryn@example.org", "carys@example.org", "eve@example.net"]


def test_a_proof_of_each_language_edition(bilingual_workdir: Path, smtp: FaultyController) -> None:
    assert send(bilingual_workdir, "--smtp", smtp.url, "--test-to", "editor@example.org") == 0
    subjects = sorted(str(r.message["Subject"]) for r in smtp.recorder.received)
    assert [r.rcpt_tos for r in smtp.recorder.received] == [["editor@example.org"]] * 3
    assert subjects == ["[Proof: everyone@cy+en] Bwletin Prawf – Chwefror 2020, Rhifyn 3 / Test Bulletin – February 2020, Issue 3",
                        "[Proof: everyone@cy] Bwletin Prawf – Chwefror 2020, Rhifyn 3",
                        "[Proof: everyone] Test Bulletin – February 2020, Issue 3"]
