"""``soc-bulletin new-article``: a valid commented template, and issue.yaml edited by one insertion only."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin.check import check_paths
from soc_bulletin.cli.main import main
from soc_bulletin.content.load import BLOCK_KINDS, load_article, read_issue
from soc_bulletin.content.new_article import add_to_issue, article_template
from soc_bulletin.errors import ConfigError

from .conftest import ISSUE_11, MINIMAL_ISSUE
from .project import run_main

IssueDir = Callable[..., Path]

ISSUE = """\
# The editor's notes stay where they are.
title: Test Bulletin
number: 3
date: 2020-02-01
preheader: News from the partnerships
mailbox: team@example.org
welcome:
  body: |
    Hello partners.
sections:
  - kind: From the Centre   # always first
    articles:
      - first
      # - held-back-until-december
  - kind: Meet the...
    articles: [second, third]
  - kind: Economic Crime
    articles: []

# end of sections
"""


def test_adds_to_a_block_list_after_its_last_article() -> None:
    assert add_to_issue(ISSUE, "new-one", section="From the Centre") == ISSUE.replace(
        "      - first\n", "      - first\n      - new-one\n",
    )


def test_adds_to_a_flow_list() -> None:
    assert add_to_issue(ISSUE, "new-one", section="Meet the...") == ISSUE.replace("[second, third]", "[second, third, new-one]")


def test_adds_to_an_empty_flow_list() -> None:
    assert add_to_issue(ISSUE, "new-one", section="Economic Crime") == ISSUE.replace("articles: []", "articles: [new-one]")


def test_section_matched_by_its_slug() -> None:
    assert add_to_issue(ISSUE, "new-one", section="meet-the") == ISSUE.replace("[second, third]", "[second, third, new-one]")


def test_missing_section_is_added_after_the_last_one() -> None:
    assert add_to_issue(ISSUE, "new-one", section="Tackling Vulnerability", new_section=True) == ISSUE.replace(
        "    articles: []\n",
        "    articles: []\n  - kind: Tackling Vulnerability\n    articles:\n      - new-one\n",
    )


def test_section_name_that_needs_quotes() -> None:
    edited = add_to_issue(ISSUE, "new-one", section="Focus: #1 priority", new_section=True)
    assert '  - kind: "Focus: #1 priority"\n    articles:\n      - new-one\n' in edited


def test_windows_line_endings_are_kept() -> None:
    crlf = ISSUE.replace("\n", "\r\n")
    assert add_to_issue(crlf, "new-one", section="From the Centre") == crlf.replace(
        "      - first\r\n", "      - first\r\n      - new-one\r\n",
    )


def test_file_without_final_newline() -> None:
    text = MINIMAL_ISSUE.replace("articles: [first]", "articles:\n      - first").rstrip("\n")
    assert add_to_issue(text, "new-one", section="From the Centre") == text + "\n      - new-one\n"


def test_real_issue_11_gets_one_line(tmp_path: Path) -> None:
    root = tmp_path / "2019-08"
    shutil.copytree(ISSUE_11, root)
    before = (root / "issue.yaml").read_text(encoding="utf-8")
    assert main(["new-article", str(root), "county-lines-week", "--section", "Tackling Vulnerability"]) == 0
    after = (root / "issue.yaml").read_text(encoding="utf-8")
    assert after == before.replace("      - parents-problem-or-solution\n", "      - parents-problem-or-solution\n      - county-lines-week\n", 1)
    assert (root / "articles" / "county-lines-week.cy.yaml").read_text(encoding="utf-8") == article_template("county-lines-week")
    source = read_issue(root)
    assert source.problems == []
    assert source.issue is not None
    assert [a.slug for a in source.issue.sections[4].articles][-1] == "county-lines-week"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("first", "'first' is already listed in issue.yaml; choose another name"),
        ("held-back", None),
    ],
)
def test_already_listed(slug: str, message: str | None) -> None:
    if message is None:
        assert "held-back" in add_to_issue(ISSUE, slug, section="From the Centre")
        return
    with pytest.raises(ConfigError) as caught:
        add_to_issue(ISSUE, slug, section="Economic Crime")
    assert str(caught.value) == message


def test_writes_a_template_that_checks_clean(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str]) -> None:
    root = issue_dir(ISSUE, {"first": "title: First\nblocks:\n  - text: Words.\n", "second": "title: S\nblocks: []\n", "third": "title: T\nblocks: []\n"})
    assert main(["new-article", str(root), "youth-diversion", "--section", "Community Resilience", "--new-section"]) == 0
    assert capsys.readouterr().out == (
        f"wrote {root}/articles/youth-diversion.yaml\n"
        f"added 'youth-diversion' to {root}/issue.yaml\n"
        f"edit {root}/articles/youth-diversion.yaml, then run: soc-bulletin check {root}\n"
    )
    assert (root / "articles" / "youth-diversion.yaml").read_text(encoding="utf-8") == article_template("youth-diversion")
    article, problems = load_article(root / "articles" / "youth-diversion.yaml")
    assert problems == []
    assert article is not None and article.title == "The title of your article"
    report = check_paths([root])  # valid as it is; its example words are warnings until replaced (SB025: the empty section of ISSUE)
    assert not report.errors and {p.code for p in report} == {"SB017", "SB025"}


def test_template_explains_every_block_type() -> None:
    template = article_template("x")
    for kind in BLOCK_KINDS:
        assert f"  # {kind}: " in template, kind
        assert f"  - {kind}:" in template or f"  # - {kind}:" in template, kind


@pytest.mark.parametrize("slug", ["My_Article", "my article", "Capital", "double--hyphen", "-leading", "trailing-", "", "émigré", "a/b", "../up"])
def test_refuses_names_not_in_kebab_case(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str], slug: str) -> None:
    root = issue_dir(ISSUE)
    before = (root / "issue.yaml").read_text(encoding="utf-8")
    assert main(["new-article", "--section", "From the Centre", "--", str(root), slug]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"soc-bulletin: error: '{slug}' is not a kebab-case name; use lower-case letters, digits and single hyphens")
    assert (root / "issue.yaml").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in (root / "articles").iterdir()) == ["first.yaml"]


def test_refuses_an_existing_file(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str]) -> None:
    root = issue_dir(ISSUE)
    assert main(["new-article", str(root), "first", "--section", "From the Centre"]) == 2
    assert capsys.readouterr().err == f"soc-bulletin: error: {root}/articles/first.yaml already exists; choose another name\n"


def test_refuses_a_slug_listed_without_a_file(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str]) -> None:
    root = issue_dir(ISSUE)
    assert main(["new-article", str(root), "second", "--section", "Economic Crime"]) == 2
    assert capsys.readouterr().err == "soc-bulletin: error: 'second' is already listed in issue.yaml; choose another name\n"
    assert not (root / "articles" / "second.yaml").exists()


def test_broken_issue_file_is_reported_and_nothing_written(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str]) -> None:
    root = issue_dir("title: [broken\n")
    assert main(["new-article", str(root), "new-one", "--section", "From the Centre"]) == 1
    assert f"{root}/issue.yaml:1:8: SB003 The list opened with '[' here is not closed" in capsys.readouterr().err
    assert not (root / "articles" / "new-one.yaml").exists()


def test_missing_issue_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-article", str(tmp_path / "nope"), "new-one", "--section", "X"]) == 2
    assert capsys.readouterr().err == (
        f"soc-bulletin: error: {tmp_path / 'nope'} does not exist; start the issue with: soc-bulletin new-issue {tmp_path / 'nope'}\n")


def test_issue_without_a_sections_list(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str]) -> None:
    root = issue_dir("title: T\nsections: none\n")
    assert main(["new-article", str(root), "new-one", "--section", "X"]) == 2
    assert capsys.readouterr().err == (
        "soc-bulletin: error: issue.yaml has no list of 'sections' to add the article to; write 'sections:' on a line of its own\n")
    assert not (root / "articles" / "new-one.yaml").exists()


def test_byte_order_mark_is_kept(issue_dir: IssueDir) -> None:
    root = issue_dir(ISSUE)
    (root / "issue.yaml").write_bytes(b"\xef\xbb\xbf" + ISSUE.encode("utf-8"))
    assert main(["new-article", str(root), "new-one", "--section", "From the Centre"]) == 0
    assert (root / "issue.yaml").read_bytes().startswith(b"\xef\xbb\xbf# The editor's notes")


def test_new_article_on_an_empty_folder_says_how_to_start_the_issue(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (example_project / "issues" / "2019-11").mkdir()
    code, _, err = run_main(["new-article", "issues/2019-11", "county-lines-week", "--section", "From the Centre"], capsys)
    assert (code, err) == (2, ["soc-bulletin: error: there is no issue.yaml in issues/2019-11; start the issue with: "
                               "soc-bulletin new-issue issues/2019-11"])


@pytest.mark.parametrize("sections", ["sections:", "sections: []"])
def test_new_article_on_empty_sections_starts_one_with_new_section(example_project: Path, capsys: pytest.CaptureFixture[str], sections: str) -> None:
    folder = example_project / "issues" / "2019-11"
    (folder / "articles").mkdir(parents=True)
    head = "title: T\nnumber: 12\ndate: 2019-11-01\nmailbox: team@example.org\nwelcome:\n  body: Hello.\n"
    (folder / "issue.yaml").write_text(f"{head}{sections}\n", encoding="utf-8")
    code, _, err = run_main(["new-article", "issues/2019-11", "county-lines-week", "--section", "Tackling Vulnerability"], capsys)
    assert (code, err) == (2, ["soc-bulletin: error: issue.yaml has no sections yet; give --new-section to start the section "
                               "'Tackling Vulnerability'"])
    assert main(["new-article", "issues/2019-11", "county-lines-week", "--section", "Tackling Vulnerability", "--new-section"]) == 0
    assert (folder / "issue.yaml").read_text(encoding="utf-8") == (
        f"{head}sections:\n  - kind: Tackling Vulnerability\n    articles:\n      - county-lines-week\n")
    assert not check_paths([folder]).errors


def test_new_article_refuses_a_section_that_is_not_there(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (example_project / "issues" / "2019-08" / "issue.yaml").read_text(encoding="utf-8")
    code, _, err = run_main(["new-article", "issues/2019-08", "county-lines-week", "--section", "Brand New Secton"], capsys)
    assert (code, err) == (2, [
        "soc-bulletin: error: there is no section 'Brand New Secton' in issue.yaml; the sections are 'From the Centre', "
        "'Meet the...', 'Lifetime Offender Management', 'Community Resilience', 'Tackling Vulnerability', 'Economic Crime'; "
        "to start a new section, add --new-section",
    ])
    code, _, err = run_main(["new-article", "issues/2019-08", "county-lines-week", "--section", "Tackling Vulnerabilty"], capsys)
    assert code == 2 and "; did you mean 'Tackling Vulnerability'? the sections are" in err[0]
    assert (example_project / "issues" / "2019-08" / "issue.yaml").read_text(encoding="utf-8") == before
    assert not (example_project / "issues" / "2019-08" / "articles" / "county-lines-week.yaml").exists()
    assert main(["new-article", "issues/2019-08", "county-lines-week", "--section", "Brand New Section", "--new-section"]) == 0
