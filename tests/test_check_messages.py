"""What ``soc-bulletin check`` says leads to the fix: the code, the line and column, and the correction in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.content.new_article import article_template

from .project import POLICE_ARTICLE, run_main
from .test_check_example_issue import SIZE_WARNING

TEXT_ARTICLE = "title: T\nblocks:\n  - text: |\n      {text}\n"


def test_an_audience_that_is_not_a_segment_is_reported_at_its_line(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = example_project / "issues" / "2019-08" / "articles" / f"{POLICE_ARTICLE}.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace("audience: [police]", "audience: [polise]"), encoding="utf-8")
    code, out, _ = run_main(["check", "issues/2019-08"], capsys)
    assert (code, out) == (1, [
        f"issues/2019-08/articles/{POLICE_ARTICLE}.yaml:2:12: SB060 The audience 'polise' is not a segment in "
        "subscribers/segments.yaml; did you mean 'police'?",
        f"issues/2019-08/issue.yaml: {SIZE_WARNING}",
        "14 files checked: 1 error, 1 warning.",
    ])
    code, _, err = run_main(["send", "issues/2019-08", "--dry-run"], capsys)  # send refuses it the same way, at the same place
    assert code == 1 and err[-2:] == [out[0], "1 problem(s) found."]


def _check_article(issue_dir: object, text: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str]]:
    root = issue_dir(articles={"first": TEXT_ARTICLE.format(text=text)})  # type: ignore[operator]
    monkeypatch.chdir(root.parent)
    code, out, _ = run_main(["check", "issue/articles/first.yaml"], capsys)
    return code, out


@pytest.mark.parametrize(("text", "message"), [
    ("See http://www.gov.uk/jmlit for more.",
     "issue/articles/first.yaml:4:11: SB204 The web address 'http://www.gov.uk/jmlit' is not a link; write it as "
     "<https://www.gov.uk/jmlit> so readers can click it."),
    ("Please contact <harish.dutt@@homeoffice.gov.uk>",
     "issue/articles/first.yaml:4:23: SB101 The email address 'harish.dutt@@homeoffice.gov.uk' is not valid: The part after "
     "the @-sign contains invalid characters: '@'. It shows as plain text, not a link, until it is corrected."),
], ids=["bare-http-address-told-its-https-form", "invalid-address-in-angle-brackets"])
def test_an_address_written_wrong_is_told_how_to_write_it(issue_dir: object, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    code, out = _check_article(issue_dir, text, capsys, monkeypatch)
    assert (code, out) == (1, [message, "1 file checked: 1 error, 0 warnings."])


def test_an_untouched_template_is_warned_about(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = example_project / "issues" / "2019-08" / "articles" / "county-lines-week.yaml"
    path.write_text(article_template("county-lines-week"), encoding="utf-8")
    code, out, _ = run_main(["check", str(path.relative_to(example_project))], capsys)
    assert code == 0
    assert out[0] == ("issues/2019-08/articles/county-lines-week.yaml:9:8: SB017 'The title of your article' is still the template's "
                      "example text; replace it with your own words. (warning)")
    assert out[-2] == ("issues/2019-08/articles/county-lines-week.yaml:64:14: SB017 'your.name@example.org' is the template's "
                       "example address; write the real address. (warning)")
    assert out[-1] == "1 file checked: 0 errors, 7 warnings."
    assert main(["check", "--strict", str(path.relative_to(example_project))]) == 1


def test_a_missing_image_that_differs_in_case_is_found(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = example_project / "issues" / "2019-08" / "articles" / "wolverhampton-hate-crime.yaml"
    text = article.read_text(encoding="utf-8")
    assert "src: images/wolverhampton-placeholder.png" in text
    article.write_text(text.replace("src: images/wolverhampton-placeholder.png", "src: images/Wolverhampton-Placeholder.PNG"), encoding="utf-8")
    code, out, _ = run_main(["check", "issues/2019-08"], capsys)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "src: images/" in t)
    assert code == 1
    assert out[0] == (f"issues/2019-08/articles/wolverhampton-hate-crime.yaml:{line}:12: SB401 The image file "
                      "images/Wolverhampton-Placeholder.PNG does not exist in issues/2019-08; did you mean "
                      "images/wolverhampton-placeholder.png? The name must match in capitals too (the web server and mail "
                      "programs tell them apart).")
