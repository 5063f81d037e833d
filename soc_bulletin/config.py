"""Project settings from ``soc-bulletin.toml`` (all optional), and secrets from the environment.

Settings that are not secret live in the TOML file, committed with the
project; passwords and keys come only from environment variables.

.. code-block:: toml

    [site]
    base_url = "https://bulletin.example.org"     # web archive: "view in browser" links

    [sending]
    from = "SOC Partnerships <SCOC.localpartnerships@homeoffice.gov.uk>"
    envelope_sender = "bounces@example.org"        # Return-Path; default: the From address
    list_id = "soc-partnerships.example.org"
    unsubscribe_base_url = "https://bulletin.example.org/unsubscribe"   # enables one-click unsubscribe
    suppressed = "subscribers/suppressed.csv"
    segments = "subscribers/segments.yaml"
    dkim_selector = "bulletin"
    dkim_key = "/etc/soc-bulletin/dkim.pem"
    stale_after_days = 7                           # a send older than this is refused

The file is validated when it is loaded: every problem is reported at once,
one line each as ``file:line: message``, in a single :class:`ConfigError`.
Addresses are parsed strictly (one address, no control characters, valid for
email-validator offline), URLs must be ``https:`` (``http:`` only for
localhost) without credentials, ``list_id`` is an RFC 2919 list id and
``dkim_selector`` DNS labels; the file must be UTF-8.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from .errors import ConfigError
from .terminal import printable

__all__ = [
    "DEFAULT_CONFIG",
    "SendingSettings",
    "Settings",
    "SiteSettings",
    "check_list_id",
    "check_url",
    "env_flag",
    "load_settings",
    "parse_mailbox",
]

DEFAULT_CONFIG = Path("soc-bulletin.toml")

#: a settings file larger than this is not a settings file (and ``/dev/zero`` must not hang)
MAX_FILE_BYTES = 1024 * 1024
MAX_URL = 500  # the unsubscribe URL goes into a header line of at most 998 octets with the token
MAX_PATH = 4096
MAX_NAME = 200
MAX_STALE_DAYS = 3650

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
# RFC 2919's list-label "." list-id-namespace is a dot-atom; this is the safe part of it that real ids use
_LIST_ID = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """Where the web archive is published."""

    base_url: str = ""


@dataclass(frozen=True, slots=True)
class SendingSettings:
    """Addresses and files the sender uses."""

    from_: str = ""
    envelope_sender: str = ""
    list_id: str = ""
    unsubscribe_base_url: str = ""
    suppressed: str = "subscribers/suppressed.csv"
    segments: str = "subscribers/segments.yaml"
    dkim_selector: str = ""
    dkim_key: str = ""
    stale_after_days: int = 7


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings; every field has a working default."""

    site: SiteSettings = field(default_factory=SiteSettings)
    sending: SendingSettings = field(default_factory=SendingSettings)
    path: Path | None = None


# --- value checks, shared with the message builder ---------------------------------------------


