"""Build Issue 11 N times and print milliseconds per build, stage by stage, beside JavaScript mjml.

Stages: load (YAML files -> model), templates (Jinja2 -> MJML), mjml-python
(MJML -> HTML; an older layout's css-inline pass counted in it), text
(plain-text edition); then the whole build as a user runs it (load, render,
write the files and images: ``build_dir``), from the files each time: into
the same folder, as a rebuild (which compares files, and rewrites only those
that changed: none here), and into a new folder (every file written).

With ``--mjml-js DIR`` (a folder whose node_modules holds the JavaScript
``mjml`` package, e.g. after ``npm install mjml`` there) it also times the
reference JavaScript compiler on the same MJML, in one Node process so its
start-up is not counted, and prints the issue 17 goal: the whole build at
most 0.2 of one JavaScript compile. With ``--before DIR`` (a checkout of
older code) the older code's build is timed too, in a process of its own
(``PYTHONPATH=DIR``). The builds, the older ones and the JavaScript compiles
take turns, round by round, so a busy machine slows all of them alike.

    python benchmarks/render.py [-n 50] [--mjml-js /tmp/mjmljs] [--before /tmp/before]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

from soc_bulletin.content.load import load_issue
from soc_bulletin.render.build import build_dir
from soc_bulletin.render.renderer import Renderer, filter_sections

ISSUE_DIR = Path(__file__).resolve().parent.parent / "issues" / "2019-08"
GOAL = 0.2
STAGES = ("load", "templates", "mjml-python", "text")
WHOLE = "whole build"
FRESH = "whole build, new folder"
T = TypeVar("T")


def timed(times: dict[str, list[float]], stage: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = fn()
    times.setdefault(stage, []).append((time.perf_counter() - start) * 1000)
    return result


class Builds:
    """Builds of Issue 11 in this process: each stage timed, then the whole build."""

    def __init__(self, out: str) -> None:
        self.renderer = Renderer()  # compiled once, as the CLI and sender do
        self.out = out
        self.times: dict[str, list[float]] = {}
        self.mjml = ""

    def run(self, k: int) -> None:
        for _ in range(k):
            issue = timed(self.times, "load", lambda: load_issue(ISSUE_DIR))
            sections = filter_sections(issue, None)
            self.mjml = timed(self.times, "templates", partial(self.renderer.mjml, issue, sections))
            timed(self.times, "mjml-python", partial(self.renderer.html, self.mjml))
            timed(self.times, "text", partial(self.renderer.text, issue, sections))
            timed(self.times, WHOLE, lambda: build_dir(ISSUE_DIR, self.out))
            fresh = tempfile.mkdtemp(dir=self.out)
            timed(self.times, FRESH, partial(build_dir, ISSUE_DIR, fresh))
            shutil.rmtree(fresh)


class Worker:
    """A process that times something ``k`` times per request: one JSON line in, a JSON list of ms out."""

    def __init__(self, argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None, hello: str = "") -> None:
        self.name = argv[0]
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=cwd)
        self.times: list[float] = []
        if hello:
            self._send(hello)
        self.greeting = self._receive()

    def _send(self, line: str) -> None:
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(line + "\n")
        stdin.flush()

    def _receive(self) -> Any:
        stdout = self.process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise SystemExit(f"{self.name} ended early (exit {self.process.wait()})")
        return json.loads(line)

    def run(self, k: int) -> None:
        self._send(json.dumps(k))
        self.times += self._receive()

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


def before_worker(folder: Path, out: str) -> Worker:
    """This script under ``PYTHONPATH=folder``: the older code's whole builds."""
    env = dict(os.environ, PYTHONPATH=str(folder))
    return Worker([sys.executable, __file__, "--worker", out], env=env, cwd=folder)


