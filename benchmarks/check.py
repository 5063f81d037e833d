"""Time ``soc-bulletin check`` on Issue 11 and print milliseconds.

Prints the whole command as a contributor runs it (a fresh Python process,
imports included), the first check in a process, and the median of N
further checks, with the two stages that dominate it on their own for
comparison: loading (YAML -> model) and rendering the edition.

    python benchmarks/check.py [-n 30] [ISSUE_DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from soc_bulletin.check import check_paths
from soc_bulletin.content.load import read_issue
from soc_bulletin.render.renderer import Renderer

ISSUE_DIR = Path(__file__).resolve().parent.parent / "issues" / "2019-08"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("issue_dir", nargs="?", type=Path, default=ISSUE_DIR)
    parser.add_argument("-n", type=int, default=30, help="repeated checks to time (default 30)")
    args = parser.parse_args()

    start = time.perf_counter()
    command = subprocess.run([sys.executable, "-m", "soc_bulletin", "check", str(args.issue_dir)], capture_output=True, text=True, check=False)
    process = time.perf_counter() - start

    start = time.perf_counter()
    report = check_paths([args.issue_dir])
    first = time.perf_counter() - start

    checks, loads, renders = [], [], []
    renderer = Renderer()
    for _ in range(args.n):
        start = time.perf_counter()
        check_paths([args.issue_dir])
        checks.append(time.perf_counter() - start)
        start = time.perf_counter()
        source = read_issue(args.issue_dir)
        loads.append(time.perf_counter() - start)
        if source.issue is not None:
            start = time.perf_counter()
            renderer.render(source.issue)
            renders.append(time.perf_counter() - start)

    print(f"soc-bulletin check {args.issue_dir}: {command.stdout.strip().splitlines()[-1]} (exit {command.returncode})")
    print(f"  {len(report.files)} files, {len(report.problems)} problems")
    print(f"  whole command, fresh process   {_ms(process)}")
    print(f"  first check in a process       {_ms(first)}")
    print(f"  check, median of {args.n:<3}          {_ms(statistics.median(checks))}")
    print(f"    of which load (median)       {_ms(statistics.median(loads))}")
    if renders:
        print(f"    of which render (median)     {_ms(statistics.median(renders))}")


if __name__ == "__main__":
    main()
