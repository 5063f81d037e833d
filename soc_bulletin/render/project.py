"""One issue of one project, loaded once per run: the settings, the issue's files, the layouts and each edition.

The CLI (or a library entry point: ``check_paths``, ``Campaign.prepare``, ``build_dir``, the preview) makes one
:class:`Project` and passes it down, so that a run reads each YAML file once, compiles the layouts once, renders
each edition once and reads each image once, and so that ``check`` judges the editions with the layouts, the
segments and the settings that ``send`` uses (``--config`` included).
"""

from __future__ import annotations

from pathlib import Path

from ..config import Settings, load_settings
from ..content.cache import FileCache
from ..content.load import IssueSource, read_issue
from ..content.model import Issue
from ..errors import ContentError
from .renderer import DEFAULT_LAYOUTS, Edition, Renderer, compiled_layouts, web_url

__all__ = ["EditionKey", "Project"]

#: What makes an edition: its audience (None: every article), its languages (None: the issue's own), a preference link.
EditionKey = tuple[frozenset[str] | None, tuple[str, ...] | None, bool]


class Project:
    """An issue folder with the settings it is sent with; what is read, compiled or rendered is kept for the run.

    ``settings`` default to the ``soc-bulletin.toml`` found from ``issue_dir``
    (read once here: pass them down rather than loading them again); ``cache``
    keeps the parsed YAML files (every reader of the run shares it); ``source`` is the folder already read;
    ``layouts`` a layouts folder instead of the settings' (a library caller's).
    Not thread-safe: one per run or per thread.
    """

    def __init__(self, issue_dir: str | Path, /, *, settings: Settings | None = None, cache: FileCache | None = None,
                 source: IssueSource | None = None, layouts: Path | None = None) -> None:
        self.issue_dir = Path(issue_dir)
        self.settings = settings if settings is not None else load_settings(start=self.issue_dir)
        self.cache = cache if cache is not None else FileCache()
        self._layouts = layouts
        self._source = source  # the folder as already read (the preview), else read when first needed
        self._editions: dict[EditionKey, Edition] = {}
        self._images: dict[str, bytes] = {}
        self._renderer: Renderer | None = None

    @property
    def source(self) -> IssueSource:
        """The issue folder as read (once), with the loader's problems."""
        if self._source is None:
            self._source = read_issue(self.issue_dir, cache=self.cache)
        return self._source

    @property
    def issue(self) -> Issue:
        """The issue; ContentError with the loader's errors when it cannot be used."""
        source = self.source
        if source.errors or source.issue is None:
            raise ContentError(source.errors)
        return source.issue

    @property
    def layouts(self) -> Path:
        """The layouts folder the editions are rendered with: ``[render] layouts``, else the package's own."""
        return self._layouts or self.settings.layouts or DEFAULT_LAYOUTS

    @property
    def renderer(self) -> Renderer:
        """The project's layouts, compiled once per process while unchanged (and looked up once per run)."""
        if self._renderer is None:
            self._renderer = compiled_layouts(self.layouts, self.settings.render.toc)
        return self._renderer

    @property
    def identity(self) -> str:
        """The name of the issue folder (the issue's page in the archive, its ledger)."""
        return self.issue_dir.resolve().name

    @property
    def web_url(self) -> str:
        """The issue's page in the web archive ("" without ``[site] base_url``)."""
        return web_url(self.settings.site.base_url, self.identity)

    def edition(self, audience: frozenset[str] | None = None, languages: tuple[str, ...] | None = None, *,
                manage: bool = False) -> Edition:
        """The edition for ``audience`` in ``languages`` (see :meth:`Renderer.render`), rendered once per run.

        The issue as read, even with problems (``check`` judges what it can); :attr:`issue` says whether it may be sent.
        """
        issue = self.source.issue if self.source.issue is not None else self.issue
        key = (audience, languages or (issue.language,), manage)
        if key not in self._editions:
            self._editions[key] = self.renderer.render(issue, audience=audience, web_url=self.web_url, manage=manage,
                                                       languages=key[1])
        return self._editions[key]

    def image(self, src: str, /) -> bytes:
        """The bytes of the local image ``src`` (a path inside the issue folder, already judged by the loader), read once."""
        if src not in self._images:
            self._images[src] = (self.issue_dir / src).read_bytes()
        return self._images[src]
