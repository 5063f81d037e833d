"""Benchmark: read a 100,000-row subscriber list (streaming + validation + dedup).

Run with ``.venv/bin/python benchmarks/subscribers.py [ROWS]``. The list is
generated in a temporary folder, Excel-style (UTF-8 with BOM, ``;``, CRLF,
some quoted newlines), with about 2% duplicates (case variants of earlier
addresses) and 1% invalid rows. Prints rows per second and peak memory:
tracemalloc's peak for a streaming pass alone (constant whatever the size)
and for the full read (which keeps the deduplicated subscribers), then the
process's ru_maxrss.
"""

from __future__ import annotations

import codecs
import csv
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from soc_bulletin.audience.subscribers import iter_subscribers, read_subscribers

TAGS = ("police", "local-authority", "charity", "health", "education", "government", "soc-board")
REGIONS = ("North East", "London", "South West", "Wales", "Scotland", "Northern Ireland")


def generate(path: Path, rows: int, *, seed: int = 2019) -> None:
    """Write ``rows`` data rows: ~2% duplicates, ~1% invalid addresses."""
    rng = random.Random(seed)
    emails: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(codecs.BOM_UTF8.decode("utf-8"))
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["E-mail Address", "Full Name", "Company", "Region", "Tags", "Job Title", "Notes"])
        for i in range(rows):
            roll = rng.random()
            if roll < 0.01:
                email = f"broken.{i}@@example.org"
            elif roll < 0.03 and emails:
                email = rng.choice(emails).upper()
            else:
                email = f"person.{i}@example.{'org' if i % 2 else 'net'}"
                emails.append(email)
            notes = "Met at the\r\nregional board" if i % 50 == 0 else ""
            tags = ";".join(rng.sample(TAGS, rng.randint(1, 3)))
            writer.writerow([email, f"Person {i}", f"Organisation {i % 700}", rng.choice(REGIONS), tags, "Officer", notes])


def stream_only(path: Path) -> int:
    """Validate every row without keeping anything: what streaming alone costs."""
    return sum(1 for _ in iter_subscribers(path))


def peak_mib(function, path: Path) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    result = function(path)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, result


def main(rows: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        small, big = Path(folder) / "small.csv", Path(folder) / "big.csv"
        generate(small, rows // 10)
        generate(big, rows)
        print(f"list: {rows:,} rows, {big.stat().st_size / 2**20:.1f} MiB")

        started = time.perf_counter()
        report = read_subscribers(big)
        elapsed = time.perf_counter() - started
        print(
            f"read: {report.rows:,} rows, {len(report.subscribers):,} subscribers, {report.invalid:,} invalid, "
            f"{len(report.merged):,} duplicates merged in {elapsed:.2f} s = {report.rows / elapsed:,.0f} rows/s"
        )
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        maxrss_mib = maxrss / 2**20 if sys.platform == "darwin" else maxrss / 2**10  # bytes on macOS, KiB elsewhere
        print(f"ru_maxrss after the full read (whole process, before tracemalloc): {maxrss_mib:.1f} MiB")
        del report

        stream_small, _ = peak_mib(stream_only, small)
        stream_big, _ = peak_mib(stream_only, big)
        full_big, _ = peak_mib(read_subscribers, big)
        print(f"tracemalloc peak, streaming only: {stream_small:.2f} MiB for {rows // 10:,} rows, {stream_big:.2f} MiB for {rows:,} rows")
        print(f"tracemalloc peak, full read with dedup state: {full_big:.1f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
