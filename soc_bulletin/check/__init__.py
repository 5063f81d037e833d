"""The check stage: every problem of an issue at once, like a compiler.

``check_paths(["issues/2019-08"])`` returns a :class:`CheckReport` of
:class:`~soc_bulletin.problems.Problem` s, sorted by file, line and column,
each with a stable code from :data:`CODES` (documented in CONTRIBUTING.md).
The loader's problems (files, YAML, schema) are included, not repeated.
"""

from .._public import publish as _publish
from .codes import CODES
from .report import CheckReport, format_github, format_json, format_text
from .run import check_paths

__all__ = ["CODES", "CheckReport", "check_paths", "format_github", "format_json", "format_text"]

_publish(globals())
