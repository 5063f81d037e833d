"""The preview server over HTTP: pages, rebuilds on change, problems instead of crashes.

The same server in a real browser (the page reloading itself) is in test_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import types
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from soc_bulletin import Problem
from soc_bulletin.cli.main import main
from soc_bulletin.render.renderer import DEFAULT_LAYOUTS
from soc_bulletin.site.preview import PreviewServer, serve_preview

from .browser import write_sample_issue

TIMEOUT = 30.0  # generous: CI machines are slow and shared
TITLE = "Special Unit Established to Support Modern Slavery Victims"


def get(url: str, /) -> tuple[int, str, str]:
    """Status, content type and body of ``url``."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"] or "", ""


def wait_until(condition: Callable[[], bool], /, *, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout} s")
        time.sleep(0.1)


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in ``path`` and make sure its mtime moves even on coarse clocks."""
    before = path.stat().st_mtime_ns
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        later = before + 1_000_000_000
        os.utime(path, ns=(later, later))


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    return write_sample_issue(tmp_path / "2019-05")


@pytest.fixture
def server(issue: Path) -> Iterator[PreviewServer]:
    with serve_preview(issue, port=0) as running:
        yield running


def test_page_shows_both_widths_the_text_edition_and_no_problems(server: PreviewServer) -> None:
    status, kind, page = get(server.url)
    assert status == 200 and kind == "text/html; charset=utf-8"
    assert server.url.startswith("http://127.0.0.1:")
    assert 'width="600"' in page and 'width="375"' in page
    assert "No problems found" in page
    assert "Participatory Budgeting lets residents" in page  # the text edition
    assert "Dear Alex Example," in page  # the text edition, placeholders filled


def test_email_is_filled_and_carries_no_reload_script(server: PreviewServer) -> None:
    _, _, email = get(server.url + "email.html")
    assert TITLE in email and "Dear Alex Example," in email and "[[" not in email
    assert "<script" not in email
    _, kind, text = get(server.url + "email.txt")
    assert kind.startswith("text/plain") and TITLE in text


def test_issue_images_are_served_and_nothing_outside_the_issue(server: PreviewServer) -> None:
    status, kind, _ = get(server.url + "images/wide.png")
    assert (status, kind) == (200, "image/png")
    for path in ("../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "images/missing.png"):
        assert get(server.url + path)[0] == 404, path


def test_editing_an_article_rebuilds(server: PreviewServer, issue: Path) -> None:
    first = server.build.number
    edit(issue / "articles" / "special-unit.yaml", TITLE, "A Retitled Article")
    wait_until(lambda: server.build.number > first)
    assert "A Retitled Article" in get(server.url + "email.html")[2]


def test_long_poll_answers_when_the_build_changes(server: PreviewServer, issue: Path) -> None:
    number = server.build.number
    start = time.monotonic()
    assert json.loads(get(f"{server.url}poll?since={number - 1}")[2]) == {"build": number}
    assert time.monotonic() - start < 2  # a page that is behind is answered at once
    edit(issue / "issue.yaml", "tenth edition", "10th edition")
    assert json.loads(get(f"{server.url}poll?since={number}")[2])["build"] > number


def test_broken_yaml_shows_the_problem_and_keeps_the_last_good_render(server: PreviewServer, issue: Path) -> None:
    first = server.build.number
    article = issue / "articles" / "coordinators.yaml"
    good = article.read_text(encoding="utf-8")
    article.write_text("title: [unclosed\nblocks: []\n", encoding="utf-8")
    wait_until(lambda: server.build.number > first)
    status, _, page = get(server.url)
    assert status == 200
    assert "coordinators.yaml" in page and "This build failed" in page
    assert TITLE in get(server.url + "email.html")[2]  # the last good render
    article.write_text(good, encoding="utf-8")
    wait_until(lambda: server.build.ok)
    assert "No problems found" in get(server.url)[2]


def test_a_missing_issue_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with serve_preview(tmp_path / "empty", port=0) as running:
        status, _, page = get(running.url)
        assert status == 200 and "SB005" in page
        assert "No build has succeeded yet" in get(running.url + "email.html")[2]


def test_a_layout_change_rebuilds(issue: Path, tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    shutil.copytree(DEFAULT_LAYOUTS, layouts)
    with serve_preview(issue, port=0, layouts=layouts) as running:
        first = running.build.number
        edit(layouts / "colours.yaml", 'from-the-centre: "#1d3557"', 'from-the-centre: "#5b2a86"')
        wait_until(lambda: running.build.number > first)
        assert "#5b2a86" in get(running.url + "email.html")[2]
        edit(layouts / "bulletin.mjml.j2", "{%- for section in sections %}", "{%- for section in sections ")
        wait_until(lambda: running.build.number > first + 1)
        status, _, page = get(running.url)
        assert status == 200 and "SB500" in page and "layout" in page


def test_problems_of_the_check_stage_are_shown(issue: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = types.ModuleType("soc_bulletin.check")
    seen: list[object] = []

    def check_paths(paths: list[Path]) -> list[Problem]:
        seen.append(paths)
        return [Problem(str(issue / "issue.yaml"), 3, 1, "SB999", "A check found this.")]

    checks.check_paths = check_paths  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "soc_bulletin.check", checks)
    with serve_preview(issue, port=0) as running:
        assert "SB999 A check found this." in get(running.url)[2]
    assert seen


def test_close_answers_waiting_pages_and_frees_the_port(issue: Path) -> None:
    running = serve_preview(issue, port=0)
    start = time.monotonic()
    running.close()
    running.close()  # twice is harmless
    assert time.monotonic() - start < 5
    with socket.create_server(("127.0.0.1", int(running.url.rsplit(":", 1)[1].rstrip("/")))):
        pass


def test_preview_command_on_a_busy_port_is_a_usage_error(issue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["preview", str(issue), "--port", str(port)]) == 2
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_preview_command_needs_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", str(tmp_path / "nowhere"), "--port", "0"]) == 2
    assert f"{tmp_path / 'nowhere'} does not exist; give an issue folder" in capsys.readouterr().err


def test_preview_command_prints_its_url_serves_and_stops_on_ctrl_c(issue: Path) -> None:
    command = [sys.executable, "-m", "soc_bulletin", "preview", str(issue), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()) if process.stdout else None)
        reader.start()
        reader.join(timeout=TIMEOUT)
        assert lines, "no URL printed"
        url = re.search(r"http://127\.0\.0\.1:\d+/", lines[0])
        assert url, lines[0]
        assert TITLE in get(url.group(0) + "email.html")[2]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