def _shown(value: str, limit: int = 60) -> str:
    """A value quoted for an error message: printable and cut short."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return printable(repr(text))


def _control(value: str) -> str | None:
    found = _CONTROL.search(value)
    if found is None:
        return None
    what = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", "\t": "a tab"}.get(found[0], f"the control character {printable(found[0])}")
    return f"holds {what}; it must be one line with no control characters"


def _address(value: str) -> tuple[str | None, str | None]:
    """``(normalised address, None)`` or ``(None, why not)`` for a bare ASCII address."""
    if "=?" in value:
        return None, "has '=?' in the address, which mail programs would decode as an encoded-word"
    if not value.isascii():
        return None, "has non-ASCII characters, which SMTP without SMTPUTF8 cannot carry (write the domain in its xn-- form)"
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        return None, f"is not a valid email address: {exc}"
    return checked.normalized, None


def parse_mailbox(value: str, /, *, display_name: bool = True) -> tuple[str, str]:
    """``(display name, address)`` from ``"Name <address>"`` or a bare address; ConfigError if not exactly one.

    The address must be plain ASCII and valid for email-validator (offline);
    the display name may be quoted (``"Smith, Jo" <jo@example.org>``) and
    never holds a control character.
    """
    problem = _control(value)
    if problem:
        raise ConfigError(problem)
    match = re.fullmatch(r"\s*(?:(?P<name>[^<>]*?)\s*<(?P<angle>[^<>]*)>|(?P<bare>[^<>\s]+))\s*", value)
    if match is None:
        raise ConfigError("must be exactly one address, such as 'Team <team@example.org>'")
    name, address = (match["name"] or "").strip(), match["angle"] if match["bare"] is None else match["bare"]
    if name and not display_name:
        raise ConfigError("must be a bare address such as 'bounces@example.org', with no display name")
    if name.startswith('"') and name.endswith('"') and len(name) >= 2:
        inner = name[1:-1]
        if re.search(r'(?<!\\)(?:\\\\)*"', inner):
            raise ConfigError("has a quote inside the quoted display name; write it as \\\"")
        name = re.sub(r"\\(.)", r"\1", inner)
    elif re.search(r'[",;:@()\[\]\\]', name):
        raise ConfigError("has a display name with , ; : @ ( ) [ ] \\ or \" in it; put the name in double quotes")
    if len(name) > MAX_NAME:
        raise ConfigError(f"has a display name of {len(name)} characters; at most {MAX_NAME}")
    normalised, why = _address(address.strip())
    if normalised is None:
        raise ConfigError(f"{why}")
    return name, normalised


def check_url(value: str, /) -> str | None:
    """Why ``value`` is not a safe URL to publish (``https:``, or ``http:`` on localhost), or None."""
    problem = _control(value)
    if problem:
        return problem
    if len(value) > MAX_URL:
        return f"is {len(value)} characters long; at most {MAX_URL}"
    if not value.isascii():
        return "has non-ASCII characters; percent-encode them (and write the domain in its xn-- form)"
    if not _URL_CHARS.fullmatch(value):
        bad = sorted({c for c in value if not _URL_CHARS.fullmatch(c)})
        return f"has characters a URL cannot hold ({printable(' '.join(repr(c) for c in bad))}); percent-encode them"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme == "http":
        if host not in _LOCAL_HOSTS:
            return "must start with https:// (plain http:// is only for localhost)"
    elif scheme != "https":
        return "must start with https://" + (f" (not {scheme}:)" if scheme else "")
    if not host:
        return "has no host name, such as https://bulletin.example.org"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "has a user name or password in it; put no credentials in a URL"
    if parts.fragment or value.endswith("#"):
        return "has a #fragment; leave it out"
    if host not in _LOCAL_HOSTS and not (_DNS_NAME.fullmatch(host) and "." in host):
        return f"has the host {_shown(host)}, which is not a domain name"
    return None


def check_list_id(value: str, /) -> str | None:
    """Why ``value`` is not an RFC 2919 list id (``list-label.namespace``), or None."""
    problem = _control(value)
    if problem:
        return problem
    if len(value) > 255:
        return f"is {len(value)} characters long; at most 255"
    if not _LIST_ID.fullmatch(value):
        return "must be a list id such as 'soc-partnerships.example.org' (letters, digits, - and dots; no spaces or <>)"
    return None


# --- reading the file --------------------------------------------------------------------------


class _Lines:
    """The line of each table and key in the TOML text, found by scanning (tomllib gives no positions)."""

    _TABLE = re.compile(r"""\s*\[\[?(?P<name>[^\[\]#]+)\]""")
    _KEY = re.compile(r"""\s*(?P<key>(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z0-9_-]+))*)\s*=""")

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple[str, ...], int] = {}
        self.keys: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), 1):
            if found := self._TABLE.match(line):
                table = self._path(found["name"])
                self.tables.setdefault(table, number)
            elif found := self._KEY.match(line):
                key = table + self._path(found["key"])
                for end in range(len(table) + 1, len(key) + 1):  # sending.from = ... at the top also places [sending]
                    self.keys.setdefault(key[:end], number)

    @staticmethod
    def _path(text: str) -> tuple[str, ...]:
        """A TOML key as its parts, quotes and escapes resolved by tomllib itself."""
        try:
            node: Any = tomllib.loads(f"{text} = 0")
        except (tomllib.TOMLDecodeError, RecursionError):
            return (text.strip(),)
        parts: list[str] = []
        while isinstance(node, dict) and len(node) == 1:
            key, node = next(iter(node.items()))
            parts.append(key)
        return tuple(parts)

    def of(self, *path: str) -> int:
        """The line where ``path`` (a table, or a key in a table) is written, or 0 when not found."""
        for end in range(len(path), 0, -1):
            line = self.keys.get(path[:end]) or self.tables.get(path[:end])
            if line:
                return line
        return 0


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.lines.append((line, message))

    def raise_if_any(self) -> None:
        if self.lines:
            where = printable(str(self.path))
            raise ConfigError("\n".join(f"{where}:{line}: {message}" if line else f"{where}: {message}" for line, message in sorted(self.lines)))


_TYPE_NAMES = {bool: "true or false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a table"}


def _type_name(value: object) -> str:
    return next((name for kind, name in _TYPE_NAMES.items() if isinstance(value, kind)), "a date or time")


def _read_text(path: Path) -> str:
    """The file as text; ConfigError when it cannot be read, is too big or is not UTF-8."""
    shown = printable(str(path))
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the settings file {shown}: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{shown}: the settings file is over {MAX_FILE_BYTES // 1024} KiB; is it the right file?")
    head = data[:64]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or max(head[0::2].count(0), head[1::2].count(0)) * 4 > len(head) > 0:
        raise ConfigError(f"{shown}:1: the settings file is UTF-16; save it as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{shown}:{line}: the settings file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8") from exc


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
        line = found[1] if found else str(text.count("\n") + 1) if "end of document" in message else ""
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", message)
        where = printable(str(path)) + (f":{line}" if line else "")
        raise ConfigError(f"{where}: TOML syntax error: {printable(message)}") from exc
    except RecursionError as exc:  # thousands of nested arrays
        raise ConfigError(f"{printable(str(path))}: TOML nested too deeply") from exc


def load_settings(path: str | Path | None = None, /) -> Settings:
    """Read settings from ``path``, or from ./soc-bulletin.toml when it exists, else defaults.

    Raises one ConfigError listing every problem, one ``file:line: message`` per line.
    """
    if path is None:
        if not DEFAULT_CONFIG.is_file():
            return Settings()
        path = DEFAULT_CONFIG
    path = Path(path)
    text = _read_text(path)
    data = _parse(text, path)
    lines = _Lines(text)
    problems = _Problems(path)
    for name in data:
        if name not in ("site", "sending"):
            problems.add(lines.of(name), f"unknown section [{printable(name)}] (allowed: [site], [sending])")
    site = _table(SiteSettings, data.get("site", {}), "site", lines, problems)
    sending = _table(SendingSettings, data.get("sending", {}), "sending", lines, problems)
    raw = data.get("sending")
    if isinstance(raw, dict) and bool(raw.get("dkim_selector")) != bool(raw.get("dkim_key")):
        given, missing = ("dkim_selector", "dkim_key") if raw.get("dkim_selector") else ("dkim_key", "dkim_selector")
        problems.add(lines.of("sending", given), f"[sending] DKIM signing needs both dkim_selector and dkim_key; {missing} is missing")
    problems.raise_if_any()
    assert isinstance(site, SiteSettings) and isinstance(sending, SendingSettings)
    return Settings(site=site, sending=sending, path=path)


def _table(cls: type, data: Any, section: str, lines: _Lines, problems: _Problems) -> object:
    if not isinstance(data, dict):
        problems.add(lines.of(section), f"[{section}] must be a table (a [{section}] header followed by keys), not {_type_name(data)}")
        return None
    names = {f.name.rstrip("_"): f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = lines.of(section, key)
        where = f"[{section}] {printable(key)}"
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.add(line, f"[{section}] unknown setting '{printable(key)}'; {hint}(allowed: {', '.join(sorted(names))})")
            continue
        spec = names[key]
        if spec.type == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                problems.add(line, f"{where} must be a whole number of days, not {_type_name(value)}")
            elif not 1 <= value <= MAX_STALE_DAYS:
                problems.add(line, f"{where} must be from 1 to {MAX_STALE_DAYS} (days), not {value}")
            else:
                values[spec.name] = value
            continue
        if not isinstance(value, str):
            problems.add(line, f"{where} must be text in quotes, not {_type_name(value)}")
            continue
        why = _check_value(key, value)
        if why:
            problems.add(line, f"{where} {why}: {_shown(value)}")
            continue
        values[spec.name] = value
    return cls(**values)


def _check_value(key: str, value: str) -> str | None:
    """Why the string setting ``key`` cannot be ``value``, or None."""
    if key in ("suppressed", "segments"):
        if not value.strip():
            return "is empty; leave the key out for the default"
        return _control(value) or (f"is {len(value)} characters long; at most {MAX_PATH}" if len(value) > MAX_PATH else None)
    if not value:
        return None  # the other settings are optional: empty means not set
    if key == "from":
        try:
            parse_mailbox(value)
        except ConfigError as exc:
            return str(exc)
        return None
    if key == "envelope_sender":
        try:
            parse_mailbox(value, display_name=False)
        except ConfigError as exc:
            return str(exc)
        return None
    if key in ("base_url", "unsubscribe_base_url"):
        return check_url(value)
    if key == "list_id":
        return check_list_id(value)
    if key == "dkim_selector":
        problem = _control(value)
        if problem:
            return problem
        if len(value) > 253 or not _DNS_NAME.fullmatch(value):
            return "must be a DNS label such as 'bulletin' (letters, digits and -, at most 63 each, dots between labels)"
        return None
    if key == "dkim_key":
        return _control(value) or (f"is {len(value)} characters long; at most {MAX_PATH}" if len(value) > MAX_PATH else None)
    return None


def env_flag(name: str, /, default: bool = False) -> bool:
    """A boolean environment variable: 1/true/yes/on or 0/false/no/off (``"0"`` is false)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"environment variable {name}={printable(repr(raw))} is not a boolean (use 1 or 0)")
