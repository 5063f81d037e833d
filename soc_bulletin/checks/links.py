"""Links: only well-formed ``https://`` web addresses (``mailto:`` goes to the address checks).

``javascript:``, ``data:`` and other schemes are unsafe or dropped by the
sanitiser; ``http://`` is reported, as an error for public-sector sites that
always answer on https (gov.uk, police.uk, nhs.uk...), else as a warning.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .codes import Verdict

__all__ = ["HTTPS_ONLY_DOMAINS", "bare_address", "bare_url", "check_url"]

#: Domains (and their subdomains) whose sites all serve https.
HTTPS_ONLY_DOMAINS = (
    "gov.uk", "police.uk", "nhs.uk", "parliament.uk", "judiciary.uk", "mod.uk",
    "gov.wales", "llyw.cymru", "gov.scot", "nidirect.gov.uk", "gov",
)
_UNSAFE = frozenset({"javascript", "vbscript", "data", "file", "blob"})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_BAD_CHARACTERS = re.compile(r"[\s<>\"{}|\\^`\x00-\x1f\x7f]")


def check_url(url: str, /, *, what: str = "link") -> list[Verdict]:
    """Problems of a web link: unsafe scheme (SB201), http (SB202), malformed (SB203).

    ``mailto:`` links are not judged here; their addresses go to the address checks.
    """
    shown = url.strip()
    if not shown:
        return [Verdict("SB203", f"The {what} is empty; write a full address starting with https://.")]
    if bad := _BAD_CHARACTERS.search(shown):
        char = "a space" if bad.group().isspace() else repr(bad.group())
        return [Verdict("SB203", f"The {what} '{shown}' contains {char}; remove it (write a space as %20).")]
    try:
        parts = urlsplit(shown)
        port = parts.port
    except ValueError as exc:
        return [Verdict("SB203", f"The {what} '{shown}' is malformed ({exc}); write a full address starting with https://.")]
    scheme = parts.scheme.lower()
    if not scheme:
        guess = "https://" + shown.lstrip("/") if "." in shown.split("/")[0] else "https://www.example.org/page"
        return [Verdict("SB203", f"The {what} '{shown}' is not a full web address; write it with https://, such as '{guess}'.")]
    if scheme in _UNSAFE:
        return [Verdict("SB201", f"The {what} '{_short(shown)}' uses '{scheme}:', which is unsafe and removed from the email; link to an https:// page instead.")]
    if scheme not in ("https", "http"):
        return [Verdict("SB201", f"The {what} '{_short(shown)}' uses '{scheme}:', which the email does not allow; use an https:// or mailto: link.")]
    host = (parts.hostname or "").rstrip(".")
    problem = _host_problem(host, shown) or ("" if port is None or 0 < port < 65536 else "its port number is not valid")
    if not shown.lower().startswith(scheme + "://"):
        problem = "it needs two slashes after the colon"
    if problem:
        return [Verdict("SB203", f"The {what} '{shown}' is malformed: {problem}.")]
    if scheme == "http":
        secure = "https" + shown[len(scheme):]
        strict = _https_only(host)
        return [Verdict("SB202", f"The {what} '{shown}' uses http://; write '{secure}'{'' if strict else ' if the site supports it'}.", warning=not strict)]
    return []


def _host_problem(host: str, url: str) -> str:
    if not host:
        return "it has no site name after https://"
    if "." not in host:
        return f"the site name '{host}' has no dot, so it is not a public web address"
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return f"the site name '{host}' is not valid"
    labels = ascii_host.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit() and not _is_ip(labels):
        return f"the site name '{host}' is not valid"
    return ""


def _is_ip(labels: list[str]) -> bool:
    return len(labels) == 4 and all(label.isdigit() and int(label) < 256 for label in labels)


def _https_only(host: str) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in HTTPS_ONLY_DOMAINS)


def _short(url: str) -> str:
    return url if len(url) <= 60 else url[:57] + "..."


def bare_url(url: str, /) -> Verdict:
    """A web address written in text without making it a link (SB204)."""
    target = url if "://" in url else "https://" + url
    return Verdict("SB204", f"The web address '{url}' is not a link; write it as <{target}> so readers can click it.")


def bare_address(address: str, /) -> Verdict:
    """An email address written in text without making it a link (SB104)."""
    return Verdict("SB104", f"The email address '{address}' is not a link; write it as <{address}> so readers can click it.")
