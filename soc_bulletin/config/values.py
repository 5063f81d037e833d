"""Checks of single setting values, shared by the settings file and the message builder.

Addresses are parsed strictly (one address, no control characters, valid for
email-validator offline), URLs must be ``https:`` (``http:`` only for
localhost) without credentials, ``list_id`` is an RFC 2919 list id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import SplitResult, parse_qsl, urlsplit

from ..errors import ConfigError
from ..terminal import printable

__all__ = [
    "check_ledger_url", "check_list_id", "check_nameservers", "check_setting", "check_url", "hide_password", "parse_mailbox", "parse_nameservers",
]

MAX_URL = 500  # the unsubscribe URL goes into a header line of at most 998 octets with the token
MAX_PATH = 4096
MAX_NAME = 200
MAX_STALE_DAYS = 3650

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
# RFC 2919's list-label "." list-id-namespace is a dot-atom; this is the safe part of it that real ids use
_LIST_ID = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DNS_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.I)


def hide_password(url: str, /) -> str:
    """``url`` with the password in its user part and a ``password=`` query parameter replaced by ``***``.

    The user part is read as generously as people write it: everything up to
    the last ``@`` before the query, so a password holding ``/`` or ``@`` is
    hidden whole (a user name has no ``/``). Text that is no URL (no ``://``)
    is returned as it is.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority_end = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    userinfo, at, _ = rest[:authority_end].rpartition("@")
    if at and ":" in userinfo and "/" not in userinfo.partition(":")[0]:
        rest = userinfo.partition(":")[0] + ":***" + rest[len(userinfo):]
    return _QUERY_PASSWORD.sub(r"\1***", f"{scheme}{sep}{rest}")


def shown(value: str, limit: int = 60) -> str:
    """A value quoted for an error message: printable and cut short."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return printable(repr(text))


def control_problem(value: str) -> str | None:
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
    from email_validator import EmailNotValidError, validate_email  # ~40 ms to import: only when an address is read

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
    problem = control_problem(value)
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
    problem = _url_text_problem(value)
    if problem:
        return problem
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    return _scheme_problem(parts.scheme.lower(), host) or _url_parts_problem(value, parts, host)


def _url_text_problem(value: str) -> str | None:
    """Why ``value`` cannot be a URL as text: control characters, its length, non-ASCII or other characters."""
    problem = control_problem(value)
    if problem:
        return problem
    if len(value) > MAX_URL:
        return f"is {len(value)} characters long; at most {MAX_URL}"
    if not value.isascii():
        return "has non-ASCII characters; percent-encode them (and write the domain in its xn-- form)"
    if not _URL_CHARS.fullmatch(value):
        bad = sorted({c for c in value if not _URL_CHARS.fullmatch(c)})
        return f"has characters a URL cannot hold ({printable(' '.join(repr(c) for c in bad))}); percent-encode them"
    return None


def _scheme_problem(scheme: str, host: str) -> str | None:
    if scheme == "http":
        if host not in _LOCAL_HOSTS:
            return "must start with https:// (plain http:// is only for localhost)"
    elif scheme != "https":
        return "must start with https://" + (f" (not {scheme}:)" if scheme else "")
    return None


def _url_parts_problem(value: str, parts: SplitResult, host: str) -> str | None:
    """Why a URL's parts are not to publish: no host, credentials, a fragment, a host that is no domain name."""
    if not host:
        return "has no host name, such as https://bulletin.example.org"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "has a user name or password in it; put no credentials in a URL"
    if parts.fragment or value.endswith("#"):
        return "has a #fragment; leave it out"
    if host not in _LOCAL_HOSTS and not (DNS_NAME.fullmatch(host) and "." in host):
        return f"has the host {shown(host)}, which is not a domain name"
    return None


def check_list_id(value: str, /) -> str | None:
    """Why ``value`` is not an RFC 2919 list id (``list-label.namespace``), or None."""
    problem = control_problem(value)
    if problem:
        return problem
    if len(value) > 255:
        return f"is {len(value)} characters long; at most 255"
    if not _LIST_ID.fullmatch(value):
        return "must be a list id such as 'soc-partnerships.example.org' (letters, digits, - and dots; no spaces or <>)"
    return None


def check_ledger_url(value: str, /) -> str | None:
    """Why ``value`` cannot name the ledger database (``postgresql://user@host:port/db``), or None.

    The password never goes in the URL (which is written in settings files and
    shown in messages): libpq reads it from ``PGPASSWORD``, ``~/.pgpass`` or a
    service file (``postgresql:///?service=bulletin``).
    """
    problem = control_problem(value)
    if problem:
        return problem
    if len(value) > MAX_URL:
        return f"is {len(value)} characters long; at most {MAX_URL}"
    parts = urlsplit(value)
    if parts.scheme not in ("postgresql", "postgres"):
        return "must be a PostgreSQL URL such as postgresql://bulletin@db.example.org/bulletin"
    hidden = "password" in {key.casefold() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if hidden or hide_password(value) != value:
        return "must not hold a password; set PGPASSWORD or use ~/.pgpass or a libpq service file"
    return None


def parse_nameservers(value: str, /) -> list[tuple[str, int]]:
    """``"192.0.2.53, 127.0.0.1:5353, [::1]:53"`` as ``(address, port)`` pairs; ConfigError saying why not.

    Addresses only (a resolver needs no resolver to find): IPv4, or IPv6 in
    brackets when it has a port; the port defaults to 53.
    """
    import ipaddress

    servers = []
    for item in value.replace(",", " ").split():
        host, port = item, "53"
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = rest.removeprefix(":") or "53"
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError as exc:
            raise ConfigError(f"has {shown(item)}, which is not an IP address (a name server is given by address)") from exc
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"has {shown(item)}, whose port is not a number from 1 to 65535")
        servers.append((address, int(port)))
    if not servers:
        raise ConfigError("is empty; leave the key out to use the system's name servers")
    return servers


def check_nameservers(value: str, /) -> str | None:
    """Why ``value`` is not a list of name servers (see :func:`parse_nameservers`), or None."""
    try:
        parse_nameservers(value)
    except ConfigError as exc:
        return str(exc)
    return None


def check_setting(key: str, value: str, /) -> str | None:
    """Why the string setting ``key`` (a key of any table of the settings file) cannot be ``value``, or None."""
    if key in _PATH_KEYS:
        return "is empty; leave the key out for the default" if not value.strip() else _path_problem(value)
    if not value:
        return None  # the other settings are optional: empty means not set
    check = _VALUE_CHECKS.get(key)
    return check(value) if check else None


#: settings that name a file or folder (relative to the settings file)
_PATH_KEYS = ("suppressed", "segments", "subscribers", "ledger", "outbox", "layouts")


def _path_problem(value: str) -> str | None:
    return control_problem(value) or (f"is {len(value)} characters long; at most {MAX_PATH}" if len(value) > MAX_PATH else None)


def _mailbox_problem(value: str) -> str | None:
    try:
        parse_mailbox(value)
    except ConfigError as exc:
        return str(exc)
    return None


def _envelope_sender_problem(value: str) -> str | None:
    try:
        parse_mailbox(value, display_name=False)
    except ConfigError as exc:
        return str(exc)
    return None


def _selector_problem(value: str) -> str | None:
    problem = control_problem(value)
    if problem:
        return problem
    if len(value) > 253 or not DNS_NAME.fullmatch(value):
        return "must be a DNS label such as 'bulletin' (letters, digits and -, at most 63 each, dots between labels)"
    return None


#: how each other string setting is checked, when it is not empty
_VALUE_CHECKS: dict[str, Callable[[str], str | None]] = {
    "from": _mailbox_problem, "contact": _mailbox_problem, "envelope_sender": _envelope_sender_problem,
    "base_url": check_url, "unsubscribe_base_url": check_url, "url": check_ledger_url, "list_id": check_list_id,
    "nameservers": check_nameservers, "dkim_selector": _selector_problem, "dkim_key": _path_problem,
}
