"""The preview as docs/editors.md shows it, in a real Chromium: the edition switcher, and a problem listed above the last good render.

The two screenshots of the guide (``preview-editions.png``, ``preview-problem.png``) are written to
``docs/images/`` when ``SOC_BULLETIN_DOCS_IMAGES=1``, else to the test's temporary folder; the clock in the page
header is masked so they only change when the page does.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from soc_bulletin.site.preview import serve_preview

from .browser import chromium, new_page
from .project import COUNCIL_ARTICLE, POLICE_ARTICLE, REPO, make_project

pytestmark = pytest.mark.browser

#: the guide's pictures are made again only on purpose (SOC_BULLETIN_DOCS_IMAGES=1); a test run writes no tracked file
DOCS_IMAGES = REPO / "docs" / "images"


def _wait_until(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not true within the time"
        time.sleep(0.1)


def test_the_editions_and_a_problem_as_the_guide_shows_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect

    project = make_project(tmp_path / "project")
    monkeypatch.chdir(project)
    images = DOCS_IMAGES if os.environ.get("SOC_BULLETIN_DOCS_IMAGES") == "1" else tmp_path / "images"
    images.mkdir(parents=True, exist_ok=True)
    with chromium() as browser, serve_preview("issues/2019-08", port=0) as server:
        page = new_page(browser, 1100, 800)
        try:
            page.goto(server.url, wait_until="load")
            switcher = page.get_by_role("navigation", name="Editions")
            expect(switcher.get_by_role("link")).to_have_text(
                ["Every article", "Everyone (no segment)", "Segment: local-authorities", "Segment: police", "Every article: cy",
                 "Every article: cy and en"])
            switcher.get_by_role("link", name="Segment: police").click()
            page.wait_for_load_state("load")
            assert page.url.endswith("/?edition=police")
            frame = page.frame_locator("iframe[width='600']")
            expect(frame.locator(f"#{POLICE_ARTICLE}")).to_have_count(1)
            expect(frame.locator(f"#{COUNCIL_ARTICLE}")).to_have_count(0)
            expect(frame.get_by_text("Dear Alex Example,")).to_be_visible()
            page.screenshot(path=str(images / "preview-editions.png"), mask=[page.locator("#build")], mask_color="#1d3557")

            built = server.build.number
            article = project / "issues" / "2019-08" / "articles" / "jmlit.yaml"
            article.write_text(article.read_text(encoding="utf-8").replace("title: ", 'title: "', 1), encoding="utf-8")
            _wait_until(lambda: server.build.number > built)
            page.wait_for_load_state("load")
            problems = page.locator("#problems")
            expect(problems).to_contain_text("issues/2019-08/articles/jmlit.yaml:1:8: SB003 The double quote")
            expect(page.locator(".stale")).to_have_text("This build failed; below is the last good render.")
            expect(frame.locator(f"#{POLICE_ARTICLE}")).to_have_count(1)  # still the police edition, last good render
            expect(problems.locator(".checking")).to_have_count(0)  # checked: the picture does not depend on timing
            page.screenshot(path=str(images / "preview-problem.png"), mask=[page.locator("#build")], mask_color="#1d3557")
        finally:
            page.context.close()
