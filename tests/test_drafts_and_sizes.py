"""Nothing template-shaped goes out, a misplaced article or misspelt section fails the check, and sizes are those sent.

Issue 27: a draft fresh from ``new-issue`` used to pass ``send --dry-run``; an
unlisted article was a warning; a misspelt section kind started a new section;
``check`` measured the HTML before encoding and ``build`` never warned.
"""

from __future__ import annotations

import asyncio
import quopri
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soc_bulletin.check import check_paths
from soc_bulletin.cli.main import main
from soc_bulletin.config import load_settings
from soc_bulletin.errors import RefusedError
from soc_bulletin.render.as_sent import CLIP_BYTES, WARN_BYTES, quoted_printable
from soc_bulletin.send.campaign import Campaign
from soc_bulletin.send.transports import OutboxTransport

from .project import REPO, make_project

Capture = pytest.CaptureFixture[str]
ISSUE_11 = REPO / "issues" / "2019-08"
#: Issue 11's HTML part as sent before issue 27 (the encoder cut 76-character lines again at 73), in bytes.
ISSUE_11_BEFORE = 97_357


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project", restricted=False)
    monkeypatch.chdir(root)
    return root


def _html_part(data: bytes) -> bytes:
    part = data.split(b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")[1]
    return part.split(b"\r\n--=_soc")[0]


# -- a draft is never sent -------------------------------------------------------------------------------------------


def test_a_draft_fresh_from_the_templates_is_refused_by_send_and_its_dry_run(project: Path, capsys: Capture) -> None:
    assert main(["new-issue", "issues/2019-11", "--from", "issues/2019-08"]) == 0
    assert main(["new-article", "issues/2019-11", "county-lines-week", "--section", "Tackling Vulnerability"]) == 0
    capsys.readouterr()
    assert main(["check", "issues/2019-11"]) == 0  # a draft: warnings only
    assert capsys.readouterr().out.endswith("2 files checked: 0 errors, 14 warnings.\n")

    assert main(["send", "issues/2019-11", "--dry-run"]) == 1
    captured = capsys.readouterr()
    assert "Dry run" not in captured.out and not (project / "outbox").exists()
    err = captured.err.splitlines()
    assert err[-1] == "14 problem(s) found."
    assert "issues/2019-11/issue.yaml:18:5: SB017 'Write the welcome to Issue 12 here: a few sentences on wh...' is still the " \
           "template's example text; replace it with your own words. The issue cannot be sent until it is done (a proof with " \
           "--test-to can)." in err
    assert all(" (warning)" not in line for line in err)
    assert main(["send", "issues/2019-11"]) == 1 and not (project / "outbox").exists()

    assert main(["send", "issues/2019-11", "--test-to", "editor@example.org"]) == 0  # the editor may still see a proof
    assert len(list((project / "outbox" / "2019-11" / "proofs").glob("*.eml"))) == 1


def test_a_campaign_prepared_for_proofs_cannot_send(project: Path) -> None:
    assert main(["new-issue", "issues/2019-11", "--from", "issues/2019-08"]) == 0
    assert main(["new-article", "issues/2019-11", "county-lines-week", "--section", "Tackling Vulnerability"]) == 0
    campaign = Campaign.prepare(project / "issues" / "2019-11", proof=True, settings=load_settings(start=project))
    with pytest.raises(RefusedError, match="prepared for proofs only"):
        asyncio.run(campaign.send(OutboxTransport(project / "out")))
    assert not (project / "out").exists() and not list((project / ".ledger").glob("2019-11*"))


# -- a contributor's CI fails on a misplaced article or a misspelt section ---------------------------------------------


def test_a_misspelt_section_kind_is_an_error_naming_the_closest(project: Path, capsys: Capture) -> None:
    issue = project / "issues" / "2019-08" / "issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("kind: Economic Crime", "kind: Economic Crim"), encoding="utf-8")
    assert main(["check", "issues/2019-08"]) == 1
    assert (
        "issues/2019-08/issue.yaml:37:11: SB026 The section kind 'Economic Crim' is not one the layouts or an earlier issue know, "
        "so it would start a new section in the default colour; did you mean 'Economic Crime'? If not, to start a new kind, add "
        "'economic-crim: \"#rrggbb\"' to the colours.yaml of your own layouts ([render] layouts).") in capsys.readouterr().out.splitlines()
    assert main(["send", "issues/2019-08", "--dry-run"]) == 1


def test_a_kind_of_an_earlier_issue_is_known(project: Path) -> None:
    earlier = project / "issues" / "2019-05"
    shutil.copytree(project / "issues" / "2019-08", earlier)
    text = (earlier / "issue.yaml").read_text(encoding="utf-8").replace("kind: Economic Crime", "kind: Serious Violence")
    text = text.replace("      Economic Crime: ", "      Serious Violence: ")  # its Welsh heading
    (earlier / "issue.yaml").write_text(text, encoding="utf-8")
    assert [p.code for p in check_paths([earlier]).errors] == ["SB026"]
    issue = project / "issues" / "2019-08" / "issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("kind: Economic Crime", "kind: Serious Violence")
                     .replace("      Economic Crime: ", "      Serious Violence: "), encoding="utf-8")
    assert [p.code for p in check_paths([issue.parent]).errors] == []  # 2019-05 has it (and 2019-08 is 2019-05's earlier issue)


