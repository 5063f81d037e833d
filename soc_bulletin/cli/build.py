"""``soc-bulletin build``: render an issue (or one edition, or every edition) to files."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..audience.segments import ALL, Segments, load_segments
from ..config import Settings, load_settings
from ..terminal import printable
from .exits import Exit
from .paths import issue_folder, shown

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``build`` command."""
    p = sub.add_parser(
        "build", help="render an issue to index.html, index.txt and index.mjml",
        description="Render an issue to files, with a sample greeting and unsubscribe link. By default every article is in it; "
        "--segment NAME writes what members of that segment receive, --all-editions every edition in its own folder.",
    )
    p.add_argument("issue_dir", metavar="ISSUE_DIR", help="an issue folder such as issues/2019-08 (or its issue.yaml)")
    p.add_argument("-o", "--output", metavar="OUT_DIR", help="default: build/<issue folder name>")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--segment", metavar="NAME", help="the edition members of this segment receive (segments.yaml)")
    which.add_argument("--all-editions", action="store_true", help="every edition, each in OUT_DIR/<edition>/")
    p.add_argument("--config", help="settings file (default: the soc-bulletin.toml found from the issue folder)")
    p.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    from ..render.build import build_dir, build_editions

    issue_dir = issue_folder(args.issue_dir)
    settings = load_settings(args.config, start=issue_dir)
    log.info("settings: %s; layouts: %s", shown(settings.path) if settings.path else "none (defaults)",
             shown(settings.layouts) if settings.layouts else "the package's own")
    out_dir = Path(args.output) if args.output else Path("build") / issue_dir.resolve().name
    if args.all_editions:
        results = build_editions(issue_dir, out_dir, layouts=settings.layouts)
        for name, result in results.items():
            print(printable(f"{name}: {out_dir / name / 'index.html'} ({len(result.articles)} articles, "
                            f"HTML {result.html_bytes / 1024:.1f} KiB)"))
        if len(results) == 1:
            print("1 edition: no article or section has an audience, so everyone receives the same.")
        else:
            print(f"{len(results)} editions: one per segment an article or section is for, and 'everyone' for the rest; "
                  "a reader in several of those segments receives the articles of each.")
        return Exit.OK
    audience = _audience(args.segment, settings) if args.segment else None
    result = build_dir(issue_dir, out_dir, layouts=settings.layouts, audience=audience)
    for path in result.files:
        print(printable(f"wrote {path}"))
    print(f"HTML size: {result.html_bytes:,} bytes ({result.html_bytes / 1024:.1f} KiB)")
    if args.segment:
        print(printable(f"Edition for segment '{args.segment}': {len(result.articles)} articles ({', '.join(result.articles) or 'none'})."))
    elif result.audiences:
        print(printable(f"This build holds every article, also those only for {', '.join(result.audiences)}; to see what one "
                        "segment receives, use --segment NAME (or --all-editions)."))
    return Exit.OK


def _audience(name: str, settings: Settings) -> frozenset[str]:
    """The audience of segment ``name``: ConfigError (exit 2) with the closest when it is not a segment."""
    path = settings.resolve(settings.sending.segments)
    segments = load_segments(path) if path.exists() else Segments()
    segments.segment(name)  # raises, naming the closest segment
    log.info("segment '%s' from %s", name, shown(path))
    return frozenset() if name == ALL.name else frozenset({name})
