"""A local preview of one issue that rebuilds and reloads itself when a file changes.

:func:`serve_preview` starts a small HTTP server (stdlib ``ThreadingHTTPServer``)
and a polling watcher of the issue folder and the layouts. Routes:

``/``              the preview page: problems, the email at 600 px and 375 px, the text edition
``/email.html``    the rendered email, placeholders filled with sample values
``/email.txt``     the text edition
``/poll?since=N``  long poll: answers the build number once it differs from N (or after 25 s)
anything else      a file of the issue folder (its images)

The reload script lives in the preview page only, never in the email. A
build that fails shows its problems and keeps the last good render; the
server never stops because of content.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import mimetypes
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..content.load import read_issue
from ..errors import BulletinError
from ..problems import Problem, Severity
from ..render.renderer import DEFAULT_LAYOUTS, Renderer, fill_placeholders

__all__ = ["PREVIEW_PLACEHOLDERS", "PreviewBuild", "PreviewServer", "build_preview", "serve_preview"]

log = logging.getLogger(__name__)

#: Sample per-recipient values shown in the preview.
PREVIEW_PLACEHOLDERS = {"greeting": "Dear Alex Example,", "unsubscribe_url": "https://example.org/unsubscribe"}

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


def _check_problems(issue_dir: Path) -> list[Problem]:
    """The problems of the check stage, when this installation has one."""
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
    try:
        source = read_issue(issue_dir)
        problems += source.problems
        problems += _check_problems(issue_dir)
        if source.issue is None or source.errors:
            return PreviewBuild(number, False, last.subject, last.html, last.text, tuple(sorted(set(problems))))
        edition = Renderer(layouts).render(source.issue)
    except Exception as exc:  # anything at all (a broken layout, a bug): show it, keep serving
        if isinstance(exc, BulletinError):
            log.warning("preview build of %s failed: %s", issue_dir, exc)
        else:
            log.exception("preview build of %s failed", issue_dir)
        problems.append(Problem(str(issue_dir), 0, 0, "SB000", f"The preview could not be built: {exc}"))
        return PreviewBuild(number, False, last.subject, last.html, last.text, tuple(sorted(set(problems))))
    return PreviewBuild(
        number, True, edition.subject,
        fill_placeholders(edition.html, PREVIEW_PLACEHOLDERS), fill_placeholders(edition.text, PREVIEW_PLACEHOLDERS),
        tuple(sorted(set(problems))),
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
        if url.path == "/":
            self._send(_page(self.preview.build).encode(), "text/html; charset=utf-8")
        elif url.path == "/email.html":
            build = self.preview.build
            self._send((build.html or _NOTHING_YET).encode(), "text/html; charset=utf-8")
        elif url.path == "/email.txt":
            self._send(self.preview.build.text.encode(), "text/plain; charset=utf-8")
        elif url.path == "/poll":
            since = parse_qs(url.query).get("since", ["0"])[0]
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


_NOTHING_YET = (
    '<!doctype html><html lang="en"><title>No preview</title>'
    "<p>No build has succeeded yet: see the problems above.</p></html>"
)

_STYLE = """
body { margin: 0; font: 15px/1.5 Arial, Helvetica, sans-serif; color: #1f2933; background: #d9dee5; }
header { background: #1d3557; color: #fff; padding: 10px 16px; }
header h1 { margin: 0; font-size: 18px; } header p { margin: 0; font-size: 14px; }
.problems { margin: 12px 16px; padding: 10px 16px; background: #fff; border-left: 6px solid #a4161a; }
.problems.none { border-left-color: #2d6a4f; }
.problems h2 { margin: 0 0 6px; font-size: 16px; } .problems ul { margin: 0; padding-left: 20px; }
.problems li { font-family: Menlo, Consolas, monospace; font-size: 13px; white-space: pre-wrap; }
.warning { color: #7a4100; } .stale { font-weight: bold; color: #a4161a; }
.views { display: flex; flex-wrap: wrap; gap: 24px; padding: 0 16px; align-items: flex-start; }
figure { margin: 0; } figcaption { font-weight: bold; margin: 0 0 4px; }
iframe { border: 1px solid #9aa5b1; background: #fff; height: 900px; display: block; }
section.text { margin: 16px; } pre { background: #fff; padding: 12px; white-space: pre-wrap; max-width: 72ch; }
"""

# Reload when the build number changes; size the frames to their content.
_SCRIPT = """
const built = %d;
async function watch() {
  for (;;) {
    try {
      const answer = await (await fetch('/poll?since=' + built, {cache: 'no-store'})).json();
      if (answer.build !== built) { location.reload(); return; }
    } catch (e) { await new Promise(r => setTimeout(r, 1000)); }
  }
}
for (const frame of document.querySelectorAll('iframe')) {
  frame.addEventListener('load', () => {
    frame.style.height = (frame.contentDocument.documentElement.scrollHeight + 4) + 'px';
  });
}
watch();
"""


def _problem_list(build: PreviewBuild) -> str:
    if not build.problems:
        return '<section class="problems none" id="problems"><h2>No problems found</h2></section>'
    items = "".join(
        f'<li class="{p.severity.value}">{escape(str(p))}</li>' for p in build.problems
    )
    errors = sum(p.severity is Severity.ERROR for p in build.problems)
    stale = "" if build.ok else '<p class="stale">This build failed; below is the last good render.</p>'
    return (
        f'<section class="problems" id="problems"><h2>{len(build.problems)} problem(s), {errors} error(s)</h2>'
        f"{stale}<ul>{items}</ul></section>"
    )


def _page(build: PreviewBuild, /) -> str:
    """The preview page of ``build``: problems, the email at 600 and 375 px, the text edition."""
    when = time.strftime("%H:%M:%S", time.localtime(build.built_at))
    frames = "".join(
        f'<figure><figcaption>{label} ({width} px)</figcaption>'
        f'<iframe src="/email.html?build={build.number}" width="{width}" title="{label} view of the email"></iframe></figure>'
        for label, width in (("Desktop", 600), ("Phone", 375))
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Preview: {escape(build.subject or 'no build yet')}</title><style>{_STYLE}</style></head><body>"
        f'<header><h1>Preview: {escape(build.subject or "no build yet")}</h1>'
        f'<p id="build">Build {build.number} at {when}; '
        "this page reloads when a file of the issue or a layout changes.</p></header>"
        f"{_problem_list(build)}<main><div class=\"views\">{frames}</div>"
        f'<section class="text"><h2>Text edition</h2><pre id="text">{escape(build.text)}</pre></section></main>'
        f"<script>{_SCRIPT % build.number}</script></body></html>"
    )
