"""Settings: the project's ``soc-bulletin.toml``, found from anywhere, and the environment's secrets."""

import typing as _typing

from .._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from .environment import Environment
    from .settings import (
        CONFIG_NAME,
        LedgerSettings,
        RenderSettings,
        SendingSettings,
        ServiceSettings,
        Settings,
        SiteSettings,
        find_settings,
        load_settings,
    )
    from .values import check_list_id, check_url, parse_mailbox

__all__ = [
    "CONFIG_NAME",
    "Environment",
    "LedgerSettings",
    "RenderSettings",
    "SendingSettings",
    "ServiceSettings",
    "Settings",
    "SiteSettings",
    "check_list_id",
    "check_url",
    "find_settings",
    "load_settings",
    "parse_mailbox",
]

__getattr__, __dir__ = _lazy_exports(__name__, {
    "CONFIG_NAME": ".settings",
    "Environment": ".environment",
    "LedgerSettings": ".settings",
    "RenderSettings": ".settings",
    "SendingSettings": ".settings",
    "ServiceSettings": ".settings",
    "Settings": ".settings",
    "SiteSettings": ".settings",
    "check_list_id": ".values",
    "check_url": ".values",
    "find_settings": ".settings",
    "load_settings": ".settings",
    "parse_mailbox": ".values",
})
