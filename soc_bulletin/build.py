"""Write an edition to disk: ``index.html``, ``index.txt``, ``index.mjml`` and its images."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError
from .load import load_issue
from .model import Image, Issue
from .problems import Problem
from .render import is_safe_src, render

__all__ = ["BuildResult", "build", "build_dir", "local_images"]


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


def build(issue: Issue, out_dir: str | Path, /, *, root: str | Path | None = None, layouts: Path | None = None) -> BuildResult:
    """Render ``issue`` and write it to ``out_dir``.

    Local images are copied from ``root`` (the issue folder) to the same
    relative path under ``out_dir``, so the HTML finds them.
    """
    out_dir = Path(out_dir)
    edition = render(issue, layouts=layouts)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, content in (("index.html", edition.html), ("index.txt", edition.text), ("index.mjml", edition.mjml)):
        path = out_dir / name
        path.write_text(content, encoding="utf-8", newline="\n")
        files.append(path)
    missing = []
    for src in local_images(issue):
        source = Path(root or ".") / src
        target = out_dir / src
        if not source.is_file():
            missing.append(Problem(str(source), 0, 0, "SB401", f"The image file {src} does not exist."))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        files.append(target)
    if missing:
        raise ContentError(missing)
    return BuildResult(files=files, html_bytes=len(edition.html.encode("utf-8")))


def build_dir(issue_dir: str | Path, out_dir: str | Path, /, *, layouts: Path | None = None) -> BuildResult:
    """Load the issue folder ``issue_dir`` and :func:`build` it into ``out_dir``."""
    return build(load_issue(issue_dir), out_dir, root=issue_dir, layouts=layouts)