def test_an_unlisted_article_fails_the_check_and_the_send(project: Path, capsys: Capture) -> None:
    articles = project / "issues" / "2019-08" / "articles"
    shutil.copy(articles / "jmlit.yaml", articles / "jmlit-update.yaml")
    assert main(["check", "issues/2019-08"]) == 1
    assert "issues/2019-08/articles/jmlit-update.yaml: SB022 No section of issue.yaml lists the article 'jmlit-update', so it " \
           "would not be sent; add '- jmlit-update' to the articles of its section in issue.yaml, or remove the file." \
           in capsys.readouterr().out.splitlines()
    assert main(["send", "issues/2019-08", "--dry-run"]) == 1


# -- sizes as sent -----------------------------------------------------------------------------------------------------


@given(st.text(st.characters(codec="utf-8"), max_size=400))
def test_quoted_printable_is_standard_and_breaks_lines_once(text: str) -> None:
    encoded = quoted_printable(text)
    lines = encoded.split(b"\r\n")
    assert quopri.decodestring(encoded.replace(b"\r\n", b"\n")) == text.replace("\r\n", "\n").encode()
    assert all(len(line) <= 76 and not line.startswith(b".") for line in lines)
    assert len(lines[-1]) <= 75  # room for the "=" of a soft break before a spliced value


