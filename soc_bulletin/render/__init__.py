"""The render stage: Jinja2 layouts -> MJML -> HTML, the plain-text edition, and the files of a build."""

import typing as _typing

from .._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
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

__getattr__, __dir__ = _lazy_exports(__name__, {
    "BuildResult": ".build",
    "DEFAULT_LAYOUTS": ".renderer",
    "Edition": ".renderer",
    "Renderer": ".renderer",
    "build": ".build",
    "build_dir": ".build",
    "render": ".renderer",
    "web_url": ".renderer",
})
