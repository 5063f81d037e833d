"""Problems: what a check or a loader found wrong, located in a file."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ._public import publish

__all__ = ["Problem", "Severity"]


class Severity(StrEnum):
    """How bad a problem is: errors fail a check, warnings only inform."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong, at ``path:line:column`` (1-based; 0 when unknown).

    ``code`` is stable (``SB101``) so tools and people can look it up;
    ``message`` is a whole sentence that says what to do.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        label = f"{self.code} " if self.code else ""
        tag = " (warning)" if self.severity is Severity.WARNING else ""
        return f"{where}: {label}{self.message}{tag}"


publish(globals())
