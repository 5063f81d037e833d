"""Issue 15, "the next quarter without help": each thing an editor or contributor hit, with its message, line and exit code.

The YAML mistakes are tests/test_yaml_mistakes.py; the editor's guide, run as
written, is tests/test_editors_guide.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from soc_bulletin.check import check_paths
from soc_bulletin.cli.main import main
from soc_bulletin.content.new_article import article_template
from soc_bulletin.site.preview import serve_preview

from .project import COUNCIL_ARTICLE, POLICE_ARTICLE, POLICE_SECTION, REPO, make_project
from .smtp import FaultyController
from .test_check_issue11 import SIZE_WARNING
from .test_preview import get
from .test_send import ledger_states, send, write_list

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project with Issue 11, one police article, one council article and one police section; the working folder."""
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_USER", raising=False)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_PASSWORD", raising=False)
    yield root


def _run(args: list[str], capsys: Capture) -> tuple[int, list[str], list[str]]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


# --- no way to start an issue ---------------------------------------------------------------------------------------


def test_new_article_on_an_empty_folder_says_how_to_start_the_issue(project: Path, capsys: Capture) -> None:
    (project / "issues" / "2019-11").mkdir()
    code, _, err = _run(["new-article", "issues/2019-11", "county-lines-week", "--section", "From the Centre"], capsys)
    assert (code, err) == (2, ["soc-bulletin: error: there is no issue.yaml in issues/2019-11; start the issue with: "
                               "soc-bulletin new-issue issues/2019-11"])


@pytest.mark.parametrize("sections", ["sections:", "sections: []"])
def test_new_article_on_empty_sections_starts_one_with_new_section(project: Path, capsys: Capture, sections: str) -> None:
    folder = project / "issues" / "2019-11"
    (folder / "articles").mkdir(parents=True)
    head = "title: T\nnumber: 12\ndate: 2019-11-01\nmailbox: team@example.org\nwelcome:\n  body: Hello.\n"
    (folder / "issue.yaml").write_text(f"{head}{sections}\n", encoding="utf-8")
    code, _, err = _run(["new-article", "issues/2019-11", "county-lines-week", "--section", "Tackling Vulnerability"], capsys)
    assert (code, err) == (2, ["soc-bulletin: error: issue.yaml has no sections yet; give --new-section to start the section "
                               "'Tackling Vulnerability'"])
    assert main(["new-article", "issues/2019-11", "county-lines-week", "--section", "Tackling Vulnerability", "--new-section"]) == 0
    assert (folder / "issue.yaml").read_text(encoding="utf-8") == (
        f"{head}sections:\n  - kind: Tackling Vulnerability\n    articles:\n      - county-lines-week\n")
    assert not check_paths([folder]).errors


