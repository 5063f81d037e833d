"""The one-click unsubscribe service, over real HTTP to uvicorn on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import http.client
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from soc_bulletin.config import load_settings
from soc_bulletin.loop.serve import ServiceServer, serve
from soc_bulletin.loop.service import Limits, app_from_environment, create_app
from soc_bulletin.send.unsubscribe import Unsubscribe
from soc_bulletin.store.open import open_store
from soc_bulletin.store.sqlite_store import SQLiteStore

SECRET, OLD_SECRET = "the-current-secret-value", "the-previous-secret-value"
BASE_URL = "https://bulletin.example.org/unsubscribe"
TODAY = dt.date.today().isoformat()
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "soc-bulletin.toml").write_text(
        f'[sending]\nfrom = "SOC Partnerships <team@example.org>"\nlist_id = "soc.example.org"\n'
        f'unsubscribe_base_url = "{BASE_URL}"\nsuppressed = "suppressed.csv"\n')
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.delenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS", raising=False)
    return tmp_path


STORES: list[SQLiteStore] = []


def start(project: Path, limits: Limits | None = None, *, readonly: bool = False) -> ServiceServer:
    settings = load_settings(project / "soc-bulletin.toml")
    store = open_store(settings, readonly=readonly)
    assert isinstance(store, SQLiteStore)
    STORES.append(store)
    app = create_app(settings, store, limits=limits or Limits(per_minute=60_000, burst=1_000))
    return serve(app, host="127.0.0.1", port=0)


@pytest.fixture
def service(project: Path) -> Iterator[ServiceServer]:
    server = start(project)
    yield server
    server.close()
    while STORES:
        STORES.pop().close()


def store_of(project: Path) -> SQLiteStore:
    return SQLiteStore(project / ".ledger")


def link(project: Path, address: str, secret: str = SECRET) -> str:
    """The path and query of ``address``'s https link, as the message carries it, its token recorded as a send does."""
    maker = Unsubscribe(list_id="soc.example.org", mailbox="team@example.org", base_url=BASE_URL, secret=secret)
    with store_of(project) as store:
        store.remember_links([(maker.token(address), address)])
    parts = urlsplit(maker.links(address).https)
    return f"{parts.path}?{parts.query}"


