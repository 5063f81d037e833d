"""``soc-bulletin check`` and ``new-article``: the contributor's commands.

``check`` prints every problem (text, GitHub annotations or JSON) and a
summary; it exits 0 when there is no error, 1 when there is, 2 on a usage
error. ``new-article`` starts an article from a commented template.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..terminal import printable, printable_json
from .exits import Exit

__all__ = ["register"]



def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], /) -> None:
    """Add the ``check`` and ``new-article`` commands."""
    check = subparsers.add_parser(
        "check", help="report every problem of an issue folder or article files",
        description="Report every problem of issue folders or article files as path:line:col: CODE message "
        "(codes are listed in CONTRIBUTING.md). Exit 0 when there is no error, 1 when there is, 2 on a usage error.",
    )
    check.add_argument("paths", metavar="PATH", nargs="+", help="an issue folder (issues/2019-08), a folder of them (issues) or article files")
    check.add_argument("--format", choices=("text", "github", "json"), default="text", help="text (default), github (workflow annotations on the pull request) or json")
    check.add_argument("--deliverability", action="store_true", help="also ask the DNS whether each address's domain accepts email (needs the network)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.set_defaults(handler=_check)

    new = subparsers.add_parser(
        "new-article", help="start an article from a commented template and list it in issue.yaml",
        description="Write ISSUE_DIR/articles/SLUG.yaml from a commented template and add SLUG to the section KIND of issue.yaml "
        "(creating the section at the end if there is none), keeping the rest of issue.yaml as it is.",
    )
    new.add_argument("issue_dir", metavar="ISSUE_DIR", help="an issue folder such as issues/2019-08")
    new.add_argument("slug", metavar="SLUG", help="the article's name in kebab-case, such as youth-diversion-ceredigion")
    new.add_argument("--section", metavar="KIND", required=True, help="the section to add it to, such as 'Community Resilience'")
    new.set_defaults(handler=_new_article)


def _check(args: argparse.Namespace) -> int:
    from ..check import check_paths, format_github, format_json, format_text

    # errors (a folder that cannot be listed...) go to the CLI's one error boundary
    report = check_paths(args.paths, deliverability=args.deliverability)
    if args.format == "json":
        sys.stdout.write(printable_json(format_json(report)))
    else:
        output = format_github(report, root=Path.cwd()) if args.format == "github" else format_text(report)
        sys.stdout.write("\n".join(printable(line) for line in output.split("\n")))
    return Exit.PROBLEMS if report.failed(strict=args.strict) else Exit.OK


def _new_article(args: argparse.Namespace) -> int:
    from ..content.new_article import new_article

    created = new_article(args.issue_dir, args.slug, section=args.section)
    print(printable(f"wrote {created.article}"))
    print(printable(f"added '{args.slug}' to {created.issue_file}"))
    print(printable(f"edit {created.article}, then run: soc-bulletin check {args.issue_dir}"))
    return Exit.OK
