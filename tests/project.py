"""A project folder as an editor has one: settings, the example list and segments, and Issue 11, some of it restricted."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

#: What make_project(restricted=True) restricts: one police article, one council article, one police section.
POLICE_ARTICLE = "soc-community-coordinators"
COUNCIL_ARTICLE = "participatory-budgeting-newport"
POLICE_SECTION = "Economic Crime"
POLICE_SECTION_ARTICLES = ("fight-against-dirty-money", "jmlit")


def make_project(root: Path, /, *, restricted: bool = True) -> Path:
    """Write the project into ``root`` and return it; Issue 11 is ``root/issues/2019-08``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "soc-bulletin.toml", root / "soc-bulletin.toml")
    (root / "subscribers").mkdir(exist_ok=True)
    for name in ("example.csv", "segments.yaml"):
        shutil.copy(REPO / "subscribers" / name, root / "subscribers" / name)
    issue = root / "issues" / "2019-08"
    shutil.copytree(REPO / "issues" / "2019-08", issue)
    if restricted:
        restrict(issue / "articles" / f"{POLICE_ARTICLE}.yaml", "police")
        restrict(issue / "articles" / f"{COUNCIL_ARTICLE}.yaml", "local-authorities")
        text = (issue / "issue.yaml").read_text(encoding="utf-8")
        (issue / "issue.yaml").write_text(
            text.replace(f"  - kind: {POLICE_SECTION}\n", f"  - kind: {POLICE_SECTION}\n    audience: [police]\n"), encoding="utf-8")
    return root


def tracked_copy(target: Path, /) -> Path:
    """The repository's tracked files copied to ``target`` (a fresh clone, without its history): what a test that reads
    the repository's issues/ reads, whatever an editor has added to this checkout and not committed."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = REPO / name
        if source.is_symlink():  # layouts -> soc_bulletin/render/layouts
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(source), target / name)
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def restrict(article: Path, audience: str, /) -> None:
    """Give ``article`` the line ``audience: [AUDIENCE]`` after its title (line 2)."""
    lines = article.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(1, f"audience: [{audience}]\n")
    article.write_text("".join(lines), encoding="utf-8")


#: What an editor writes in place of the templates' example words (``finish_draft``).
_WRITTEN = {
    "Write one line that sums up this issue; inboxes show it after the subject.": "County lines week, and the partners behind it",
    "The title of your article": "County lines week of action",
    "One sentence that sums up the article, shown under the title.": "Partners across England and Wales acted together.",
    "The first paragraph of your article.": "Forces and councils visited schools and hostels.",
    "The second paragraph.": "More than 600 young people were safeguarded.",
    "your.name@example.org": "county.lines@example.org",
    "Your Name": "Alex Example",
    "Your role": "Coordinator",
    "Your organisation": "Home Office",
}


def finish_draft(issue_dir: Path, /) -> None:
    """Do what an editor does before sending a draft from ``new-issue`` and ``new-article``: write the welcome, the
    preheader and each article in place of the templates' words, and delete the sections that have no article."""
    import re

    for path in [issue_dir / "issue.yaml", *sorted((issue_dir / "articles").glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        for template, words in _WRITTEN.items():
            text = text.replace(template, words)
        text = re.sub(r"Write the welcome to Issue \d+ here: a few sentences on what this issue holds\.", "Welcome to this issue.", text)
        text = re.sub(r"  - kind: [^\n]*\n    articles: \[\]\n", "", text)
        path.write_text(text, encoding="utf-8")


def run_main(args: list[str], capsys: pytest.CaptureFixture[str], /) -> tuple[int, list[str], list[str]]:
    """Run ``soc-bulletin ARGS`` in this process: its exit code, and the lines it wrote to stdout and to stderr."""
    from soc_bulletin.cli.main import main

    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()
