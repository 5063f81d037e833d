"""The preview server over HTTP: pages, rebuilds on change (pushed as server-sent events), problems instead of crashes.

The same server in a real browser (the page reloading itself) is in test_browser.py.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from soc_bulletin.check.run import check_paths, check_source
from soc_bulletin.cli.main import main
from soc_bulletin.content.load import FileCache, read_issue
from soc_bulletin.problems import Problem
from soc_bulletin.render.renderer import DEFAULT_LAYOUTS, Renderer
from soc_bulletin.site.preview import PreviewBuild, PreviewServer, serve_preview
from soc_bulletin.site.preview_page import page as preview_page
from soc_bulletin.site.watch import Watcher

from .browser import write_sample_issue
from .project import COUNCIL_ARTICLE, POLICE_ARTICLE

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


def save(path: Path, text: str) -> None:
    """Write ``path`` as editors do on save: a hidden temporary file renamed over it, one change for the watcher."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


class Events:
    """A client of ``/events``, as the page's EventSource: the build numbers the server sends."""

    def __init__(self, url: str) -> None:
        address = urlsplit(url)
        self.connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=TIMEOUT)
        self.connection.request("GET", "/events")
        self.response = self.connection.getresponse()
        assert self.response.status == 200 and self.response.headers["Content-Type"] == "text/event-stream"

    def next(self) -> tuple[str, int] | None:
        """The next event: its kind ("message": a build rendered; "checked": its problems checked) and build number.

        None when the server ended the stream.
        """
        kind, data = "message", []
        while line := self.response.readline().decode("utf-8"):
            if line.startswith("event:"):
                kind = line[len("event:"):].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:"):].strip())
            elif line == "\n":
                if data:
                    return kind, int("\n".join(data))
                kind = "message"
        return None

    def until(self, condition: Callable[[str, int], bool], /) -> int:
        """Read events until one meets ``condition``; return its build number."""
        while (event := self.next()) is not None:
            if condition(*event):
                return event[1]
        pytest.fail("the event stream ended")

    def close(self) -> None:
        self.response.close()
        self.connection.close()


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
    wait_until(lambda: "A Retitled Article" in get(server.url + "email.html")[2])
    assert server.build.number > first


def test_an_edit_is_pushed_to_the_event_stream_and_served(server: PreviewServer, issue: Path) -> None:
    events = Events(server.url)
    try:
        first = server.build.number  # on connecting: the current build, so a page that is behind reloads
        assert [events.next(), events.next()] == [("message", first), ("checked", first)]
        edit(issue / "articles" / "special-unit.yaml", TITLE, "Pushed To The Page")
        built = events.until(lambda kind, number: kind == "message" and "Pushed To The Page" in get(server.url + "email.html")[2])
        assert built > first
        assert events.until(lambda kind, number: kind == "checked") == built
        edit(issue / "issue.yaml", "tenth edition", "10th edition")
        events.until(lambda kind, number: kind == "message" and "10th edition" in get(server.url)[2])
    finally:
        events.close()


