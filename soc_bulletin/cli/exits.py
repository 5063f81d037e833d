"""The exit codes of every command, in one place."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Exit"]


class Exit(IntEnum):
    """0 ok, 1 problems found (bad content, failed sends), 2 usage or configuration, 70 a bug, 130 interrupted."""

    OK = 0
    PROBLEMS = 1
    USAGE = 2
    SOFTWARE = 70
    INTERRUPTED = 130
