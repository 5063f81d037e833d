"""A local preview of one issue that rebuilds and reloads itself when a file changes.

:func:`serve_preview` starts a small HTTP server (stdlib ``ThreadingHTTPServer``)
and a watcher of the issue folder and the layouts (:mod:`.watch`: the
operating system says which files changed). Routes:

``/``              the preview page: problems, the edition switcher, the email at 600 px and 375 px, the text edition
``/email.html``    the rendered email, placeholders filled with sample values
``/email.txt``     the text edition
``?edition=NAME``  (on the three above) the edition members of segment NAME receive, ``everyone`` for
                   readers in no targeted segment; without it, every article (the editor's view)
``/events``        server-sent events: the build number on connecting and as soon as a build is rendered
                   (a ``message``), again once its problems are checked (a ``checked`` event)
anything else      a file of the issue folder (its images)

Each change is built once, in two steps: the folder is read (only the
changed files are parsed again, :class:`~soc_bulletin.content.load.FileCache`)
and rendered, and the page reloads at once with the loader's problems; then
what was read is checked, and the page puts the check's problems in place
without reloading. The reload script lives in the preview page only, never
in the email. A build that fails shows its problems and keeps the last good
render; the server never stops because of content.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import mimetypes
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..check.run import check_source
from ..config import Settings
from ..content.load import FileCache, IssueSource, read_issue
from ..content.model import Issue
from ..errors import BulletinError
from ..problems import Problem
from ..render.build import EVERYONE, edition_issue, sample_placeholders
from ..render.renderer import DEFAULT_LAYOUTS, Edition, Renderer, fill_placeholders
from .latest import LatestWorker
from .preview_page import FULL, NOTHING_YET, editions_of, page
from .watch import Watcher

__all__ = ["PreviewBuild", "PreviewServer", "build_preview", "check_preview", "render_preview", "serve_preview"]

log = logging.getLogger(__name__)

#: An event stream sends a comment this often, so a page that went away is noticed.
KEEP_ALIVE_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class PreviewBuild:
    """One build of the preview: the last good render and the current problems.

    ``ok`` is False when this build failed and ``html``/``text`` are an older
    build's (or empty when no build has succeeded yet).
    """

    number: int
    ok: bool
    subject: str = ""
    html: str = ""
    text: str = ""
    problems: tuple[Problem, ...] = ()
    built_at: float = field(default_factory=time.time)
    #: the issue of the last good render, for the other editions
    issue: Issue | None = None
    #: the editions the switcher offers: every article (""), then "everyone" and each targeted segment
    editions: tuple[str, ...] = (FULL,)
    #: the compiled layouts of the last good render
    renderer: Renderer | None = field(default=None, compare=False, repr=False)
    #: False until the check stage has judged this build (the loader's problems are there from the start)
    checked: bool = True
    #: this build's render before sample values are filled in, which the check judges
    edition: Edition | None = field(default=None, compare=False, repr=False)


def _shown(problem: Problem) -> Problem:
    """``problem`` with its path relative to the working directory when it lies inside it."""
    try:
        path, here = Path(problem.path).resolve(), Path.cwd().resolve()
    except (OSError, ValueError):
        return problem
    if not Path(problem.path).is_absolute() or not path.is_relative_to(here):
        return problem
    return dataclasses.replace(problem, path=os.path.relpath(path, here))


def build_preview(
    issue_dir: Path, /, *, layouts: Path | Renderer, number: int, previous: PreviewBuild | None = None,
    cache: FileCache | None = None,
) -> PreviewBuild:
    """Read ``issue_dir`` once, render and check what was read; never raises.

    ``layouts`` is a layouts folder or its compiled :class:`Renderer`;
    ``cache`` keeps the files parsed by earlier builds. On failure the result
    keeps ``previous``'s HTML and text, so the page still shows the last good
    render under the problems.
    """
    return check_preview(*render_preview(issue_dir, layouts=layouts, number=number, previous=previous, cache=cache))


def render_preview(
    issue_dir: Path, /, *, layouts: Path | Renderer, number: int, previous: PreviewBuild | None = None,
    cache: FileCache | None = None,
) -> tuple[PreviewBuild, IssueSource | None]:
    """The first step of :func:`build_preview`: the build with the loader's problems only (not ``checked``), and what was read."""
    problems: list[Problem] = []
    last = previous if previous is not None else PreviewBuild(number=0, ok=False)
    source = None

    def failed() -> tuple[PreviewBuild, IssueSource | None]:
        return dataclasses.replace(last, number=number, ok=False, problems=_shown_all(problems), built_at=time.time(),
                                   checked=False), source
    try:
        source = read_issue(issue_dir, cache=cache)
        problems += source.problems
        if source.issue is None or source.errors:
            return failed()
        renderer = layouts if isinstance(layouts, Renderer) else Renderer(layouts)
        edition = renderer.render(source.issue)
    except Exception as exc:  # anything at all (a broken layout, a bug): show it, keep serving
        _log_failure(issue_dir, exc)
        problems.append(Problem(str(issue_dir), 0, 0, "SB500", f"The preview could not be built: {exc}"))
        return failed()
    sample = sample_placeholders(source.issue)
    return PreviewBuild(
        number, True, edition.subject, fill_placeholders(edition.html, sample), fill_placeholders(edition.text, sample),
        _shown_all(problems), issue=source.issue, editions=editions_of(source.issue), renderer=renderer, checked=False,
        edition=edition,
    ), source


