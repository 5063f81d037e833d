"""Credentials and secrets (issue 21): a login only over TLS, secrets checked at start and never printed.

Every secret here has a distinctive value, searched for in reprs, log records,
standard output and standard error.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from soc_bulletin.cli.main import main
from soc_bulletin.config import Environment, load_settings
from soc_bulletin.config.values import check_ledger_url, hide_password
from soc_bulletin.errors import ConfigError
from soc_bulletin.send.transports import SMTPSettings

from .smtp import FaultyController, RecordingHandler, authenticator
from .test_send import send, write_list

SMTP_PASSWORD = "smtp-pw-Q7xK2"
UNSUBSCRIBE_SECRET = "unsub-current-Z9wV4-long"
PREVIOUS_SECRET = "unsub-previous-M3pL8-long"
IMAP_PASSWORD = "imap-pw-R5tY1"
DB_PASSWORD = "db-pw-H8jN6"
SECRETS = (SMTP_PASSWORD, UNSUBSCRIBE_SECRET, PREVIOUS_SECRET, IMAP_PASSWORD, DB_PASSWORD)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOC_BULLETIN_SMTP_USER", "user")
    monkeypatch.setenv("SOC_BULLETIN_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", UNSUBSCRIBE_SECRET)
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS", PREVIOUS_SECRET)
    monkeypatch.setenv("SOC_BULLETIN_IMAP_PASSWORD", IMAP_PASSWORD)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} shown in: {text}"


# --- a login only over TLS --------------------------------------------------------------------


@pytest.fixture
def plain_auth_server() -> Iterator[FaultyController]:
    """Offers AUTH on a connection without TLS (and no STARTTLS), as a relay on localhost or an attacker in between may."""
    controller = FaultyController(RecordingHandler(), authenticator=authenticator("user", SMTP_PASSWORD), auth_require_tls=False)
    controller.start()
    yield controller
    controller.stop()


def test_a_login_without_tls_is_refused_before_auth(workdir: Path, plain_auth_server: FaultyController, secrets: None,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 3)
    faults = plain_auth_server.recorder.faults
    before = faults.connections  # the controller's own check that the server is up
    assert send(workdir, "--smtp", plain_auth_server.url) == 2
    out, err = capsys.readouterr()
    [error] = [line for line in err.splitlines() if not line.endswith("(warning)")]  # one line (after the issue's warnings)
    assert error.startswith(f"soc-bulletin: error: the connection to the SMTP server 127.0.0.1:{plain_auth_server.port} is not "
                          "encrypted (it offers no STARTTLS), so the login would go in clear text: refused before sending it"), err
    assert "--allow-plaintext-login" in error
    assert faults.connections == before + 1 and faults.auth_commands == 0, "connected, and the server never saw AUTH"
    assert plain_auth_server.recorder.received == []
    assert not (workdir / "ledger").exists(), "refused before anyone was claimed"
    assert send(workdir, "--smtp", plain_auth_server.url, "--test-to", "editor@example.org") == 2  # a proof too
    assert faults.auth_commands == 0
    assert_no_secret(out, err, capsys.readouterr().err)

    assert send(workdir, "--smtp", plain_auth_server.url, "--allow-plaintext-login") == 0  # a relay on this host: said explicitly
    assert faults.auth_commands >= 1
    assert len(plain_auth_server.recorder.received) == 3


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
def test_a_login_over_tls_goes_ahead(workdir: Path, tmp_path: Path, secrets: None, implicit: bool) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls = {"ssl_context": context, "auth_require_tls": False} if implicit else {"tls_context": context}
    controller = FaultyController(RecordingHandler(), authenticator=authenticator("user", SMTP_PASSWORD), **tls)
    controller.start()
    try:
        write_list(workdir / "list.csv", 2)
        url = controller.url.replace("smtp://", "smtps://") if implicit else controller.url
        assert send(workdir, "--smtp", url, "--cafile", str(ca_file)) == 0  # the default: STARTTLS when offered
        assert controller.recorder.faults.auth_commands >= 1
        assert len(controller.recorder.received) == 2
    finally:
        controller.stop()


# --- secrets never printed --------------------------------------------------------------------


def test_reprs_show_no_secret(workdir: Path, secrets: None) -> None:
    settings = load_settings()
    smtp = SMTPSettings.from_url("smtp://relay.example.org", username="user", password=SMTP_PASSWORD)
    for shown in (repr(settings), str(settings), repr(settings.env), repr(Environment.read()), repr(smtp), str(smtp)):
        assert_no_secret(shown)
    assert "smtp_user='user'" in repr(settings.env) and "username='user'" in repr(smtp)
    assert (settings.env.smtp_password, settings.env.unsubscribe_secret) == (SMTP_PASSWORD, UNSUBSCRIBE_SECRET)  # still there


@pytest.mark.parametrize("url", [
    f"postgresql://bob:{DB_PASSWORD}@db.example.org/bulletin",
    f"postgresql://bob:{DB_PASSWORD}/x@db.example.org:5432/bulletin",  # a password with a slash in it
    f"postgresql://bob:p@{DB_PASSWORD}@db.example.org/bulletin",  # ... or an @
    f"postgresql://bob@db.example.org/bulletin?sslmode=require&password={DB_PASSWORD}",
])
def test_a_ledger_url_with_a_password_is_refused_without_showing_it(workdir: Path, url: str,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert check_ledger_url(url) == "must not hold a password; set PGPASSWORD or use ~/.pgpass or a libpq service file"
    assert DB_PASSWORD not in hide_password(url) and "***" in hide_password(url)
    write_list(workdir / "list.csv", 2)
    assert main(["status", "issue", "--ledger", url]) == 2
    assert send(workdir, "--ledger", url) == 2
    (workdir / "soc-bulletin.toml").write_text(f'[ledger]\nurl = "{url}"\n', encoding="utf-8")
    assert main(["status", "issue"]) == 2
    out, err = capsys.readouterr()
    assert err.count("soc-bulletin: error:") == 3 and "must not hold a password" in err, err
    assert_no_secret(out, err)


def test_hide_password_keeps_the_rest_of_the_url() -> None:
    assert hide_password(f"postgresql://bob:{DB_PASSWORD}@db.example.org:5432/bulletin?sslmode=require") == (
        "postgresql://bob:***@db.example.org:5432/bulletin?sslmode=require")
    plain = "postgresql://bob@db.example.org/bulletin?sslmode=require"
    assert hide_password(plain) == plain
    assert hide_password("imaps://jo:secret@mail.example.org/INBOX") == "imaps://jo:***@mail.example.org/INBOX"
    assert hide_password("not a url: a:b@c") == "not a url: a:b@c"
    for text in ("https://bulletin.example.org/u\r\nBcc: all@example.net", "https://example.org/path:x@y"):  # an @ in the path
        assert hide_password(text) == text


def test_urls_with_passwords_on_the_command_line_are_not_echoed(workdir: Path, secrets: None,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    write_list(workdir / "list.csv", 2)
    assert main(["bounces", f"imaps://jo:{DB_PASSWORD}@127.0.0.1:1/INBOX"]) == 2
    assert send(workdir, "--smtp", f"smtpx://jo:{DB_PASSWORD}@relay.example.org") == 2
    out, err = capsys.readouterr()
    assert "imaps://jo:***@127.0.0.1:1/INBOX: put no password in the URL" in err
    assert "smtpx://jo:***@relay.example.org" in err
    assert_no_secret(out, err)


def test_verbose_and_debug_runs_log_no_secret(workdir: Path, secrets: None, caplog: pytest.LogCaptureFixture,
                                              capsys: pytest.CaptureFixture[str], plain_auth_server: FaultyController) -> None:
    caplog.set_level(logging.DEBUG)
    write_list(workdir / "list.csv", 2)
    (workdir / "soc-bulletin.toml").write_text(
        '[sending]\nfrom = "Team <team@example.org>"\nlist_id = "soc.example.org"\n'
        'unsubscribe_base_url = "https://bulletin.example.org/unsubscribe"\n', encoding="utf-8")
    assert main(["-v", "--debug", "build", "issue"]) == 0
    assert main(["-v", "--debug", "send", "issue", "--subscribers", "list.csv", "--segments", "segments.yaml", "--dry-run"]) == 0
    assert main(["-v", "--debug", "send", "issue", "--subscribers", "list.csv", "--segments", "segments.yaml",
                 "--smtp", plain_auth_server.url, "--no-progress"]) == 2
    assert main(["-v", "--debug", "status", "issue", "--ledger", f"postgresql://bob:{DB_PASSWORD}@127.0.0.1:1/db"]) == 2
    out, err = capsys.readouterr()
    assert caplog.records, "-v logged something"
    assert_no_secret(caplog.text, out, err, *(repr(r.__dict__) for r in caplog.records))


# --- every secret checked at start ------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [
    ("SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS", "abc"),
    ("SOC_BULLETIN_UNSUBSCRIBE_SECRET", "fifteen-chars15"),
    ("SOC_BULLETIN_UNSUBSCRIBE_SECRET", "x"),
])
def test_a_short_unsubscribe_secret_is_refused_naming_the_variable_not_the_value(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Environment.read({"SOC_BULLETIN_UNSUBSCRIBE_SECRET": "a-long-enough-secret", name: value})
    message = str(caught.value)
    assert message.startswith(f"{name} is shorter than 16 characters;") and "\n" not in message
    assert value not in message


def test_secrets_of_sixteen_characters_or_none_are_accepted() -> None:
    env = Environment.read({"SOC_BULLETIN_UNSUBSCRIBE_SECRET": "s" * 16, "SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS": "p" * 16})
    assert (env.unsubscribe_secret, env.previous_unsubscribe_secret) == ("s" * 16, "p" * 16)
    assert Environment.read({}) == Environment()


@pytest.mark.parametrize("command", [
    ["build", "issue"],
    ["send", "issue", "--subscribers", "list.csv", "--segments", "segments.yaml", "--dry-run"],
    ["status", "issue"],
    ["bounces", "issue"],
])
def test_every_command_that_reads_the_settings_refuses_a_short_previous_secret(
        workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    write_list(workdir / "list.csv", 2)
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", "a-long-test-secret-value")
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS", "abc")
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert err == ("soc-bulletin: error: SOC_BULLETIN_UNSUBSCRIBE_SECRET_PREVIOUS is shorter than 16 characters; set a long random "
                   "value, such as the output of python3 -c 'import secrets; print(secrets.token_urlsafe(32))'\n")
    assert not (workdir / "ledger").exists() and not (workdir / "build").exists()
