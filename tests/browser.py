"""Shared by the browser tests: Debian's Chromium driven by Playwright, a static server, a sample issue.

Playwright cannot download its own browser here, so it drives ``/usr/bin/chromium``
by executable path, with the flags that keep Chromium off the (closed) network.
"""

from __future__ import annotations

import functools
import shutil
import struct
import textwrap
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ISSUE_11 = REPO / "issues" / "2019-08"
SCREENSHOTS = REPO / "build" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",  # overlay-free screenshots; scrollWidth is unaffected
]
TIMEOUT_MS = 15_000


def chromium_path() -> str:
    """Debian's Chromium, or a failure that says how to install it."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        pytest.fail("Chromium is not installed: apt-get install chromium (.ci/run does), or deselect with -m 'not browser'")
    return path


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True, timeout=30_000,
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, width: int, height: int = 900, *, scheme: str = "light") -> Any:
    """A page in a fresh context at ``width`` CSS pixels in the ``scheme`` colour scheme (Chromium's emulated
    ``prefers-color-scheme``: ``light`` or ``dark``), with short timeouts."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port); yield its base URL ending in ``/``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@functools.lru_cache(maxsize=8)
def png(width: int, height: int) -> bytes:
    """A small valid PNG: a blue-to-teal gradient."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((29, 53 + (y * 50) // height, 87 + (x * 40) // width)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


SAMPLE_ISSUE = """\
title: SOC Local Partnerships Bulletin
number: 10
date: 2019-05-01
strapline: Working together to tackle Serious and Organised Crime
preheader: A sample issue with every kind of block
mailbox: SCOC.localpartnerships@homeoffice.gov.uk
welcome:
  body: |
    Welcome to the tenth edition. Write to <SCOC.localpartnerships@homeoffice.gov.uk>
    with ideas for the next one.
sections:
  - kind: From the Centre
    articles: [special-unit]
  - kind: Meet the...
    articles: [coordinators]
  - kind: Economic Crime
    articles: [money-laundering]
"""

SAMPLE_ARTICLES = {
    "special-unit": """\
        title: Special Unit Established to Support Modern Slavery Victims
        standfirst: The Single Competent Authority now decides every referral.
        blocks:
          - text: |
              April 29th saw the launch of the Single Competent Authority (SCA) for the
              Modern Slavery National Referral Mechanism (NRM). See
              <https://www.gov.uk/government/publications/human-trafficking-victims-referral-and-assessment-forms/guidance-on-the-national-referral-mechanism-for-potential-adult-victims-of-modern-slavery-england-and-wales>.
          - figures:
              - value: "6,993"
                label: victims were referred in 2018,
              - value: "36%"
                label: more than the year before.
          - quote:
              text: I am delighted to see this new referral agreement introduced.
              speaker: Dr Jamie Bennett
              role: Deputy Director of Operational Security Group in HMPPS
          - contact:
              name: Alice Matthews
              organisation: Home Office
              email: alice.matthews3@homeoffice.gov.uk
        """,
    "coordinators": """\
        title: SOC Community Coordinators
        blocks:
          - image:
              src: images/coordinators.png
              alt: The coordinators standing in front of St Peter's Collegiate Church
              caption: "Left to right: the coordinators of Birmingham, Bradford and Brighton"
          - list:
              - "**Legal Powers**: we will examine the powers partners already hold"
              - Improve Operational Performance across every force
          - contacts:
              title: The Coordinators
              people:
                - role: Birmingham
                  email: Corrina.Griffiths@west-midlands.pnn.police.uk
                - role: Haringey / Enfield
                  email: Stuart.J.Smillie@met.police.uk
        """,
    "money-laundering": """\
        title: Partnership Working to Tackle Money Laundering
        standfirst: Banks, police and councils shared what they know.
        blocks:
          - callout:
              title: What is Participatory Budgeting?
              body: |
                Participatory Budgeting lets residents decide how to spend part of a budget.
          - link:
              url: https://www.gov.uk/government/publications/asset-recovery-action-plan
              text: Read the Asset Recovery Action Plan
          - image:
              src: images/wide.png
              alt: A wide banner in the bulletin's colours
              width: 600
        """,
}


def write_sample_issue(root: Path, /) -> Path:
    """Write an issue with every kind of block (and two local images) to ``root``."""
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    (root / "issue.yaml").write_text(SAMPLE_ISSUE, encoding="utf-8")
    for slug, text in SAMPLE_ARTICLES.items():
        (root / "articles" / f"{slug}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    (root / "images" / "coordinators.png").write_bytes(png(1104, 600))
    (root / "images" / "wide.png").write_bytes(png(1200, 200))
    return root


def issue_11_ready() -> bool:
    """Whether the real Issue 11 has been written (it is authored in parallel)."""
    return (ISSUE_11 / "issue.yaml").is_file()
