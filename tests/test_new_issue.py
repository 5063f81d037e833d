"""``soc-bulletin new-issue``: the next issue from the previous one, valid at once (warnings only), never over an existing one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from soc_bulletin.check import check_paths
from soc_bulletin.cli.main import main
from soc_bulletin.content.load import read_issue
from soc_bulletin.content.new_issue import latest_issue, months_later

from .project import make_project

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    return root


def test_the_next_issue_takes_title_mailbox_and_sections_without_articles(project: Path, capsys: Capture) -> None:
    assert main(["new-issue", "issues/2019-11", "--from", "issues/2019-08"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "wrote issues/2019-11/issue.yaml: issue 12, dated 2019-11-01, after issue 11 in issues/2019-08",
        "sections, with no articles yet: From the Centre, Meet the..., Lifetime Offender Management, Community Resilience, "
        "Tackling Vulnerability, Economic Crime",
        'next: write the welcome in issues/2019-11/issue.yaml, then add articles with soc-bulletin new-article issues/2019-11 '
        '<article-name> --section "<section>"',
    ]
    data = yaml.safe_load((project / "issues" / "2019-11" / "issue.yaml").read_text(encoding="utf-8"))
    assert (data["title"], data["number"], data["date"], data["mailbox"]) == (
        "SOC Local Partnerships Bulletin", 12, dt.date(2019, 11, 1), "SCOC.localpartnerships@homeoffice.gov.uk")
    assert data["strapline"] == "Working together to tackle Serious and Organised Crime"
    assert data["sections"][-1] == {"kind": "Economic Crime", "audience": ["police"], "articles": []}  # its audience kept
    assert (project / "issues" / "2019-11" / "articles").is_dir()
    report = check_paths([project / "issues" / "2019-11"])
    assert not report.errors
    assert sorted({p.code for p in report}) == ["SB017", "SB025"]  # the welcome and preheader to write, sections to fill
    source = read_issue(project / "issues" / "2019-11")
    assert source.issue is not None and source.issue.email_subject == "SOC Local Partnerships Bulletin – November 2019, Issue 12"


def test_without_from_it_starts_from_the_latest_issue(project: Path, capsys: Capture) -> None:
    older = project / "issues" / "2019-05"
    (older / "articles").mkdir(parents=True)
    (older / "issue.yaml").write_text("title: Old\nnumber: 10\ndate: 2019-05-01\nmailbox: old@example.org\nwelcome:\n  body: Hi.\n"
                                      "sections:\n  - kind: Old\n    articles: []\n", encoding="utf-8")
    assert latest_issue(project / "issues") == project / "issues" / "2019-08"
    assert main(["new-issue", "issues/2019-11"]) == 0
    assert capsys.readouterr().out.startswith("wrote issues/2019-11/issue.yaml: issue 12, dated 2019-11-01, after issue 11 in issues/2019-08\n")


def test_number_and_date_can_be_given(project: Path, capsys: Capture) -> None:
    assert main(["new-issue", "issues/2019-12", "--number", "20", "--date", "2019-12-15"]) == 0
    data = yaml.safe_load((project / "issues" / "2019-12" / "issue.yaml").read_text(encoding="utf-8"))
    assert (data["number"], data["date"]) == (20, dt.date(2019, 12, 15))


def test_a_folder_named_for_another_month_is_pointed_out(project: Path, capsys: Capture) -> None:
    assert main(["new-issue", "issues/2019-12"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == (
        "note: the folder is named 2019-12 but the issue is dated 2019-11-01; give --date to change it")


def test_a_first_issue_is_minimal_and_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new-issue", "issues/2020-02"]) == 0
    assert capsys.readouterr().out.startswith("wrote issues/2020-02/issue.yaml: issue 1, dated 2020-02-01, the first issue\n")
    report = check_paths([tmp_path / "issues" / "2020-02"])
    assert not report.errors and sorted({p.code for p in report}) == ["SB017", "SB025"]
    assert main(["new-article", "issues/2020-02", "first-news", "--section", "News"]) == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["new-issue", "issues/2019-08"], 2,
         "soc-bulletin: error: issues/2019-08/issue.yaml already exists; choose a new folder for the next issue, such as issues/YYYY-MM"),
        (["new-issue", "issues/2019-11", "--from", "issues/2019-05"], 2,
         "soc-bulletin: error: issues/2019-05 does not exist; give the folder of the previous issue with --from, such as issues/2019-08"),
        (["new-issue", "issues/2019-11", "--from", "subscribers"], 2,
         "soc-bulletin: error: subscribers is not an issue folder (it has no issue.yaml); give the previous issue's folder with --from"),
        (["new-issue", "issues/2019-11", "--from", "issues/2019-11"], 2,
         "soc-bulletin: error: issues/2019-11 does not exist; give the folder of the previous issue with --from, such as issues/2019-08"),
    ],
    ids=["existing", "from-missing", "from-not-an-issue", "from-itself"],
)
def test_refusals_write_nothing(project: Path, capsys: Capture, args: list[str], code: int, message: str) -> None:
    before = (project / "issues" / "2019-08" / "issue.yaml").read_bytes()
    assert main(args) == code
    assert capsys.readouterr().err.splitlines() == [message]
    assert not (project / "issues" / "2019-11").exists()
    assert (project / "issues" / "2019-08" / "issue.yaml").read_bytes() == before


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--date", "1 Nov 2019", "argument --date: '1 Nov 2019' is not a date; write it as YYYY-MM-DD, such as 2019-11-01"),
    ("--number", "0", "argument --number: '0' is not an issue number; give a whole number such as 12"),
])
def test_bad_number_or_date_is_a_usage_error(project: Path, capsys: Capture, option: str, value: str, message: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["new-issue", "issues/2019-11", option, value])
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"soc-bulletin new-issue: error: {message}"


def test_a_previous_issue_that_cannot_be_read_is_reported(project: Path, capsys: Capture) -> None:
    (project / "issues" / "2019-08" / "issue.yaml").write_text('title: "Broken\n', encoding="utf-8")
    assert main(["new-issue", "issues/2019-11", "--from", "issues/2019-08"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        'issues/2019-08/issue.yaml:1:8: SB003 The double quote (") that starts this value is never closed; put a " at the end of the value.')
    assert not (project / "issues" / "2019-11").exists()


@pytest.mark.parametrize(("day", "later"), [
    (dt.date(2019, 8, 1), dt.date(2019, 11, 1)), (dt.date(2019, 11, 30), dt.date(2020, 2, 29)), (dt.date(2019, 10, 31), dt.date(2020, 1, 31)),
])
def test_three_months_on(day: dt.date, later: dt.date) -> None:
    assert months_later(day) == later
