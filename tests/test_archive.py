"""The static web archive: pages, order, stable URLs, nothing external; and its command."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from soc_bulletin import ConfigError, ContentError, load_issue
from soc_bulletin.cli.main import main
from soc_bulletin.site.archive import build_archive, issue_folders, web_url

from .browser import write_sample_issue
from .project import COUNCIL_ARTICLE, POLICE_ARTICLE, POLICE_SECTION, run_main

BASE = "https://bulletin.example.org/archive/"


def _older_issue(root: Path) -> Path:
    """The sample issue again, as an older issue 9 in another folder."""
    folder = write_sample_issue(root)
    issue = (folder / "issue.yaml").read_text(encoding="utf-8")
    issue = issue.replace("number: 10", "number: 9").replace("date: 2019-05-01", "date: 2019-02-01")
    (folder / "issue.yaml").write_text(issue, encoding="utf-8")
    return folder


@pytest.fixture
def issues(tmp_path: Path) -> Path:
    root = tmp_path / "issues"
    _older_issue(root / "2019-02")
    write_sample_issue(root / "2019-05")
    (root / "drafts").mkdir()  # a folder without issue.yaml is not an issue
    (root / "README.md").write_text("Issues live here.\n", encoding="utf-8")
    return root


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "a" and found.get("href"):
            self.hrefs.append(str(found["href"]))
        if found.get("id"):
            self.ids.add(str(found["id"]))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize(("base", "folder", "expected"), [
    ("https://bulletin.example.org", "2019-08", "https://bulletin.example.org/2019-08/"),
    ("https://bulletin.example.org/", "2019-08", "https://bulletin.example.org/2019-08/"),
    ("https://example.org/soc/bulletin//", "2019-08", "https://example.org/soc/bulletin/2019-08/"),
    ("https://example.org", "issue 12", "https://example.org/issue%2012/"),
    ("", "2019-08", ""),
])
def test_web_url(base: str, folder: str, expected: str) -> None:
    assert web_url(base, folder) == expected


def test_issue_folders_are_the_folders_with_an_issue_file(issues: Path) -> None:
    assert [p.name for p in issue_folders(issues)] == ["2019-02", "2019-05"]


def test_archive_writes_every_issue_and_an_index_newest_first(issues: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build_archive(issues, site)
    assert result.issues == ["2019-05", "2019-02"]
    for folder in result.issues:
        for name in ("index.html", "index.txt", "text.html", "images/coordinators.png", "images/wide.png"):
            assert (site / folder / name).is_file(), name
    assert set(result.files) == {p for p in site.rglob("*") if p.is_file()}
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.index("Issue 10") < index.index("Issue 9")
    assert "May 2019" in index and "February 2019" in index
    assert "The Single Competent Authority now decides every referral." in index  # a standfirst


def test_index_links_reach_each_article_by_its_anchor(issues: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_archive(issues, site)
    index = _parse(site / "index.html")
    issue = load_issue(issues / "2019-05")
    for article in issue.articles:
        assert f"2019-05/index.html#{article.slug}" in index.hrefs
    page = _parse(site / "2019-05" / "index.html")
    assert {a.slug for a in issue.articles} <= page.ids
    for href in index.hrefs:
        target = site / href.split("#")[0]
        assert target.is_file(), href


def test_issue_page_is_the_email_filled_for_the_web(issues: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_archive(issues, site)
    html = (site / "2019-05" / "index.html").read_text(encoding="utf-8")
    text = (site / "2019-05" / "index.txt").read_text(encoding="utf-8")
    assert "[[" not in html and "[[" not in text
    assert "Hello," in html and "Hello," in text
    assert 'href="mailto:SCOC.localpartnerships@homeoffice.gov.uk?subject=Unsubscribe"' in html
    assert "View this bulletin in your browser" not in html  # the page is the browser version
    text_page = (site / "2019-05" / "text.html").read_text(encoding="utf-8")
    assert "Participatory Budgeting lets residents" in text_page and "<pre>" in text_page


def test_pages_load_nothing_from_elsewhere(issues: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_archive(issues, site, base_url=BASE)
    for page in site.rglob("*.html"):
        parsed = _parse(page)
        content = page.read_text(encoding="utf-8")
        assert "<script" not in content and "@import" not in content and "@font-face" not in content, page
        for tag, attrs in parsed.tags:
            if tag in ("img", "iframe", "source", "script"):
                assert not str(attrs.get("src", "")).startswith(("http:", "https:", "//")), (page, attrs)
            if tag == "link":  # the canonical address, and the archive's own feed (relative)
                assert attrs.get("rel") == "canonical" or (attrs.get("rel"), attrs.get("type")) == (
                    "alternate", "application/atom+xml") and not str(attrs.get("href", "")).startswith(("http:", "https:", "//")), (page, attrs)


def test_base_url_gives_canonical_links(issues: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_archive(issues, site, base_url=BASE)
    assert f'<link rel="canonical" href="{BASE}">' in (site / "index.html").read_text(encoding="utf-8")
    page = (site / "2019-05" / "index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{BASE}2019-05/">' in page
    # Links between pages stay relative, so the site also works from disk.
    assert not any(h.startswith(BASE) for h in _parse(site / "index.html").hrefs)


def test_rebuilding_gives_the_same_files(issues: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    build_archive(issues, first)
    build_archive(issues, second)
    for path in first.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path


def test_a_broken_issue_stops_the_archive_with_every_problem(issues: Path, tmp_path: Path) -> None:
    (issues / "2019-02" / "articles" / "coordinators.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    (issues / "2019-05" / "images" / "wide.png").unlink()
    site = tmp_path / "site"
    with pytest.raises(ContentError) as caught:
        build_archive(issues, site)
    paths = {Path(p.path).name for p in caught.value.problems}
    assert {"coordinators.yaml", "wide.png"} <= paths
    assert not site.exists()


def test_every_page_links_to_the_accessibility_statement_which_names_the_team_mailbox(issues: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_archive(issues, site)
    pages = sorted(site.rglob("*.html"))
    assert site / "accessibility.html" in pages and len(pages) == 6
    for page in pages:
        if page.name != "accessibility.html":
            links = [h for h in _parse(page).hrefs if h.endswith("accessibility.html")]
            assert links and (page.parent / links[0]).resolve() == (site / "accessibility.html").resolve(), page
    statement = (site / "accessibility.html").read_text(encoding="utf-8")
    assert 'href="mailto:SCOC.localpartnerships@homeoffice.gov.uk?subject=Accessibility%20problem"' in statement
    assert "<h1>Accessibility statement</h1>" in statement and "<main>" in statement


def test_a_newest_issue_without_a_mailbox_address_stops_the_archive_before_writing(issues: Path, tmp_path: Path) -> None:
    issue_file = issues / "2019-05" / "issue.yaml"
    issue_file.write_text(issue_file.read_text(encoding="utf-8").replace(
        "mailbox: SCOC.localpartnerships@homeoffice.gov.uk", "mailbox: the partnerships team"), encoding="utf-8")
    site = tmp_path / "site"
    with pytest.raises(ConfigError, match=r"2019-05/issue.yaml: the accessibility contact 'the partnerships team' must be"):
        build_archive(issues, site)
    assert not site.exists()


def test_a_projects_own_layouts_without_the_statement_page_still_build_it(issues: Path, tmp_path: Path) -> None:
    from soc_bulletin.render.renderer import DEFAULT_LAYOUTS

    layouts = tmp_path / "layouts"
    shutil.copytree(DEFAULT_LAYOUTS, layouts)
    (layouts / "archive-accessibility.html.j2").unlink()
    build_archive(issues, tmp_path / "site", layouts=layouts)
    assert "Enforcement procedure" in (tmp_path / "site" / "accessibility.html").read_text(encoding="utf-8")


def test_no_issues_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds an issue.yaml"):
        build_archive(tmp_path, tmp_path / "site")


def test_archive_command(issues: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    assert main(["archive", str(issues), "-o", str(site), "--base-url", BASE]) == 0
    out = capsys.readouterr().out
    assert "Archived 2 issue(s), newest first: 2019-05, 2019-02" in out
    assert (site / "index.html").is_file()


def test_archive_command_reports_problems_with_exit_1(issues: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(issues / "2019-05" / "articles")
    assert main(["archive", str(issues), "-o", str(tmp_path / "site")]) == 1
    err = capsys.readouterr().err
    assert re.search(r"2019-05.+SB020", err)


def test_archive_leaves_out_restricted_articles_and_says_so(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["archive", "issues", "-o", "site"], capsys)
    assert code == 0
    assert out[1:5] == [
        "Left out 3 restricted part(s), meant only for some segments (--include-restricted publishes them):",
        f"  2019-08: the article '{POLICE_ARTICLE}' (for police)",
        f"  2019-08: the article '{COUNCIL_ARTICLE}' (for local-authorities)",
        f"  2019-08: the section '{POLICE_SECTION}' (for police), with 2 article(s)",
    ]
    site = (example_project / "site" / "index.html").read_text(encoding="utf-8") + (example_project / "site" / "2019-08" / "index.html").read_text(encoding="utf-8")
    for slug in (POLICE_ARTICLE, COUNCIL_ARTICLE, "jmlit", "fight-against-dirty-money"):
        assert f'id="{slug}"' not in site and f"#{slug}" not in site
    assert main(["archive", "issues", "-o", "everything", "--include-restricted"]) == 0
    assert f'id="{POLICE_ARTICLE}"' in (example_project / "everything" / "2019-08" / "index.html").read_text(encoding="utf-8")
    assert "Left out" not in capsys.readouterr().out
