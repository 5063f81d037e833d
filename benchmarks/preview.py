"""Time the preview's reload on Issue 11: from a file saved to the new content served, edit after edit.

Copies Issue 11 to a temporary folder, starts ``soc-bulletin preview`` on it
as its own process (as an editor runs it: the server does not share this
process's interpreter), follows it as the page does (``/events``), then edits
an article's title or the issue's title N times, a different file each time.
Each figure runs from the moment the edited file is closed to the moment
``/email.html`` serves the new words. The goal (issue 17): every edit within
150 ms. ``--before DIR`` (a checkout of the old code, which polled the folder
every 0.5 s and whose page long-polled ``/poll``) measures the yardstick the
same way in the same run. The new preview serves an edit as soon as it is
read and rendered, and puts the check's problems on the page after: both
moments are printed. Last, one rebuild alone, in this process, in its
steps: so the reader sees where the time goes.

    python benchmarks/preview.py [-n 12] [--before /tmp/before] [ISSUE_DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from soc_bulletin.check.run import check_source
from soc_bulletin.content.load import FileCache, read_issue
from soc_bulletin.render.renderer import Renderer

REPO = Path(__file__).resolve().parent.parent
ISSUE_DIR = REPO / "issues" / "2019-08"
GOAL_MS = 150.0
TIMEOUT = 10.0
_TITLE = re.compile(r"^title: (.*)$", re.MULTILINE)


class Preview:
    """``soc-bulletin preview`` of ``issue`` in its own process, with the code found on ``code`` (a checkout's root)."""

    def __init__(self, code: Path, issue: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(code)}
        command = [sys.executable, "-m", "soc_bulletin", "preview", str(issue), "--port", "0"]
        self.process = subprocess.Popen(command, cwd=issue.parent, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.process.stdout.readline())
        if not found:
            self.process.kill()
            raise SystemExit(f"the preview with the code in {code} printed no URL")
        self.port = int(found[1])

    def get(self, path: str, /) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request("GET", path)
            return connection.getresponse().read().decode("utf-8", "replace")
        finally:
            connection.close()

    def close(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


class EventStream:
    """A page of the new preview: its ``/events`` stream, read as the builds are announced."""

    def __init__(self, preview: Preview) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=TIMEOUT)
        self.connection.request("GET", "/events")
        self.response = self.connection.getresponse()
        self.build = 0

    def next(self) -> int:
        """Block until the next build is rendered; its number."""
        while self._event()[0] != "message":
            pass
        return self.build

    def checked(self) -> None:
        """Block until the problems of the last build rendered are checked."""
        while self._event() != ("checked", self.build):
            pass

    def _event(self) -> tuple[str, int]:
        kind = "message"
        while line := self.response.readline().decode():
            if line.startswith("event:"):
                kind = line[len("event:"):].strip()
            elif line.startswith("data:"):
                number = int(line[len("data:"):])
                self.build = number if kind == "message" else self.build
                return kind, number
        raise SystemExit("the event stream ended")

    def close(self) -> None:
        self.response.close()
        self.connection.close()


class LongPoll:
    """A page of the old preview: it asked ``/poll?since=N``, answered when the build number moved (its problems with it)."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        self.build = 0

    def next(self) -> int:
        self.build = int(json.loads(self.preview.get(f"/poll?since={self.build}"))["build"])
        return self.build

    def checked(self) -> None:
        pass

    def close(self) -> None:
        pass


def edit(issue: Path, i: int, /) -> tuple[Path, str]:
    """Edit number ``i``: an article's title or the issue's title (a different file each time) gets a new word; the word."""
    files = [*sorted((issue / "articles").glob("*.yaml")), issue / "issue.yaml"]
    path = files[i * 5 % len(files)]
    word = f"Edit{i:02d}x{random.randrange(10**6):06d}"
    text = path.read_text(encoding="utf-8")
    path.write_text(_TITLE.sub(lambda title: f"title: {title[1].split(' Edit')[0]} {word}", text, count=1), encoding="utf-8")
    return path, word


def measure(code: Path, source: Path, n: int, follow: Callable[[Preview], EventStream | LongPoll]) -> tuple[list[float], list[float]]:
    """Latencies in ms of N edits of a fresh copy of ``source`` under the preview running ``code``: to the change
    served, and to its problems checked."""
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as temporary:
        issue = Path(temporary) / source.name
        shutil.copytree(source, issue)
        preview = Preview(code, issue)
        page = follow(preview)
        served: list[float] = []
        checked: list[float] = []
        try:
            for i in range(n):
                time.sleep(random.uniform(0.1, 0.6))  # edits fall anywhere in a polling cycle
                path, word = edit(issue, i)
                written = time.perf_counter()
                while word not in preview.get("/email.html"):
                    if time.perf_counter() - written > TIMEOUT:
                        raise SystemExit(f"{path.name}: the change was not served within {TIMEOUT:.0f} s")
                    page.next()
                served.append((time.perf_counter() - written) * 1000)
                page.checked()
                checked.append((time.perf_counter() - written) * 1000)
        finally:
            page.close()
            preview.close()
    return served, checked


def rebuild_steps(source: Path, n: int) -> dict[str, float]:
    """Median ms of the steps of one rebuild after one article changed, in this process, in the preview's order."""
    steps: dict[str, list[float]] = {"load": [], "render": [], "check": []}
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as temporary:
        issue = Path(temporary) / source.name
        shutil.copytree(source, issue)
        cache, renderer = FileCache(), Renderer()
        read_issue(issue, cache=cache)
        article = sorted((issue / "articles").glob("*.yaml"))[0]
        for i in range(n):
            article.write_text(article.read_text(encoding="utf-8") + f"# {i}\n", encoding="utf-8")
            start = time.perf_counter()
            loaded = read_issue(issue, cache=cache)
            assert loaded.issue is not None
            read = time.perf_counter()
            edition = renderer.render(loaded.issue)
            rendered = time.perf_counter()
            check_source(loaded, edition=edition)
            end = time.perf_counter()
            for name, seconds in zip(steps, (read - start, rendered - read, end - rendered), strict=True):
                steps[name].append(seconds * 1000)
    return {name: statistics.median(times) for name, times in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("issue_dir", nargs="?", type=Path, default=ISSUE_DIR)
    parser.add_argument("-n", type=int, default=12, help="edits to time (default 12)")
    parser.add_argument("--before", type=Path, metavar="DIR", help="a checkout of the old code (polling), to measure the yardstick")
    args = parser.parse_args()
    random.seed(11)

    now, now_checked = measure(REPO, args.issue_dir, args.n, EventStream)
    runs = {"now: served": now, "now: problems checked": now_checked}
    if args.before:
        runs["before (0.5 s polling): both"] = measure(args.before.resolve(), args.issue_dir, args.n, LongPoll)[0]

    print(f"Preview of {args.issue_dir}, {args.n} edits: ms from the edited file closed to /email.html serving the change"
          " (served), and to the check's problems of that build announced (checked)")
    print(f"{'edit':>6}" + "".join(f"{name:>30}" for name in runs))
    for i in range(args.n):
        print(f"{i + 1:>6}" + "".join(f"{times[i]:>30.1f}" for times in runs.values()))
    for label, summary in (("median", statistics.median), ("max", max)):
        print(f"{label:>6}" + "".join(f"{summary(times):>30.1f}" for times in runs.values()))
    print(f"goal: every edit served within {GOAL_MS:.0f} ms: {'met' if max(now) <= GOAL_MS else 'NOT met'} (max {max(now):.1f} ms)")
    if args.before:
        before = runs["before (0.5 s polling): both"]
        print(f"now / before, served: median {statistics.median(now) / statistics.median(before):.2f}x, "
              f"max {max(now) / max(before):.2f}x; problems checked: median "
              f"{statistics.median(now_checked) / statistics.median(before):.2f}x, max {max(now_checked) / max(before):.2f}x")
    steps = rebuild_steps(args.issue_dir, max(args.n, 10))
    print(f"one rebuild alone, in this process (median): load {steps['load']:.1f} ms (the changed file parsed again) "
          f"+ render {steps['render']:.1f} ms, then served; check {steps['check']:.1f} ms (of that render), "
          f"then the problems are put in place; total {sum(steps.values()):.1f} ms")

if __name__ == "__main__":
    main()
