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
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["DEFAULT_CONFIG", "SendingSettings", "Settings", "SiteSettings", "env_flag", "load_settings"]

DEFAULT_CONFIG = Path("soc-bulletin.toml")


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


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings; every field has a working default."""

    site: SiteSettings = field(default_factory=SiteSettings)
    sending: SendingSettings = field(default_factory=SendingSettings)
    path: Path | None = None


def _table(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table")
    names = {f.name.rstrip("_"): f.name for f in fields(cls)}
    values = {}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(f"{where}: unknown setting '{key}' (allowed: {', '.join(sorted(names))})")
        if not isinstance(value, str):
            raise ConfigError(f"{where}: '{key}' must be a string")
        values[names[key]] = value
    return cls(**values)


def load_settings(path: str | Path | None = None, /) -> Settings:
    """Read settings from ``path``, or from ./soc-bulletin.toml when it exists, else defaults."""
    if path is None:
        if not DEFAULT_CONFIG.is_file():
            return Settings()
        path = DEFAULT_CONFIG
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    unknown = set(data) - {"site", "sending"}
    if unknown:
        raise ConfigError(f"{path}: unknown section [{sorted(unknown)[0]}] (allowed: [site], [sending])")
    return Settings(
        site=_table(SiteSettings, data.get("site", {}), f"{path} [site]"),
        sending=_table(SendingSettings, data.get("sending", {}), f"{path} [sending]"),
        path=path,
    )


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
    raise ConfigError(f"environment variable {name}={raw!r} is not a boolean (use 1 or 0)")
