"""The site: the live preview of an issue, and the static web archive of every issue."""

import typing as _typing

from .._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from .archive import ArchiveResult, build_archive
    from .preview import PreviewServer, serve_preview

__all__ = [
    "ArchiveResult",
    "PreviewServer",
    "build_archive",
    "serve_preview",
]

__getattr__, __dir__ = _lazy_exports(__name__, {
    "ArchiveResult": ".archive",
    "PreviewServer": ".preview",
    "build_archive": ".archive",
    "serve_preview": ".preview",
})
