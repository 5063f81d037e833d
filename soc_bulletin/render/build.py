"""Write an edition to disk: ``index.html``, ``index.txt``, ``index.mjml`` and its images."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..content.load import image_path_problem, load_issue
from ..content.model import Image, Issue
from ..errors import ContentError
from ..problems import Problem
from .renderer import is_safe_src, render

__all__ = ["BuildResult", "build", "build_dir", "image_files", "local_images"]


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The files a build wrote and the size of its HTML."""

    files: list[Path]
    html_bytes: int


def local_images(issue: Issue, /) -> list[str]:
    """The ``src`` of every image that is a local file (not an https URL)."""
    return sorted({
        b.src for a in issue.articles for b in a.blocks
        if isinstance(b, Image) and is_safe_src(b.src) and not b.src.lower().startswith("https://")
    })


def image_files(issue: Issue, root: str | Path, /) -> tuple[dict[str, Path], list[Problem]]:
    """Each local image of ``issue`` and its file in the issue folder ``root``, and the problems.

    An image that leaves the folder, as written or through a link (SB406),
    or that is missing (SB401) is a problem, never a file to copy or attach.
    """
    root = Path(root)
    files: dict[str, Path] = {}
    problems = []
    for src in local_images(issue):
        source = root / src
        if outside := image_path_problem(src, root):
            problems.append(Problem(str(source), 0, 0, "SB406", outside))
        elif not source.is_file():
            problems.append(Problem(str(source), 0, 0, "SB401", f"The image file {src} does not exist."))
        else:
            files[src] = source
    return files, problems


def build(issue: Issue, out_dir: str | Path, /, *, root: str | Path | None = None, layouts: Path | None = None) -> BuildResult:
    """Render ``issue`` and write it to ``out_dir``.

    Local images are copied from ``root`` (the issue folder) to the same
    relative path under ``out_dir``, so the HTML finds them. An image that
    is missing or outside the folder raises :class:`ContentError` before
    anything is written.
    """
    out_dir = Path(out_dir)
    images, problems = image_files(issue, root or ".")
    if problems:
        raise ContentError(problems)
    edition = render(issue, layouts=layouts)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, content in (("index.html", edition.html), ("index.txt", edition.text), ("index.mjml", edition.mjml)):
        path = out_dir / name
        path.write_text(content, encoding="utf-8", newline="\n")
        files.append(path)
    for src, source in images.items():
        target = out_dir / src
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        files.append(target)
    return BuildResult(files=files, html_bytes=len(edition.html.encode("utf-8")))


def build_dir(issue_dir: str | Path, out_dir: str | Path, /, *, layouts: Path | None = None) -> BuildResult:
    """Load the issue folder ``issue_dir`` and :func:`build` it into ``out_dir``."""
    return build(load_issue(issue_dir), out_dir, root=issue_dir, layouts=layouts)
