"""An issue in several languages: ``languages``, ``translations`` and ``articles/<slug>.<lang>.yaml``, loaded and checked."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin.check import check_paths
from soc_bulletin.cli.main import main
from soc_bulletin.content.load import read_issue
from soc_bulletin.content.model import Contacts, Image, Text

from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE

IssueDir = Callable[..., Path]

#: MINIMAL_ISSUE with a strapline, in English and Welsh.
BILINGUAL = MINIMAL_ISSUE.replace("mailbox: team@example.org\n", "strapline: Working together\nmailbox: team@example.org\nlanguages: [en, cy]\n") + """\
translations:
  cy:
    title: Bwletin Prawf
    strapline: Gweithio gyda'n gilydd
    welcome:
      title: Croeso
      body: |
        Helo bartneriaid.
    sections:
      From the Centre: O'r Canol
"""

WELSH_ARTICLE = """\
title: Erthygl gyntaf
blocks:
  - text: |
      Rhai geiriau.
  - contact:
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / "articles" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_an_issue_without_languages_is_english_only(issue_dir: IssueDir) -> None:
    issue = read_issue(issue_dir()).issue
    assert issue is not None and issue.languages == ("en",) and issue.language == "en" and issue.translations == ()


def test_a_welsh_translation_loads_with_the_contact_inherited(issue_dir: IssueDir) -> None:
    folder = issue_dir(issue=BILINGUAL)
    _write(folder, "first.cy.yaml", WELSH_ARTICLE)
    source = read_issue(folder)
    assert source.problems == [] and source.issue is not None
    issue = source.issue
    assert issue.languages == ("en", "cy") and issue.main_language == "en"
    welsh = issue.in_language("cy")
    assert (welsh.language, welsh.title, welsh.strapline, welsh.welcome.title) == ("cy", "Bwletin Prawf", "Gweithio gyda'n gilydd", "Croeso")
    assert welsh.sections[0].kind == "From the Centre" and welsh.sections[0].label == "O'r Canol"
    article = welsh.articles[0]
    assert article.title == "Erthygl gyntaf" and article.language == ""
    assert article.blocks[0] == Text("Rhai geiriau.\n")
    assert isinstance(article.blocks[1], Contacts) and article.blocks[1].contacts[0].email == "jo@example.org"
    assert issue.in_language("en") is issue
    with pytest.raises(ValueError, match="no 'fr' version"):
        issue.in_language("fr")


def test_a_missing_article_translation_is_named_at_its_line_in_issue_yaml(issue_dir: IssueDir) -> None:
    folder = issue_dir(issue=BILINGUAL)
    problems = [p for p in check_paths([folder]) if p.code == "SB070"]
    assert [(Path(p.path).name, p.line, p.column) for p in problems] == [("issue.yaml", 12, 16)]
    assert "'first' has no 'cy' translation (articles/first.cy.yaml)" in problems[0].message
    assert "new-article --lang cy" in problems[0].message


def test_an_untranslated_article_is_sent_in_the_main_language_marked_as_such(issue_dir: IssueDir) -> None:
    folder = issue_dir(issue=BILINGUAL + "    untranslated: [first]\n")
    source = read_issue(folder)
    assert source.errors == [] and source.issue is not None
    assert source.issue.in_language("cy").articles[0].language == "en"


def test_missing_fields_of_a_translation_are_named_at_file_and_line(issue_dir: IssueDir) -> None:
    folder = issue_dir(issue=BILINGUAL.replace("    strapline: Gweithio gyda'n gilydd\n", "").replace("      From the Centre: O'r Canol\n",
                                                                                                         "      Economic Crime: Troseddau\n"))
    _write(folder, "first.cy.yaml", "title: Erthygl gyntaf\nblocks:\n  - contact:\n")
    problems = sorted((Path(p.path).name, p.line, p.code, p.message) for p in check_paths([folder]) if p.code.startswith("SB07"))
    assert problems == [
        ("first.cy.yaml", 3, "SB071", "The translation has 1 blocks where the main file has 2 (articles/first.yaml:3); a translation "
                                      "keeps the main file's structure."),
        ("first.cy.yaml", 3, "SB071", "This block is a 'contact' where the main file has a 'text' (articles/first.yaml:3); keep the "
                                      "blocks in the main file's order."),
        ("issue.yaml", 15, "SB070", "The 'cy' translation lacks 'strapline' (issue.yaml:4); translate it."),
        ("issue.yaml", 21, "SB070", "The 'cy' translation lacks the heading of the section 'From the Centre'; add 'From the Centre: "
                                    "<heading>' under its 'sections'."),
        ("issue.yaml", 21, "SB071", "'Economic Crime' is not the kind of a section of this issue; remove its heading or correct the kind."),
    ]


