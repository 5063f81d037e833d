"""The site: the live preview of an issue, and the static web archive of every issue."""

from .archive import ArchiveResult, build_archive
from .preview import PreviewServer, serve_preview

__all__ = [
    "ArchiveResult",
    "PreviewServer",
    "build_archive",
    "serve_preview",
]
