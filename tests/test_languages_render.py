"""Editions per language: the fixed words from the catalogues, Welsh dates, lang attributes, the bilingual edition."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin import load_issue, render_issue
from soc_bulletin.check import check_paths
from soc_bulletin.content.wording import LOCALE_DIR, TEMPLATE, catalogue_problems, wording
from soc_bulletin.errors import ContentError
from soc_bulletin.render.languages import bilingual, editions_of, greeter

from .catalogues import extracted
from .test_languages_load import BILINGUAL, WELSH_ARTICLE

IssueDir = Callable[..., Path]


@pytest.fixture
def welsh_issue(issue_dir: IssueDir) -> Path:
    folder = issue_dir(issue=BILINGUAL)
    (folder / "articles" / "first.cy.yaml").write_text(textwrap.dedent(WELSH_ARTICLE), encoding="utf-8")
    return folder


def _english_words() -> list[str]:
    """Every fixed English string of the catalogue template (its %(name)s parts cut out)."""
    return [part.strip(" :,.") for message in wording("en").messages for part in re.split(r"%\(\w+\)s", message[0]) if len(part.strip(" :,.")) > 3]


def test_the_catalogues_hold_every_string_the_sources_ask_for() -> None:
    asked = {str(m.id) for m in extracted() if m.id}
    assert asked, "the layouts and modules ask for their words with _()"
    template = {m for m, _ in wording("en").messages}
    assert asked == template, "messages.pot is out of step with the sources: regenerate it (tests/catalogues.py)"
    assert catalogue_problems(("en", "cy")) == []
    assert "Welsh speaker" in (LOCALE_DIR / "cy" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")


def test_check_fails_when_a_catalogue_lacks_a_string(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale)
    po = locale / "cy" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Dad-danysgrifio"', 'msgstr ""'), encoding="utf-8")
    problems = catalogue_problems(("en", "cy", "fr"), locale)
    assert [(p.code, p.message) for p in problems] == [
        ("SB073", "The 'cy' catalogue lacks the words for 'Unsubscribe'; add them."),
        ("SB073", f"There is no catalogue of the fixed words for 'fr' ({locale / 'fr' / 'LC_MESSAGES' / 'messages.po'}); copy another "
                  "language's messages.po there and translate it."),
    ]
    with pytest.raises(ContentError, match="SB073"):
        wording("fr")


def test_check_reports_a_language_without_a_catalogue(issue_dir: IssueDir) -> None:
    folder = issue_dir(issue=BILINGUAL.replace("[en, cy]", "[en, kw]").replace("  cy:\n", "  kw:\n"))
    (folder / "articles" / "first.kw.yaml").write_text(textwrap.dedent(WELSH_ARTICLE), encoding="utf-8")
    report = check_paths([folder])
    assert [p.code for p in report if p.code == "SB073"] == ["SB073"]
    assert report.failed(strict=False)


def test_the_welsh_edition_is_welsh_throughout(welsh_issue: Path) -> None:
    issue = load_issue(welsh_issue)
    edition = render_issue(issue, languages=("cy",), web_url="https://bulletin.example.org/2020-02/")
    assert edition.languages == ("cy",) and edition.language_key == "cy"
    assert '<html lang="cy"' in edition.html and 'lang="en"' not in edition.html
    assert edition.subject == "Bwletin Prawf – Chwefror 2020, Rhifyn 3"
    visible = re.sub(r"<[^>]+>", " ", edition.html.split("</head>", 1)[1])  # what a reader sees (the words, not the CSS)
    for part in (visible, edition.text):
        assert "Chwefror 2020" in part and "Rhifyn 3" in part and "Dad-danysgrifio" in part and "Gweld y bwletin hwn yn eich porwr" in part
        assert "o'r canol" in part.replace("&#39;", "'").lower() and "Erthygl gyntaf" in part
        left = [word for word in _english_words() if word in part]
        assert left == [], f"English fixed words in the Welsh edition: {left}"
    assert greeter(edition.languages)("Jo Bloggs") == "Annwyl Jo Bloggs," and greeter(edition.languages)("") == "Helo,"


def test_the_english_edition_of_a_bilingual_issue_is_unchanged_by_the_translation(welsh_issue: Path, issue_dir: IssueDir) -> None:
    issue = load_issue(welsh_issue)
    english = render_issue(issue)
    assert english.languages == ("en",) and '<html lang="en"' in english.html and "Welsh" not in english.html
    assert english.subject == "Test Bulletin – February 2020, Issue 3"
    assert "Erthygl" not in english.html and "Unsubscribe" in english.text


def test_the_bilingual_edition_has_welsh_first_then_english_each_with_its_lang(welsh_issue: Path) -> None:
    issue = load_issue(welsh_issue)
    assert bilingual(issue) == ("cy", "en") and editions_of(issue) == [("en",), ("cy",), ("cy", "en")]
    edition = render_issue(issue, languages=bilingual(issue))
    assert edition.subject == "Bwletin Prawf – Chwefror 2020, Rhifyn 3 / Test Bulletin – February 2020, Issue 3"
    assert '<html lang="cy"' in edition.html
    html = edition.html
    assert html.index("Erthygl gyntaf") < html.index("First article") and html.index("Dad-danysgrifio") < html.index("Unsubscribe")
    assert html.count('lang="cy"') >= 5 and html.count('lang="en"') >= 5
    english_half = html[html.index('id="sb-en"'):]
    assert "Erthygl" not in english_half and "Rhifyn" not in english_half
    assert 'href="#sb-en" lang="en"' in html and "Read this bulletin in English" in html
    assert html.count("[[greeting]]") == 1 and html.count("[[unsubscribe_url]]") == 2
    text = edition.text
    assert text.index("Erthygl gyntaf") < text.index("First article") and text.count("[[greeting]]") == 1
    assert greeter(edition.languages)("Jo") == "Annwyl Jo, / Dear Jo,"


def test_an_untranslated_article_is_marked_and_keeps_its_language(issue_dir: IssueDir) -> None:
    issue = load_issue(issue_dir(issue=BILINGUAL + "    untranslated: [first]\n"))
    edition = render_issue(issue, languages=("cy",))
    assert "Mae'r erthygl hon yn Saesneg yn unig." in edition.html.replace("&#39;", "'")
    assert '<div lang="en"><h3 id="first"' in edition.html
    assert "Mae'r erthygl hon yn Saesneg yn unig." in edition.text


def test_template_lists_only_strings_with_a_welsh_translation_marked_for_review() -> None:
    text = (LOCALE_DIR / "cy" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    entries = text.count('\nmsgid "') - 1  # the header's empty msgid
    assert entries == text.count("# Welsh wording to be reviewed by a Welsh speaker") == len(wording("cy").messages)
    assert TEMPLATE.is_file()


def test_build_lang_and_all_editions(welsh_issue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from soc_bulletin.cli.main import main

    out = tmp_path / "out"
    assert main(["build", str(welsh_issue), "-o", str(out / "cy"), "--lang", "cy"]) == 0
    html = (out / "cy" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="cy"' in html and "Annwyl Alex Example," in html
    assert main(["build", str(welsh_issue), "-o", str(out / "both"), "--lang", "both"]) == 0
    assert "Annwyl Alex Example, / Dear Alex Example," in (out / "both" / "index.txt").read_text(encoding="utf-8")
    assert main(["build", str(welsh_issue), "-o", str(out / "all"), "--all-editions"]) == 0
    assert sorted(p.name for p in (out / "all").iterdir()) == ["everyone", "everyone@cy", "everyone@cy+en"]
    assert '<html lang="en"' in (out / "all" / "everyone" / "index.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["build", str(welsh_issue), "-o", str(out / "fr"), "--lang", "fr"]) == 2
    assert "--lang fr: the issue's languages are en, cy (or 'both')" in capsys.readouterr().err


def test_the_archive_has_each_language_linked_to_the_other(welsh_issue: Path, tmp_path: Path) -> None:
    from soc_bulletin.site import build_archive

    issues = tmp_path / "issues"
    issues.mkdir()
    shutil.copytree(welsh_issue, issues / "2020-02")
    site = tmp_path / "site"
    build_archive(issues, site, base_url="https://bulletin.example.org/")
    english = (site / "2020-02" / "index.html").read_text(encoding="utf-8")
    welsh = (site / "2020-02" / "index.cy.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in english and '<html lang="cy"' in welsh
    for page in (english, welsh):
        assert '<link rel="alternate" hreflang="en" href="index.html">' in page
        assert '<link rel="alternate" hreflang="cy" href="index.cy.html">' in page
    assert '<a href="index.cy.html" hreflang="cy" lang="cy" style="color:#1d3557;">Cymraeg</a>' in english
    assert '<a href="index.html" hreflang="en" lang="en" style="color:#1d3557;">English</a>' in welsh
    assert "Pob rhifyn" in welsh and "Datganiad hygyrchedd" in welsh and "Erthygl gyntaf" in welsh
    assert '<link rel="canonical" href="https://bulletin.example.org/2020-02/index.cy.html">' in welsh
    emailed = render_issue(load_issue(issues / "2020-02"), languages=("cy",), web_url="https://bulletin.example.org/2020-02/")
    assert '<a href="https://bulletin.example.org/2020-02/index.cy.html" style="color:#1d3557;">Gweld y bwletin' in emailed.html
    text_page = (site / "2020-02" / "text.cy.html").read_text(encoding="utf-8")
    assert '<html lang="cy"' in text_page and "Chwefror 2020" in text_page and "fersiwn testun" in text_page
    assert "Helo," in (site / "2020-02" / "index.cy.txt").read_text(encoding="utf-8")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="2020-02/index.cy.html" hreflang="cy" lang="cy">Cymraeg</a>' in index


def test_the_preview_switches_between_the_languages(welsh_issue: Path) -> None:
    from urllib.parse import quote

    from soc_bulletin.site.preview import serve_preview

    from .test_preview import get

    with serve_preview(welsh_issue, port=0) as server:
        assert server.build.editions == ("", "@cy", "@cy+en")
        page = get(server.url)[2]
        assert '<a href="/?edition=%40cy">Every article: cy</a>' in page and "Every article: cy and en" in page
        status, _, welsh = get(f"{server.url}email.html?edition={quote('@cy')}")
        assert status == 200 and '<html lang="cy"' in welsh and "Annwyl Alex Example," in welsh
        both = get(f"{server.url}email.txt?edition={quote('@cy+en')}")[2]
        assert "Annwyl Alex Example, / Dear Alex Example," in both and both.index("Erthygl") < both.index("First article")
        assert '<html lang="en"' in get(f"{server.url}email.html")[2]