def test_a_list_item_or_a_contact_more_or_less_is_a_structure_difference(issue_dir: IssueDir) -> None:
    main = MINIMAL_ARTICLE + "  - list:\n      - one\n      - two\n  - image:\n      src: https://www.gov.uk/a.png\n      alt: A picture\n"
    folder = issue_dir(issue=BILINGUAL, articles={"first": main})
    _write(folder, "first.cy.yaml", WELSH_ARTICLE + "  - list:\n      - un\n  - image:\n      alt: Llun\n")
    source = read_issue(folder)
    assert [(p.line, p.code) for p in source.problems] == [(7, "SB071")]
    assert "1 list items where the main file has 2 (articles/first.yaml:9)" in source.problems[0].message
    _write(folder, "first.cy.yaml", WELSH_ARTICLE + "  - list: [un, dau]\n  - image: {}\n")
    problems = read_issue(folder).problems
    assert [(p.line, p.code) for p in problems] == [(7, "SB070")]
    assert problems[0].message == "The translation lacks 'alt', which the main file has at articles/first.yaml:13; translate it."
    _write(folder, "first.cy.yaml", WELSH_ARTICLE + "  - list: [un, dau]\n  - image: {alt: Llun}\n")
    source = read_issue(folder)
    assert source.problems == [] and source.issue is not None
    image = source.issue.in_language("cy").articles[0].blocks[3]
    assert image == Image(src="https://www.gov.uk/a.png", alt="Llun")


def test_a_translation_is_checked_like_its_main_file_and_inherited_values_once(issue_dir: IssueDir) -> None:
    main = MINIMAL_ARTICLE.replace("jo@example.org", "not-an-address")
    folder = issue_dir(issue=BILINGUAL, articles={"first": main})
    _write(folder, "first.cy.yaml", "title: Erthygl gyntaf\nblocks:\n  - text: 'Gweler <script>x</script>'\n  - contact:\n")
    found = sorted((Path(p.path).name, p.code) for p in check_paths([folder]) if p.code in ("SB101", "SB301"))
    assert found == [("first.cy.yaml", "SB301"), ("first.yaml", "SB101")]


@pytest.mark.parametrize(("languages", "message"), [
    ("[en, Welsh]", "'Welsh' is not a language tag: write a BCP 47 tag such as 'en', 'cy' or 'en-GB'."),
    ("[en, cy, cy]", "'languages' names 'cy' twice; name each language once."),
    ("[]", "'languages' must name at least one language, such as [en, cy]."),
])
def test_languages_must_be_bcp47_tags(issue_dir: IssueDir, languages: str, message: str) -> None:
    folder = issue_dir(issue=BILINGUAL.replace("languages: [en, cy]", f"languages: {languages}"))
    assert message in [p.message for p in read_issue(folder).errors]


def test_a_language_missing_from_translations_and_a_translation_of_another(issue_dir: IssueDir) -> None:
    folder = issue_dir(issue=BILINGUAL.replace("  cy:\n", "  fr:\n"))
    _write(folder, "first.de.yaml", WELSH_ARTICLE)
    problems = {(Path(p.path).name, p.line, p.code, p.severity.value) for p in read_issue(folder).problems}
    assert ("issue.yaml", 6, "SB070", "error") in problems  # the 'cy' of languages: [en, cy]
    assert ("issue.yaml", 14, "SB072", "warning") in problems
    assert ("first.de.yaml", 1, "SB072", "warning") in problems


def test_new_article_lang_starts_a_translation_that_checks(issue_dir: IssueDir, capsys: pytest.CaptureFixture[str]) -> None:
    folder = issue_dir(issue=BILINGUAL)
    assert main(["new-article", str(folder), "first", "--lang", "cy"]) == 0
    written = folder / "articles" / "first.cy.yaml"
    assert written.read_text(encoding="utf-8").endswith(MINIMAL_ARTICLE)
    assert "translation of first.yaml" in written.read_text(encoding="utf-8")
    assert read_issue(folder).errors == []
    assert main(["new-article", str(folder), "first", "--lang", "cy"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["new-article", str(folder), "first", "--lang", "Welsh"]) == 2
    assert main(["new-article", str(folder), "second"]) == 2
    assert "--section" in capsys.readouterr().err
