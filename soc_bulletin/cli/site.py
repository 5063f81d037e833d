"""``soc-bulletin preview`` and ``soc-bulletin archive``: the issue in a browser.

Exit codes: 0 ok, 1 problems in the issues, 2 usage or configuration (a port in use).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..terminal import printable
from .exits import Exit
from .paths import issue_folder

__all__ = ["register"]



def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``preview`` and ``archive`` commands."""
    preview = subparsers.add_parser(
        "preview", help="serve an issue on 127.0.0.1, rebuilt and reloaded whenever a file changes",
    )
    preview.add_argument("issue_dir", metavar="ISSUE_DIR", help="an issue folder such as issues/2019-08")
    preview.add_argument("--port", type=_port, default=8000, help="default 8000; 0 picks any free port")
    preview.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    preview.add_argument("--config", metavar="PATH", help="settings file (default: the soc-bulletin.toml "
                         "found from the issue folder upwards, then from the working directory)")
    preview.set_defaults(handler=_preview)

    archive = subparsers.add_parser("archive", help="write the static web archive of every issue")
    archive.add_argument("issues_dir", metavar="ISSUES_DIR", help="the folder of issue folders, such as issues")
    archive.add_argument("-o", "--output", metavar="SITE_DIR", required=True, help="where to write the site")
    archive.add_argument("--base-url", help="where the site is published (default: [site] base_url of the settings)")
    archive.add_argument("--include-restricted", action="store_true",
                         help="also publish the articles and sections with an audience (left out by default: the archive is public)")
    archive.add_argument("--config", metavar="PATH", help="settings file (default: the soc-bulletin.toml "
                         "found from ISSUES_DIR upwards, then from the working directory)")
    archive.set_defaults(handler=_archive)


def _port(text: str) -> int:
    """A TCP port number for argparse: 0 to 65535."""
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(text)
    return port


_port.__name__ = "port"  # argparse says "invalid port value: '99999'"


def _preview(args: argparse.Namespace) -> int:
    from .. import config
    from ..site.preview import serve_preview

    issue_dir = issue_folder(args.issue_dir)
    settings = config.load_settings(args.config, start=issue_dir)
    try:
        server = serve_preview(issue_dir, port=args.port, host=args.host, layouts=settings.layouts, settings=settings)
    except OSError as exc:
        print(f"soc-bulletin: error: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return Exit.USAGE
    build = server.build
    print(printable(f"Previewing {issue_dir} at {server.url} (Ctrl-C stops)"), flush=True)
    if len(server.build.editions) > 1:
        from ..site.preview_page import edition_label

        shown = ", ".join(edition_label(key) for key in server.build.editions)
        print(printable(f"Editions: {shown} (switch at the top of the page)"), flush=True)
    if build.problems:
        print(f"{len(build.problems)} problem(s): see the page.", flush=True)
    try:
        server.serve_until_interrupted()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return Exit.OK


def _archive(args: argparse.Namespace) -> int:
    from .. import config
    from ..site.archive import build_archive

    settings = config.load_settings(args.config, start=args.issues_dir)
    base_url = args.base_url if args.base_url is not None else settings.site.base_url
    result = build_archive(args.issues_dir, args.output, base_url=base_url, layouts=settings.layouts,
                           include_restricted=args.include_restricted)
    print(printable(f"Archived {len(result.issues)} issue(s), newest first: {', '.join(result.issues)}"))
    if result.left_out:
        print(f"Left out {len(result.left_out)} restricted part(s), meant only for some segments "
              "(--include-restricted publishes them):")
        for line in result.left_out:
            print(printable(f"  {line}"))
    if result.drafts:
        print(f"Left out {len(result.drafts)} draft(s), not published until finished (send refuses them too):")
        for line in result.drafts:
            print(printable(f"  {line}"))
    print(printable(f"wrote {len(result.files)} files; open {Path(args.output) / 'index.html'}"))
    return Exit.OK
