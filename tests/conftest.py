"""Shared fixtures: the repository paths and small issue folders written by tests."""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .backends import backend  # noqa: F401  (the fixture: each test on SQLite and on PostgreSQL)
from .smtp import FaultyController, RecordingHandler

REPO = Path(__file__).resolve().parent.parent
ISSUE_11 = REPO / "issues" / "2019-08"

MINIMAL_ISSUE = """\
title: Test Bulletin
number: 3
date: 2020-02-01
mailbox: team@example.org
welcome:
  body: |
    Hello partners.
sections:
  - kind: From the Centre
    articles: [first]
"""

MINIMAL_ARTICLE = """\
title: First article
blocks:
  - text: |
      Some words.
  - contact:
      name: Jo Bloggs
      email: jo@example.org
"""


def checkout_state() -> dict[str, tuple[int, int]] | None:
    """Each file of the checkout git sees (tracked, or untracked and not ignored): its (size, modification time in ns);
    None outside a git checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                                capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    state = {}
    for name in filter(None, listed.decode("utf-8", "surrogateescape").split("\0")):
        try:
            found = (REPO / name).lstat()
        except FileNotFoundError:
            continue  # deleted in the checkout but still in the index: absent before and after alike
        state[name] = (found.st_size, found.st_mtime_ns)
    return state


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched() -> Iterator[None]:
    """The suite writes no file of the checkout: every test works in its own temporary folders. The files git sees are
    the same, unwritten, after the session as before it (build/, caches and other ignored files are not looked at)."""
    before = checkout_state()
    yield
    after = checkout_state()
    if before is None or after is None:
        return
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if os.environ.get("SOC_BULLETIN_DOCS_IMAGES") == "1":  # the guide's pictures, made again on purpose (test_browser_editors.py)
        changed = [name for name in changed if not name.startswith("docs/images/")]
    if changed:
        pytest.fail(f"the tests wrote into the checkout {REPO}: {', '.join(changed[:10])}", pytrace=False)


@pytest.fixture
def issue_dir(tmp_path: Path) -> Callable[..., Path]:
    """Write an issue folder: ``issue_dir(issue=..., articles={slug: yaml})``."""

    def make(issue: str = MINIMAL_ISSUE, articles: dict[str, str | bytes] | None = None) -> Path:
        root = tmp_path / "issue"
        (root / "articles").mkdir(parents=True)
        (root / "issue.yaml").write_text(textwrap.dedent(issue), encoding="utf-8")
        for slug, content in (articles if articles is not None else {"first": MINIMAL_ARTICLE}).items():
            path = root / "articles" / f"{slug}.yaml"
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content), encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright's ``Browser``) shared by one test module's browser tests (tests/browser.py)."""
    from .browser import chromium

    with chromium() as running:
        yield running


@pytest.fixture
def smtp() -> Iterator[FaultyController]:
    controller = FaultyController(RecordingHandler())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def example_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project (tests/project.py) with Issue 11, one police article, one council article and one police section,
    made the working folder, with no SMTP login in the environment."""
    from .project import make_project

    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_USER", raising=False)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_PASSWORD", raising=False)
    return root


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_USER", raising=False)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_PASSWORD", raising=False)
    return send_folder(tmp_path)


def send_folder(root: Path) -> Path:
    """``root`` set up for a send: a minimal issue, a segments file (police) and an empty suppression list."""
    issue = root / "issue"
    (issue / "articles").mkdir(parents=True)
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
    (issue / "articles" / "first.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")
    (root / "segments.yaml").write_text("police: {segments: [police]}\n", encoding="utf-8")
    (root / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    return root


def example_issues(root: Path) -> Path:
    """``root/issues``, a folder of issues holding a copy of the example issue (2019-08) only: commands that take the
    folder of every issue read this, never the checkout's issues/, where an editor may have started the next issue."""
    import shutil

    shutil.copytree(ISSUE_11, root / "issues" / ISSUE_11.name)
    return root / "issues"


def suppressed_csv(folder: Path) -> str:
    """The suppression list of the SQLite store in ``folder`` as the CSV lines ``address,reason,date`` (header first)."""
    from soc_bulletin.store.sqlite_store import SQLiteStore

    with SQLiteStore(folder, readonly=True) as store:
        return "address,reason,date\n" + "".join(f"{e.address},{e.reason},{e.date}\n" for e in store.suppressions().entries)