def test_each_change_is_read_checked_and_rendered_once(server: PreviewServer, issue: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    parsed: list[int] = []
    render = Renderer.render

    def reading(*args: Any, cache: FileCache | None = None) -> Any:
        calls.append("read")
        assert cache is not None
        before = cache.parses
        try:
            return read_issue(*args, cache=cache)
        finally:
            parsed.append(cache.parses - before)

    def checking(*args: Any, **kwargs: Any) -> Any:
        calls.append("check")
        return check_source(*args, **kwargs)

    def rendering(self: Renderer, *args: Any, **kwargs: Any) -> Any:
        calls.append("render" if self is server.build.renderer else "render for the check")
        return render(self, *args, **kwargs)

    monkeypatch.setattr("soc_bulletin.site.preview.read_issue", reading)
    monkeypatch.setattr("soc_bulletin.site.preview.check_source", checking)
    monkeypatch.setattr(Renderer, "render", rendering)
    events = Events(server.url)
    try:
        first = events.until(lambda kind, number: kind == "checked")
        article = issue / "articles" / "special-unit.yaml"
        save(article, article.read_text(encoding="utf-8").replace(TITLE, "Built Once"))
        assert [events.next(), events.next()] == [("message", first + 1), ("checked", first + 1)]
    finally:
        events.close()
    assert server.build.ok and "Built Once" in server.build.html
    assert sorted(calls) == ["check", "read", "render"]  # the check judges the preview's own render
    assert parsed == [1]  # only the saved file was parsed again


def test_the_watcher_reports_changed_files_but_not_editors_swap_and_backup_files(issue: Path) -> None:
    seen: list[set[Path]] = []
    reported = threading.Event()

    def changed(paths: set[Path]) -> None:
        seen.append(paths)
        reported.set()

    watcher = Watcher([issue.resolve()], changed)
    watcher.start()
    try:
        articles = issue.resolve() / "articles"
        (articles / ".special-unit.yaml.swp").write_text("swap", encoding="utf-8")
        (articles / "special-unit.yaml~").write_text("backup", encoding="utf-8")
        save(articles / "special-unit.yaml", "title: Saved\n")
        assert reported.wait(TIMEOUT)
    finally:
        watcher.close()
    assert set().union(*seen) == {articles / "special-unit.yaml"}


def test_until_a_build_is_checked_its_page_says_so() -> None:
    waiting = preview_page(PreviewBuild(number=2, ok=True, checked=False))
    assert "Checking&hellip;" in waiting and "No problems found" not in waiting
    assert "No problems found" in preview_page(PreviewBuild(number=2, ok=True))
    loader = Problem("articles/a.yaml", 1, 8, "SB003", "A quote is not closed.")
    assert "Checking for more&hellip;" in preview_page(PreviewBuild(number=2, ok=False, problems=(loader,), checked=False))


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
    wait_until(lambda: server.build.ok and server.build.checked)
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
        wait_until(lambda: "#5b2a86" in get(running.url + "email.html")[2])
        assert running.build.number > first
        edit(layouts / "bulletin.mjml.j2", "{%- for section in sections %}", "{%- for section in sections ")
        wait_until(lambda: "SB500" in get(running.url)[2])
        status, _, page = get(running.url)
        assert status == 200 and "layout" in page and "#5b2a86" in get(running.url + "email.html")[2]  # the last good render


def test_the_problems_are_those_of_check(server: PreviewServer, issue: Path) -> None:
    first = server.build.number
    article = issue / "articles" / "coordinators.yaml"
    save(article, article.read_text(encoding="utf-8").replace("Improve Operational Performance", "Improve it, see www.example.org"))
    wait_until(lambda: server.build.number > first and server.build.checked)
    assert server.build.ok  # a check's problem: the new render is shown under it
    assert [(p.code, p.line) for p in server.build.problems] == [(p.code, p.line) for p in check_paths([issue]).problems]
    assert "SB204 The web address &#x27;www.example.org&#x27; is not a link" in get(server.url)[2]


def test_close_ends_the_event_streams_and_frees_the_port(issue: Path) -> None:
    running = serve_preview(issue, port=0)
    events = Events(running.url)
    try:
        assert [events.next(), events.next()] == [("message", running.build.number), ("checked", running.build.number)]
        closing = threading.Thread(target=running.close)
        closing.start()
        closing.join(timeout=TIMEOUT)
        assert not closing.is_alive()
        assert events.next() is None  # the server ended the stream
    finally:
        events.close()
    running.close()  # twice is harmless
    assert not [t.name for t in threading.enumerate() if t.name.startswith("preview-")]
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


def test_preview_switches_editions_and_shows_no_placeholders(example_project: Path) -> None:
    with serve_preview(example_project / "issues" / "2019-08", port=0) as running:
        page = get(running.url)[2]
        assert [m for m in re.findall(r'<a href="/\?edition=([^"]*)"', page)] == ["", "everyone", "local-authorities", "police", "%40cy",
                                                                                       "%40cy%2Ben"]
        police = get(running.url + "?edition=police")[2]
        assert 'aria-current="page">Segment: police</a>' in police and "email.html?build=1&amp;edition=police" in police
        html = get(running.url + "email.html?edition=police")[2]
        assert f'id="{POLICE_ARTICLE}"' in html and f'id="{COUNCIL_ARTICLE}"' not in html
        assert "Dear Alex Example," in html and "[[" not in html
        assert "Participatory Budgeting in Newport" in get(running.url + "email.txt?edition=local-authorities")[2]
        assert "SOC COMMUNITY COORDINATORS" not in get(running.url + "email.txt?edition=everyone")[2].upper().replace(
            "THE SOC COMMUNITY COORDINATORS PROGRAMME", "").replace("MEET THE SOC COMMUNITY COORDINATORS", "")


def test_preview_lists_problems_with_relative_paths(example_project: Path) -> None:
    article = example_project / "issues" / "2019-08" / "articles" / "jmlit.yaml"
    article.write_text('title: "Joint Money Laundering\nblocks: []\n', encoding="utf-8")
    with serve_preview("issues/2019-08", port=0) as running:
        page = get(running.url)[2]
    assert ('issues/2019-08/articles/jmlit.yaml:1:8: SB003 The double quote (&quot;) that starts this value is never closed; '
            "put a &quot; at the end of the value.") in page
    assert str(example_project) not in page
