"""Hostile and broken content, each with its exact outcome (issue 11, the content side).

Every case writes an issue folder, runs ``soc-bulletin check`` and then
``soc-bulletin build`` through :func:`soc_bulletin.cli.main`, and asserts the
exact problems (location and code, in output order), both exit codes, that
nothing is printed as a traceback, and that a refused issue leaves no build
output. Beside each issue folder lies a folder of files that must never be
read: they hold :data:`SECRET`, which must appear in no output and no file
written.

The render cases at the end build editions from the model directly and
count the per-recipient placeholder tokens and unsafe characters in them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from soc_bulletin import ContentError, load_issue
from soc_bulletin.cli.main import main
from soc_bulletin.content.model import (
    Article,
    BulletList,
    Callout,
    Contact,
    Contacts,
    Figure,
    Figures,
    Image,
    Issue,
    Link,
    Quote,
    Section,
    Text,
    Welcome,
)
from soc_bulletin.render.build import build_issue
from soc_bulletin.render.renderer import DEFAULT_LAYOUTS, PLACEHOLDERS, Edition, Renderer, render_issue
from soc_bulletin.site.archive import build_archive
from soc_bulletin.site.preview import build_preview

SECRET = "TOP-SECRET-7f1c"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)

ISSUE = """\
title: Test Bulletin
number: 3
date: 2020-02-01
preheader: News from the partnerships
mailbox: team@example.org
welcome:
  body: |
    Hello partners.
sections:
  - kind: From the Centre
    articles:
      - first
"""

ARTICLE = """\
title: First article
blocks:
  - text: |
      Some words.
