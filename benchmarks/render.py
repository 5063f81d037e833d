"""Build Issue 11 N times and print milliseconds per build, stage by stage.

Stages: load (YAML files -> model), templates (Jinja2 -> MJML), mjml-python
(MJML -> HTML), inline-css (css-inline), text (plain-text edition), write.
With ``--mjml-js DIR`` (a folder whose node_modules holds the JavaScript
``mjml`` package, e.g. after ``npm install mjml`` there) it also times the
reference JavaScript compiler on the same MJML, inside one Node process so
start-up is not counted.

    python benchmarks/render.py [-n 50] [--mjml-js /tmp/mjmljs]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import mjml

from soc_bulletin.content.load import load_issue
from soc_bulletin.render.build import build
from soc_bulletin.render.renderer import Renderer, filter_sections

ISSUE_DIR = Path(__file__).resolve().parent.parent / "issues" / "2019-08"
T = TypeVar("T")


def timed(times: dict[str, list[float]], stage: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = fn()
    times.setdefault(stage, []).append((time.perf_counter() - start) * 1000)
    return result


def run(n: int) -> tuple[dict[str, list[float]], str, int]:
    renderer = Renderer()  # compiled once, as the CLI and sender do
    times: dict[str, list[float]] = {}
    mjml_source, html_bytes = "", 0
    with tempfile.TemporaryDirectory() as out:
        for _ in range(n):
            issue = timed(times, "load", lambda: load_issue(ISSUE_DIR))
            sections = filter_sections(issue, None)
            mjml_source = timed(times, "templates", lambda i=issue, s=sections: renderer.mjml(i, s))
            raw = timed(times, "mjml-python", lambda m=mjml_source: mjml.mjml2html(m, disable_comments=True, fonts={}))
            html = timed(times, "inline-css", lambda r=raw: renderer.inliner.inline(r))
            timed(times, "text", lambda i=issue, s=sections: renderer.text(i, s))
            timed(times, "build (all, incl. write)", lambda i=issue: build(i, out, root=ISSUE_DIR))
            html_bytes = len(html.encode())
    return times, mjml_source, html_bytes


def mjml_js(folder: Path, source: str, n: int, validation: str) -> float:
    """Milliseconds per compile of ``source`` by JavaScript mjml, warm, in one process."""
    script = (
        "const mjml = require('mjml'); const fs = require('fs');"
        "const src = fs.readFileSync(0, 'utf8'); mjml(src);"
        f"const t = process.hrtime.bigint(); for (let i = 0; i < {n}; i++) mjml(src, {{validationLevel: '{validation}'}});"
        f"console.log(JSON.stringify(Number(process.hrtime.bigint() - t) / 1e6 / {n}));"
    )
    out = subprocess.run(["node", "-e", script], input=source, text=True, capture_output=True, cwd=folder, check=True)
    return float(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50, help="builds to time (default 50)")
    parser.add_argument("--mjml-js", type=Path, help="folder with node_modules/mjml for the JavaScript comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        build(load_issue(ISSUE_DIR), out, root=ISSUE_DIR)  # a fresh process's first build
        first = (time.perf_counter() - start) * 1000
    times, source, html_bytes = run(args.n)
    print(f"Issue 11, {args.n} builds; HTML {html_bytes:,} bytes ({html_bytes / 1024:.1f} KiB)")
    print(f"{'stage':<26}{'median ms':>10}{'mean ms':>10}")
    for stage, values in times.items():
        print(f"{stage:<26}{statistics.median(values):>10.2f}{statistics.fmean(values):>10.2f}")
    pipeline = sum(statistics.median(times[s]) for s in ("load", "templates", "mjml-python", "inline-css", "text"))
    print(f"{'pipeline (sum of stages)':<26}{pipeline:>10.2f}")
    print(f"{'first build (cold)':<26}{first:>10.2f}")
    if args.mjml_js:
        for validation in ("skip", "soft"):
            js = mjml_js(args.mjml_js, source, max(5, args.n // 5), validation)
            print(f"JavaScript mjml, validation {validation}: {js:.2f} ms per compile; mjml-python is "
                  f"{js / statistics.median(times['mjml-python']):.1f}x faster; a whole build takes "
                  f"{pipeline / js:.2f} of it (target < 0.25)")


if __name__ == "__main__":
    sys.exit(main())
