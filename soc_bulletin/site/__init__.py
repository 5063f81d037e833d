"""The site: the live preview of an issue, and the static web archive of every issue."""

from .._public import publish as _publish
from .archive import ArchiveResult, build_archive
from .preview import PreviewServer, serve_preview

__all__ = [
    "ArchiveResult",
    "PreviewServer",
    "build_archive",
    "serve_preview",
]

_publish(globals())
