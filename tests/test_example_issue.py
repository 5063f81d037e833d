"""The example issue (Issue 11 of the bulletin, issues/2019-08) reproduces the real August 2019 bulletin, in YAML and in Python alike."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from soc_bulletin import Callout, Contacts, Issue, build_dir, load_issue, render_issue
from soc_bulletin.cli.main import main

from .conftest import ISSUE_11, REPO
from .seed import html_words, missing_pieces, seed_addresses, seed_pieces

GMAIL_CLIP_BYTES = 102 * 1024


def example_issue_11() -> Issue:
    spec = importlib.util.spec_from_file_location("issue_11_example", REPO / "examples" / "issue_11.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    issue = module.issue_11()
    assert isinstance(issue, Issue)
    return issue


def test_structure_matches_the_seed() -> None:
    issue = load_issue(ISSUE_11)
    assert (issue.title, issue.number, issue.date_label) == ("SOC Local Partnerships Bulletin", 11, "August 2019")
    assert [s.kind for s in issue.sections] == [
        "From the Centre", "Meet the...", "Lifetime Offender Management", "Community Resilience",
        "Tackling Vulnerability", "Economic Crime",
    ]
    assert [len(s.articles) for s in issue.sections] == [1, 2, 1, 2, 3, 2]
    callouts = [b for a in issue.articles for b in a.blocks if isinstance(b, Callout)]
    assert [c.title for c in callouts] == ["What is Participatory Budgeting?"]


def test_the_seed_reference_is_complete() -> None:
    assert len(seed_addresses()) == 19
    assert len(seed_pieces()) > 200


def test_html_has_every_sentence_and_address_of_the_seed() -> None:
    html = render_issue(load_issue(ISSUE_11)).html
    assert missing_pieces(html_words(html)) == []
    for address in seed_addresses():
        assert f'href="mailto:{address}"' in html


def test_text_has_every_sentence_and_address_of_the_seed() -> None:
    text = render_issue(load_issue(ISSUE_11)).text
    assert missing_pieces(text) == []
    for address in seed_addresses():
        assert address in text


def test_page_breaks_were_joined() -> None:
    words = html_words(render_issue(load_issue(ISSUE_11)).html)
    for joined in (
        "led by UK Visas & Immigration and the National Crime Agency",
        "the management of the Victim Care Contract",
        "Newport, Gwent; Sedgemoor, Avon and Somerset; and Speke, Merseyside",
        "as an assault on a police officer",
        "over 30 'JMLIT Alert' reports have been shared",
    ):
        assert joined in words


def test_every_contact_block_has_a_seed_address() -> None:
    issue = load_issue(ISSUE_11)
    in_blocks = {c.email for a in issue.articles for b in a.blocks if isinstance(b, Contacts) for c in b.contacts}
    assert in_blocks <= seed_addresses()
    assert len(in_blocks) >= 17  # all but the team mailbox (footer) and JMLIT's shared box may be in blocks


def test_html_stays_under_gmail_clipping() -> None:
    assert len(render_issue(load_issue(ISSUE_11)).html.encode()) < GMAIL_CLIP_BYTES


def test_python_example_builds_the_same_issue(tmp_path: Path) -> None:
    english = dataclasses.replace(load_issue(ISSUE_11), languages=("en",), translations=())  # the example is Issue 11 in English
    assert example_issue_11() == english


def test_python_example_and_cli_write_byte_identical_html(tmp_path: Path) -> None:
    assert main(["build", str(ISSUE_11), "-o", str(tmp_path / "yaml")]) == 0
    subprocess.run([sys.executable, str(REPO / "examples" / "issue_11.py"), str(tmp_path / "python")], check=True, capture_output=True)
    for name in ("index.html", "index.txt", "index.mjml"):
        assert (tmp_path / "yaml" / name).read_bytes() == (tmp_path / "python" / name).read_bytes()


def test_build_writes_files_and_reports_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(ISSUE_11), "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ("index.html", "index.txt", "index.mjml"):
        assert f"wrote {tmp_path / name}" in out
    assert re.search(r"HTML part as sent: \d{2},\d{3} bytes \(\d+\.\d KB; Gmail clips over 102 KB\)", out), out
    images = re.findall(r'<img[^>]+src="([^"]+)"', (tmp_path / "index.html").read_text())
    assert images and all((tmp_path / src).is_file() for src in images)


def test_build_dir_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(ISSUE_11)]) == 0
    assert (tmp_path / "build" / "2019-08" / "index.html").is_file()
    assert build_dir(ISSUE_11, tmp_path / "again").html_bytes == (tmp_path / "build" / "2019-08" / "index.html").stat().st_size
