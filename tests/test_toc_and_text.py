"""'In this issue' in both editions and its off switch; the text edition's lines and their encoding."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from pathlib import Path

import pytest

from soc_bulletin import Article, Issue, Section, Text, Welcome, load_issue, render_issue
from soc_bulletin.config import load_settings
from soc_bulletin.render.renderer import Renderer
from soc_bulletin.render.text import QP_LINE, qp_width
from soc_bulletin.send.campaign import Campaign
from soc_bulletin.send.textpart import TextPart, qp_line

from .conftest import ISSUE_11


def issue(*sections: Section) -> Issue:
    return Issue(title="T", number=1, date=dt.date(2021, 3, 1), mailbox="team@example.org", welcome=Welcome("Hello.\n"),
                 sections=sections)


TWO = issue(
    Section("From the Centre", (Article("first", "The First – Article", blocks=(Text("Words.\n"),)),)),
    Section("Police", (Article("second", "Second", blocks=(Text("More.\n"),), audience=("police",)),
                       Article("third", "Third", blocks=(Text("Yet more.\n"),))), audience=()),
)


def test_toc_follows_the_welcome_in_both_editions() -> None:
    edition = render_issue(TWO)
    html, text = edition.html, edition.text
    assert html.index("Hello.") < html.index("In this issue") < html.index('href="#first"') < html.index('<h3 id="first"')
    assert 'href="#second"' in html and 'href="#third"' in html
    toc = text.split("IN THIS ISSUE\n~~~~~~~~~~~~~\n", 1)[1].split("\n\n\n", 1)[0]
    assert toc == "\nFrom the Centre\n- The First – Article\n\nPolice\n- Second\n- Third"
    assert text.index("Hello.") < text.index("IN THIS ISSUE") < text.index("FROM THE CENTRE")


def test_toc_lists_only_what_the_edition_holds() -> None:
    others = render_issue(TWO, audience=set())
    assert 'href="#second"' not in others.html and "- Second" not in others.text
    assert 'href="#third"' in others.html and "- Third" in others.text


def test_toc_can_be_turned_off_and_needs_two_articles() -> None:
    off = Renderer(toc=False).render(TWO)
    assert "In this issue" not in off.html and "IN THIS ISSUE" not in off.text
    single = issue(Section("S", (Article("only", "Only", blocks=(Text("x\n"),)),)))
    assert "In this issue" not in render_issue(single).html
    assert render_issue(TWO, toc=False).html == off.html


def test_the_toc_setting_reaches_the_send(tmp_path: Path) -> None:
    (tmp_path / "soc-bulletin.toml").write_text("[render]\ntoc = false\n[sending]\ncheck_domain = false\n", encoding="utf-8")
    (tmp_path / "list.csv").write_text("email,name\npartner@example.org,Pat\n", encoding="utf-8")
    (tmp_path / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    campaign = Campaign.prepare(ISSUE_11, lists=[tmp_path / "list.csv"], settings=load_settings(tmp_path / "soc-bulletin.toml"),
                                suppressed_file=tmp_path / "suppressed.csv", ledger_dir=tmp_path / "ledger", run_check=False,
                                segments_file=ISSUE_11.parent.parent / "subscribers" / "segments.yaml")
    [edition] = campaign.editions.values()
    assert "In this issue" not in edition.html and "IN THIS ISSUE" not in edition.text
    assert "In this issue" in render_issue(load_issue(ISSUE_11)).html


@pytest.mark.parametrize(("line", "width"), [("plain", 5), ("a=b", 5), ("£5", 7), (".dot", 6), ("end ", 6), ("–", 9)])
def test_qp_width_is_the_encoded_length(line: str, width: int) -> None:
    assert qp_width(line) == width == len(qp_line(line))


def test_text_lines_fit_a_quoted_printable_line_unless_unbreakable() -> None:
    text = render_issue(load_issue(ISSUE_11)).text
    over = [line for line in text.split("\n") if qp_width(line) > QP_LINE]
    assert all(" " not in line.strip() for line in over), over
    assert max(len(line) for line in text.split("\n") if " " in line.strip()) <= 72
    assert "=" not in "".join(line for line in text.split("\n") if set(line) <= set("#-~*"))  # rules need no =3D


@pytest.mark.parametrize("line", ["", "plain words", "x" * 76, "x" * 77, "=" * 40, ".leading dot", "trailing space ",
                                  "é" * 30, "a" * 74 + "é", "https://www.gov.uk/" + "a-b=c&" * 30, "\t tab"])
def test_each_line_encodes_alone_and_decodes_back(line: str) -> None:
    encoded = qp_line(line)
    parts = encoded.split(b"\r\n")
    assert all(len(part) <= QP_LINE for part in parts)
    assert all(part.endswith(b"=") for part in parts[:-1]) and not any(part.startswith(b".") for part in parts)
    assert len(parts) == 1 or len(line.encode()) > 25  # only a line that cannot fit is broken
    message = email.message_from_bytes(b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
                                       b"\r\n\r\n" + encoded, policy=policy.default)
    decoded = message.get_payload(decode=True)
    assert isinstance(decoded, bytes) and decoded.decode() == line


def test_a_spliced_line_is_encoded_whole_per_recipient() -> None:
    part = TextPart("Top\n[[greeting]]\nVisit: [[unsubscribe_url]] now\nEnd\n")
    chunks = part.chunks({"greeting": "Dear Zoë,", "unsubscribe_url": "https://x.example/u?a=1&t=2"})
    assert b"".join(chunks) == b"Top\r\nDear Zo=C3=AB,\r\nVisit: https://x.example/u?a=3D1&t=3D2 now\r\nEnd\r\n"
