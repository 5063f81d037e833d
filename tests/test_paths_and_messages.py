"""Every output path contained, edge cases refused in one line, and the messages of issue 27 said right.

Before: an audience '../../x' made ``build --all-editions`` write outside its
folder, ``archive issues -o issues`` wrote into the issues, an encoded NUL
made the preview log a traceback, ``new-issue`` crashed (exit 70) on a folder
name or a date it could not use, CSV cells went out unguarded, and several
messages said the wrong thing.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from soc_bulletin.check import check_paths
from soc_bulletin.cli.main import main
from soc_bulletin.content.yaml_mistakes import explain
from soc_bulletin.errors import RenderError
from soc_bulletin.render.build import contained
from soc_bulletin.render.renderer import render_issue
from soc_bulletin.site.preview import serve_preview

from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE
from .project import REPO, finish_draft, make_project, restrict
from .smtp import FaultyController
from .test_preview import get
from .test_send import send, write_list

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project", restricted=False)
    monkeypatch.chdir(root)
    return root


# -- contained paths ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../x", "/tmp/elsewhere", "..", "a/b", "bad name!"])
def test_an_audience_that_is_no_segment_name_is_refused_before_anything_is_written(project: Path, capsys: Capture,
                                                                                    name: str) -> None:
    article = project / "issues" / "2019-08" / "articles" / "jmlit.yaml"
    restrict(article, f'"{name}"')
    assert main(["build", "issues/2019-08", "--all-editions", "-o", "out"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"issues/2019-08/articles/jmlit.yaml:2:12: SB014 The audience '{name}' is not a segment name: a segment's name "
                   "holds only letters, digits, '-', '_' and '.', such as 'police-wales'.", "1 problem(s) found."]
    assert not (project / "out").exists() and not (project.parent / "x").exists()


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "/tmp/x", "a/../../x"])
def test_a_build_folder_name_never_leaves_the_output_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(RenderError, match="cannot name a folder inside"):
        contained(tmp_path / "out", name)
    assert contained(tmp_path / "out", "police") == tmp_path / "out" / "police"


def test_build_with_an_empty_segment_is_refused(project: Path, capsys: Capture) -> None:
    assert main(["build", "issues/2019-08", "--segment", "", "-o", "out"]) == 2
    assert capsys.readouterr().err == ("soc-bulletin: error: --segment needs the name of a segment, such as police; leave it out "
                                       "to build every article\n")
    assert not (project / "out").exists()


def test_archive_into_the_issues_folder_is_refused(project: Path, capsys: Capture) -> None:
    before = sorted(p.relative_to(project) for p in (project / "issues").rglob("*"))
    for site in ("issues", "issues/2019-08", "."):
        assert main(["archive", "issues", "-o", site]) == 2
        assert capsys.readouterr().err == (f"soc-bulletin: error: the site folder {site} overlaps the issues in issues, which it would "
                                           "overwrite; write the site to a folder of its own, such as site\n")
    assert sorted(p.relative_to(project) for p in (project / "issues").rglob("*")) == before


def test_archiving_again_removes_the_images_of_an_article_since_restricted(project: Path) -> None:
    assert main(["archive", "issues", "-o", "site"]) == 0
    image = project / "site" / "2019-08" / "images" / "wolverhampton-placeholder.png"
    assert image.is_file()
    restrict(project / "issues" / "2019-08" / "articles" / "wolverhampton-hate-crime.yaml", "police")
    assert main(["archive", "issues", "-o", "site"]) == 0
    assert not image.exists() and (project / "site" / "2019-08" / "index.html").is_file()


def test_the_preview_answers_400_to_a_nul_and_logs_no_traceback(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    issue = tmp_path / "issue"
    (issue / "articles").mkdir(parents=True)
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
    (issue / "articles" / "first.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")
    with caplog.at_level(logging.DEBUG), serve_preview(issue, port=0) as running:
        assert get(running.url + "images/a%00b.png")[0] == 400
        assert get(running.url + "%1b%5b2J")[0] == 400
        assert get(running.url + "%ff%fe.png")[0] == 400
        assert get(running.url + "x" * 300 + ".png")[0] == 404
        assert get(running.url + "issue.yaml")[0] == 200
    assert "Traceback" not in caplog.text and "Exception" not in caplog.text


def test_new_issue_refuses_what_it_cannot_use(project: Path, capsys: Capture) -> None:
    assert main(["new-issue", "issues/bad\nname", "--from", "issues/2019-08"]) == 2
    assert capsys.readouterr().err == ("soc-bulletin: error: the folder name 'bad\\nname' may use only letters, digits, '.', '_' and "
                                       "'-' (it names the issue in links and the ledger); choose one such as 2019-11\n")
    listed = project / "list"
    listed.mkdir()
    (listed / "issue.yaml").write_text("- a\n- b\n", encoding="utf-8")
    assert main(["new-issue", "issues/2019-11", "--from", "list"]) == 1
    assert capsys.readouterr().err == ("list/issue.yaml:1:1: SB012 This is not an issue's issue.yaml: it must map 'title', 'number', "
                                       "'date' and the other keys of an issue to values; give the previous issue's folder.\n"
                                       "1 problem(s) found.\n")
    late = project / "issues" / "9999-11"
    shutil.copytree(project / "issues" / "2019-08", late)
    (late / "issue.yaml").write_text((late / "issue.yaml").read_text(encoding="utf-8").replace("2019-08-01", "9999-11-01"),
                                     encoding="utf-8")
    assert main(["new-issue", "issues/2019-11", "--from", "issues/9999-11"]) == 2
    assert capsys.readouterr().err == ("soc-bulletin: error: the date 9999-11-01 cannot be moved 3 months on (past the year 9999); "
                                       "correct the previous issue's date, or give the new issue's with --date\n")
    assert not (project / "issues" / "2019-11").exists()


# -- CSV and --format --------------------------------------------------------------------------------------------------


def test_status_csv_guards_formula_cells_and_format_needs_failed(workdir: Path, smtp: FaultyController, capsys: Capture) -> None:
    addresses = write_list(workdir / "list.csv", 3)
    text = (workdir / "list.csv").read_text(encoding="utf-8").replace("Partner 0,", '"=HYPERLINK(""https://evil.example"")",')
    (workdir / "list.csv").write_text(text, encoding="utf-8")
    smtp.recorder.faults.rcpt_permanent.add(addresses[0])
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "1") == 1
    capsys.readouterr()
    ledger = ["--ledger-dir", str(workdir / "ledger")]
    assert main(["status", str(workdir / "issue"), *ledger, "--failed", "--format", "csv"]) == 1  # failures are problems
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (row["address"], row["name"], row["state"]) == (addresses[0], "'=HYPERLINK(\"https://evil.example\")", "failed-permanent")
    assert main(["status", str(workdir / "issue"), *ledger, "--format", "csv"]) == 2
    assert capsys.readouterr().err == ("soc-bulletin: error: --format lists the failed recipients: give it with --failed (status "
                                       "--failed --format csv)\n")
    assert main(["status", str(workdir / "issue"), *ledger]) == 1


# -- segments' own mistakes wherever segments are read -----------------------------------------------------------------


def test_segments_errors_are_reported_by_check_and_send(project: Path, capsys: Capture) -> None:
    (project / "subscribers" / "segments.yaml").write_text("all: {segments: [police]}\nbad name!: {segments: [police]}\n"
                                                           "police: {segments: [police]}\n", encoding="utf-8")
    restrict(project / "issues" / "2019-08" / "articles" / "jmlit.yaml", "police")
    expected = [
        "subscribers/segments.yaml:1:1: SB630 'all' is built in (every subscriber); give this segment another name.",
        "subscribers/segments.yaml:2:1: SB631 The segment name 'bad name!' may hold only letters, digits, '-', '_' and '.', such as "
        "'police-wales'.",
    ]
    assert main(["check", "issues/2019-08"]) == 1
    assert [line for line in capsys.readouterr().out.splitlines() if "segments.yaml" in line] == expected
    assert main(["send", "issues/2019-08", "--dry-run"]) == 1
    assert [line for line in capsys.readouterr().err.splitlines() if "segments.yaml" in line] == expected


# -- messages ----------------------------------------------------------------------------------------------------------


def test_the_quoting_advice_of_a_long_value_is_whole_so_pasting_it_keeps_the_text() -> None:
    title = "County Lines intensification week: partners across England and Wales act together"
    text = f"title: {title}\n"
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.safe_load(text)
    assert explain(text, caught.value).message.endswith(f'put the text in quotes: "{title}".')


def test_two_issues_with_one_number_are_reported(project: Path) -> None:
    shutil.copytree(project / "issues" / "2019-08", project / "issues" / "2019-11")
    problems = [str(p) for p in check_paths([project / "issues"]) if p.code == "SB027"]
    assert problems == [
        f"{project}/issues/2019-08/issue.yaml:2:9: SB027 This is Issue 11, and so is {project}/issues/2019-11; give each issue its "
        "own number (the next after the latest is 12).",
        f"{project}/issues/2019-11/issue.yaml:2:9: SB027 This is Issue 11, and so is {project}/issues/2019-08; give each issue its "
        "own number (the next after the latest is 12).",
    ]


def test_an_unreachable_server_is_said_without_sending_first(workdir: Path, capsys: Capture) -> None:
    write_list(workdir / "list.csv", 3)
    assert send(workdir, "--smtp", "smtp://127.0.0.1:9", "--max-attempts", "1", "--timeout", "2") != 0
    captured = capsys.readouterr()
    assert "Sending" not in captured.out


def test_a_stopped_send_does_not_contradict_its_failures(workdir: Path, smtp: FaultyController, capsys: Capture) -> None:
    addresses = write_list(workdir / "list.csv", 4)
    smtp.recorder.faults.rcpt_permanent.add(addresses[0])
    smtp.recorder.faults.data_reply["*"] = "554 5.7.1 Message rejected as spam"
    assert send(workdir, "--smtp", smtp.url, "--max-attempts", "1", "--concurrency", "1") == 1
    err = capsys.readouterr().err
    assert "Nobody was marked failed" not in err
    assert re.search(r"Stopped: .*\. The recipients not sent to yet were not marked failed \(the 1 failed above were refused on "
                     r"their own\); fix the cause and run the same command to send to them\.", err), err


def test_the_freeze_refusal_says_who_is_waiting(workdir: Path, capsys: Capture) -> None:
    write_list(workdir / "list.csv", 3)
    assert send(workdir, "--segment", "police") == 0
    article = workdir / "issue" / "articles" / "first.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace("Some words.", "Other words."), encoding="utf-8")
    capsys.readouterr()
    assert send(workdir) == 65
    assert capsys.readouterr().err.rstrip().endswith(
        "Undo the change, or pass --accept-changes to send the new version to the 2 recipient(s) who have not had it")


# -- the message -------------------------------------------------------------------------------------------------------


def test_the_date_header_has_a_numeric_zone_and_the_text_part_the_browser_link(project: Path) -> None:
    settings = project / "soc-bulletin.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        '# base_url = "https://bulletin.example.org"', 'base_url = "https://bulletin.example.org"'), encoding="utf-8")
    assert main(["send", "issues/2019-08", "--test-to", "editor@example.org"]) == 0
    proofs = [email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
              for eml in (project / "outbox" / "2019-08" / "proofs").glob("*.eml")]
    [message] = [m for m in proofs if str(m["Subject"]).startswith("[Proof: everyone] ")]  # the English edition's (of 3)
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", str(message["Date"])), message["Date"]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    link = "https://bulletin.example.org/2019-08/"
    assert f'href="{link}"' in html.get_content()
    assert text.get_content().startswith(f"View this bulletin in your browser: <{link}>\r\n")


def test_the_text_edition_has_no_browser_link_without_a_web_address() -> None:
    from soc_bulletin.content.load import load_issue

    from .conftest import ISSUE_11

    assert "View this bulletin in your browser" not in render_issue(load_issue(ISSUE_11)).text


def test_the_preview_names_its_editions(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    process = subprocess.Popen([sys.executable, "-m", "soc_bulletin", "preview", "issues/2019-08", "--port", "0"], cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline(), process.stdout.readline()]
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    assert lines[1] == ("Editions: Every article, Everyone (no segment), Segment: local-authorities, Segment: police, Every article: cy, "
                        "Every article: cy and en (switch at the top of the page)\n")


def test_a_plain_ctrl_c_says_how_to_resume_not_to_fix_a_cause(workdir: Path, smtp: FaultyController) -> None:
    write_list(workdir / "list.csv", 40)
    smtp.recorder.faults.data_delay = 0.2
    process = subprocess.Popen(
        [sys.executable, "-m", "soc_bulletin", "send", "issue", "--subscribers", "list.csv", "--segments", "segments.yaml",
         "--suppressed", "suppressed.csv", "--ledger-dir", "ledger", "--no-progress", "--smtp", smtp.url, "--concurrency", "1"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert process.stdout is not None
    assert process.stdout.readline().startswith("Sending ")
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert "fix the cause" not in err
    assert "Interrupted: the recipients not sent to yet were not marked failed; run the same command to send to them." in err


def test_the_archive_never_publishes_a_draft(project: Path, capsys: Capture) -> None:
    assert main(["new-issue", "issues/2019-11", "--from", "issues/2019-08"]) == 0
    capsys.readouterr()
    assert main(["archive", "issues", "-o", "site"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Archived 1 issue(s), newest first: 2019-08"
    assert out[1:3] == ["Left out 1 draft(s), not published until finished (send refuses them too):",
                        "  2019-11: still the template's words 'Write the welcome to Issue'"]
    assert not (project / "site" / "2019-11").exists()
    assert "Write the welcome" not in (project / "site" / "index.html").read_text(encoding="utf-8")
    assert "Issue 12" not in (project / "site" / "feed.xml").read_text(encoding="utf-8")
    assert main(["new-article", "issues/2019-11", "county-lines-week", "--section", "Tackling Vulnerability"]) == 0
    finish_draft(project / "issues" / "2019-11")
    assert main(["archive", "issues", "-o", "site"]) == 0
    assert (project / "site" / "2019-11" / "index.html").is_file()
    issue = project / "issues" / "2019-11" / "issue.yaml"  # a draft again: its pages go
    issue.write_text(issue.read_text(encoding="utf-8") + "  - kind: News\n    articles: []\n", encoding="utf-8")
    assert main(["archive", "issues", "-o", "site"]) == 0
    assert not (project / "site" / "2019-11").exists()
    shutil.rmtree(project / "issues" / "2019-08")
    assert main(["archive", "issues", "-o", "site"]) == 2
    assert capsys.readouterr().err == ("soc-bulletin: error: every issue in issues is a draft (2019-11: the section 'News' has no "
                                       "article); finish one to publish the archive\n")
