"""The corpus of broken inputs: one run reports every problem, each with its code, line, column and message.

``tests/data/check_corpus/issue`` is an issue folder where almost every line
is wrong in its own way: YAML, schema, encodings, addresses, links, HTML,
images and the rendered edition. The two large images are written by the
test (a megabyte of fixture is not worth keeping in git).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from soc_bulletin.check import CODES

from .conftest import REPO

CORPUS = REPO / "tests" / "data" / "check_corpus"
CONTRIBUTING = REPO / "CONTRIBUTING.md"

#: (file:line:column, code, message) of every problem, in output order.
EXPECTED = [
    ('articles/addresses.yaml:4:14', 'SB101', "The contact address 'jo.example.org' is not valid: An email address must have an @-sign."),
    ('articles/addresses.yaml:6:14', 'SB102', "The contact address ' jo@example.org' has spaces around it; write 'jo@example.org'."),
    ('articles/addresses.yaml:9:18', 'SB102', "The contact address 'Corrina.Griffiths@West-Midlands.PNN.police.uk' is not in its normal form; write 'Corrina.Griffiths@west-midlands.pnn.police.uk'."),
    ('articles/addresses.yaml:10:18', 'SB101', "The contact address 'jo@@example.org' is not valid: The part after the @-sign contains invalid characters: '@'."),
    ('articles/addresses.yaml:11:18', 'SB101', "The contact address 'Jo Bloggs <jo@example.org>' is not valid: A display name and angle brackets around the email address are not permitted here."),
    ('articles/addresses.yaml:13:28', 'SB101', "The link address 'jo@example..org' is not valid: An email address cannot have two periods in a row."),
    ('articles/addresses.yaml:13:59', 'SB102', "The link address 'Sam@Example.org' is not in its normal form; write 'Sam@example.org'."),
    ('articles/addresses.yaml:14:24', 'SB104', "The email address 'sam@example.org' is not a link; write it as <sam@example.org> so readers can click it."),
    ('articles/empty.yaml:1:1', 'SB002', 'The file is empty; it must hold a YAML mapping.'),
    ('articles/forgotten.yaml', 'SB022', "No section of issue.yaml lists the article 'forgotten', so it would not be sent; add '- forgotten' to the articles of its section in issue.yaml, or remove the file."),
    ('articles/forgotten.yaml:4:14', 'SB101', "The contact address 'nobody-at-example.org' is not valid: An email address must have an @-sign."),
    ('articles/html.yaml:4:13', 'SB301', 'A <script> is not allowed in an email and is removed with its content; delete it.'),
    ('articles/html.yaml:5:7', 'SB305', 'The <span> tag is removed from the email. Only these tags are kept: <a>, <b>, <blockquote>, <br>, <code>, <em>, <h3>, <h4>, <i>, <li>, <ol>, <p>, <strong>, <ul>.'),
    ('articles/html.yaml:5:13', 'SB303', "The event handler 'onclick' on <span> is not allowed in an email; delete it."),
    ('articles/html.yaml:6:10', 'SB304', "The inline style 'float: left' breaks the email layout in many mail programs; delete it."),
    ('articles/html.yaml:6:10', 'SB304', "The inline style 'width: 800px' is wider than the 600 px email and breaks its layout on phones; delete it."),
    ('articles/html.yaml:7:10', 'SB305', 'The style attribute on <p> is removed from the email; delete it.'),
    ('articles/html.yaml:8:10', 'SB305', "The attribute 'class' on <b> is removed from the email; delete it."),
    ('articles/html.yaml:8:33', 'SB305', 'The <u> tag is removed from the email. Only these tags are kept: <a>, <b>, <blockquote>, <br>, <code>, <em>, <h3>, <h4>, <i>, <li>, <ol>, <p>, <strong>, <ul>.'),
    ('articles/html.yaml:10:7', 'SB302', 'An <iframe> cannot be shown in an email and is removed; link to the content with an https:// link instead.'),
    ('articles/html.yaml:14:15', 'SB305', 'The <span> tag is removed from the email. Only these tags are kept: <a>, <b>, <blockquote>, <br>, <code>, <em>, <h3>, <h4>, <i>, <li>, <ol>, <p>, <strong>, <ul>.'),
    ('articles/html.yaml:14:21', 'SB304', "The inline style 'font-size: 9px' makes text smaller than 12 px, too small to read on a phone; delete it."),
    ('articles/html.yaml:15:25', 'SB201', "The link 'javascript:void(0)' uses 'javascript:', which is unsafe and removed from the email; link to an https:// page instead."),
    ('articles/html.yaml:17:7', 'SB405', "The image 'images/photo.png' written in Markdown text is removed from the email; use an image block with alt text instead."),
    ('articles/html.yaml:19:7', 'SB305', 'The horizontal rule (a line of ---, *** or ___) is removed from the email; delete it. (warning)'),
    ('articles/html.yaml:21:7', 'SB305', 'This HTML comment is removed from the email. (warning)'),
    ('articles/html.yaml:25:7', 'SB305', 'This text is indented by four spaces or fenced with ```, so it becomes a code block the email does not show as such; remove the indentation or the fence. (warning)'),
    ('articles/html.yaml:27:7', 'SB305', 'This numbered list starts at 3, but the email numbers every list from 1; start it at 1 or write the numbers as text. (warning)'),
    ('articles/html.yaml:30:7', 'SB405', 'The <img> tag is removed from the email; use an image block with alt text instead.'),
    ('articles/html.yaml:30:80', 'SB305', "The attribute 'class' on <p> is removed from the email; delete it."),
    ('articles/images.yaml:4:12', 'SB401', 'The image file images/missing.png does not exist in check_corpus/issue; add it or correct the path.'),
    ('articles/images.yaml:8:12', 'SB402', "The alt text 'chart.png' does not describe the image; say what it shows, such as 'Four people standing in front of St Peter's Church'."),
    ('articles/images.yaml:10:12', 'SB404', 'The image images/logo.svg is not PNG, JPEG or GIF, which every mail program shows; save it as .png or .jpg.'),
    ('articles/images.yaml:11:12', 'SB402', "The alt text 'Image' does not describe the image; say what it shows, such as 'Four people standing in front of St Peter's Church'."),
    ('articles/images.yaml:13:12', 'SB404', 'The image images/fake.png is named as PNG but holds no image data that mail programs can show; save it again as PNG.'),
    ('articles/images.yaml:16:12', 'SB403', 'The image images/big.jpg is 300 KB, slow to load on phones (aim for under 200 KB); make it smaller. (warning)'),
    ('articles/images.yaml:19:12', 'SB403', 'The image images/huge.gif is 1.1 MB, too large for an email (at most 1 MB); make it smaller (600 px wide is enough).'),
    ('articles/images.yaml:22:12', 'SB406', "The image path '../outside.png' leaves the issue folder; put the image in the folder's images/ and write 'images/outside.png'."),
    ('articles/images.yaml:25:12', 'SB202', "The image address 'http://example.org/remote.png' uses http://; write 'https://example.org/remote.png' if the site supports it. (warning)"),
    ('articles/links.yaml:4:12', 'SB201', "The link 'javascript:alert(1)' uses 'javascript:', which is unsafe and removed from the email; link to an https:// page instead."),
    ('articles/links.yaml:6:12', 'SB202', "The link 'http://www.gov.uk/guidance' uses http://; write 'https://www.gov.uk/guidance'."),
    ('articles/links.yaml:8:12', 'SB203', "The link 'www.gov.uk/guidance' is not a full web address; write it with https://, such as 'https://www.gov.uk/guidance'."),
    ('articles/links.yaml:10:12', 'SB203', "The link 'https://www..gov.uk/x' is malformed: the site name 'www..gov.uk' is not valid."),
    ('articles/links.yaml:12:22', 'SB202', "The link 'http://example.org/plan' uses http://; write 'https://example.org/plan' if the site supports it. (warning)"),
    ('articles/links.yaml:12:58', 'SB201', "The link 'data:text/html;base64,PHNjcmlwdD4=' uses 'data:', which is unsafe and removed from the email; link to an https:// page instead."),
    ('articles/links.yaml:13:13', 'SB204', "The web address 'https://www.gov.uk/bare' is not a link; write it as <https://www.gov.uk/bare> so readers can click it."),
    ('articles/links.yaml:13:40', 'SB204', "The web address 'www.example.org/page' is not a link; write it as <https://www.example.org/page> so readers can click it."),
    ('articles/links.yaml:14:20', 'SB203', "The link 'https:/www.gov.uk/one-slash' is malformed: it needs two slashes after the colon."),
    ('articles/links.yaml:16:29', 'SB201', "The link 'ftp://files.example.org/x' uses 'ftp:', which the email does not allow; use an https:// or mailto: link."),
    ('articles/links.yaml:17:25', 'SB204', "The web address 'https://example.org/bare-in-list' is not a link; write it as <https://example.org/bare-in-list> so readers can click it."),
    ('articles/links.yaml:19:19', 'SB101', "The link address 'someone@example,org' is not valid: The part after the @-sign contains invalid characters: ','."),
    ('articles/not-a-mapping.yaml:1:1', 'SB012', 'The article must be a mapping of keys to values, not a list.'),
    ('articles/not-utf8.yaml:1:11', 'SB001', 'The file is not UTF-8 (byte 0xe9); save it as UTF-8.'),
    ('articles/only-comments.yaml:1:1', 'SB002', 'The file is empty; it must hold a YAML mapping.'),
    ('articles/schema.yaml:2:1', 'SB010', "Unknown key 'standfrist' in the article. Did you mean 'standfirst'?"),
    ('articles/schema.yaml:3:1', 'SB013', "The key 'title' appears twice in the article; keep one."),
    ('articles/schema.yaml:7:7', 'SB011', "A quote is missing the required key 'text'."),
    ('articles/schema.yaml:8:5', 'SB030', "Unknown block type 'pictures'. Did you mean 'figures'?"),
    ('articles/schema.yaml:12:14', 'SB014', "'width' must be between 1 and 600 pixels."),
    ('articles/schema.yaml:13:11', 'SB012', 'A list block must be a list, not a mapping.'),
    ('articles/schema.yaml:15:14', 'SB011', "'email' must not be empty."),
    ('articles/schema.yaml:16:5', 'SB030', "Unknown block type 'txt'. Did you mean 'text'?"),
    ('articles/tabs.yaml:3:1', 'SB003', 'This line has a tab where YAML needs spaces; replace the tab with spaces.'),
    ('articles/utf16.yaml:1:1', 'SB001', 'The file is not UTF-8 (byte 0xff); save it as UTF-8.'),
    ('articles/yaml-syntax.yaml:1:8', 'SB003', "This value contains ': ' (a colon and a space), which YAML reads as the start of another key; "
     'put the text in quotes: "Welcome: a new unit".'),
    ('issue.yaml', 'SB504', "The issue has no preheader; add 'preheader:' with one line that inboxes show after the subject. (warning)"),
    ('issue.yaml:4:1', 'SB010', "Unknown key 'subjcet' in the issue file. Did you mean 'subject'?"),
    ('issue.yaml:5:10', 'SB503', 'The subject is 82 characters; inboxes cut it at about 78, so shorten it. (warning)'),
    ('issue.yaml:6:10', 'SB102', "The team mailbox address 'Team@Example.ORG' is not in its normal form; write 'Team@example.org'."),
    ('issue.yaml:9:23', 'SB104', "The email address 'team@example.org' is not a link; write it as <team@example.org> so readers can click it."),
    ('issue.yaml:9:47', 'SB204', "The web address 'https://www.gov.uk/corpus' is not a link; write it as <https://www.gov.uk/corpus> so readers can click it."),
    ('issue.yaml:10:17', 'SB505', "The link 'https://example.org/raw' is in the email but missing from its text edition; write it as [words](https://example.org/raw) or <https://example.org/raw> instead of raw HTML."),
    ('issue.yaml:10:78', 'SB506', "The address 'hidden@example.org' is a link in the email but missing from its text edition; write it in the text as <hidden@example.org>."),
    ('issue.yaml:18:9', 'SB021', "The article 'html' is listed twice; list each article once."),
    ('issue.yaml:19:9', 'SB020', "The article 'missing-one' has no file check_corpus/issue/articles/missing-one.yaml."),
    ('issue.yaml:20:11', 'SB026', "The section kind 'Broken files' is not one the layouts or an earlier issue know, so it would start a new section in the default colour; to start a new kind, add 'broken-files: \"#rrggbb\"' to the colours.yaml of your own layouts ([render] layouts)."),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """``soc-bulletin check check_corpus`` once, in a copy of the corpus."""
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, root / "check_corpus")
    images = root / "check_corpus" / "issue" / "images"
    (images / "big.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(300 * 1024))
    (images / "huge.gif").write_bytes(b"GIF89a" + bytes(1100 * 1024))
    return subprocess.run(
        [sys.executable, "-m", "soc_bulletin", "check", "check_corpus"],
        cwd=root, capture_output=True, text=True, check=False,
    )


def _line(location: str, code: str, message: str) -> str:
    return f"check_corpus/issue/{location}: {code} {message}"


@pytest.mark.parametrize(("location", "code", "message"), EXPECTED, ids=[f"{c}-{where}" for where, c, _ in EXPECTED])
def test_each_problem_at_its_place(run: subprocess.CompletedProcess[str], location: str, code: str, message: str) -> None:
    assert _line(location, code, message) in run.stdout.splitlines()


def test_all_reported_in_one_run_sorted_then_summary(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 1
    assert run.stderr == ""
    assert run.stdout.splitlines() == [_line(*row) for row in EXPECTED] + ["14 files checked: 67 errors, 9 warnings."]


def test_corpus_is_broad() -> None:
    codes = {code for _, code, _ in EXPECTED}
    assert len(EXPECTED) >= 40
    assert len(set(EXPECTED)) == len(EXPECTED)
    for family in ("SB00", "SB01", "SB02", "SB03", "SB1", "SB2", "SB3", "SB4", "SB5"):
        assert any(code.startswith(family) for code in codes), family


def test_every_code_emitted_is_registered_and_documented(run: subprocess.CompletedProcess[str]) -> None:
    emitted = set(re.findall(r": (SB\d{3}) ", run.stdout))
    documented = CONTRIBUTING.read_text(encoding="utf-8")
    assert emitted <= set(CODES)
    for code in emitted:
        assert f"`{code}`" in documented, code


def test_every_registered_code_is_in_contributing_with_its_title() -> None:
    table = dict(re.findall(r"^\| `(SB\d{3})` \| ([^|]+?) \|", CONTRIBUTING.read_text(encoding="utf-8"), re.MULTILINE))
    assert table == dict(CODES)