def check_preview(build: PreviewBuild, source: IssueSource | None, /, settings: Settings | None = None) -> PreviewBuild:
    """The second step of :func:`build_preview`: ``build`` with the problems of the check stage on ``source`` (judged with
    ``settings``, the preview's; by default found from the folder); never raises."""
    if source is None or not source.issue_path.is_file():  # nothing was read, or the loader has said why
        return dataclasses.replace(build, checked=True)
    problems = list(build.problems)
    try:
        problems += check_source(source, edition=build.edition if build.ok else None, settings=settings).problems
    except Exception as exc:  # settings that cannot be read, a bug: show it, keep serving
        _log_failure(source.issue_path.parent, exc)
        problems.append(Problem(str(source.issue_path), 0, 0, "SB500", f"The issue could not be checked: {exc}"))
    return dataclasses.replace(build, problems=_shown_all(problems), checked=True)


def _shown_all(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted({_shown(p) for p in problems}))


def _log_failure(issue_dir: Path, exc: Exception) -> None:
    if isinstance(exc, BulletinError):
        log.warning("preview build of %s failed: %s", issue_dir, exc)
    else:
        log.exception("preview build of %s failed", issue_dir)


class PreviewServer:
    """A running preview: ``url``, ``build`` (the current one), ``close()``.

    Use :func:`serve_preview` to start one; it is also a context manager.
    """

    def __init__(self, issue_dir: Path, /, *, host: str, port: int, layouts: Path, settings: Settings | None = None) -> None:
        self.issue_dir = issue_dir.resolve()
        self.settings = settings  # loaded once by the caller (the check of each build is judged with them)
        self.layouts = layouts.resolve()
        self._changed = threading.Condition()  # guards _build and _streams
        self._stop = threading.Event()
        self._building = threading.Lock()  # one build at a time: the cache and the renderer are the builder's
        self._rendering = threading.Lock()
        self._editions: dict[tuple[int, str], tuple[str, str]] = {}
        self._cache = FileCache()
        self._renderer: Renderer | None = None  # compiled once, again when a layout changes
        self._streams = 0
        self._build = PreviewBuild(number=0, ok=False)
        # Watching begins before the first build, so an edit made while it runs is seen.
        self._watcher = Watcher([self.issue_dir, self.layouts], self._on_change)
        self._checker: LatestWorker[tuple[PreviewBuild, IssueSource | None]] = LatestWorker(self._check, name="preview-check")
        self.rebuild()
        try:
            self._httpd = ThreadingHTTPServer((host, port), _Handler)
        except OSError:
            self._watcher.close()
            self._checker.close()
            raise
        self._httpd.daemon_threads = True
        self._httpd.preview = self  # type: ignore[attr-defined]
        self.url = f"http://{host}:{self._httpd.server_port}/"
        self._serving = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="preview-http",
                                         daemon=True)
        self._serving.start()
        self._watcher.start()
        log.info("previewing %s at %s", self.issue_dir, self.url)

    @property
    def build(self) -> PreviewBuild:
        """The most recent build."""
        with self._changed:
            return self._build

    def rebuild(self, changed: Iterable[Path] | None = None, /) -> PreviewBuild:
        """Build again now, render then check, telling the pages after each; the layouts are compiled again unless
        ``changed`` (the files that changed) holds none of them."""
        return self._check(self._render(changed))

    def _on_change(self, changed: set[Path], /) -> None:
        """Files changed: the render is served at once, its check follows in the checker's thread (a newer edit
        does not wait for it, and a check that a newer edit overtook is dropped)."""
        self._checker.submit(self._render(changed))

    def _render(self, changed: Iterable[Path] | None) -> tuple[PreviewBuild, IssueSource | None]:
        with self._building:
            if changed is None or any(path.is_relative_to(self.layouts) for path in changed):
                self._renderer = None
            current = self._build
            rendered, source = render_preview(self.issue_dir, layouts=self._renderer or self.layouts,
                                              number=current.number + 1, previous=current, cache=self._cache)
            if rendered.ok:
                self._renderer = rendered.renderer
            self._publish(rendered)
        return rendered, source

    def _check(self, job: tuple[PreviewBuild, IssueSource | None], /) -> PreviewBuild:
        new = check_preview(*job, self.settings)
        self._publish(new)
        log.info("build %d: %s, %d problem(s)", new.number, "ok" if new.ok else "failed", len(new.problems))
        return new

    def _publish(self, build: PreviewBuild) -> None:
        """Make ``build`` the current one, unless a newer build already is (a check that finished late)."""
        with self._changed:
            if build.number >= self._build.number:
                self._build = build
                self._changed.notify_all()

    def edition(self, key: str, /) -> tuple[str, str]:
        """The HTML and text of edition ``key`` of the current build (rendered once per build; "" when none has succeeded)."""
        build = self.build
        if key == FULL or build.issue is None or build.renderer is None or key not in build.editions:
            return build.html, build.text
        with self._rendering:
            cached = self._editions.get((build.number, key))
            if cached is None:
                audience, _, languages = key.partition("@")
                issue = edition_issue(build.issue, None if not audience else frozenset() if audience == EVERYONE else {audience})
                try:
                    edition = build.renderer.render(issue, languages=tuple(languages.split("+")) if languages else None)
                except Exception as exc:  # a layout broken since: say so in the frame
                    log.warning("rendering edition %s failed: %s", key, exc)
                    return NOTHING_YET, str(exc)
                sample = sample_placeholders(issue, edition.languages)
                cached = (fill_placeholders(edition.html, sample), fill_placeholders(edition.text, sample))
                self._editions = {k: v for k, v in self._editions.items() if k[0] == build.number}
                self._editions[(build.number, key)] = cached
            return cached

    def next_state(self, after: tuple[int, bool] | None, /, *, timeout: float) -> tuple[int, bool] | None:
        """The build number and whether it is checked, once they differ from ``after`` (at once when None), or the
        same after ``timeout``; None once closed."""
        with self._changed:
            self._changed.wait_for(lambda: self._stop.is_set() or (self._build.number, self._build.checked) != after, timeout)
            return None if self._stop.is_set() else (self._build.number, self._build.checked)

    @contextlib.contextmanager
    def streaming(self) -> Iterator[None]:
        """Count an open event stream while in the block; :meth:`close` waits for them to end."""
        with self._changed:
            self._streams += 1
        try:
            yield
        finally:
            with self._changed:
                self._streams -= 1
                self._changed.notify_all()

    def serve_until_interrupted(self) -> None:
        """Block the calling thread until Ctrl-C or :meth:`close`."""
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            self.close()

    def close(self) -> None:
        """Stop watching and serving; the pages' event streams end at once."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._watcher.close()
        self._checker.close()
        with self._changed:
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._streams == 0, timeout=5)
        self._httpd.shutdown()
        self._httpd.server_close()
        self._serving.join(timeout=5)

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_preview(
    issue_dir: str | Path, /, *, port: int = 8000, host: str = "127.0.0.1", layouts: Path | None = None,
    settings: Settings | None = None,
) -> PreviewServer:
    """Build ``issue_dir`` and serve its preview on ``host:port`` (0: any free port); ``settings`` (the run's, loaded
    once) are those the check of each build judges with, by default found from the folder.

    Returns at once; the server and the file watcher run in daemon threads
    until ``close()``. Raises OSError when the port cannot be bound.
    """
    return PreviewServer(Path(issue_dir), host=host, port=port, layouts=layouts or DEFAULT_LAYOUTS, settings=settings)


def _news(sent: tuple[int, bool] | None, state: tuple[int, bool], /) -> str:
    """What an event stream that last told ``sent`` (build number, checked) writes for ``state``."""
    if state == sent:
        return ": keep-alive\n\n"
    number, checked = state
    news = f"data: {number}\n\n" if sent is None or sent[0] != number else ""
    return news + (f"event: checked\ndata: {number}\n\n" if checked else "")


class _Handler(BaseHTTPRequestHandler):
    server_version = "soc-bulletin-preview"

    @property
    def preview(self) -> PreviewServer:
        return self.server.preview  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib's name)
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:  # noqa: N802 (stdlib's name)
        url = urlsplit(self.path)
        edition = parse_qs(url.query).get("edition", [FULL])[0]
        if url.path == "/":
            build = self.preview.build
            shown = edition if edition in build.editions else FULL
            self._send(page(build, edition=shown, text=self.preview.edition(shown)[1]).encode(), "text/html; charset=utf-8")
        elif url.path == "/email.html":
            self._send((self.preview.edition(edition)[0] or NOTHING_YET).encode(), "text/html; charset=utf-8")
        elif url.path == "/email.txt":
            self._send(self.preview.edition(edition)[1].encode(), "text/plain; charset=utf-8")
        elif url.path == "/events":
            self._events()
        else:
            self._static(unquote(url.path, errors="surrogateescape"))  # bytes that are not UTF-8 stay unprintable

    def _events(self) -> None:
        """The build number now and after each step of each build, a comment every KEEP_ALIVE_SECONDS, until the page or the server goes."""
        with self.preview.streaming(), contextlib.suppress(OSError):  # the page went away
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")  # reconnect within a second when the preview is started again
            sent = None
            while (state := self.preview.next_state(sent, timeout=KEEP_ALIVE_SECONDS)) is not None:
                self.wfile.write(_news(sent, state).encode())
                sent = state

    def _static(self, path: str) -> None:
        """A file of the issue folder (its images); 400 for a NUL, control character or byte that is not UTF-8; 404 for a miss."""
        if not path.isprintable():
            return self.send_error(HTTPStatus.BAD_REQUEST)
        root = self.preview.issue_dir
        try:
            target = (root / path.lstrip("/")).resolve()
            found = target.is_relative_to(root) and target.is_file() and not target.name.startswith(".")
        except (OSError, ValueError):  # a name too long for the file system, say
            found = False
        if not found:
            return self.send_error(HTTPStatus.NOT_FOUND)
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(target.read_bytes(), kind)

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the page reloaded mid-answer
            self.wfile.write(body)
