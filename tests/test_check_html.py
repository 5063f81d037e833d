"""The HTML scanner of the check: a crash in it is reported (SB900), never taken for "no findings"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from soc_bulletin.check import check_paths
from soc_bulletin.check import html as check_html

from .conftest import MINIMAL_ARTICLE

WITH_HTML = MINIMAL_ARTICLE.replace("Some words.", "Some <b>bold</b> words.")


def test_html_in_an_article_is_scanned(issue_dir: Callable[..., Path]) -> None:
    report = check_paths([issue_dir(articles={"first": WITH_HTML.replace("<b>", "<script>x</script><b>")})])
    assert "SB301" in [p.code for p in report.problems]


def test_a_crash_in_the_html_scanner_is_a_problem_not_a_clean_check(issue_dir: Callable[..., Path],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(self: object, tag: str, attrs: object) -> None:
        raise RuntimeError("a bug in the scanner")

    monkeypatch.setattr(check_html._Parser, "handle_starttag", crash)
    report = check_paths([issue_dir(articles={"first": WITH_HTML})])
    [crashed] = [p for p in report.problems if p.code == "SB900"]
    assert "RuntimeError: a bug in the scanner" in crashed.message and crashed.path.endswith("first.yaml")
