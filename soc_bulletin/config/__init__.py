"""Settings: the project's ``soc-bulletin.toml``, found from anywhere, and the environment's secrets."""

from .._public import publish as _publish
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

_publish(globals())