def test_the_readme_issue_sample_names_articles_that_exist_and_checks(project: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sample = re.search(r"### `issue.yaml`\n\n```yaml\n(.*?)```", readme, re.DOTALL)
    assert sample is not None
    issue = project / "issues" / "2019-08"
    (issue / "issue.yaml").write_text(sample.group(1), encoding="utf-8")
    listed = [slug for section in yaml.safe_load(sample.group(1))["sections"] for slug in section["articles"]]
    assert listed and all((issue / "articles" / f"{slug}.yaml").is_file() for slug in listed)
    unlisted = [path for path in (issue / "articles").glob("*.yaml") if path.stem not in listed]
    assert {p.code for p in check_paths([issue]).errors} == {"SB022"}  # the articles of Issue 11 the short sample does not list
    for path in unlisted:
        path.unlink()
    assert check_paths([issue]).problems == ()


# --- editions are invisible -----------------------------------------------------------------------------------------


def test_build_shows_a_sample_greeting_and_unsubscribe_link_never_placeholders(project: Path, capsys: Capture) -> None:
    code, out, _ = _run(["build", "issues/2019-08", "-o", "out"], capsys)
    assert code == 0
    html = (project / "out" / "index.html").read_text(encoding="utf-8")
    text = (project / "out" / "index.txt").read_text(encoding="utf-8")
    assert "[[" not in html + text
    assert "Dear Alex Example," in html and "Dear Alex Example," in text
    assert 'href="mailto:SCOC.localpartnerships@homeoffice.gov.uk?subject=Unsubscribe"' in html
    assert out[-1] == ("This build holds every article, also those only for local-authorities, police; to see what one segment "
                       "receives, use --segment NAME (or --all-editions).")


def test_build_segment_writes_what_the_segment_receives(project: Path, capsys: Capture) -> None:
    code, out, _ = _run(["build", "issues/2019-08", "--segment", "police", "-o", "police"], capsys)
    assert code == 0
    assert out[-2].startswith(f"Edition 'police', what 64 member(s) of 'police' receive: 10 articles (special-competent-authority, "
                              f"{POLICE_ARTICLE}, ")
    assert out[-1] == "Editions as the members of 'police' on subscribers/example.csv receive them."
    html = (project / "police" / "index.html").read_text(encoding="utf-8")
    assert f'id="{POLICE_ARTICLE}"' in html and f'id="{COUNCIL_ARTICLE}"' not in html
    code, out, _ = _run(["build", "issues/2019-08", "--segment", "local-authorities", "-o", "councils"], capsys)
    html = (project / "councils" / "index.html").read_text(encoding="utf-8")
    assert f'id="{COUNCIL_ARTICLE}"' in html and f'id="{POLICE_ARTICLE}"' not in html
    assert POLICE_SECTION.upper() not in (project / "councils" / "index.txt").read_text(encoding="utf-8")


def test_build_segment_follows_its_members_into_the_segments_they_are_in(project: Path, capsys: Capture) -> None:
    code, out, _ = _run(["build", "issues/2019-08", "--segment", "police-wales", "-o", "wales"], capsys)  # all police: the police edition
    assert code == 0 and out[-2].startswith("Edition 'police', what 9 member(s) of 'police-wales' receive: 10 articles (")
    assert f'id="{POLICE_ARTICLE}"' in (project / "wales" / "index.html").read_text(encoding="utf-8")
    code, out, _ = _run(["build", "issues/2019-08", "--segment", "community-partners", "-o", "community"], capsys)
    assert [line.split(":")[0] for line in out if line.startswith("Edition '")] == [
        "Edition 'everyone', what 93 member(s) of 'community-partners' receive",
        "Edition 'local-authorities', what 43 member(s) of 'community-partners' receive",
    ]
    assert sorted(p.name for p in (project / "community").iterdir()) == ["everyone", "local-authorities"]
    (project / "subscribers" / "example.csv").unlink()
    code, out, _ = _run(["build", "issues/2019-08", "--segment", "police-wales", "-o", "alone"], capsys)
    assert out[-2:] == [
        "Edition 'everyone', what a member of 'police-wales' receives: 7 articles (special-competent-authority, asset-recovery-action-plan, "
        "crime-in-prison-referral-agreement, wolverhampton-hate-crime, diverting-young-people-ceredigion, modern-slavery-innovation-fund, "
        "parents-problem-or-solution).",
        "No subscriber list at subscribers/example.csv: this is the edition of a member of 'police-wales' in no other segment an "
        "article or section is for.",
    ]


def test_build_segment_that_is_not_one_is_exit_2_with_the_closest(project: Path, capsys: Capture) -> None:
    assert _run(["build", "issues/2019-08", "--segment", "polise"], capsys)[::2] == (
        2, ["soc-bulletin: error: There is no segment 'polise'; did you mean 'police'?"])
    assert not (project / "build").exists()


def test_build_all_editions_one_folder_each(project: Path, capsys: Capture) -> None:
    code, out, _ = _run(["build", "issues/2019-08", "--all-editions"], capsys)
    assert code == 0
    editions = ["everyone", "local-authorities", "police"]
    assert sorted(p.name for p in (project / "build" / "2019-08").iterdir()) == sorted(
        name + suffix for name in editions for suffix in ("", "@cy", "@cy+en"))  # and in Welsh, and in both
    assert [line.split(":")[0] for line in out[:3]] == editions
    assert out[0].startswith("everyone: build/2019-08/everyone/index.html (7 articles, HTML ")  # 11 less 2 restricted and a section of 2
    assert out[-1] == ("9 editions: one per segment an article or section is for, and 'everyone' for the rest; "
                       "a reader in several of those segments receives the articles of each.")


def test_preview_switches_editions_and_shows_no_placeholders(project: Path) -> None:
    with serve_preview(project / "issues" / "2019-08", port=0) as running:
        page = get(running.url)[2]
        assert [m for m in re.findall(r'<a href="/\?edition=([^"]*)"', page)] == ["", "everyone", "local-authorities", "police", "%40cy",
                                                                                       "%40cy%2Ben"]
        police = get(running.url + "?edition=police")[2]
        assert 'aria-current="page">Segment: police</a>' in police and "email.html?build=1&amp;edition=police" in police
        html = get(running.url + "email.html?edition=police")[2]
        assert f'id="{POLICE_ARTICLE}"' in html and f'id="{COUNCIL_ARTICLE}"' not in html
        assert "Dear Alex Example," in html and "[[" not in html
        assert "Participatory Budgeting in Newport" in get(running.url + "email.txt?edition=local-authorities")[2]
        assert "SOC COMMUNITY COORDINATORS" not in get(running.url + "email.txt?edition=everyone")[2].upper().replace(
            "THE SOC COMMUNITY COORDINATORS PROGRAMME", "").replace("MEET THE SOC COMMUNITY COORDINATORS", "")


# --- the archive is public ------------------------------------------------------------------------------------------


def test_archive_leaves_out_restricted_articles_and_says_so(project: Path, capsys: Capture) -> None:
    code, out, _ = _run(["archive", "issues", "-o", "site"], capsys)
    assert code == 0
    assert out[1:5] == [
        "Left out 3 restricted part(s), meant only for some segments (--include-restricted publishes them):",
        f"  2019-08: the article '{POLICE_ARTICLE}' (for police)",
        f"  2019-08: the article '{COUNCIL_ARTICLE}' (for local-authorities)",
        f"  2019-08: the section '{POLICE_SECTION}' (for police), with 2 article(s)",
    ]
    site = (project / "site" / "index.html").read_text(encoding="utf-8") + (project / "site" / "2019-08" / "index.html").read_text(encoding="utf-8")
    for slug in (POLICE_ARTICLE, COUNCIL_ARTICLE, "jmlit", "fight-against-dirty-money"):
        assert f'id="{slug}"' not in site and f"#{slug}" not in site
    assert main(["archive", "issues", "-o", "everything", "--include-restricted"]) == 0
    assert f'id="{POLICE_ARTICLE}"' in (project / "everything" / "2019-08" / "index.html").read_text(encoding="utf-8")
    assert "Left out" not in capsys.readouterr().out


# --- check knows the segments ---------------------------------------------------------------------------------------


def test_an_audience_that_is_not_a_segment_is_reported_at_its_line(project: Path, capsys: Capture) -> None:
    article = project / "issues" / "2019-08" / "articles" / f"{POLICE_ARTICLE}.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace("audience: [police]", "audience: [polise]"), encoding="utf-8")
    code, out, _ = _run(["check", "issues/2019-08"], capsys)
    assert (code, out) == (1, [
        f"issues/2019-08/articles/{POLICE_ARTICLE}.yaml:2:12: SB060 The audience 'polise' is not a segment in "
        "subscribers/segments.yaml; did you mean 'police'?",
        f"issues/2019-08/issue.yaml: {SIZE_WARNING}",
        "14 files checked: 1 error, 1 warning.",
    ])
    code, _, err = _run(["send", "issues/2019-08", "--dry-run"], capsys)  # send refuses it the same way, at the same place
    assert code == 1 and err[-2:] == [out[0], "1 problem(s) found."]


def test_sb060_and_every_sb6xx_code_are_in_contributing() -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for code in ("SB060", "SB600", "SB613", "SB634", "SB643"):
        assert f"| `{code}` |" in contributing, code


# --- messages that lead to the fix ----------------------------------------------------------------------------------


TEXT_ARTICLE = "title: T\nblocks:\n  - text: |\n      {text}\n"


def _check_article(issue_dir: object, text: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str]]:
    root = issue_dir(articles={"first": TEXT_ARTICLE.format(text=text)})  # type: ignore[operator]
    monkeypatch.chdir(root.parent)
    code, out, _ = _run(["check", "issue/articles/first.yaml"], capsys)
    return code, out


