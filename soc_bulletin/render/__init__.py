"""The render stage: Jinja2 layouts -> MJML -> HTML, the plain-text edition, the files of a build, and the
:class:`Project` of a run (its issue read, its layouts compiled and each edition rendered once)."""

from .._public import publish as _publish
from .build import BuildResult, build_dir, build_issue
from .project import Project
from .renderer import DEFAULT_LAYOUTS, Edition, Renderer, render_issue, web_url

__all__ = [
    "BuildResult",
    "DEFAULT_LAYOUTS",
    "Edition",
    "Project",
    "Renderer",
    "build_dir",
    "build_issue",
    "render_issue",
    "web_url",
]

_publish(globals())