"""

Setup = Callable[[Path, Path], None]  # (issue folder, folder outside it)


@dataclass(frozen=True)
class Case:
    """One hostile input: the files, and every problem ``check`` must print as (location, code)."""

    name: str
    expected: tuple[tuple[str, str], ...]
    issue: str | bytes = ISSUE
    articles: Mapping[str, str | bytes] = field(default_factory=lambda: {"first": ARTICLE})
    setup: Setup | None = None
    says: str = ""  # part of the output, such as the message of the first problem


def _write(tmp_path: Path, case: Case) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(f"title: {SECRET}\nblocks:\n  - text: {SECRET} <{SECRET}@example.org>\n", encoding="utf-8")
    (outside / "secret.png").write_bytes(PNG + SECRET.encode())
    root = tmp_path / "issue"
    (root / "articles").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "issue.yaml").write_bytes(case.issue if isinstance(case.issue, bytes) else case.issue.encode("utf-8"))
    for slug, content in case.articles.items():
        (root / "articles" / f"{slug}.yaml").write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    if case.setup is not None:
        case.setup(root, outside)
    return root


_LINE = re.compile(r"^(.*?): (SB\d{3}) ")


def _problems(output: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for line in output.splitlines() if (m := _LINE.match(line))]


def _refused(output: str) -> bool:
    """Whether the loader refuses the issue (so build, send, preview and archive do)."""
    return any(
        code.startswith("SB0") or code in ("SB401", "SB406")
        for _, code in _problems(output)
    )


def _every_file(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _assert_case(tmp_path: Path, case: Case, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, case)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "issue"])
    checked = capsys.readouterr()
    assert checked.err == ""
    assert _problems(checked.out) == list(case.expected), checked.out
    errors = [line for line in checked.out.splitlines()[:-1] if not line.endswith("(warning)")]
    assert code == (1 if errors else 0)
    assert case.says in checked.out
    assert SECRET not in checked.out

    code = main(["build", "issue", "-o", "out"])
    built = capsys.readouterr()
    assert "Traceback" not in built.err and SECRET not in built.out + built.err
    if _refused(checked.out):
        assert code == 1, built.err
        assert not (tmp_path / "out").exists()
        assert built.err.splitlines()[-1].endswith("problem(s) found.")
    else:
        assert code == 0, built.err
        assert (tmp_path / "out" / "index.html").is_file()
    for path in _every_file(tmp_path / "out"):
        assert SECRET.encode() not in path.read_bytes(), path


# --- article names (slugs) in issue.yaml ------------------------------------------------------

SLUG_AT = "issue/issue.yaml:13:9"


def _listing(entry: str) -> str:
    return ISSUE.replace("      - first\n", f"      - first\n      - {entry}\n")


SLUGS = [
    ("dot-dot", "../../outside", "SB023"),
    ("absolute", "/tmp/x", "SB023"),
    ("upper-case", "Foo", "SB023"),
    ("sub-folder", "a/b", "SB023"),
    ("double-hyphen", "a--b", "SB023"),
    ("leading-hyphen", "'-a'", "SB023"),
    ("underscore", "a_b", "SB023"),
    ("dotted", "a.b", "SB023"),
    ("yml-suffix", "first.yml", "SB023"),
    ("home", "~/x", "SB023"),
    ("windows", "'C:\\x'", "SB023"),
    ("percent-encoded", "'%2e%2e%2fx'", "SB023"),
    ("empty", "''", "SB023"),
    ("space", "'my article'", "SB023"),
    ("unicode-letter", "café", "SB023"),
    ("a-list", "[a, b]", "SB012"),
    ("a-mapping", "{a: b}", "SB012"),
    ("null", "~", "SB012"),
]


@pytest.mark.parametrize(("entry", "code"), [(e, c) for _, e, c in SLUGS], ids=[n for n, _, _ in SLUGS])
def test_article_names(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, entry: str, code: str) -> None:
    _assert_case(tmp_path, Case("slug", ((SLUG_AT, code),), issue=_listing(entry)), capsys, monkeypatch)


def test_a_number_is_a_name_and_a_yaml_suffix_is_forgiven(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    issue = ISSUE.replace("      - first\n", "      - first.yaml\n      - 2019\n")
    _assert_case(tmp_path, Case("number", (("issue/issue.yaml:13:9", "SB020"),), issue=issue, says="The article '2019' has no file"), capsys, monkeypatch)


def test_a_control_character_in_a_name_is_reported_twice_over(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    case = Case("rlo", ((SLUG_AT, "SB015"), (SLUG_AT, "SB023")), issue=_listing('"first\\u202e"'), says="U+202E RIGHT-TO-LEFT OVERRIDE")
    _assert_case(tmp_path, case, capsys, monkeypatch)


# --- files that lead out of the issue folder (symlinks), and files that are not files -----------


def _link_article(name: str, target: str) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        (root / "articles" / f"{name}.yaml").unlink(missing_ok=True)
        (root / "articles" / f"{name}.yaml").symlink_to(target.format(outside=outside))
    return setup


def _articles_folder_outside(root: Path, outside: Path) -> None:
    (root / "articles" / "first.yaml").unlink()
    (root / "articles").rmdir()
    (outside / "first.yaml").write_text(ARTICLE.replace("Some words.", SECRET), encoding="utf-8")
    (root / "articles").symlink_to(outside)


def _issue_file_outside(root: Path, outside: Path) -> None:
    (outside / "issue.yaml").write_text(ISSUE.replace("Test Bulletin", SECRET), encoding="utf-8")
    (root / "issue.yaml").unlink()
    (root / "issue.yaml").symlink_to(outside / "issue.yaml")


def _loop(root: Path, outside: Path) -> None:
    (root / "articles" / "first.yaml").unlink()
    (root / "articles" / "first.yaml").symlink_to("second.yaml")
    (root / "articles" / "second.yaml").symlink_to("first.yaml")


def _folder_as_article(root: Path, outside: Path) -> None:
    (root / "articles" / "first.yaml").unlink()
    (root / "articles" / "first.yaml").mkdir()


def _fifo_as_article(root: Path, outside: Path) -> None:
    (root / "articles" / "first.yaml").unlink()
    os.mkfifo(root / "articles" / "first.yaml")


def _inside_link(root: Path, outside: Path) -> None:
    (root / "articles" / "first.yaml").rename(root / "articles" / "real.yaml")
    (root / "articles" / "first.yaml").symlink_to("real.yaml")


def _image(src: str, extra: Setup | None = None) -> tuple[str, Setup | None]:
    article = f"title: First article\nblocks:\n  - image:\n      src: {src}\n      alt: Four people in front of a church\n"
    return article, extra


def _image_link(root: Path, outside: Path) -> None:
    (root / "images" / "photo.png").symlink_to(outside / "secret.png")


def _images_folder_outside(root: Path, outside: Path) -> None:
    (root / "images").rmdir()
    (outside / "photo.png").write_bytes(PNG + SECRET.encode())
    (root / "images").symlink_to(outside)


def _image_fifo(root: Path, outside: Path) -> None:
    os.mkfifo(root / "images" / "photo.png")


def _image_folder(root: Path, outside: Path) -> None:
    (root / "images" / "photo.png").mkdir()


def _png(name: str) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        (root / "images" / name).write_bytes(PNG)
    return setup


def _image_inside_link(root: Path, outside: Path) -> None:
    (root / "images" / "real.png").write_bytes(PNG)
    (root / "images" / "photo.png").symlink_to("real.png")


FIRST = "issue/articles/first.yaml"
SRC_AT = f"{FIRST}:4:12"

PATHS = [
    Case("article-link-out-absolute", (("issue/issue.yaml:12:9", "SB024"),), setup=_link_article("first", "{outside}/secret.yaml"), says="is a link to a place outside the issue folder"),
    Case("article-link-out-relative", (("issue/issue.yaml:12:9", "SB024"),), setup=_link_article("first", "../../outside/secret.yaml")),
    Case("article-link-to-etc-passwd", (("issue/issue.yaml:12:9", "SB024"),), setup=_link_article("first", "/etc/passwd")),
    Case("article-link-dangling-out", (("issue/issue.yaml:12:9", "SB024"),), setup=_link_article("first", "/nonexistent/x.yaml")),
    Case("unlisted-article-link-out", (("issue/articles/stray.yaml", "SB024"),), setup=_link_article("stray", "{outside}/secret.yaml")),
    Case("articles-folder-out", (("issue/articles/secret.yaml", "SB024"), ("issue/issue.yaml:12:9", "SB024")), setup=_articles_folder_outside),
    Case("issue-file-out", (("issue/issue.yaml", "SB024"),), setup=_issue_file_outside),
    Case("article-link-loop", (("issue/articles/second.yaml", "SB024"), ("issue/issue.yaml:12:9", "SB024")), setup=_loop, says="cannot be followed"),
    Case("article-is-a-folder", (("issue/issue.yaml:12:9", "SB020"),), setup=_folder_as_article),
    Case("article-is-a-fifo", (("issue/issue.yaml:12:9", "SB020"),), setup=_fifo_as_article),
    Case("article-link-inside-is-fine", (("issue/articles/real.yaml", "SB022"),), setup=_inside_link),
    Case("image-link-out", ((SRC_AT, "SB406"),), articles={"first": _image("images/photo.png")[0]}, setup=_image_link, says="is a link to a file outside the issue folder"),
    Case("images-folder-out", ((SRC_AT, "SB406"),), articles={"first": _image("images/photo.png")[0]}, setup=_images_folder_outside),
    Case("image-absolute", ((SRC_AT, "SB406"),), articles={"first": _image("/etc/passwd")[0]}),
    Case("image-dot-dot", ((SRC_AT, "SB406"),), articles={"first": _image("../outside/secret.png")[0]}),
    Case("image-dot-dot-inside-path", ((SRC_AT, "SB406"),), articles={"first": _image("images/../../outside/secret.png")[0]}),
    Case("image-backslashes", ((SRC_AT, "SB406"),), articles={"first": _image("'..\\outside\\secret.png'")[0]}),
    Case("image-windows-drive", ((SRC_AT, "SB406"),), articles={"first": _image("'C:/outside/secret.png'")[0]}),
    Case("image-network-path", ((SRC_AT, "SB406"),), articles={"first": _image("//evil.example/x.png")[0]}),
    Case("image-file-url", ((SRC_AT, "SB201"),), articles={"first": _image("file:///etc/passwd")[0]}),
    Case("image-data-url", ((SRC_AT, "SB201"),), articles={"first": _image("'data:image/png;base64,iVBORw0KGgo='")[0]}),
    Case("image-is-a-fifo", ((SRC_AT, "SB401"),), articles={"first": _image("images/photo.png")[0]}, setup=_image_fifo),
    Case("image-is-a-folder", ((SRC_AT, "SB401"),), articles={"first": _image("images/photo.png")[0]}, setup=_image_folder),
    Case("image-link-inside-is-fine", (), articles={"first": _image("images/photo.png")[0]}, setup=_image_inside_link),
    Case("image-path-with-quotes", ((SRC_AT, "SB014"),), articles={"first": _image("'images/a\"onerror=\"x.png'")[0]}, setup=_png('a"onerror="x.png'), says="The image path may hold only"),
    Case("image-path-combining-mark", ((SRC_AT, "SB014"),), articles={"first": _image('"images/\u0300.png"')[0]}, setup=_png("\u0300.png")),
]


@pytest.mark.parametrize("case", PATHS, ids=[c.name for c in PATHS])
def test_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    _assert_case(tmp_path, case, capsys, monkeypatch)


def test_an_image_link_out_is_never_copied_into_the_archive_or_preview(tmp_path: Path) -> None:
    _write(tmp_path, Case("x", (), articles={"first": _image("images/photo.png")[0]}, setup=_image_link))
    issues = tmp_path / "issues"
    issues.mkdir()
    (tmp_path / "issue").rename(issues / "2020-02")
    with pytest.raises(ContentError) as caught:
        build_archive(issues, tmp_path / "site")
    assert [p.code for p in caught.value.problems] == ["SB406"]
    assert not (tmp_path / "site").exists()
    preview = build_preview(issues / "2020-02", layouts=DEFAULT_LAYOUTS, number=1)
    assert not preview.ok and preview.html == "" and "SB406" in {p.code for p in preview.problems}


def test_archive_refuses_an_unsafe_base_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, Case("x", ()))
    issues = tmp_path / "issues"
    issues.mkdir()
    (tmp_path / "issue").rename(issues / "2020-02")
    assert main(["archive", str(issues), "-o", str(tmp_path / "site"), "--base-url", "javascript:alert(1)//"]) == 2
    assert "must be an https:// address" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_a_web_url_that_is_not_https_is_never_a_link() -> None:
    html = render_issue(_model(Text("x\n")), web_url="javascript:alert(1)").html
    assert "javascript:" not in html and "View this bulletin in your browser" not in html


def test_build_from_python_refuses_an_image_linked_out_before_writing(tmp_path: Path) -> None:
    root = tmp_path / "issue"
    (root / "images").mkdir(parents=True)
    (tmp_path / "secret.png").write_bytes(PNG + SECRET.encode())
    (root / "images" / "photo.png").symlink_to(tmp_path / "secret.png")
    issue = _model(Image("images/photo.png", "Four people in front of a church"))
    with pytest.raises(ContentError) as caught:
        build_issue(issue, tmp_path / "out", root=root)
    assert [(p.code, Path(p.path).name) for p in caught.value.problems] == [("SB406", "photo.png")]
    assert not (tmp_path / "out").exists()


# --- placeholder syntax and control characters, field by field ---------------------------------

#: Article files with one field to fill, and where that field's value starts.
ARTICLE_FIELDS: dict[str, tuple[str, str]] = {
    "title": ("title: {v}\nblocks:\n  - text: x\n", "1:8"),
    "standfirst": ("title: T\nstandfirst: {v}\nblocks:\n  - text: x\n", "2:13"),
    "text": ("title: T\nblocks:\n  - text: {v}\n", "3:11"),
    "list item": ("title: T\nblocks:\n  - list:\n      - {v}\n", "4:9"),
    "figure value": ("title: T\nblocks:\n  - figures:\n      - value: {v}\n        label: l\n", "4:16"),
    "figure label": ("title: T\nblocks:\n  - figures:\n      - value: '1'\n        label: {v}\n", "5:16"),
    "quote text": ("title: T\nblocks:\n  - quote:\n      text: {v}\n", "4:13"),
    "quote speaker": ("title: T\nblocks:\n  - quote:\n      text: q\n      speaker: {v}\n", "5:16"),
    "quote role": ("title: T\nblocks:\n  - quote:\n      text: q\n      role: {v}\n", "5:13"),
    "callout title": ("title: T\nblocks:\n  - callout:\n      title: {v}\n      body: b\n", "4:14"),
    "callout body": ("title: T\nblocks:\n  - callout:\n      title: t\n      body: {v}\n", "5:13"),
    "image alt": ("title: T\nblocks:\n  - image:\n      src: https://www.gov.uk/a.png\n      alt: {v}\n", "5:12"),
    "image caption": ("title: T\nblocks:\n  - image:\n      src: https://www.gov.uk/a.png\n      alt: A church\n      caption: {v}\n", "6:16"),
    "link text": ("title: T\nblocks:\n  - link:\n      url: https://www.gov.uk/x\n      text: {v}\n", "5:13"),
    "contact name": ("title: T\nblocks:\n  - contact:\n      email: jo@example.org\n      name: {v}\n", "5:13"),
    "contact role": ("title: T\nblocks:\n  - contact:\n      email: jo@example.org\n      role: {v}\n", "5:13"),
    "contact organisation": ("title: T\nblocks:\n  - contact:\n      email: jo@example.org\n      organisation: {v}\n", "5:21"),
    "contacts title": ("title: T\nblocks:\n  - contacts:\n      title: {v}\n      people:\n        - email: jo@example.org\n", "4:14"),
}

#: issue.yaml with one field to fill, and where that field's value starts.
ISSUE_FIELDS: dict[str, tuple[str, str]] = {
    "issue title": (ISSUE.replace("title: Test Bulletin", "title: {v}"), "1:8"),
    "strapline": (ISSUE.replace("number: 3", "number: 3\nstrapline: {v}"), "3:12"),
    "subject": (ISSUE.replace("number: 3", "number: 3\nsubject: {v}"), "3:10"),
    "preheader": (ISSUE.replace("preheader: News from the partnerships", "preheader: {v}"), "4:12"),
    "welcome title": (ISSUE.replace("welcome:\n", "welcome:\n  title: {v}\n"), "7:10"),
    "welcome body": (ISSUE.replace("  body: |\n    Hello partners.\n", "  body: {v}\n"), "7:9"),
    "section kind": (ISSUE.replace("kind: From the Centre", "kind: {v}"), "10:11"),
    "audience": (ISSUE.replace("    articles:\n", "    audience: [{v}]\n    articles:\n"), "11:16"),
}

PLACEHOLDER = '"Go to [[unsubscribe_url]] now"'


def _field_case(where: str, value: str, codes: tuple[str, ...], says: str = "") -> Case:
    if where in ARTICLE_FIELDS:
        template, at = ARTICLE_FIELDS[where]
        return Case(where, tuple((f"{FIRST}:{at}", c) for c in codes), articles={"first": template.format(v=value)}, says=says)
    template, at = ISSUE_FIELDS[where]
    return Case(where, tuple((f"issue/issue.yaml:{at}", c) for c in codes), issue=template.replace("{v}", value), says=says)


PLACEHOLDER_CASES = [_field_case(where, PLACEHOLDER, ("SB016",), says="'[[unsubscribe_url]]'") for where in [*ARTICLE_FIELDS, *ISSUE_FIELDS]] + [
    Case("link url", ((f"{FIRST}:4:36", "SB016"),), articles={"first": "title: T\nblocks:\n  - link:\n      url: https://evil.example/?u=[[unsubscribe_url]]\n"}),
    Case("markdown link", ((f"{FIRST}:3:11", "SB016"),), articles={"first": "title: T\nblocks:\n  - text: '[Win a prize](https://evil.example/?u=[[unsubscribe_url]])'\n"}),
    Case("greeting token", ((f"{FIRST}:3:20", "SB016"),), articles={"first": "title: T\nblocks:\n  - text: Dear all [[greeting]] and more\n"}, says="'[[greeting]]'"),
    Case("spaced token", ((f"{FIRST}:3:11", "SB016"),), articles={"first": "title: T\nblocks:\n  - text: '[[ unsubscribe_url ]]'\n"}),
    Case("entity-written token", ((f"{FIRST}:3:11", "SB016"),), articles={"first": "title: T\nblocks:\n  - text: '&#91;&#91;unsubscribe_url&#93;&#93;'\n"}),
    Case("backslash-written token", ((f"{FIRST}:3:11", "SB016"),), articles={"first": "title: T\nblocks:\n  - text: '\\[\\[unsubscribe_url\\]\\]'\n"}),
    Case("footnote-style brackets are fine", (), articles={"first": "title: T\nblocks:\n  - text: See note [[1]] below.\n"}),
]


@pytest.mark.parametrize("case", PLACEHOLDER_CASES, ids=[c.name for c in PLACEHOLDER_CASES])
def test_placeholder_syntax_in_content(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    _assert_case(tmp_path, case, capsys, monkeypatch)


CONTROL_CASES = [
    _field_case("title", '"Bell \\a here"', ("SB015",), says="U+0007 BELL"),
    _field_case("title", '"Escape \\e[2J here"', ("SB015",), says="U+001B ESCAPE"),
    _field_case("title", '"Nul \\0 here"', ("SB015",), says="U+0000 NUL"),
    _field_case("title", '"Delete \\x7f here"', ("SB015",), says="U+007F DELETE"),
    _field_case("title", '"CSI \\x9b here"', ("SB015",), says="U+009B"),
    _field_case("title", '"Next line \\N here"', ("SB015",), says="U+0085"),
    _field_case("title", '"Line \\L separator"', ("SB015",), says="U+2028 LINE SEPARATOR"),
    _field_case("title", '"Paragraph \\P separator"', ("SB015",), says="U+2029 PARAGRAPH SEPARATOR"),
    _field_case("title", '"evil\\u202egnp.exe"', ("SB015",), says="U+202E RIGHT-TO-LEFT OVERRIDE"),
    _field_case("title", '"isolate \\u2066x\\u2069"', ("SB015",), says="U+2066 LEFT-TO-RIGHT ISOLATE at character 9 (and 1 more)"),
    _field_case("title", '"embedding \\u202a"', ("SB015",), says="U+202A"),
    _field_case("title", '"Carriage\\rreturn"', ("SB015",), says="U+000D CARRIAGE RETURN"),
    _field_case("title", '"Two\\nlines"', ("SB015",), says="must be on one line; delete the line break at character 4"),
    _field_case("title", '"A\\ttab"', ("SB015",), says="delete the tab at character 2"),
    _field_case("text", '"Two\\nlines and\\ta tab are fine in text"', ()),
    _field_case("text", '"Bell \\a in text"', ("SB015",)),
    _field_case("standfirst", '"Hidden \\u202e in the standfirst"', ("SB015",)),
    _field_case("list item", '"Hidden \\u2067 in a list"', ("SB015",)),
    _field_case("image alt", '"Alt \\x1b text"', ("SB015",)),
    _field_case("contact name", '"Jo\\rBcc: x@example.net"', ("SB015",)),
    _field_case("subject", '"Summer\\r\\nBcc: x@example.net"', ("SB015",)),
    _field_case("preheader", '"Pre\\u2028header"', ("SB015",)),
    _field_case("section kind", '"Kind\\x00"', ("SB015",)),
    _field_case("welcome body", '"Hello \\x1b[31mred"', ("SB015",)),
    Case("link url", ((f"{FIRST}:4:12", "SB015"), (f"{FIRST}:4:12", "SB203")), articles={"first": 'title: T\nblocks:\n  - link:\n      url: "https://www.gov.uk/\\x07"\n'}),
    Case("contact email", ((f"{FIRST}:4:14", "SB015"), (f"{FIRST}:4:14", "SB101")), articles={"first": 'title: T\nblocks:\n  - contact:\n      email: "jo\\x0b@example.org"\n'}),
    Case("raw override in a plain title", ((f"{FIRST}:1:16", "SB015"),), articles={"first": "title: Invoice \u202eFDP.exe\nblocks:\n  - text: x\n"}),
    Case("raw bell in the file", ((f"{FIRST}:1:13", "SB015"),), articles={"first": "title: Bell \a here\nblocks:\n  - text: x\n"}, says="U+0007 BELL"),
    Case("raw escape in issue.yaml", (("issue/issue.yaml:1:8", "SB015"),), issue=ISSUE.replace("title: Test Bulletin", "title: \x1b[2JTest")),
    Case("raw NUL byte", ((f"{FIRST}:3:11", "SB015"),), articles={"first": b"title: T\nblocks:\n  - text: \x00x\n"}),
    Case("raw C1 control", ((f"{FIRST}:1:9", "SB015"),), articles={"first": "title: T\u0090\nblocks:\n  - text: x\n"}),
    Case("folded title ends in a line break", (), articles={"first": "title: >\n  A long title\n  over two lines\nblocks:\n  - text: x\n"}),
]


@pytest.mark.parametrize("case", CONTROL_CASES, ids=[f"{c.name}-{i}" for i, c in enumerate(CONTROL_CASES)])
def test_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    _assert_case(tmp_path, case, capsys, monkeypatch)


# --- look-alike domains and misleading link words ----------------------------------------------

CYRILLIC_GOV = "g\u043ev.uk"  # the о is Cyrillic
PUNYCODE_GOV = "xn--gv-fmc.uk"  # the same name written as punycode


def _links(body: str) -> Mapping[str, str]:
    return {"first": f"title: T\nblocks:\n{body}"}


LINK_CASES = [
    Case("link block", ((f"{FIRST}:4:12", "SB205"),), articles=_links(f"  - link:\n      url: https://{CYRILLIC_GOV}/x\n"), says="mixes Latin and Cyrillic letters"),
    Case("punycode link block", ((f"{FIRST}:4:12", "SB205"),), articles=_links(f"  - link:\n      url: https://{PUNYCODE_GOV}/x\n"), says="'xn--gv-fmc' (g\u043ev)"),
    Case("greek letter", ((f"{FIRST}:4:12", "SB205"),), articles=_links("  - link:\n      url: https://pay\u03c1al.com/\n"), says="Latin and Greek"),
    Case("subdomain label", ((f"{FIRST}:4:12", "SB205"),), articles=_links("  - link:\n      url: https://www.h\u043eme\u043ffice.gov.uk/\n")),
    Case("markdown link", ((f"{FIRST}:3:27", "SB205"),), articles=_links(f"  - text: Read [the plan](https://{CYRILLIC_GOV}/plan).\n")),
    Case("autolink", ((f"{FIRST}:3:16", "SB205"),), articles=_links(f"  - text: See <https://{CYRILLIC_GOV}/plan>.\n")),
    Case("html link", ((f"{FIRST}:3:25", "SB205"), (f"{FIRST}:3:25", "SB505")), articles=_links(f"  - text: 'See <a href=\"https://{CYRILLIC_GOV}/\">this</a>'\n")),
    Case("remote image", ((f"{FIRST}:4:12", "SB205"),), articles=_links(f"  - image:\n      src: https://{CYRILLIC_GOV}/a.png\n      alt: A church\n")),
    Case("contact address", ((f"{FIRST}:4:14", "SB105"),), articles=_links(f"  - contact:\n      email: jo@{CYRILLIC_GOV}\n"), says="has the domain"),
    Case("punycode contact address", ((f"{FIRST}:4:14", "SB105"),), articles=_links(f"  - contact:\n      email: jo@{PUNYCODE_GOV}\n")),
    Case("mailto link", ((f"{FIRST}:3:32", "SB105"),), articles=_links(f"  - text: Write to [us](mailto:jo@{CYRILLIC_GOV}).\n")),
    Case("team mailbox", (("issue/issue.yaml:5:10", "SB105"),), issue=ISSUE.replace("team@example.org", f"team@{CYRILLIC_GOV}")),
    Case("one script per label is fine", (), articles=_links("  - link:\n      url: https://\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444/\n  - link:\n      url: https://\u4f8b\u3048.jp/\n")),
    Case("url words to another site", ((f"{FIRST}:3:37", "SB206"),), articles=_links("  - text: Read [https://www.gov.uk](https://evil.example/) now.\n"), says="(warning)"),
    Case("domain words to another site", ((f"{FIRST}:3:24", "SB206"),), articles=_links("  - text: See [gov.uk](https://evil.example/) now.\n")),
    Case("look-alike words", ((f"{FIRST}:3:24", "SB206"),), articles=_links(f"  - text: See [{CYRILLIC_GOV}](https://www.gov.uk/) now.\n")),
    Case("link block words", ((f"{FIRST}:5:13", "SB206"),), articles=_links("  - link:\n      url: https://evil.example/\n      text: https://www.gov.uk/guidance\n")),
    Case("address words to another address", ((f"{FIRST}:3:37", "SB206"),), articles=_links("  - text: Write to [jo@example.org](mailto:evil@example.net).\n")),
    Case("words naming the site are fine", (), articles=_links("  - text: See [www.gov.uk](https://www.gov.uk/x), [gov.uk](https://assets.publishing.service.gov.uk/a) and [the plan](https://evil.example/).\n")),
]


@pytest.mark.parametrize("case", LINK_CASES, ids=[c.name for c in LINK_CASES])
def test_links(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    _assert_case(tmp_path, case, capsys, monkeypatch)


# --- YAML itself: tags, aliases, size, nesting, encodings, shapes -------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
) + "title: T\nblocks:\n  - list: *i\n"

YAML_CASES = [
    Case("python object tag", ((f"{FIRST}:1:8", "SB007"),), articles={"first": "title: !!python/object/apply:os.system ['echo pwned']\nblocks:\n  - text: x\n"}, says="'!!python/object/apply:os.system'"),
    Case("python name tag", ((f"{FIRST}:3:11", "SB007"),), articles={"first": "title: T\nblocks:\n  - text: !!python/name:os.system x\n"}),
    Case("binary tag", ((f"{FIRST}:1:8", "SB007"),), articles={"first": "title: !!binary aGVsbG8=\nblocks:\n  - text: x\n"}),
    Case("local tag", ((f"{FIRST}:1:8", "SB007"),), articles={"first": "title: !include /etc/passwd\nblocks:\n  - text: x\n"}),
    Case("set tag", ((f"{FIRST}:2:9", "SB007"),), articles={"first": "title: T\nblocks: !!set {a, b}\n"}),
    Case("alias bomb", tuple((f"{FIRST}:{2 + i}:{j}", "SB007") for i in range(8) for j in range(8, 8 + 4 * 9, 4)) + ((f"{FIRST}:12:11", "SB007"),), articles={"first": BOMB}),
    Case("recursive alias", ((f"{FIRST}:3:15", "SB007"),), articles={"first": "title: T\nblocks:\n  - &b {list: *b}\n"}),
    Case("merge key", ((f"{FIRST}:3:9", "SB007"),), articles={"first": "base: &base {title: T}\nblocks:\n  - <<: *base\n"}),
    Case("deep nesting", ((f"{FIRST}:3:1008", "SB003"),), articles={"first": "title: T\nblocks:\n  - list: " + "[" * 2000 + "]" * 2000 + "\n"}, says="exceeded maximum nesting depth"),
    Case("over a megabyte", ((FIRST, "SB006"),), articles={"first": "title: T\nblocks:\n  - text: " + "x" * (1024 * 1024) + "\n"}, says="must be under 1 MB"),
    Case("latin-1", ((f"{FIRST}:1:11", "SB001"),), articles={"first": "title: Café\nblocks:\n  - text: x\n".encode("latin-1")}),
    Case("utf-16", ((f"{FIRST}:1:1", "SB001"),), articles={"first": "title: T\nblocks:\n  - text: x\n".encode("utf-16")}),
    Case("a png named .yaml", ((f"{FIRST}:1:1", "SB001"),), articles={"first": PNG}),
    Case("utf-8 with a byte order mark is fine", (), articles={"first": b"\xef\xbb\xbf" + ARTICLE.encode()}),
    Case("crlf line ends are fine", (), articles={"first": ARTICLE.replace("\n", "\r\n")}),
    Case("whitespace only", ((f"{FIRST}:1:1", "SB002"),), articles={"first": "  \n\n"}),
    Case("document marker only", ((f"{FIRST}:1:1", "SB002"),), articles={"first": "---\n...\n"}),
    Case("two documents", ((f"{FIRST}:5:1", "SB003"),), articles={"first": ARTICLE + "---\n" + ARTICLE}),
    Case("a plain string", ((f"{FIRST}:1:1", "SB012"),), articles={"first": "just words\n"}),
    Case("a list key", ((f"{FIRST}:1:1", "SB011"), (f"{FIRST}:1:3", "SB012")), articles={"first": "? [title]\n: T\nblocks:\n  - text: x\n"}),
    Case("a mapping as block type", ((f"{FIRST}:3:5", "SB030"),), articles={"first": "title: T\nblocks:\n  - {a: b}: x\n"}),
    Case("title is a list", ((f"{FIRST}:1:8", "SB012"),), articles={"first": "title: [a, b]\nblocks:\n  - text: x\n"}),
    Case("title is a mapping", ((f"{FIRST}:1:8", "SB012"),), articles={"first": "title: {a: b}\nblocks:\n  - text: x\n"}),
    Case("blocks is a mapping", ((f"{FIRST}:2:9", "SB012"),), articles={"first": "title: T\nblocks: {text: x}\n"}),
    Case("width is text", ((f"{FIRST}:6:14", "SB012"),), articles={"first": "title: T\nblocks:\n  - image:\n      src: https://www.gov.uk/a.png\n      alt: A church\n      width: wide\n"}),
    Case("width is huge", ((f"{FIRST}:6:14", "SB014"),), articles={"first": "title: T\nblocks:\n  - image:\n      src: https://www.gov.uk/a.png\n      alt: A church\n      width: 99999999999999999999\n"}),
    Case("number with 5000 digits", (("issue/issue.yaml:2:9", "SB012"),), issue=ISSUE.replace("number: 3", "number: " + "9" * 5000)),
    Case("number is a float", (("issue/issue.yaml:2:9", "SB012"),), issue=ISSUE.replace("number: 3", "number: .inf")),
    Case("date out of range", (("issue/issue.yaml:3:7", "SB014"),), issue=ISSUE.replace("2020-02-01", "2020-13-45")),
    Case("sections is text", ((FIRST, "SB022"), ("issue/issue.yaml:9:11", "SB012")), issue=ISSUE.replace("sections:\n  - kind: From the Centre\n    articles:\n      - first\n", "sections: all of them\n")),
    Case("welcome is text", (("issue/issue.yaml:6:10", "SB012"),), issue=ISSUE.replace("welcome:\n  body: |\n    Hello partners.\n", "welcome: Hello\n")),
    Case("duplicate keys", ((f"{FIRST}:2:1", "SB013"),), articles={"first": "title: T\ntitle: U\nblocks:\n  - text: x\n"}),
    Case("tab indentation", ((f"{FIRST}:3:1", "SB003"),), articles={"first": "title: T\nblocks:\n\t- text: x\n"}),
    Case("a very long unknown key", ((f"{FIRST}:1:1", "SB010"),), articles={"first": "k" * 500 + ": x\ntitle: T\nblocks:\n  - text: x\n"}, says="'" + "k" * 57 + "...'"),
]


@pytest.mark.parametrize("case", YAML_CASES, ids=[c.name for c in YAML_CASES])
def test_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    _assert_case(tmp_path, case, capsys, monkeypatch)


# --- Markdown and HTML: nothing unsafe is ever live in the email --------------------------------

MARKDOWN_CASES = [
    Case("javascript link", ((f"{FIRST}:3:23", "SB201"),), articles=_links("  - text: '[Click me](javascript:alert(1))'\n")),
    Case("mixed-case javascript", ((f"{FIRST}:3:23", "SB201"),), articles=_links("  - text: '[Click me](JaVaScRiPt:alert(1))'\n")),
    Case("vbscript link", ((f"{FIRST}:3:23", "SB201"),), articles=_links("  - text: '[Click me](vbscript:msgbox(1))'\n")),
    Case("data link", ((f"{FIRST}:3:23", "SB201"),), articles=_links("  - text: '[Click me](data:text/html;base64,PHNjcmlwdD4=)'\n")),
    Case("script tag", ((f"{FIRST}:3:15", "SB301"),), articles=_links("  - text: 'Hi <script>alert(1)</script>'\n")),
    Case("image with onerror", ((f"{FIRST}:3:11", "SB405"), (f"{FIRST}:3:23", "SB303")), articles=_links("  - text: '<img src=x onerror=alert(1)>'\n")),
    Case("svg onload", ((f"{FIRST}:3:11", "SB305"), (f"{FIRST}:3:17", "SB303")), articles=_links("  - text: '<svg onload=alert(1)></svg>'\n")),
    Case("html javascript href", ((f"{FIRST}:3:11", "SB201"),), articles=_links("  - text: 'See <a href=\" javascript:alert(1)\">x</a>'\n")),
    Case("iframe", ((f"{FIRST}:3:11", "SB302"),), articles=_links("  - text: '<iframe src=\"https://evil.example/\"></iframe>'\n")),
    Case("javascript link block", ((f"{FIRST}:4:12", "SB201"),), articles=_links("  - link:\n      url: javascript:alert(1)\n")),
]


@pytest.mark.parametrize("case", MARKDOWN_CASES, ids=[c.name for c in MARKDOWN_CASES])
def test_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    _assert_case(tmp_path, case, capsys, monkeypatch)
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8").lower()
    assert not re.search(r"""(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript|data):""", html)
    assert not re.search(r"<(?:script|iframe|svg)\b|\son[a-z]+\s*=", html)


# --- rendering straight from the model: only the layout's placeholders, no unsafe characters ----

EVIL = "https://evil.example/?u=[[unsubscribe_url]]"


def _model(*blocks: object, **issue: object) -> Issue:
    article = Article("first", str(issue.pop("article_title", "First")), blocks=tuple(blocks))  # type: ignore[arg-type]
    fields: dict[str, object] = {
        "title": "Test Bulletin", "number": 3, "date": dt.date(2020, 2, 1), "mailbox": "team@example.org",
        "welcome": Welcome("Hello partners.\n"), "sections": (Section("From the Centre", (article,)),), **issue,
    }
    return Issue(**fields)  # type: ignore[arg-type]


def _token_counts(html: str, text: str) -> list[tuple[int, int]]:
    return [(html.count(token), text.count(token)) for token in PLACEHOLDERS.values()]


def _with_every_placeholder(issue: Issue) -> Edition:
    """The issue rendered as a send with a preference page renders it: every placeholder in the layout."""
    return Renderer().render(issue, manage=True)


LAYOUT_COUNTS = _token_counts(_with_every_placeholder(_model(Text("Plain.\n"))).html,
                              _with_every_placeholder(_model(Text("Plain.\n"))).text)

RENDER_CASES: list[tuple[str, Issue]] = [
    ("link block to evil", _model(Link(EVIL, "Win a prize"))),
    ("markdown link to evil", _model(Text(f"[Win a prize]({EVIL})\n"))),
    ("autolink to evil", _model(Text(f"<{EVIL}>\n"))),
    ("raw html link to evil", _model(Text(f'<a href="{EVIL}">Win</a>\n'))),
    ("entity-written html link", _model(Text('<a href="https://evil.example/?u=&#91;&#91;unsubscribe_url&#93;&#93;">Win</a>\n'))),
    ("token in text", _model(Text("Dear [[greeting]], [[unsubscribe_url]] [[preferences_url]]\n"))),
    ("three brackets", _model(Text("[[[unsubscribe_url]]]\n"))),
    ("backslash brackets", _model(Text("\\[\\[unsubscribe_url\\]\\]\n"))),
    ("token in every plain field", _model(
        BulletList(("[[greeting]]",)), Figures((Figure("[[greeting]]", "[[unsubscribe_url]]"),)),
        Quote("[[greeting]]", "[[greeting]]", "[[unsubscribe_url]]"), Callout("[[greeting]]", "[[unsubscribe_url]]\n"),
        Image("https://www.gov.uk/[[greeting]].png", "[[greeting]]", caption="[[unsubscribe_url]]"),
        Contacts((Contact("jo@example.org", "[[greeting]]", "[[greeting]]", "[[unsubscribe_url]]"),), title="[[greeting]]"),
        article_title="[[unsubscribe_url]]", title="[[greeting]]", strapline="[[unsubscribe_url]]", subject="[[greeting]]",
        preheader="[[unsubscribe_url]]", welcome=Welcome("[[unsubscribe_url]]\n", "[[greeting]]"),
    )),
    ("a character reference and a control", _model(Text("&#91;[unsubscribe_url]] \x01[unsubscribe_url]]\n"), Link("https://e.example/?u=\x01[[x]]", "\x01"))),
]


@pytest.mark.parametrize("issue", [i for _, i in RENDER_CASES], ids=[n for n, _ in RENDER_CASES])
def test_content_never_adds_a_placeholder(issue: Issue) -> None:
    edition = _with_every_placeholder(issue)
    assert [(1, 1)] * len(PLACEHOLDERS) == LAYOUT_COUNTS
    assert _token_counts(edition.html, edition.text) == LAYOUT_COUNTS
    assert "\x01" not in edition.html + edition.mjml


def test_an_evil_link_is_shown_as_written_and_goes_nowhere_else() -> None:
    edition = render_issue(_model(Link(EVIL, "Win a prize")))
    assert 'href="https://evil.example/?u=&#91;[unsubscribe_url]]"' in edition.html
    assert "https://evil.example/?u=[\u2060[unsubscribe_url]]" in edition.text


CONTROLS = ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069"]


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_control_characters_never_reach_mjml(char: str) -> None:
    issue = _model(
        Text(f"Words{char} here\n"), Link(f"https://www.gov.uk/{char}", f"Go{char}"), Quote(f"Q{char}", f"S{char}"),
        article_title=f"Title{char}", title=f"Bulletin{char}", subject=f"Subject{char}", preheader=f"Pre{char}",
    )
    edition = render_issue(issue)  # before: "MJML could not be compiled"
    for part in (edition.html, edition.text, edition.mjml, edition.subject, edition.preheader):
        assert char not in part
    assert "Words here" in edition.text and "Title" in edition.text


def test_load_issue_refuses_what_check_reports(tmp_path: Path) -> None:
    _write(tmp_path, Case("x", (), articles={"first": 'title: "Evil \\u202e"\nblocks:\n  - link:\n      url: https://evil.example/?u=[[unsubscribe_url]]\n'}))
    with pytest.raises(ContentError) as caught:
        load_issue(tmp_path / "issue")
    assert [(p.line, p.code) for p in caught.value.problems] == [(1, "SB015"), (4, "SB016")]


def test_a_file_name_with_an_escape_sequence_is_printed_harmlessly(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    case = Case("x", (), articles={"first": ARTICLE, "\x1b[2J\u202ex": ARTICLE})
    _write(tmp_path, case)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "issue"]) == 1  # an article file no section lists is an error
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "issue/articles/\\x1b[2J\\u202ex.yaml: SB022 No section of issue.yaml lists the article '\\x1b[2J\\u202ex'" in out
