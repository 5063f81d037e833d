"""Hostile and broken ``soc-bulletin.toml`` files: every one is refused with file:line, never a traceback.

Each case asserts the exact message; the CLI cases also assert the exit code
and that nothing was written or sent.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.config import SendingSettings, Settings, SiteSettings, load_settings
from soc_bulletin.errors import ConfigError

from .conftest import ISSUE_11, REPO, example_issues

GOOD_FROM = 'from = "SOC Partnerships <team@example.org>"\n'


def write(tmp_path: Path, text: str | bytes, name: str = "soc-bulletin.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


# --- one bad value: the exact message at the key's line ------------------------------------------

# (TOML body after "[sending]\n" on line 1 -> the value is on line 2, message after "path:2: ")
BAD_SENDING = [
    # CR/LF in from: used to replace the From address and the envelope sender silently
    pytest.param(r'from = "Team <team@example.org>\r\nBcc: all@example.net"',
                 "[sending] from holds a carriage return (CR); it must be one line with no control characters: "
                 "'Team <team@example.org>\\r\\nBcc: all@example.net'", id="from-crlf-bcc"),
    pytest.param(r'from = "attacker@evil.example\n<team@example.org>"',
                 "[sending] from holds a line feed (LF); it must be one line with no control characters: "
                 "'attacker@evil.example\\n<team@example.org>'", id="from-lf"),
    pytest.param(r'from = "team@example.org\u0000"',
                 "[sending] from holds the control character \\x00; it must be one line with no control characters: "
                 "'team@example.org\\x00'", id="from-nul"),
    pytest.param(r'from = "Team <team@example.org>\u0085Bcc: x@example.net"',
                 "[sending] from holds the control character \\x85; it must be one line with no control characters: "
                 "'Team <team@example.org>\\x85Bcc: x@example.net'", id="from-nel"),
    pytest.param('from = "a@example.org, b@example.org"',
                 "[sending] from must be exactly one address, such as 'Team <team@example.org>': "
                 "'a@example.org, b@example.org'", id="from-two-bare"),
    pytest.param('from = "Team <a@example.org>, <b@example.org>"',
                 "[sending] from must be exactly one address, such as 'Team <team@example.org>': "
                 "'Team <a@example.org>, <b@example.org>'", id="from-two-angle"),
    pytest.param('from = "Smith, Jo <jo@example.org>"',
                 "[sending] from has a display name with , ; : @ ( ) [ ] \\ or \" in it; put the name in double quotes: "
                 "'Smith, Jo <jo@example.org>'", id="from-unquoted-comma"),
    pytest.param('from = "jö@example.org"',
                 "[sending] from has non-ASCII characters, which SMTP without SMTPUTF8 cannot carry "
                 "(write the domain in its xn-- form): 'jö@example.org'", id="from-non-ascii"),
    pytest.param('from = "not-an-address"',
                 "[sending] from is not a valid email address: An email address must have an @-sign.: 'not-an-address'",
                 id="from-no-at"),
    pytest.param('from = "team@localhost"',
                 "[sending] from is not a valid email address: The part after the @-sign is not valid. "
                 "It should have a period.: 'team@localhost'", id="from-localhost"),
    pytest.param('from = "Team <>"',
                 "[sending] from is not a valid email address: An email address must have an @-sign.: 'Team <>'",
                 id="from-empty-angle"),
    pytest.param('from = "\\"Jo\\"x\\" <jo@example.org>"',
                 "[sending] from has a quote inside the quoted display name; write it as \\\": '\"Jo\"x\" <jo@example.org>'",
                 id="from-quote-inside"),
    pytest.param('envelope_sender = "Bounces <bounces@example.org>"',
                 "[sending] envelope_sender must be a bare address such as 'bounces@example.org', with no display name: "
                 "'Bounces <bounces@example.org>'", id="envelope-display-name"),
    pytest.param(r'envelope_sender = "bounces@example.org\r\nX: y"',
                 "[sending] envelope_sender holds a carriage return (CR); it must be one line with no control characters: "
                 "'bounces@example.org\\r\\nX: y'", id="envelope-crlf"),
    # CR/LF in unsubscribe_base_url: used to inject a header line into every message
    pytest.param(r'unsubscribe_base_url = "https://bulletin.example.org/u\r\nBcc: all@example.net"',
                 "[sending] unsubscribe_base_url holds a carriage return (CR); it must be one line with no control characters: "
                 "'https://bulletin.example.org/u\\r\\nBcc: all@example.net'", id="unsubscribe-crlf"),
    pytest.param('unsubscribe_base_url = "https://bulletin.example.org/u>, <https://evil.example/x"',
                 "[sending] unsubscribe_base_url has characters a URL cannot hold (' ' '<' '>'); percent-encode them: "
                 "'https://bulletin.example.org/u>, <https://evil.example/x'", id="unsubscribe-angle"),
    pytest.param('unsubscribe_base_url = "http://bulletin.example.org/u"',
                 "[sending] unsubscribe_base_url must start with https:// (plain http:// is only for localhost): "
                 "'http://bulletin.example.org/u'", id="unsubscribe-http"),
    pytest.param('unsubscribe_base_url = "https://user:secret@bulletin.example.org/u"',
                 "[sending] unsubscribe_base_url has a user name or password in it; put no credentials in a URL: "
                 "'https://user:***@bulletin.example.org/u'", id="unsubscribe-credentials"),  # the password never shown
    pytest.param('unsubscribe_base_url = "https://bulletin.example.org/u#x"',
                 "[sending] unsubscribe_base_url has a #fragment; leave it out: 'https://bulletin.example.org/u#x'",
                 id="unsubscribe-fragment"),
    pytest.param('unsubscribe_base_url = "https://bulletin.example.org/désinscrire"',
                 "[sending] unsubscribe_base_url has non-ASCII characters; percent-encode them (and write the domain in "
                 "its xn-- form): 'https://bulletin.example.org/désinscrire'", id="unsubscribe-non-ascii"),
    pytest.param(f'unsubscribe_base_url = "https://bulletin.example.org/{"u" * 600}"',
                 f"[sending] unsubscribe_base_url is 629 characters long; at most 500: "
                 f"'https://bulletin.example.org/{'u' * 31}...'", id="unsubscribe-huge"),
    pytest.param('list_id = "soc partnerships"',
                 "[sending] list_id must be a list id such as 'soc-partnerships.example.org' (letters, digits, - and dots; "
                 "no spaces or <>): 'soc partnerships'", id="list-id-space"),
    pytest.param('list_id = "<soc.example.org>"',
                 "[sending] list_id must be a list id such as 'soc-partnerships.example.org' (letters, digits, - and dots; "
                 "no spaces or <>): '<soc.example.org>'", id="list-id-angle"),
    pytest.param('list_id = "nodot"',
                 "[sending] list_id must be a list id such as 'soc-partnerships.example.org' (letters, digits, - and dots; "
                 "no spaces or <>): 'nodot'", id="list-id-no-dot"),
    pytest.param('list_id = "=?utf-8?q?x?=.example.org"',
                 "[sending] list_id must be a list id such as 'soc-partnerships.example.org' (letters, digits, - and dots; "
                 "no spaces or <>): '=?utf-8?q?x?=.example.org'", id="list-id-encoded-word"),
    pytest.param(r'list_id = "soc.example.org\r\nBcc: x@example.net"',
                 "[sending] list_id holds a carriage return (CR); it must be one line with no control characters: "
                 "'soc.example.org\\r\\nBcc: x@example.net'", id="list-id-crlf"),
    pytest.param('dkim_selector = "bul_letin"\ndkim_key = "k.pem"',
                 "[sending] dkim_selector must be a DNS label such as 'bulletin' (letters, digits and -, at most 63 each, "
                 "dots between labels): 'bul_letin'", id="dkim-selector-underscore"),
    pytest.param(f'dkim_selector = "{"a" * 64}"\ndkim_key = "k.pem"',
                 "[sending] dkim_selector must be a DNS label such as 'bulletin' (letters, digits and -, at most 63 each, "
                 f"dots between labels): '{'a' * 60}...'", id="dkim-selector-long-label"),
    pytest.param('dkim_selector = "bulletin"',
                 "[sending] DKIM signing needs both dkim_selector and dkim_key; dkim_key is missing", id="dkim-half"),
    pytest.param('stale_after_days = 0',
                 "[sending] stale_after_days must be from 1 to 3650 (days), not 0", id="stale-zero"),
    pytest.param('stale_after_days = -3',
                 "[sending] stale_after_days must be from 1 to 3650 (days), not -3", id="stale-negative"),
    pytest.param('stale_after_days = 9223372036854775807',
                 "[sending] stale_after_days must be from 1 to 3650 (days), not 9223372036854775807", id="stale-huge"),
    pytest.param('stale_after_days = "7"',
                 "[sending] stale_after_days must be a whole number of days, not text", id="stale-text"),
    pytest.param('stale_after_days = true',
                 "[sending] stale_after_days must be a whole number of days, not true or false", id="stale-bool"),
    pytest.param('stale_after_days = 1.5',
                 "[sending] stale_after_days must be a whole number of days, not a number", id="stale-float"),
    pytest.param('suppressed = ""',
                 "[sending] suppressed is empty; leave the key out for the default: ''", id="suppressed-empty"),
    pytest.param(r'segments = "subscribers/seg\u0000ments.yaml"',
                 "[sending] segments holds the control character \\x00; it must be one line with no control characters: "
                 "'subscribers/seg\\x00ments.yaml'", id="segments-nul"),
    pytest.param('segments = 123',
                 "[sending] segments must be text in quotes, not a number", id="segments-number"),
    pytest.param('suppressed = ["a.csv", "b.csv"]',
                 "[sending] suppressed must be text in quotes, not a list", id="suppressed-list"),
    pytest.param('from = 1979-05-27',
                 "[sending] from must be text in quotes, not a date or time", id="from-date"),
    pytest.param("frm = 'x'",
                 "[sending] unknown setting 'frm'; did you mean 'from'? (allowed: check_domain, daily_limit, dkim_key, dkim_selector, domains, envelope_sender, "
                 "from, ledger, list_id, nameservers, outbox, segments, soft_bounce_days, soft_bounce_limit, stale_after_days, subscribers, suppressed, unsubscribe_base_url)", id="unknown-key"),
    pytest.param('"\\u001b[31mred" = "x"',
                 "[sending] unknown setting '\\x1b[31mred'; (allowed: check_domain, daily_limit, dkim_key, dkim_selector, domains, envelope_sender, "
                 "from, ledger, list_id, nameservers, outbox, segments, soft_bounce_days, soft_bounce_limit, stale_after_days, subscribers, suppressed, unsubscribe_base_url)", id="unknown-key-escape"),
]


@pytest.mark.parametrize(("body", "message"), BAD_SENDING)
def test_bad_sending_value_is_refused_at_its_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, f"[sending]\n{body}\n")
    assert refused(path) == f"{path}:2: {message}"


BAD_SITE = [
    # a javascript: base_url used to become a live "view in browser" link
    pytest.param("javascript:alert(document.cookie)", "must start with https:// (not javascript:)", id="javascript"),
    pytest.param("JaVaScRiPt:alert(1)", "must start with https:// (not javascript:)", id="javascript-mixed-case"),
    pytest.param("data:text/html,<script>alert(1)</script>",
                 "has characters a URL cannot hold ('<' '>'); percent-encode them", id="data-url"),
    pytest.param("data:text/html;base64,PHNjcmlwdD4=", "must start with https:// (not data:)", id="data-url-base64"),
    pytest.param("ftp://bulletin.example.org", "must start with https:// (not ftp:)", id="ftp"),
    pytest.param("//evil.example/", "must start with https://", id="scheme-relative"),
    pytest.param("bulletin.example.org", "must start with https://", id="no-scheme"),
    pytest.param("https://", "has no host name, such as https://bulletin.example.org", id="no-host"),
    pytest.param("https://[::1", "is not a valid URL (Invalid IPv6 URL)", id="bad-ipv6"),
    pytest.param("https://bulletin.example.org:99999/", "is not a valid URL (Port out of range 0-65535)", id="bad-port"),
    pytest.param("https://bulletin.example.org/a b", "has characters a URL cannot hold (' '); percent-encode them", id="space"),
    pytest.param("https://evil.example\\@bulletin.example.org/",
                 "has characters a URL cannot hold ('\\\\'); percent-encode them", id="backslash"),
    pytest.param("https://bulletin.example.org@evil.example/",
                 "has a user name or password in it; put no credentials in a URL", id="at-sign-host"),
    pytest.param("https://gоv.uk/", "has non-ASCII characters; percent-encode them (and write the domain in its xn-- form)",
                 id="homograph"),
    pytest.param("https://bulletin.example.org/\u202egpj.exe",
                 "has non-ASCII characters; percent-encode them (and write the domain in its xn-- form)", id="bidi"),
    pytest.param("http://192.0.2.1/", "must start with https:// (plain http:// is only for localhost)", id="http-ip"),
    pytest.param("https://under_score.example.org/", "has the host 'under_score.example.org', which is not a domain name",
                 id="bad-host"),
]


@pytest.mark.parametrize(("url", "why"), BAD_SITE)
def test_bad_base_url_is_refused(tmp_path: Path, url: str, why: str) -> None:
    path = write(tmp_path, f"# the web archive\n[site]\nbase_url = '{url}'\n")
    shown = repr(url).replace("\u202e", "\\u202e")
    assert refused(path) == f"{path}:3: [site] base_url {why}: {shown}"


# --- whole files ---------------------------------------------------------------------------------


def test_every_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "[site]\n"
        "base_url = 'javascript:alert(1)'\n"
        "\n"
        "[sending]\n"
        'from = "Team <team@example.org>\\r\\nBcc: x@example.net"\n'
        "list_id = 'soc.example.org'\n"
        "unsubscribe_base_url = 'http://bulletin.example.org/u'\n"
        "stale_after_days = 0\n"
        "colour = 'red'\n"
        "[smtp]\n"
        "host = 'x'\n"
    ))
    assert refused(path).splitlines() == [
        f"{path}:2: [site] base_url must start with https:// (not javascript:): 'javascript:alert(1)'",
        f"{path}:5: [sending] from holds a carriage return (CR); it must be one line with no control characters: "
        "'Team <team@example.org>\\r\\nBcc: x@example.net'",
        f"{path}:7: [sending] unsubscribe_base_url must start with https:// (plain http:// is only for localhost): "
        "'http://bulletin.example.org/u'",
        f"{path}:8: [sending] stale_after_days must be from 1 to 3650 (days), not 0",
        f"{path}:9: [sending] unknown setting 'colour'; (allowed: check_domain, daily_limit, dkim_key, dkim_selector, domains, envelope_sender, from, ledger, list_id, "
        "nameservers, outbox, segments, soft_bounce_days, soft_bounce_limit, stale_after_days, subscribers, suppressed, unsubscribe_base_url)",
        f"{path}:10: unknown section [smtp] (allowed: [site], [sending], [render], [ledger], [service], [privacy])",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(codecs.BOM_UTF16_LE + "[sending]\nfrom = 'team@example.org'\n".encode("utf-16-le"),
                     ":1: the settings file is UTF-16; save it as UTF-8", id="utf16-bom"),
        pytest.param("[sending]\nfrom = 'team@example.org'\n".encode("utf-16-be"),
                     ":1: the settings file is UTF-16; save it as UTF-8", id="utf16-be-no-bom"),
        pytest.param("[sending]\n# Équipe\nfrom = 'team@example.org'\n".encode("latin-1"),
                     ":2: the settings file is not UTF-8 (byte 0xc9); save it as UTF-8", id="latin-1"),
        pytest.param(bytes(range(128, 256)) * 4, ":1: the settings file is not UTF-8 (byte 0x80); save it as UTF-8", id="binary"),
        pytest.param(b"[sending\nfrom = 'x'\n", ":1: TOML syntax error: Expected ']' at the end of a table declaration",
                     id="toml-syntax"),
        pytest.param(b"[sending]\nfrom = 'a@example.org'\nfrom = 'b@example.org'\n",
                     ":3: TOML syntax error: Cannot overwrite a value", id="toml-duplicate-key"),
        pytest.param(b"[sending]\n[sending]\n", ":2: TOML syntax error: Cannot declare ('sending',) twice", id="toml-duplicate-table"),
        pytest.param(b"[sending]\nfrom = \"a\x1b[2Jb\"\n", ":2: TOML syntax error: Illegal character '\\x1b'", id="toml-raw-escape"),
        pytest.param(b"[sending]\nfrom = '''team@example.org\n'''\n",
                     ":2: [sending] from holds a line feed (LF); it must be one line with no control characters: "
                     "'team@example.org\\n'", id="multiline-string"),
        pytest.param(b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", ": TOML nested too deeply", id="deep-nesting"),
        pytest.param(b"site = 'https://bulletin.example.org'\n",
                     ":1: [site] must be a table (a [site] header followed by keys), not text", id="section-not-table"),
        pytest.param(b"[sending.from]\nname = 'x'\n", ":1: [sending] from must be text in quotes, not a table", id="key-as-table"),
        pytest.param(b"[[sending]]\nfrom = 'team@example.org'\n",
                     ":1: [sending] must be a table (a [sending] header followed by keys), not a list", id="array-of-tables"),
        pytest.param(b"[sending]\nfrom = '" + b"a" * (1024 * 1024) + b"@example.org'\n",
                     ": the settings file is over 1024 KiB; is it the right file?", id="huge-file"),
    ],
)
def test_broken_files_are_one_clear_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = write(tmp_path, data)
    assert refused(path) == f"{path}{message}"


def test_unreadable_paths(tmp_path: Path) -> None:
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "file").write_text("x")
    for path, why in [
        (tmp_path / "missing.toml", "No such file or directory"),
        (tmp_path / "folder.toml", "Is a directory"),
        (tmp_path / "file" / "soc-bulletin.toml", "Not a directory"),
    ]:
        assert refused(path) == f"cannot read the settings file {path}: {why}"


# --- what is accepted ----------------------------------------------------------------------------


def test_valid_settings_load_with_every_value(tmp_path: Path) -> None:
    path = write(tmp_path, codecs.BOM_UTF8 + (
        b"[site]\n"
        b'base_url = "https://bulletin.example.org/archive"\n'
        b"[sending]\n"
        b'from = "\\"Smith, Jo\\" <Jo.Smith@Example.ORG>"\n'
        b'envelope_sender = "bounces@example.org"\n'
        b'list_id = "soc-partnerships.example.org"\n'
        b'unsubscribe_base_url = "http://localhost:8000/unsubscribe?list=soc"\n'
        b'suppressed = "lists/suppressed.csv"\n'
        b'segments = "lists/segments.yaml"\n'
        b'dkim_selector = "bulletin.2024"\n'
        b'dkim_key = "/etc/soc-bulletin/dkim.pem"\n'
        b"stale_after_days = 30\n"
    ))
    assert load_settings(path) == Settings(
        site=SiteSettings("https://bulletin.example.org/archive"),
        sending=SendingSettings(
            from_='"Smith, Jo" <Jo.Smith@Example.ORG>', envelope_sender="bounces@example.org",
            list_id="soc-partnerships.example.org", unsubscribe_base_url="http://localhost:8000/unsubscribe?list=soc",
            suppressed="lists/suppressed.csv", segments="lists/segments.yaml", dkim_selector="bulletin.2024",
            dkim_key="/etc/soc-bulletin/dkim.pem", stale_after_days=30,
        ),
        path=path,
        root=tmp_path,
    )


def test_dotted_keys_and_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, 'sending.from = "team@example.org"\nsite.base_url = "http://127.0.0.1:8000"\n')
    settings = load_settings(path)
    assert (settings.sending.from_, settings.site.base_url, settings.sending.stale_after_days) == (
        "team@example.org", "http://127.0.0.1:8000", 7)
    bad = write(tmp_path, 'sending.from = "a@example.org, b@example.org"\n', "bad.toml")
    assert refused(bad) == (f"{bad}:1: [sending] from must be exactly one address, such as 'Team <team@example.org>': "
                            "'a@example.org, b@example.org'")


def test_the_repository_settings_load() -> None:
    settings = load_settings(REPO / "soc-bulletin.toml")
    assert settings.sending.list_id == "soc-partnerships.example.org"
    assert settings.sending.stale_after_days == 7


# --- through the command line: exit 2, one line each, nothing written -----------------------------


def test_archive_refuses_a_javascript_base_url_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, "[site]\nbase_url = 'javascript:alert(1)'\n")
    site = tmp_path / "site"
    assert main(["archive", str(example_issues(tmp_path)), "-o", str(site), "--config", str(config)]) == 2
    assert capsys.readouterr().err == (
        f"soc-bulletin: error: {config}:2: [site] base_url must start with https:// (not javascript:): 'javascript:alert(1)'\n"
    )
    assert not site.exists()


def test_archive_refuses_a_utf16_settings_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, "[site]\nbase_url = 'https://bulletin.example.org'\n".encode("utf-16"))
    site = tmp_path / "site"
    assert main(["archive", str(example_issues(tmp_path)), "-o", str(site), "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"soc-bulletin: error: {config}:1: the settings file is UTF-16; save it as UTF-8\n"
    assert "Traceback" not in captured.out + captured.err and not site.exists()


def test_several_problems_are_several_error_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, "[site]\nbase_url = 'http://example.org'\n[sending]\nlist_id = 'x y'\n")
    assert main(["archive", str(example_issues(tmp_path)), "-o", str(tmp_path / "site"), "--config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"soc-bulletin: error: {config}:2: [site] base_url must start with https:// (plain http:// is only for localhost): "
        "'http://example.org'",
        f"soc-bulletin: error: {config}:4: [sending] list_id must be a list id such as 'soc-partnerships.example.org' "
        "(letters, digits, - and dots; no spaces or <>): 'x y'",
    ]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('from = "SOC <team@example.org>\\r\\nBcc: all@example.net"', id="from-crlf"),
        pytest.param('envelope_sender = "bounces@example.org\\r\\nBcc: all@example.net"', id="envelope-crlf"),
        pytest.param('unsubscribe_base_url = "https://bulletin.example.org/u\\r\\nBcc: all@example.net"', id="unsubscribe-crlf"),
    ],
)
def test_send_refuses_header_injection_in_settings_and_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], body: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", "a-long-test-secret-value")
    (tmp_path / "list.csv").write_text("email,name\njo@example.net,Jo\n")
    config = write(tmp_path, f"[sending]\n{body}\n")
    code = main(["send", str(ISSUE_11), "--subscribers", "list.csv", "--config", str(config), "--outbox", "out", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"soc-bulletin: error: {config.relative_to(tmp_path)}:2: [sending] ")  # paths relative to the working folder
    assert "holds a carriage return (CR)" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / ".ledger").exists()