def js_worker(folder: Path, source: str, validation: str) -> Worker:
    """One Node process compiling ``source`` with JavaScript mjml, warmed up first."""
    script = (
        "const mjml = require('mjml'); const readline = require('readline');"
        "const lines = readline.createInterface({input: process.stdin}); let src = null;"
        "lines.on('line', (line) => { const msg = JSON.parse(line);"
        f" if (src === null) {{ src = msg; for (let i = 0; i < 20; i++) mjml(src, {{validationLevel: '{validation}'}});"
        "  console.log('\"ready\"'); return; }"
        " const out = []; for (let i = 0; i < msg; i++) { const t = process.hrtime.bigint();"
        f"  mjml(src, {{validationLevel: '{validation}'}}); out.push(Number(process.hrtime.bigint() - t) / 1e6); }}"
        " console.log(JSON.stringify(out)); });"
    )
    return Worker(["node", "-e", script], cwd=folder, hello=json.dumps(source))


def serve(out: str) -> None:
    """``--worker``: whole builds of Issue 11 with whatever code PYTHONPATH gives, on request."""
    import soc_bulletin  # noqa: PLC0415 - reported, so a wrong PYTHONPATH shows

    build_dir(ISSUE_DIR, out)
    print(json.dumps(soc_bulletin.__file__), flush=True)
    for line in sys.stdin:
        times: list[float] = []
        for _ in range(json.loads(line)):
            start = time.perf_counter()
            build_dir(ISSUE_DIR, out)
            times.append((time.perf_counter() - start) * 1000)
        print(json.dumps(times), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50, help="builds to time (default 50)")
    parser.add_argument("--mjml-js", type=Path, help="folder with node_modules/mjml for the JavaScript comparison")
    parser.add_argument("--before", type=Path, help="a checkout of older code whose whole build is timed beside")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        serve(args.worker)
        return
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as old_out:
        start = time.perf_counter()
        build_dir(ISSUE_DIR, out)  # a fresh process's first build
        first = (time.perf_counter() - start) * 1000
        builds = Builds(out)
        builds.run(3)  # warm, then measured from scratch
        builds.times.clear()
        before = before_worker(args.before, old_out) if args.before else None
        js = {v: js_worker(args.mjml_js, builds.mjml, v) for v in ("skip", "soft")} if args.mjml_js else {}
        if before:
            print(f"before: {before.greeting}")
        rounds = max(1, args.n // 5)
        for _ in range(rounds):
            builds.run(5)
            for worker in [*([before] if before else []), *js.values()]:
                worker.run(5)
        for worker in [*([before] if before else []), *js.values()]:
            worker.close()
    n = rounds * 5
    html_bytes = len(builds.renderer.html(builds.mjml).encode())
    print(f"Issue 11, {n} builds; HTML {html_bytes:,} bytes ({html_bytes / 1024:.1f} KiB)")
    print(f"{'stage':<26}{'median ms':>10}{'mean ms':>10}")
    for stage, values in builds.times.items():
        print(f"{stage:<26}{statistics.median(values):>10.2f}{statistics.fmean(values):>10.2f}")
    whole = statistics.median(builds.times[WHOLE])
    print(f"{'stages (sum of medians)':<26}{sum(statistics.median(builds.times[s]) for s in STAGES):>10.2f}")
    print(f"{'first build (cold)':<26}{first:>10.2f}")
    if before:
        old = statistics.median(before.times)
        print(f"{'whole build, before':<26}{old:>10.2f}{statistics.fmean(before.times):>10.2f}   ({old / whole:.1f}x the time)")
    for validation, worker in js.items():
        ms = statistics.median(worker.times)
        line = f"JavaScript mjml, validation {validation}: {ms:.2f} ms per compile (median of {len(worker.times)})"
        print(f"{line}; mjml-python is {ms / statistics.median(builds.times['mjml-python']):.1f}x faster")
    if "skip" in js:
        ms = statistics.median(js["skip"].times)
        verdict = "met" if whole / ms <= GOAL else "not met"
        print(f"whole build / JavaScript mjml = {whole / ms:.3f} (goal <= {GOAL}: {verdict})")
        print(f"whole build into a new folder / JavaScript mjml = {statistics.median(builds.times[FRESH]) / ms:.3f}")
        if before:
            print(f"whole build before / JavaScript mjml = {statistics.median(before.times) / ms:.3f}")


if __name__ == "__main__":
    main()