def call(server: ServiceServer, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def rows(project: Path) -> list[str]:
    """The store's suppression entries as CSV lines (address, reason, date, source), oldest first."""
    if not (project / ".ledger" / "store.db").exists():
        return []
    with SQLiteStore(project / ".ledger", readonly=True) as store:
        return [f"{e.address},{e.reason},{e.date},{e.source}" for e in store.suppressions().entries]


def test_a_get_shows_a_page_with_a_button_and_never_unsubscribes(project: Path, service: ServiceServer) -> None:
    status, headers, body = call(service, "GET", link(project, "jo@example.net"))
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe' \
        in page
    assert '<html lang="en">' in page and "<h1>Stop receiving the bulletin at this address?</h1>" in page
    assert "<script" not in page and "jo@example.net" not in page
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert "set-cookie" not in headers and "location" not in headers
    assert call(service, "HEAD", link(project, "jo@example.net"))[0] == 200
    assert call(service, "GET", link(project, "jo@example.net") + "".join(f"&utm{n}=x" for n in range(30)))[2] == body
    assert rows(project) == []


def test_one_click_unsubscribes_durably_once_and_undo_resubscribes(project: Path, service: ServiceServer) -> None:
    with store_of(project) as store:  # another source's entry
        store.suppress("jo@example.net", "bounced", source="bounce", date="2019-01-01")
    status, headers, body = call(service, "POST", link(project, "al@example.net"), ONE_CLICK, FORM)
    assert status == 200 and "set-cookie" not in headers and "location" not in headers
    assert "<h1>You are unsubscribed.</h1>" in body.decode() and 'name="action" value="undo"' in body.decode()
    expected = ["jo@example.net,bounced,2019-01-01,bounce", f"al@example.net,unsubscribed,{TODAY},one-click"]
    assert rows(project) == expected  # written before the answer
    assert call(service, "POST", link(project, "al@example.net"), ONE_CLICK, FORM)[:1] == (200,)
    assert rows(project) == expected  # twice is once

    status, _, body = call(service, "POST", link(project, "al@example.net"), b"action=undo", FORM)
    assert status == 200 and "<h1>You are subscribed again.</h1>" in body.decode()
    assert rows(project) == expected[:1]
    call(service, "POST", link(project, "jo@example.net"), b"action=undo", FORM)  # an undo never lifts a bounce
    assert rows(project) == expected[:1]


def test_undo_of_an_unsubscribe_never_lifts_a_later_complaint(project: Path, service: ServiceServer) -> None:
    assert call(service, "POST", link(project, "al@example.net"), ONE_CLICK, FORM)[0] == 200
    with store_of(project) as store:
        store.suppress("al@example.net", "complained", source="complaint")
    assert call(service, "POST", link(project, "al@example.net"), b"action=undo", FORM)[0] == 200
    assert rows(project) == [f"al@example.net,complained,{TODAY},complaint"]
    with store_of(project) as store:
        assert store.suppressed_keys(["al@example.net"]) == {"al@example.net"}


def test_a_multipart_one_click_post_is_understood(project: Path, service: ServiceServer) -> None:
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XyZ--\r\n')
    status, _, _ = call(service, "POST", link(project, "al@example.net"), body, {"Content-Type": "multipart/form-data; boundary=XyZ"})
    assert status == 200 and rows(project) == [f"al@example.net,unsubscribed,{TODAY},one-click"]


def legacy(address: str, token_of: str, secret: str = SECRET) -> str:
    """An earlier version's link: the address in base64 beside a 24-character token."""
    import base64
    import hashlib
    import hmac

    digest = hmac.digest(secret.encode(), f"soc.example.org\n{token_of.lower()}".encode(), hashlib.sha256)[:18]
    b64 = base64.urlsafe_b64encode
    return f"/unsubscribe?a={b64(address.encode()).rstrip(b'=').decode()}&t={b64(digest).rstrip(b'=').decode()}"


@pytest.mark.parametrize("kind", ["made-up", "other key", "legacy other key", "other address", "legacy other address", "legacy unkeyed", "empty",
                                  "garbage", "not an address"])
def test_a_bad_token_gets_the_very_page_a_good_one_gets_and_changes_nothing(project: Path, service: ServiceServer, kind: str) -> None:
    path = {
        "made-up": "/unsubscribe?t=AAAAAAAAAAAAAAAA",                                 # a token the store never made
        "other key": "/unsubscribe?t=" + Unsubscribe(list_id="soc.example.org", mailbox="t@example.org",  # never recorded
                                                     secret="some-other-secret-of-16").token("al@example.net"),
        "legacy other key": legacy("al@example.net", "al@example.net", secret="some-other-secret-of-16"),
        "other address": "/unsubscribe?t=" + link(project, "bo@example.net").split("t=")[1][:-1] + "A",
        "legacy other address": legacy("al@example.net", "bo@example.net"),          # another address's token
        "legacy unkeyed": legacy("al@example.net", "al@example.net", secret=""),      # computable from public facts
        "empty": "/unsubscribe?a=&t=", "garbage": "/unsubscribe?a=%%%&t=x", "not an address": "/unsubscribe?a=bm90IGFuIGFkZHJlc3M&t=abc",
    }[kind]
    good = call(service, "POST", link(project, "cy@example.net"), ONE_CLICK, FORM)
    before = rows(project)
    bad = call(service, "POST", path, ONE_CLICK, FORM)
    assert (bad[0], bad[2]) == (good[0], good[2])
    assert call(service, "GET", path)[2] == call(service, "GET", link(project, "cy@example.net"))[2]
    assert call(service, "POST", path, b"action=undo", FORM)[2] == call(service, "POST", "/unsubscribe", b"action=undo", FORM)[2]
    assert rows(project) == before


def test_an_earlier_versions_keyed_link_still_works(project: Path, service: ServiceServer) -> None:
    assert call(service, "POST", legacy("al@example.net", "al@example.net"), ONE_CLICK, FORM)[0] == 200
    assert rows(project) == [f"al@example.net,unsubscribed,{TODAY},one-click"]


def test_the_link_names_nobody_and_is_short(project: Path) -> None:
    url = Unsubscribe(list_id="soc.example.org", mailbox="team@example.org", base_url=BASE_URL, secret=SECRET).links(
        "jo.bloggs@example.net").https
    assert len(url) < 70 and "jo" not in url.split("?")[1].lower()
    assert re.fullmatch(re.escape(BASE_URL) + r"\?t=[A-Za-z0-9_-]{16}", url)


def test_an_earlier_versions_link_made_with_the_previous_secret_works_while_it_is_set(project: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    old_link = legacy("al@example.net", "al@example.net", secret=OLD_SECRET)
    server = start(project)
    try:
        call(server, "POST", old_link, ONE_CLICK, FORM)
        assert rows(project) == []
    finally:
        server.close()
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS", OLD_SECRET)
    server = start(project)
    try:
        call(server, "POST", old_link, ONE_CLICK, FORM)
        call(server, "POST", link(project, "bo@example.net"), ONE_CLICK, FORM)
        assert [r.split(",")[0] for r in rows(project)] == ["al@example.net", "bo@example.net"]
    finally:
        server.close()


def test_a_link_the_store_made_keeps_working_whatever_the_secret_became(project: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = link(project, "al@example.net", OLD_SECRET)  # recorded by a send keyed with a secret since replaced
    server = start(project)
    try:
        assert call(server, "POST", path, ONE_CLICK, FORM)[0] == 200
    finally:
        server.close()
    assert rows(project) == [f"al@example.net,unsubscribed,{TODAY},one-click"]


AL = "/unsubscribe?t=" + Unsubscribe(list_id="soc.example.org", mailbox="t@example.org", secret=SECRET).token("al@example.net")


@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), [
    ("POST", AL, b"", FORM, 400),                         # no List-Unsubscribe=One-Click
    ("POST", AL, b"List-Unsubscribe=Yes", FORM, 400),
    ("POST", AL, ONE_CLICK + b"&x=" + b"y" * 5000, FORM, 413),
    ("POST", AL, ONE_CLICK, {**FORM, "Content-Length": "99999999"}, 413),
    ("PUT", AL, ONE_CLICK, FORM, 405),
    ("GET", "/elsewhere", None, {}, 404),
    ("POST", "/unsubscribe/?" + AL.split("?")[1], ONE_CLICK, FORM, 404),  # no redirect, ever
    ("POST", AL, b"&".join([ONE_CLICK] + [b"x=%d" % n for n in range(30)]), FORM, 400),  # too many fields
    ("POST", AL + "".join(f"&utm{n}=x" for n in range(30)), b"", FORM, 400),
])
def test_requests_that_do_not_unsubscribe(project: Path, service: ServiceServer, method: str, path: str, body: bytes | None,
                                          headers: dict[str, str], status: int) -> None:
    link(project, "al@example.net")  # the token is the store's: only the request is wrong
    if "99999999" in headers.get("Content-Length", ""):
        conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
        conn.putrequest("POST", path)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        conn.send(ONE_CLICK)
        answered = conn.getresponse().status
        conn.close()
    else:
        answered = call(service, method, path, body, headers)[0]
    assert answered == status
    assert rows(project) == []


def test_each_client_is_held_to_its_rate(project: Path) -> None:
    server = start(project, Limits(per_minute=60, burst=3))
    try:
        answers = [call(server, "GET", "/unsubscribe") for _ in range(4)]
        assert [a[0] for a in answers] == [200, 200, 200, 429]
        assert answers[3][1]["retry-after"] == "60"
    finally:
        server.close()


def test_a_store_that_cannot_be_written_is_a_503_and_the_page_says_to_try_again(project: Path) -> None:
    path = link(project, "al@example.net")
    server = start(project, readonly=True)
    try:
        status, _, body = call(server, "POST", path, ONE_CLICK, FORM)
    finally:
        server.close()
        STORES.pop().close()
    assert status == 503 and "<h1>Your request could not be recorded.</h1>" in body.decode()
    assert rows(project) == []


WRITER = textwrap.dedent("""
    import sys
    from soc_bulletin.store.sqlite_store import SQLiteStore
    with SQLiteStore(sys.argv[1]) as store:
        for n in range(int(sys.argv[2])):
            store.suppress(f"bounce{n:03d}@example.net", "bounced", source="bounce")
""")


def test_concurrent_writers_lose_nothing(project: Path, service: ServiceServer) -> None:
    """The service (many requests at once, some repeated), another process (bounce processing) and a thread (send) together."""
    clicks = [f"click{n:03d}@example.net" for n in range(40)]
    paths = [link(project, a) for a in clicks]
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(project / ".ledger"), "40"])

    def sends() -> None:
        with store_of(project) as store:
            for n in range(40):
                store.suppress(f"send{n:03d}@example.net", "bounced", source="bounce")

    with ThreadPoolExecutor(max_workers=12) as pool:
        sent = pool.submit(sends)
        answers = list(pool.map(lambda p: call(service, "POST", p, ONE_CLICK, FORM)[0], paths + paths[:20]))
        sent.result()
    assert process.wait(timeout=60) == 0
    assert answers == [200] * 60
    lines = rows(project)
    assert len(lines) == 120 and len(set(lines)) == 120
    assert {line.split(",")[0] for line in lines} == {*clicks, *(f"bounce{n:03d}@example.net" for n in range(40)),
                                                      *(f"send{n:03d}@example.net" for n in range(40))}
    assert all(re.fullmatch(r"[a-z]+\d{3}@example\.net,(bounced|unsubscribed)," + TODAY + r",(bounce|one-click)", line)
               for line in lines)