def test_issue_11_html_part_is_smaller_as_sent_with_no_fragments(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("email,name\nalex.longname@example.org,Alexandra Example-Longname\n", encoding="utf-8")
    campaign = Campaign.prepare(ISSUE_11, lists=[tmp_path / "list.csv"], settings=load_settings(start=ISSUE_11),
                                ledger_dir=tmp_path / "ledger", run_check=False, dry_run=True)
    [template] = campaign.templates.values()
    part = _html_part(template.build("alex.longname@example.org", "Alexandra Example-Longname").data)
    fragments = [line for line in part.split(b"\r\n") if len(line) <= 3]
    assert len(fragments) <= 5, len(fragments)  # 1,117 before: 76-character lines cut again at 73
    assert len(part) < ISSUE_11_BEFORE - 3_000, len(part)  # 93,851 bytes now
    assert len(part) <= template.html_bytes  # what build, check and send report is never less than what is sent


def _grow(issue: Path, copies: int) -> None:
    """Issue 11 with ``copies`` more articles (copies of 'jmlit') in its last section: 12 + ``copies`` articles."""
    text = (issue / "issue.yaml").read_text(encoding="utf-8")
    for n in range(copies):
        shutil.copy(issue / "articles" / "jmlit.yaml", issue / "articles" / f"jmlit-{n}.yaml")
        text = text.replace("      - jmlit\n", f"      - jmlit\n      - jmlit-{n}\n", 1) if n == 0 else \
            text.replace(f"      - jmlit-{n - 1}\n", f"      - jmlit-{n - 1}\n      - jmlit-{n}\n")
    assert text.rstrip().endswith("      - jmlit")  # the Welsh edition's untranslated articles end the file: the copies too
    text = text.rstrip("\n") + "".join(f"\n      - jmlit-{n}" for n in range(copies)) + "\n"
    (issue / "issue.yaml").write_text(text, encoding="utf-8")


def test_a_13_article_issue_is_warned_by_build_check_and_send_before_102_kb(project: Path, capsys: Capture) -> None:
    issue = project / "issues" / "2019-08"
    _grow(issue, 1)
    [problem] = [p for p in check_paths([issue]).problems if " edition: " not in p.message]  # the English edition's
    size = float(problem.message.split("HTML part is ")[1].split(" KB")[0]) * 1024
    assert problem.code == "SB502" and WARN_BYTES < size < CLIP_BYTES
    capsys.readouterr()
    assert main(["build", "issues/2019-08", "-o", "out"]) == 0
    measured = problem.message.split(" (the largest")[0]
    assert capsys.readouterr().err == f"warning: {measured}, close to the 102 KB at which Gmail cuts emails off; keep further additions short.\n"
    assert main(["send", "issues/2019-08", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert f"warning: edition 'everyone': SB502 {measured}, close to" in captured.err
    assert f"HTML part as sent (Gmail clips over 102 KB): 'everyone' {size / 1024:.1f} KB, 'everyone@cy' " in captured.out
    assert "; subscriber list(s) read: subscribers/example.csv\n" in captured.out  # the settings' list, named


def test_past_102_kb_check_and_send_refuse_and_build_warns(project: Path, capsys: Capture) -> None:
    issue = project / "issues" / "2019-08"
    _grow(issue, 3)
    [problem] = [p for p in check_paths([issue]).problems if " edition: " not in p.message]  # the English edition's
    assert problem.code == "SB501" and problem.message.startswith("The email's HTML part is ")
    assert "(the largest articles: 'asset-recovery-action-plan' 8.7 KB, 'participatory-budgeting-newport' 8.3 KB, " in problem.message
    capsys.readouterr()
    assert main(["send", "issues/2019-08", "--dry-run"]) == 1
    assert f"SB501 {problem.message}" in capsys.readouterr().err
    assert main(["build", "issues/2019-08", "-o", "out"]) == 0
    assert capsys.readouterr().err == (f"warning: {problem.message.split(' (the largest')[0]}; Gmail cuts off emails over 102 KB, so "
                                       "shorten the articles or move some to the next issue.\n")


# -- one-click unsubscribe needs DKIM --------------------------------------------------------------------------------


def test_one_click_without_dkim_is_warned_and_with_dkim_is_not(project: Path, capsys: Capture) -> None:
    settings = project / "soc-bulletin.toml"
    text = settings.read_text(encoding="utf-8").replace(
        '# unsubscribe_base_url = "https://bulletin.example.org/unsubscribe"', 'unsubscribe_base_url = "https://bulletin.example.org/u"')
    settings.write_text(text, encoding="utf-8")
    warning = ("SB708 The messages carry a one-click unsubscribe link but are not signed with DKIM; RFC 8058 "
               "needs a DKIM signature over it, so Gmail and Yahoo show no unsubscribe button and may bin unsigned bulk mail: set "
               "[sending] dkim_selector and dkim_key.")
    assert main(["send", "issues/2019-08", "--dry-run"]) == 0
    assert [line for line in capsys.readouterr().err.splitlines() if "SB708" in line] == [f"warning: soc-bulletin.toml: {warning}"]
    key = project / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "1024"], check=True, capture_output=True)
    settings.write_text(text.replace('# dkim_selector = "bulletin"', 'dkim_selector = "bulletin"').replace(
        '# dkim_key = "/etc/soc-bulletin/dkim.pem"', f'dkim_key = "{key}"'), encoding="utf-8")
    assert main(["send", "issues/2019-08", "--dry-run"]) == 0
    assert "SB708" not in capsys.readouterr().err
