"""Paths on the command line: an issue folder that is one, and paths shown relative to the working directory."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import ConfigError

__all__ = ["issue_folder", "relative", "shown"]


def issue_folder(argument: str | Path, /) -> Path:
    """The issue folder named on the command line (its ``issue.yaml`` also names it).

    Raises :class:`ConfigError` (exit 2) for a path that does not exist or is not an issue folder.
    """
    from ..content.paths import ISSUE_FILE

    path = Path(argument)
    if path.name == ISSUE_FILE and path.is_file():
        return path.parent
    if not path.exists():
        raise ConfigError(f"{path} does not exist; give an issue folder such as issues/2019-08 (soc-bulletin new-issue {path} starts one)")
    if not path.is_dir():
        raise ConfigError(f"{path} is a file; give an issue folder such as issues/2019-08")
    if not (path / ISSUE_FILE).is_file():
        inside = sorted(p.name for p in path.iterdir() if (p / ISSUE_FILE).is_file()) if path.is_dir() else []
        if inside:
            raise ConfigError(f"{path} is a folder of issues; give one of them, such as {path / inside[-1]}")
        raise ConfigError(f"{path} is not an issue folder: it has no {ISSUE_FILE} (soc-bulletin new-issue {path} starts one)")
    return path


def shown(path: str | Path, /) -> str:
    """``path`` relative to the working directory when it lies inside it, else as it is."""
    try:
        resolved, here = Path(path).resolve(), Path.cwd().resolve()
    except (OSError, ValueError):
        return str(path)
    return os.path.relpath(resolved, here) if resolved.is_relative_to(here) else str(path)


def relative(text: str, /) -> str:
    """``text`` with every absolute path inside the working directory written relative to it."""
    try:
        here = str(Path.cwd().resolve())
    except OSError:
        return text
    if here == os.sep:
        return text
    return re.sub(re.escape(here + os.sep) + r"(?=\S)", "", text)
