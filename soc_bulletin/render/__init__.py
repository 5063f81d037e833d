"""The render stage: Jinja2 layouts -> MJML -> HTML, the plain-text edition, and the files of a build."""

from .build import BuildResult, build, build_dir
from .renderer import DEFAULT_LAYOUTS, Edition, Renderer, render, web_url

__all__ = [
    "BuildResult",
    "DEFAULT_LAYOUTS",
    "Edition",
    "Renderer",
    "build",
    "build_dir",
    "render",
    "web_url",
]
