"""Where an issue's files are, and the rule that nothing outside the issue folder is ever read."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

__all__ = [
    "ARTICLES_DIR", "ISSUE_FILE", "SLUG_PATTERN", "escape_reason", "image_path_problem", "is_remote_src", "issue_folder_of",
    "sentence", "short",
]

ISSUE_FILE = "issue.yaml"
ARTICLES_DIR = "articles"
#: An article's name: lower-case words of a-z and digits joined by single hyphens.
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def issue_folder_of(article: str | Path, /) -> Path:
    """The issue folder an article file belongs to: the parent of its ``articles/`` folder, else its own folder."""
    article = Path(article)
    return article.parent.parent if article.parent.name == ARTICLES_DIR else article.parent


def is_remote_src(src: str, /) -> bool:
    """Whether an image ``src`` is a URL (judged as a link) rather than a path in the issue folder."""
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE)) and not re.match(r"^[a-z]:[\\/]", src, re.IGNORECASE)


def escape_reason(path: Path, root: Path, /) -> str:
    """Why ``path`` must not be read for the issue folder ``root`` (already resolved), or "" when it may.

    Symlinks are followed; a path that resolves outside ``root``, or that
    cannot be resolved (a loop), is refused. A path that does not exist is
    not refused here: whoever reads it reports it missing.
    """
    try:
        real = path.resolve()
    except (OSError, RuntimeError, ValueError):
        return "it is a link that cannot be followed"
    return "" if real.is_relative_to(root) else "it is a link to a place outside the issue folder"


def image_path_problem(src: str, root: Path, /) -> str:
    """The SB406 message for a local image ``src`` that leaves the issue folder ``root``, or "".

    Absolute paths, ``..`` and backslashes are refused as written; then the
    path must resolve, symlinks followed, inside the folder.
    """
    relative = PurePosixPath(src.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts or re.match(r"^[a-z]:", src, re.IGNORECASE):
        return f"The image path '{short(src)}' leaves the issue folder; put the image in the folder's images/ and write 'images/{short(relative.name)}'."
    if escape_reason(root / relative, root.resolve()):
        return f"The image '{short(src)}' is a link to a file outside the issue folder, which is never read; put the image itself in the folder's images/."
    return ""


def short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def sentence(words: str) -> str:
    return words[:1].upper() + words[1:]
