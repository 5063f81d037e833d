"""FileCache: a reload re-reads only the files that changed, and loads exactly what a fresh read loads."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from soc_bulletin.content.load import FileCache, IssueSource, load_article, load_issue, read_issue
from soc_bulletin.content.model import Image
from soc_bulletin.content.yamlfile import read_yaml_text

from .conftest import ISSUE_11

ARTICLE = "jmlit"


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    folder = tmp_path / "2019-08"
    shutil.copytree(ISSUE_11, folder)
    return folder


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the cache parses, in order."""
    seen: list[Path] = []

    def counting(path: Path, /, *, display: str | None = None) -> object:
        seen.append(path)
        return read_yaml_text(path, display=display)

    monkeypatch.setattr("soc_bulletin.content.cache.read_yaml_text", counting)
    return seen


def _same_as_fresh(folder: Path, cached: IssueSource) -> None:
    fresh = read_issue(folder)
    assert cached.issue == fresh.issue
    assert cached.problems == fresh.problems
    assert cached.nodes.keys() == fresh.nodes.keys()


def test_an_edit_rereads_only_the_changed_file(issue: Path, parsed: list[Path]) -> None:
    cache = FileCache()
    first = read_issue(issue, cache=cache)
    assert first.issue is not None and not first.errors
    assert len(parsed) == len(first.nodes) == 14 == cache.parses  # issue.yaml, 11 articles, 2 translations
    edited = issue / "articles" / f"{ARTICLE}.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("JMLIT", "JMLIT (edited)", 1), encoding="utf-8")
    parsed.clear()
    second = read_issue(issue, cache=cache)
    assert parsed == [edited]
    assert cache.parses == 15
    for path, node in second.nodes.items():
        assert (node is first.nodes[path]) == (path != edited), path
    changed = next(a for a in second.issue.articles if a.slug == ARTICLE) if second.issue else None
    assert changed is not None and "JMLIT (edited)" in changed.title + str(changed.blocks)
    assert first.issue is not None and second.issue is not None
    before = {a.slug: a for a in first.issue.articles}
    images = {a.slug for a in first.issue.articles if any(isinstance(b, Image) for b in a.blocks)}
    assert images == {"wolverhampton-hate-crime"}
    for article in second.issue.articles:  # kept as built, but for the edited one and those with images (built again)
        assert (article is before[article.slug]) == (article.slug not in images | {ARTICLE}), article.slug
    _same_as_fresh(issue, second)


def test_a_replaced_file_with_the_same_size_and_time_is_reread(issue: Path, parsed: list[Path]) -> None:
    cache = FileCache()
    path = issue / "articles" / f"{ARTICLE}.yaml"
    text = path.read_text(encoding="utf-8")
    first = read_issue(issue, cache=cache)
    before = os.stat(path)
    other = text.replace("Taskforce", "TASKFORCE", 1)
    assert len(other.encode()) == len(text.encode()) and other != text
    replacement = path.with_suffix(".new")
    replacement.write_text(other, encoding="utf-8")
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, path)  # an atomic save: a new inode
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns) and after.st_ino != before.st_ino
    parsed.clear()
    second = read_issue(issue, cache=cache)
    assert parsed == [path]
    assert second.nodes[path] is not first.nodes[path]
    _same_as_fresh(issue, second)


def test_a_deleted_file_disappears(issue: Path, parsed: list[Path]) -> None:
    cache = FileCache()
    first = read_issue(issue, cache=cache)
    path = issue / "articles" / f"{ARTICLE}.yaml"
    assert path in first.nodes and any(a.slug == ARTICLE for a in first.issue.articles) if first.issue else False
    path.unlink()
    parsed.clear()
    second = read_issue(issue, cache=cache)
    assert path not in second.nodes and path not in parsed
    assert [p.code for p in second.errors] == ["SB020"]
    _same_as_fresh(issue, second)


def test_a_broken_file_keeps_its_problems_until_fixed(issue: Path, parsed: list[Path]) -> None:
    cache = FileCache()
    path = issue / "articles" / f"{ARTICLE}.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text("title: [unclosed\n", encoding="utf-8")
    first = read_issue(issue, cache=cache)
    parsed.clear()
    second = read_issue(issue, cache=cache)
    assert parsed == [] and second.problems == first.problems and any(p.code == "SB003" for p in second.problems)
    _same_as_fresh(issue, second)
    path.write_text(good + "\n", encoding="utf-8")
    assert load_issue(issue, cache=cache) == load_issue(issue)
    assert parsed == [path]


def test_articles_with_local_images_are_built_again(issue: Path) -> None:
    """An image's path is judged on disk, so an image turned into a link out of the folder is seen without an edit."""
    cache = FileCache()
    with_image = next(p for p in sorted((issue / "articles").glob("*.yaml")) if "src: images/" in p.read_text(encoding="utf-8"))
    article, problems = load_article(with_image, cache=cache)
    assert article is not None and not problems
    image = next(b.src for b in article.blocks if isinstance(b, Image) and b.src.startswith("images/"))
    outside = issue.parent / "outside.png"
    shutil.move(issue / image, outside)
    (issue / image).symlink_to(outside)
    again, problems = load_article(with_image, cache=cache)
    assert cache.parses == 1
    assert [p.code for p in problems] == ["SB406"] and again != article
