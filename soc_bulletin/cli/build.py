"""``soc-bulletin build``: render an issue to files."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import load_settings
from ..terminal import printable
from .exits import Exit

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``build`` command."""
    p = sub.add_parser("build", help="render an issue to index.html, index.txt and index.mjml")
    p.add_argument("issue_dir", metavar="ISSUE_DIR", help="an issue folder such as issues/2019-08")
    p.add_argument("-o", "--output", metavar="OUT_DIR", help="default: build/<issue folder name>")
    p.add_argument("--config", help="settings file (default: the soc-bulletin.toml found from the issue folder)")
    p.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    from ..render.build import build_dir

    issue_dir = Path(args.issue_dir)
    settings = load_settings(args.config, start=issue_dir)
    out_dir = Path(args.output) if args.output else Path("build") / issue_dir.resolve().name
    result = build_dir(issue_dir, out_dir, layouts=settings.layouts)
    for path in result.files:
        print(printable(f"wrote {path}"))
    print(f"HTML size: {result.html_bytes:,} bytes ({result.html_bytes / 1024:.1f} KiB)")
    return Exit.OK