def test_any_asgi_server_can_host_it_from_the_settings_the_environment_names(project: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOC_BULLETIN_CONFIG", str(project / "soc-bulletin.toml"))
    monkeypatch.chdir("/")
    server = serve(app_from_environment(), host="127.0.0.1", port=0)
    try:
        assert call(server, "POST", link(project, "al@example.net"), ONE_CLICK, FORM)[0] == 200
    finally:
        server.close()
    assert rows(project) == [f"al@example.net,unsubscribed,{TODAY},one-click"]


def test_the_command_serves_until_stopped(project: Path) -> None:
    env = {**os.environ, "SOC_BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
    process = subprocess.Popen([sys.executable, "-m", "soc_bulletin", "unsubscribe-server", "--port", "0"], cwd=project, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(r"Unsubscribe service at http://127\.0\.0\.1:(\d+)/unsubscribe \(for " + re.escape(BASE_URL)
                             + r"\); Ctrl-C stops it\.\n", line)
        assert found, line
        conn = http.client.HTTPConnection("127.0.0.1", int(found[1]), timeout=10)
        conn.request("POST", link(project, "al@example.net"), ONE_CLICK, FORM)
        assert conn.getresponse().status == 200
        conn.close()
        assert rows(project) == [f"al@example.net,unsubscribed,{TODAY},one-click"]
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0 and err == "note: a new store was made in .ledger\n"  # the first use, said


def test_the_command_refuses_settings_it_cannot_serve(project: Path) -> None:
    (project / "soc-bulletin.toml").write_text('[sending]\nlist_id = "soc.example.org"\n')
    result = subprocess.run([sys.executable, "-m", "soc_bulletin", "unsubscribe-server", "--port", "0"], cwd=project,
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "soc-bulletin: error: set [sending] unsubscribe_base_url: the service answers at its path\n"


def test_a_client_that_goes_away_mid_body_is_let_go_quietly(project: Path, service: ServiceServer,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    import socket
    import time

    path = link(project, "al@example.net")
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as raw:
        raw.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: 100\r\n\r\nList-Unsub".encode())
        time.sleep(0.2)
    time.sleep(0.3)
    assert call(service, "POST", path, ONE_CLICK, FORM)[0] == 200  # still serving
    assert not [r for r in caplog.records if r.levelno >= 30], [r.getMessage() for r in caplog.records]
    assert rows(project) == [f"al@example.net,unsubscribed,{TODAY},one-click"]
