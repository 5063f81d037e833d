"""Compiled layouts kept between runs: the same email from the cache, an edited layout compiled again, a broken or
foreign cache ignored."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jinja2
import pytest

from soc_bulletin.content.load import load_issue
from soc_bulletin.render.layout_cache import layout_cache
from soc_bulletin.render.renderer import DEFAULT_LAYOUTS, Renderer

from .conftest import ISSUE_11


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "soc-bulletin" / "layouts"


def rendered(layouts: Path = DEFAULT_LAYOUTS) -> str:
    return Renderer(layouts).render(load_issue(ISSUE_11)).html


def cached(cache_home: Path) -> list[Path]:
    return sorted(cache_home.rglob("*.cache"))


def test_a_second_run_renders_the_same_email_from_the_cache(cache_home: Path) -> None:
    first = rendered()
    files = cached(cache_home)
    assert files, "the compiled layouts are kept"
    stamps = [f.stat().st_mtime_ns for f in files]
    assert rendered() == first
    assert [f.stat().st_mtime_ns for f in cached(cache_home)] == stamps  # read, not compiled and written again


def test_an_edited_layout_is_compiled_again(cache_home: Path, tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    shutil.copytree(DEFAULT_LAYOUTS, layouts)
    assert "Edited-layout-marker" not in rendered(layouts)
    template = layouts / "bulletin.mjml.j2"
    template.write_text(template.read_text(encoding="utf-8") + "<!-- Edited-layout-marker -->", encoding="utf-8")
    issue = load_issue(ISSUE_11)
    assert "Edited-layout-marker" in Renderer(layouts).render(issue).mjml


@pytest.mark.parametrize("damage", ["garbage", "cut after the header"])
def test_a_damaged_cache_is_ignored_and_replaced(cache_home: Path, damage: str) -> None:
    first = rendered()
    for file in cached(cache_home):
        data = file.read_bytes()
        file.write_bytes(b"garbage" if damage == "garbage" else data[:40])
    assert rendered() == first
    assert all(len(file.read_bytes()) > 40 for file in cached(cache_home))


def test_other_options_compile_to_another_folder(cache_home: Path) -> None:
    plain, finalized = jinja2.Environment(), jinja2.Environment(finalize=str)
    first, second = layout_cache(plain), layout_cache(finalized)
    assert isinstance(first, jinja2.FileSystemBytecodeCache) and isinstance(second, jinja2.FileSystemBytecodeCache)
    assert first.directory != second.directory
    assert layout_cache(jinja2.Environment()).directory == first.directory  # type: ignore[union-attr]


def test_a_cache_folder_others_may_write_to_is_not_used(cache_home: Path) -> None:
    rendered()
    (folder,) = [p for p in cache_home.iterdir() if p.is_dir()]
    folder.chmod(0o777)
    assert layout_cache(Renderer().env) is None
    folder.chmod(0o700)
    os.chmod(cache_home, 0o775)
    assert layout_cache(Renderer().env) is None


def test_no_cache_where_its_folder_cannot_be_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert layout_cache(jinja2.Environment()) is None
    assert "Serious and Organised Crime" in rendered()


def test_a_relative_cache_home_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert layout_cache(jinja2.Environment()) is not None
    assert not (tmp_path / "relative").exists() and (tmp_path / "home" / ".cache" / "soc-bulletin" / "layouts").is_dir()