def test_a_bare_http_address_is_told_its_https_form_at_once(issue_dir: object, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _check_article(issue_dir, "See http://www.gov.uk/jmlit for more.", capsys, monkeypatch)
    assert (code, out) == (1, [
        "issue/articles/first.yaml:4:11: SB204 The web address 'http://www.gov.uk/jmlit' is not a link; write it as "
        "<https://www.gov.uk/jmlit> so readers can click it.",
        "1 file checked: 1 error, 0 warnings.",
    ])


def test_an_invalid_address_in_angle_brackets_is_reported(issue_dir: object, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _check_article(issue_dir, "Please contact <harish.dutt@@homeoffice.gov.uk>", capsys, monkeypatch)
    assert (code, out) == (1, [
        "issue/articles/first.yaml:4:23: SB101 The email address 'harish.dutt@@homeoffice.gov.uk' is not valid: The part after "
        "the @-sign contains invalid characters: '@'. It shows as plain text, not a link, until it is corrected.",
        "1 file checked: 1 error, 0 warnings.",
    ])


def test_an_untouched_template_is_warned_about(project: Path, capsys: Capture) -> None:
    path = project / "issues" / "2019-08" / "articles" / "county-lines-week.yaml"
    path.write_text(article_template("county-lines-week"), encoding="utf-8")
    code, out, _ = _run(["check", str(path.relative_to(project))], capsys)
    assert code == 0
    assert out[0] == ("issues/2019-08/articles/county-lines-week.yaml:9:8: SB017 'The title of your article' is still the template's "
                      "example text; replace it with your own words. (warning)")
    assert out[-2] == ("issues/2019-08/articles/county-lines-week.yaml:64:14: SB017 'your.name@example.org' is the template's "
                       "example address; write the real address. (warning)")
    assert out[-1] == "1 file checked: 0 errors, 7 warnings."
    assert main(["check", "--strict", str(path.relative_to(project))]) == 1


def test_a_missing_image_that_differs_in_case_is_found(project: Path, capsys: Capture) -> None:
    article = project / "issues" / "2019-08" / "articles" / "wolverhampton-hate-crime.yaml"
    text = article.read_text(encoding="utf-8")
    assert "src: images/wolverhampton-placeholder.png" in text
    article.write_text(text.replace("src: images/wolverhampton-placeholder.png", "src: images/Wolverhampton-Placeholder.PNG"), encoding="utf-8")
    code, out, _ = _run(["check", "issues/2019-08"], capsys)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "src: images/" in t)
    assert code == 1
    assert out[0] == (f"issues/2019-08/articles/wolverhampton-hate-crime.yaml:{line}:12: SB401 The image file "
                      "images/Wolverhampton-Placeholder.PNG does not exist in issues/2019-08; did you mean "
                      "images/wolverhampton-placeholder.png? The name must match in capitals too (the web server and mail "
                      "programs tell them apart).")


def test_new_article_refuses_a_section_that_is_not_there(project: Path, capsys: Capture) -> None:
    before = (project / "issues" / "2019-08" / "issue.yaml").read_text(encoding="utf-8")
    code, _, err = _run(["new-article", "issues/2019-08", "county-lines-week", "--section", "Brand New Secton"], capsys)
    assert (code, err) == (2, [
        "soc-bulletin: error: there is no section 'Brand New Secton' in issue.yaml; the sections are 'From the Centre', "
        "'Meet the...', 'Lifetime Offender Management', 'Community Resilience', 'Tackling Vulnerability', 'Economic Crime'; "
        "to start a new section, add --new-section",
    ])
    code, _, err = _run(["new-article", "issues/2019-08", "county-lines-week", "--section", "Tackling Vulnerabilty"], capsys)
    assert code == 2 and "; did you mean 'Tackling Vulnerability'? the sections are" in err[0]
    assert (project / "issues" / "2019-08" / "issue.yaml").read_text(encoding="utf-8") == before
    assert not (project / "issues" / "2019-08" / "articles" / "county-lines-week.yaml").exists()
    assert main(["new-article", "issues/2019-08", "county-lines-week", "--section", "Brand New Section", "--new-section"]) == 0


def test_a_block_without_its_dash_is_reported_where_the_dash_is_missing(issue_dir: object, capsys: Capture,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    article = "title: T\nblocks:\n  - text: |\n      Words.\n  - quote:\n      text: Hello.\n    contact:\n      email: jo@example.org\n"
    root = issue_dir(articles={"first": article})  # type: ignore[operator]
    monkeypatch.chdir(root.parent)
    code, out, _ = _run(["check", "issue/articles/first.yaml"], capsys)
    assert (code, out) == (1, [
        "issue/articles/first.yaml:7:5: SB030 'contact:' starts a new block but has no '- ' in front, so it is read as part of "
        "the block above; write '- contact:' with the '- ' lined up with the other blocks (at column 3).",
        "1 file checked: 1 error, 0 warnings.",
    ])


# --- rough edges ----------------------------------------------------------------------------------------------------


def test_version(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == "soc-bulletin 0.1.0\n"


@pytest.mark.parametrize("args", [["subscribers", "stats", "subscribers/example.csv"], ["check", "issues"], ["--version"], ["--help"]])
def test_a_closed_pipe_is_quiet_and_exit_141(project: Path, args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as after `| head -3`
    try:
        result = subprocess.run([sys.executable, "-m", "soc_bulletin", *args], stdout=write, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (141, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "issues/nope"], "issues/nope does not exist; give an issue folder such as issues/2019-08 "
                                   "(soc-bulletin new-issue issues/nope starts one)"),
        (["check", "issues/nope"], "issues/nope: no such file or folder"),
        (["preview", "issues/nope", "--port", "0"], "issues/nope does not exist; give an issue folder such as issues/2019-08 "
                                                    "(soc-bulletin new-issue issues/nope starts one)"),
        (["new-article", "issues/nope", "a-b", "--section", "X"], "issues/nope does not exist; start the issue with: "
                                                                  "soc-bulletin new-issue issues/nope"),
        (["archive", "issues/nope", "-o", "site"], "issues/nope does not exist; give the folder that holds the issue folders, such as issues"),
        (["status", "issues/nope"], "issues/nope does not exist; give an issue folder such as issues/2019-08 "
                                    "(soc-bulletin new-issue issues/nope starts one)"),
        (["subscribers", "stats", "subscribers/nope.csv"], "subscribers/nope.csv does not exist; check the path"),
        (["build", "issues"], "issues is a folder of issues; give one of them, such as issues/2019-08"),
        (["archive", "issues/2019-08", "-o", "site"], "issues/2019-08 is one issue folder; give the folder that holds every issue, such as issues"),
        (["status", "issues/2019-08", "--segment", "nope"], "There is no segment 'nope'; choose one of: all, police, police-wales, "
         "local-authorities, charities, health, education, government, public-sector, soc-boards, wales, scotland, northern-ireland, "
         "england, community-partners."),
    ],
    ids=["build", "check", "preview", "new-article", "archive", "status", "stats", "build-issues", "archive-one-issue", "status-segment"],
)
def test_a_path_or_name_that_is_not_there_is_exit_2(project: Path, capsys: Capture, args: list[str], message: str) -> None:
    assert _run(args, capsys)[::2] == (2, [f"soc-bulletin: error: {message}"])


def test_build_takes_the_issue_file_for_its_folder(project: Path, capsys: Capture) -> None:
    code, out, _ = _run(["build", "issues/2019-08/issue.yaml"], capsys)
    assert code == 0 and out[0] == "wrote build/2019-08/index.html"


def test_verbose_build_logs_what_it_does(project: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "soc_bulletin", "-v", "build", "issues/2019-08", "--segment", "police", "-o", "out"],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert result.returncode == 0
    err = result.stderr.splitlines()
    assert "INFO soc_bulletin.cli.build: settings: soc-bulletin.toml; layouts: the package's own" in err
    assert "INFO soc_bulletin.cli.build: segment 'police' from subscribers/segments.yaml" in err
    assert "INFO soc_bulletin.render.build: rendered out: 6 sections, 10 articles" in err


def test_rate_without_a_unit_says_how_to_write_it(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["send", "issues/2019-08", "--rate", "30"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "soc-bulletin send: error: argument --rate: '30' is not a rate; give the unit too, such as 30/min, 5/s or 1000/hour")


def test_dry_run_shows_the_subject_as_written(project: Path, capsys: Capture) -> None:
    (project / "subscribers" / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    assert main(["send", "issues/2019-08", "--segment", "police-wales", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  Subject: Bwletin Partneriaethau Lleol SOC – Awst 2019, Rhifyn 11" in out  # the first in the list reads Welsh
    assert not any("=?utf-8?" in line for line in out)


def test_status_by_segment_and_with_a_broken_article(project: Path, capsys: Capture) -> None:
    (project / "subscribers" / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    assert main(["send", "issues/2019-08", "--segment", "police-wales", "--no-progress"]) == 0
    capsys.readouterr()
    code, out, _ = _run(["status", "issues/2019-08", "--segment", "police"], capsys)
    assert (code, out) == (0, ["No send of issue 2019-08 to segment 'police' has started; sends so far: police-wales."])
    article = project / "issues" / "2019-08" / "articles" / "jmlit.yaml"
    article.write_text('title: "Joint Money Laundering\n', encoding="utf-8")  # a YAML error must not stop status
    code, out, _ = _run(["status", "issues/2019-08", "--segment", "police-wales"], capsys)
    assert code == 0
    assert out[0].startswith("Issue 2019-08: ledger .ledger/2019-08.sqlite3, send started ")
    rows = [line.split() for line in out[2:] if line.startswith("police-wales ")]
    assert [row[1] for row in rows] == ["police", "police@cy", "police@cy+en"]  # each language's edition
    assert sum(int(row[2]) for row in rows) == sum(int(row[3]) for row in rows) == 9 and all(set(row[4:]) == {"0"} for row in rows)


def test_preview_lists_problems_with_relative_paths(project: Path) -> None:
    article = project / "issues" / "2019-08" / "articles" / "jmlit.yaml"
    article.write_text('title: "Joint Money Laundering\nblocks: []\n', encoding="utf-8")
    with serve_preview("issues/2019-08", port=0) as running:
        page = get(running.url)[2]
    assert ('issues/2019-08/articles/jmlit.yaml:1:8: SB003 The double quote (&quot;) that starts this value is never closed; '
            "put a &quot; at the end of the value.") in page
    assert str(project) not in page


# --- documentation that matches the behaviour -----------------------------------------------------------------------


def test_readme_says_how_to_run_the_tests_without_chromium() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert '.venv/bin/python -m pytest -m "not browser"' in readme
    with open(REPO / "pyproject.toml", encoding="utf-8") as file:
        assert '"browser: runs a real headless Chromium"' in file.read()


def test_contributing_pre_commit_example_is_a_hook_that_works() -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "v0.1.0" not in contributing
    block = re.search(r"In a\n  `.pre-commit-config.yaml`:\n\n  ```yaml\n(.*?)  ```", contributing, re.DOTALL)
    assert block is not None
    [repo] = yaml.safe_load(block.group(1).replace("\n  ", "\n"))["repos"]
    [hook] = repo["hooks"]
    ours = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}[hook["id"]]
    assert repo["repo"] == "local" and hook["language"] == "system"
    assert (hook["entry"], hook["args"], hook["files"], hook["pass_filenames"]) == (ours["entry"], ours["args"], ours["files"], False)


def test_readme_pause_after_failures_in_a_row_is_what_happens_with_4_connections(
    workdir: Path, smtp: FaultyController, capsys: Capture,
) -> None:
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert ("25 failed attempts in a row pause the send: attempts on every connection count (a retry counts again) and any success "
            "resets the count; messages already on the wire on the other connections finish, so with `--concurrency 4` up to 28 "
            "recipients may be marked failed before the pause.") in readme
    addresses = write_list(workdir / "list.csv", 60)
    smtp.recorder.faults.rcpt_permanent.update(addresses[:50])
    assert send(workdir, "--smtp", smtp.url, "--concurrency", "4") == 1
    assert "Stopped: paused after 25 failures in a row; last: 550 5.1.1" in capsys.readouterr().err
    assert 25 <= list(ledger_states(workdir).values()).count("failed-permanent") <= 28


def test_readme_documents_the_unsubscribe_secret_minimum() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`SOC_BULLETIN_UNSUBSCRIBE_SECRET`, at least 16 characters" in readme


def test_contributing_command_line_example_works(project: Path, capsys: Capture) -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    block = re.search(r"## With the command line \(optional\).*?```sh\n.*?```.*?```sh\n(.*?)```", contributing, re.DOTALL)  # after the install
    assert block is not None
    for line in block.group(1).strip().splitlines():
        argv = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', line)]
        assert argv[0] == "soc-bulletin"
        assert main(argv[1:]) == 0, line
    assert (project / "issues" / "2019-08" / "articles" / "youth-diversion-ceredigion.yaml").is_file()
