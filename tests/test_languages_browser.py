"""A bilingual message and a Welsh one as Chromium shows them: both languages visible, each block's lang, axe-core."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from soc_bulletin import load_issue, render_issue
from soc_bulletin.render.build import sample_placeholders
from soc_bulletin.render.languages import bilingual
from soc_bulletin.render.renderer import fill_placeholders

from .axe import describe, serious_violations
from .browser import new_page, serve_directory
from .test_languages_load import BILINGUAL, WELSH_ARTICLE

pytestmark = pytest.mark.browser
IssueDir = Callable[..., Path]

# The lang the browser gives an element: its own or its nearest ancestor's (what a screen reader speaks it in).
_LANG_OF = "el => (el.closest('[lang]') || document.documentElement).getAttribute('lang')"


def test_a_bilingual_message_shows_both_languages_each_in_its_lang(browser: Any, issue_dir: IssueDir, tmp_path: Path) -> None:
    folder = issue_dir(issue=BILINGUAL)
    (folder / "articles" / "first.cy.yaml").write_text(textwrap.dedent(WELSH_ARTICLE), encoding="utf-8")
    issue = load_issue(folder)
    site = tmp_path / "site"
    site.mkdir()
    for name, languages in (("both.html", bilingual(issue)), ("cy.html", ("cy",))):
        edition = render_issue(issue, languages=languages)
        (site / name).write_text(fill_placeholders(edition.html, sample_placeholders(issue, edition.languages)), encoding="utf-8")
    with serve_directory(site) as url:
        page = new_page(browser, 600)
        try:
            page.goto(url + "both.html", wait_until="load")
            assert page.evaluate("document.documentElement.lang") == "cy"
            welsh, english = page.get_by_text("Erthygl gyntaf"), page.get_by_text("First article")
            assert welsh.is_visible() and english.is_visible()
            assert welsh.evaluate(_LANG_OF) == "cy" and english.evaluate(_LANG_OF) == "en"
            assert page.get_by_text("Dad-danysgrifio").evaluate(_LANG_OF) == "cy"
            assert page.get_by_text("Unsubscribe", exact=True).evaluate(_LANG_OF) == "en"
            assert page.get_by_role("heading", name="Bwletin Prawf").bounding_box()["y"] < \
                page.get_by_role("heading", name="Test Bulletin").bounding_box()["y"], "Welsh first"
            link = page.get_by_role("link", name="Read this bulletin in English")
            assert link.evaluate(_LANG_OF) == "en" and link.get_attribute("href") == "#sb-en"
            assert page.get_by_text("Annwyl Alex Example, / Dear Alex Example,").is_visible()
            assert not serious_violations(page), describe(serious_violations(page))
            page.goto(url + "cy.html", wait_until="load")
            assert page.evaluate("document.documentElement.lang") == "cy"
            assert page.get_by_text("Annwyl Alex Example,").is_visible() and page.get_by_text("First article").count() == 0
            assert not serious_violations(page), describe(serious_violations(page))
        finally:
            page.close()
