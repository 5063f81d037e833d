"""A local preview of one issue that rebuilds and reloads itself when a file changes.

:func:`serve_preview` starts a small HTTP server (stdlib ``ThreadingHTTPServer``)
and a polling watcher of the issue folder and the layouts. Routes:

``/``              the preview page: problems, the edition switcher, the email at 600 px and 375 px, the text edition
``/email.html``    the rendered email, placeholders filled with sample values
``/email.txt``     the text edition
``?edition=NAME``  (on the three above) the edition members of segment NAME receive, ``everyone`` for
                   readers in no targeted segment; without it, every article (the editor's view)
``/poll?since=N``  long poll: answers the build number once it differs from N (or after 25 s)
anything else      a file of the issue folder (its images)

The reload script lives in the preview page only, never in the email. A
build that fails shows its problems and keeps the last good render; the
server never stops because of content.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import logging
import mimetypes
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..content.load import read_issue
from ..content.model import Issue
from ..errors import BulletinError
from ..problems import Problem
from ..render.build import EVERYONE, audiences, edition_issue, sample_placeholders
from ..render.renderer import DEFAULT_LAYOUTS, Renderer, fill_placeholders
from .preview_page import FULL, NOTHING_YET, page

__all__ = ["PreviewBuild", "PreviewServer", "build_preview", "serve_preview"]

log = logging.getLogger(__name__)

POLL_SECONDS = 25.0
WATCH_SECONDS = 0.5


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


def editions_of(issue: Issue, /) -> tuple[str, ...]:
    """The editions of ``issue``: every article, and when some have an audience, ``everyone`` and each segment."""
    targeted = audiences(issue)
    return (FULL, EVERYONE, *targeted) if targeted else (FULL,)


def _shown(problem: Problem) -> Problem:
    """``problem`` with its path relative to the working directory when it lies inside it."""
    try:
        path, here = Path(problem.path).resolve(), Path.cwd().resolve()
    except (OSError, ValueError):
        return problem
    if not Path(problem.path).is_absolute() or not path.is_relative_to(here):
        return problem
    return dataclasses.replace(problem, path=os.path.relpath(path, here))


def _check_problems(issue_dir: Path) -> list[Problem]:
    """The problems of the check stage, when this installation has one."""
    if not (issue_dir / "issue.yaml").is_file():  # the loader has said so already
        return []
    try:
        checks = importlib.import_module("soc_bulletin.check")
    except ImportError:
        return []
    check_paths = getattr(checks, "check_paths", None)
    return list(check_paths([issue_dir])) if check_paths is not None else []


def build_preview(issue_dir: Path, /, *, layouts: Path, number: int, previous: PreviewBuild | None = None) -> PreviewBuild:
    """Read, check and render ``issue_dir``; never raises.

    On failure the result keeps ``previous``'s HTML and text, so the page
    still shows the last good render under the problems.
    """
    problems: list[Problem] = []
    last = previous if previous is not None else PreviewBuild(number=0, ok=False)

    def failed() -> PreviewBuild:
        return dataclasses.replace(last, number=number, ok=False, problems=tuple(sorted({_shown(p) for p in problems})),
                                   built_at=time.time())
    try:
        source = read_issue(issue_dir)
        problems += source.problems
        problems += _check_problems(issue_dir)
        if source.issue is None or source.errors:
            return failed()
        edition = Renderer(layouts).render(source.issue)
    except Exception as exc:  # anything at all (a broken layout, a bug): show it, keep serving
        if isinstance(exc, BulletinError):
            log.warning("preview build of %s failed: %s", issue_dir, exc)
        else:
            log.exception("preview build of %s failed", issue_dir)
        problems.append(Problem(str(issue_dir), 0, 0, "SB500", f"The preview could not be built: {exc}"))
        return failed()
    sample = sample_placeholders(source.issue)
    return PreviewBuild(
        number, True, edition.subject, fill_placeholders(edition.html, sample), fill_placeholders(edition.text, sample),
        tuple(sorted({_shown(p) for p in problems})), issue=source.issue, editions=editions_of(source.issue),
    )


def _snapshot(folders: Iterable[Path]) -> dict[Path, tuple[int, int]]:
    """Modification time and size of every file under ``folders``.

    Hidden files and editors' backups (``.x.swp``, ``x~``) are left out, so
    an open editor does not trigger rebuilds.
    """
    found: dict[Path, tuple[int, int]] = {}
    for folder in folders:
        for path in folder.rglob("*"):
            relative = path.relative_to(folder).parts
            if any(part.startswith(".") for part in relative) or path.name.endswith("~"):
                continue
            try:
                stat = path.stat()
            except OSError:  # removed while we looked
                continue
            if path.is_file():
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


class PreviewServer:
    """A running preview: ``url``, ``build`` (the current one), ``close()``.

    Use :func:`serve_preview` to start one; it is also a context manager.
    """

    def __init__(self, issue_dir: Path, /, *, host: str, port: int, layouts: Path) -> None:
        self.issue_dir = issue_dir.resolve()
        self.layouts = layouts.resolve()
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._rendering = threading.Lock()
        self._editions: dict[tuple[int, str], tuple[str, str]] = {}
        # Scanned before the first build, so an edit made while it runs is seen.
        self._seen = _snapshot((self.issue_dir, self.layouts))
        self._build = build_preview(self.issue_dir, layouts=self.layouts, number=1)
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.preview = self  # type: ignore[attr-defined]
        self.url = f"http://{host}:{self._httpd.server_port}/"
        self._threads = [
            threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="preview-http", daemon=True),
            threading.Thread(target=self._watch, name="preview-watch", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        log.info("previewing %s at %s", self.issue_dir, self.url)

    @property
    def build(self) -> PreviewBuild:
        """The most recent build."""
        with self._changed:
            return self._build

    def rebuild(self) -> PreviewBuild:
        """Build again now and wake the pages waiting for a change."""
        current = self.build
        new = build_preview(self.issue_dir, layouts=self.layouts, number=current.number + 1, previous=current)
        with self._changed:
            self._build = new
            self._changed.notify_all()
        log.info("build %d: %s, %d problem(s)", new.number, "ok" if new.ok else "failed", len(new.problems))
        return new

    def edition(self, key: str, /) -> tuple[str, str]:
        """The HTML and text of edition ``key`` of the current build (rendered once per build; "" when none has succeeded)."""
        build = self.build
        if key == FULL or build.issue is None or key not in build.editions:
            return build.html, build.text
        with self._rendering:
            cached = self._editions.get((build.number, key))
            if cached is None:
                issue = edition_issue(build.issue, frozenset() if key == EVERYONE else frozenset({key}))
                try:
                    edition = Renderer(self.layouts).render(issue)
                except Exception as exc:  # a layout broken since: say so in the frame
                    log.warning("rendering edition %s failed: %s", key, exc)
                    return NOTHING_YET, str(exc)
                sample = sample_placeholders(issue)
                cached = (fill_placeholders(edition.html, sample), fill_placeholders(edition.text, sample))
                self._editions = {k: v for k, v in self._editions.items() if k[0] == build.number}
                self._editions[(build.number, key)] = cached
            return cached

    def wait_for_change(self, since: int, /, *, timeout: float) -> int:
        """Block until the build number differs from ``since`` (or ``timeout``); return it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._build.number == since and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self._build.number

    def _watch(self) -> None:
        folders = (self.issue_dir, self.layouts)
        seen = self._seen
        while not self._stop.wait(WATCH_SECONDS):
            try:
                now = _snapshot(folders)
            except OSError as exc:  # the folder itself went away; keep trying
                log.warning("cannot scan %s: %s", self.issue_dir, exc)
                continue
            if now != seen:
                seen = now
                self.rebuild()

    def serve_until_interrupted(self) -> None:
        """Block the calling thread until Ctrl-C or :meth:`close`."""
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving and watching; pages waiting on a change are answered at once."""
        if self._stop.is_set():
            return
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_preview(
    issue_dir: str | Path, /, *, port: int = 8000, host: str = "127.0.0.1", layouts: Path | None = None,
) -> PreviewServer:
    """Build ``issue_dir`` and serve its preview on ``host:port`` (0: any free port).

    Returns at once; the server and the file watcher run in daemon threads
    until ``close()``. Raises OSError when the port cannot be bound.
    """
    return PreviewServer(Path(issue_dir), host=host, port=port, layouts=layouts or DEFAULT_LAYOUTS)


class _Handler(BaseHTTPRequestHandler):
    server_version = "soc-bulletin-preview"

    @property
    def preview(self) -> PreviewServer:
        return self.server.preview  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib's name)
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:  # noqa: N802 (stdlib's name)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        edition = query.get("edition", [FULL])[0]
        if url.path == "/":
            build = self.preview.build
            shown = edition if edition in build.editions else FULL
            self._send(page(build, edition=shown, text=self.preview.edition(shown)[1]).encode(), "text/html; charset=utf-8")
        elif url.path == "/email.html":
            self._send((self.preview.edition(edition)[0] or NOTHING_YET).encode(), "text/html; charset=utf-8")
        elif url.path == "/email.txt":
            self._send(self.preview.edition(edition)[1].encode(), "text/plain; charset=utf-8")
        elif url.path == "/poll":
            since = query.get("since", ["0"])[0]
            number = self.preview.wait_for_change(int(since) if since.isdigit() else 0, timeout=POLL_SECONDS)
            self._send(json.dumps({"build": number}).encode(), "application/json")
        else:
            self._static(unquote(url.path))

    def _static(self, path: str) -> None:
        root = self.preview.issue_dir
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root) or not target.is_file() or target.name.startswith("."):
            self.send_error(HTTPStatus.NOT_FOUND)
            return
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
