"""The one settings object: ``soc-bulletin.toml`` found from anywhere, and secrets from the environment.

The settings file marks the project's root: it is found by walking up from the
issue folder (or the working directory), as ruff and pytest find theirs, and
every relative path in it (layouts, lists, segments, suppression, ledger,
outbox) resolves against that root. Settings that are not secret live in the
file, committed with the project; the SMTP login and the unsubscribe key come
only from environment variables, read in :mod:`.environment` and nowhere else.

The tables are ``[site]``, ``[render]``, ``[sending]`` (with ``[sending.domains]``), ``[ledger]``, ``[service]``
and ``[privacy]``: one dataclass each below, every field a key with its default; README.md lists them all, and the
project's own ``soc-bulletin.toml`` is an example.

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
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..terminal import printable
from .domains import MAX_DAILY, DomainLimit, domain_limits
from .environment import Environment
from .privacy import PrivacySettings, evidence_problem
from .values import MAX_STALE_DAYS, check_setting, hide_password, shown

__all__ = [
    "CONFIG_NAME", "Environment", "LedgerSettings", "RenderSettings", "SendingSettings", "ServiceSettings", "Settings", "SiteSettings", "find_settings",
    "load_settings",
]

CONFIG_NAME = "soc-bulletin.toml"
#: a settings file larger than this is not a settings file (and ``/dev/zero`` must not hang)
MAX_FILE_BYTES = 1024 * 1024

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
    subscribers: str = "subscribers/example.csv"
    ledger: str = ".ledger"
    outbox: str = "outbox"
    check_domain: bool = False
    nameservers: str = ""
    soft_bounce_limit: int = 3
    soft_bounce_days: int = 30
    daily_limit: int = 0  # messages in any 24 hours, for every sender of the store; 0: no limit
    domains: dict[str, DomainLimit] = field(default_factory=dict)  # [sending.domains]


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    """A ledger shared by several senders: a PostgreSQL URL without a password; empty means the SQLite file per issue."""

    url: str = ""


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """The subscribers' service (sign-up, preferences, unsubscribe): its public address, when not the folder of
    ``[sending] unsubscribe_base_url``."""

    base_url: str = ""
    #: the address the accessibility statement gives for reporting a problem (default: ``[sending] from``'s)
    contact: str = ""


@dataclass(frozen=True, slots=True)
class RenderSettings:
    """Where the layouts are; empty means the layouts shipped inside the package."""

    layouts: str = ""
    toc: bool = True


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings; every field has a working default. ``root`` is the project's folder."""

    site: SiteSettings = field(default_factory=SiteSettings)
    sending: SendingSettings = field(default_factory=SendingSettings)
    render: RenderSettings = field(default_factory=RenderSettings)
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    env: Environment = field(default_factory=Environment.read)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)

    def resolve(self, value: str | Path, /) -> Path:
        """A path from the settings, relative to the project's root unless absolute."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.root / path

    @property
    def service_url(self) -> str:
        """The service's public address without a final slash: ``[service] base_url``, else the folder of the
        unsubscribe link's (``https://x.org/bulletin/unsubscribe`` -> ``https://x.org/bulletin``); "" without either."""
        chosen = self.service.base_url or self.sending.unsubscribe_base_url.partition("?")[0].rpartition("/")[0]
        return chosen.rstrip("/") if "//" in chosen else ""

    @property
    def layouts(self) -> Path | None:
        """The configured layouts folder, or None for the package's own."""
        return self.resolve(self.render.layouts) if self.render.layouts else None


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


def find_settings(*starts: str | Path) -> Path | None:
    """The nearest ``soc-bulletin.toml`` in each start folder or its parents, in order; None if none."""
    for start in starts:
        folder = Path(start).resolve()
        for candidate in (folder, *folder.parents):
            found = candidate / CONFIG_NAME
            if found.is_file():
                return found
    return None


def load_settings(path: str | Path | None = None, /, *, start: str | Path | None = None) -> Settings:
    """Read ``path``; or the settings found from ``start`` (an issue folder), then from the working directory.

    Without a settings file, the defaults with the working directory as root.
    Raises one ConfigError listing every problem, one ``file:line: message`` per line.
    """
    if path is None:
        path = find_settings(*([start] if start is not None else []), Path.cwd())
        if path is None:
            return Settings()
    path = Path(path)
    text = _read_text(path)
    data = _parse(text, path)
    lines = _Lines(text)
    problems = _Problems(path)
    sections = {"site": SiteSettings, "sending": SendingSettings, "render": RenderSettings, "ledger": LedgerSettings,
                "service": ServiceSettings, "privacy": PrivacySettings}
    for name in data:
        if name not in sections:
            problems.add(lines.of(name), f"unknown section [{printable(name)}] (allowed: {', '.join(f'[{n}]' for n in sections)})")
    tables = {name: _table(cls, data.get(name, {}), name, lines, problems) for name, cls in sections.items()}
    raw = data.get("sending")
    if isinstance(raw, dict) and bool(raw.get("dkim_selector")) != bool(raw.get("dkim_key")):
        given, missing = ("dkim_selector", "dkim_key") if raw.get("dkim_selector") else ("dkim_key", "dkim_selector")
        problems.add(lines.of("sending", given), f"[sending] DKIM signing needs both dkim_selector and dkim_key; {missing} is missing")
    problems.lines += evidence_problem(tables["privacy"], getattr(tables["sending"], "soft_bounce_days", 0), lines.of)
    problems.raise_if_any()
    site, sending, render, ledger = tables["site"], tables["sending"], tables["render"], tables["ledger"]
    service = tables["service"]
    assert isinstance(site, SiteSettings) and isinstance(sending, SendingSettings) and isinstance(render, RenderSettings)
    assert isinstance(ledger, LedgerSettings) and isinstance(service, ServiceSettings) and isinstance(tables["privacy"], PrivacySettings)
    return Settings(site=site, sending=sending, render=render, ledger=ledger, service=service, privacy=tables["privacy"],
                    path=path, root=path.resolve().parent)


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
        if (section, key) == ("sending", "domains"):  # daily_limit and [sending.domains]: config/domains.py
            values[spec.name] = domain_limits(value, lambda domain, message: problems.add(lines.of(section, "domains", domain), message))
            continue
        problem, parsed = _value(spec.type, key, value, where)
        if problem:
            problems.add(line, problem)
        if parsed is not _UNSET:
            values[spec.name] = parsed
    return cls(**values)


#: a setting's value left out of its table (the default stands)
_UNSET = object()


def _value(kind: object, key: str, value: Any, where: str) -> tuple[str, Any]:
    """The problem with a setting's value ("" when none) and the value to keep (``_UNSET``: none)."""
    if kind == "bool":
        return "" if isinstance(value, bool) else f"{where} must be true or false, not {_type_name(value)}", value is True
    if kind == "int":
        most, unit = {"soft_bounce_limit": (100, "bounces"), "daily_limit": (MAX_DAILY, "messages")}.get(key, (MAX_STALE_DAYS, "days"))
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{where} must be a whole number of {unit}, not {_type_name(value)}", _UNSET
        if not 1 <= value <= most:
            return f"{where} must be from 1 to {most} ({unit}), not {value}", _UNSET
        return "", value
    if not isinstance(value, str):
        return f"{where} must be text in quotes, not {_type_name(value)}", _UNSET
    why = check_setting(key, value)
    return (f"{where} {why}: {shown(hide_password(value))}", _UNSET) if why else ("", value)
