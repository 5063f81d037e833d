"""Links: only well-formed ``https://`` web addresses (``mailto:`` goes to the address checks).

``javascript:``, ``data:`` and other schemes are unsafe or dropped by the
sanitiser; ``http://`` is reported, as an error for public-sector sites that
always answer on https (gov.uk, police.uk, nhs.uk...), else as a warning.
A site name that mixes Latin letters with Cyrillic or Greek ones (``gоv.uk``
with a Cyrillic о), written so or as punycode, is a look-alike of another
site; and link words that name another site than the link goes to mislead.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from urllib.parse import unquote, urlsplit

from .codes import Verdict

__all__ = ["HTTPS_ONLY_DOMAINS", "bare_address", "bare_url", "check_url", "link_text_verdict", "mixed_script"]

_CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
_URL_TEXT = re.compile(r"^(?:(?:https?|ftp)://)?(?P<host>(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,})\.?(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_ADDRESS_TEXT = re.compile(r"^(?:mailto:)?[^\s@<>]+@(?P<host>[^\s@<>]+\.[^\s@<>]+)$", re.IGNORECASE)

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
    verdict = _text_verdict(shown, what)
    if verdict:
        return [verdict]
    try:
        parts = urlsplit(shown)
        port = parts.port
    except ValueError as exc:
        return [Verdict("SB203", f"The {what} '{shown}' is malformed ({exc}); write a full address starting with https://.")]
    scheme = parts.scheme.lower()
    verdict = _scheme_verdict(scheme, shown, what)
    if verdict:
        return [verdict]
    host = (parts.hostname or "").rstrip(".")
    problem = _address_problem(shown, scheme, host, port)
    if problem:
        return [Verdict("SB203", f"The {what} '{shown}' is malformed: {problem}.")]
    if mixed := mixed_script(host):
        return [Verdict("SB205", f"The {what} '{_short(shown)}' goes to the site '{host}', {mixed}; write the address with the letters of the real site.")]
    if scheme == "http":
        secure = "https" + shown[len(scheme):]
        strict = _https_only(host)
        return [Verdict("SB202", f"The {what} '{shown}' uses http://; write '{secure}'{'' if strict else ' if the site supports it'}.", warning=not strict)]
    return []


def _text_verdict(shown: str, what: str) -> Verdict | None:
    """SB203 for a link that is empty or holds a character no address may."""
    if not shown:
        return Verdict("SB203", f"The {what} is empty; write a full address starting with https://.")
    if bad := _BAD_CHARACTERS.search(shown):
        char = "a space" if bad.group().isspace() else repr(bad.group())
        return Verdict("SB203", f"The {what} '{shown}' contains {char}; remove it (write a space as %20).")
    return None


def _scheme_verdict(scheme: str, shown: str, what: str) -> Verdict | None:
    """SB203 for a link with no scheme, SB201 for one that is neither https: nor http:."""
    if not scheme:
        guess = "https://" + shown.lstrip("/") if "." in shown.split("/")[0] else "https://www.example.org/page"
        return Verdict("SB203", f"The {what} '{shown}' is not a full web address; write it with https://, such as '{guess}'.")
    if scheme in _UNSAFE:
        return Verdict("SB201", f"The {what} '{_short(shown)}' uses '{scheme}:', which is unsafe and removed from the email; link to an https:// page instead.")
    if scheme not in ("https", "http"):
        return Verdict("SB201", f"The {what} '{_short(shown)}' uses '{scheme}:', which the email does not allow; use an https:// or mailto: link.")
    return None


def _address_problem(shown: str, scheme: str, host: str, port: int | None) -> str:
    """What is malformed in a web address: the slashes after the scheme, the site name, the port ("" when nothing)."""
    if not shown.lower().startswith(scheme + "://"):
        return "it needs two slashes after the colon"
    return _host_problem(host, shown) or ("" if port is None or 0 < port < 65536 else "its port number is not valid")


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


def _script(char: str) -> str:
    """The script of a letter, as the first word of its Unicode name (LATIN, CYRILLIC, GREEK, CJK...)."""
    if char.isascii():
        return "LATIN"
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def mixed_script(domain: str, /) -> str:
    """Why ``domain`` is a look-alike: a label mixing Latin, Cyrillic or Greek letters, or "".

    Punycode labels (``xn--...``) are decoded first, as mail programs show them.
    A label wholly in one script (``пример.рф``) is a real name and passes.
    """
    for label in domain.split("."):
        shown = label
        if label[:4].lower() == "xn--":
            try:
                shown = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                continue  # not valid punycode: the address checks say so
        letters = {char: _script(char) for char in shown if char.isalpha()}
        scripts = [s for s in _CONFUSABLE_SCRIPTS if s in letters.values()]
        if len(scripts) > 1:
            odd = next(char for char, script in letters.items() if script == scripts[1])
            written = f"'{label}' ({shown})" if shown != label else f"'{label}'"
            names = " and ".join(s.title() for s in scripts)
            return f"whose part {written} mixes {names} letters (such as '{odd}', U+{ord(odd):04X} {unicodedata.name(odd, '')}) and so looks like another site"
    return ""


def link_text_verdict(text: str, target: str, /) -> Verdict | None:
    """SB206 (warning) when link words show a web or email address other than where the link goes.

    ``[https://www.gov.uk](https://evil.example)`` misleads; words that are not
    an address, or that name the target's own site or a parent domain of it, pass.
    """
    words = " ".join(text.split())
    if not words or words == target:
        return None
    to_mail = target.lower().startswith("mailto:")
    goes_to = unquote(target[len("mailto:"):].split("?")[0]) if to_mail else target
    if "@" in words and "://" not in words and _ADDRESS_TEXT.match(words):
        shown = words.removeprefix("mailto:")
        if to_mail and shown.lower() == goes_to.strip().lower():
            return None
    elif (url := _URL_TEXT.match(words)) and ("://" in words or words.lower().startswith("www.") or url.group("host").islower()):
        if not to_mail and _same_site(url.group("host"), _host_of(target)):
            return None
    else:
        return None
    return Verdict("SB206", f"The link words '{_short(words)}' show another address than the link goes to ('{_short(goes_to)}'); write the words so readers see where it goes.", warning=True)


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _same_site(shown: str, target: str) -> bool:
    """Whether the site named in the words is the target's own or a parent domain of it (``gov.uk`` for ``www.gov.uk``)."""
    def normal(host: str) -> str:
        host = host.lower().rstrip(".")
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
        return host.removeprefix("www.")

    shown, target = normal(shown), normal(target)
    return bool(target) and (target == shown or target.endswith("." + shown))


def _is_ip(labels: list[str]) -> bool:
    return len(labels) == 4 and all(label.isdigit() and int(label) < 256 for label in labels)


def _https_only(host: str) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in HTTPS_ONLY_DOMAINS)


def _short(url: str) -> str:
    return url if len(url) <= 60 else url[:57] + "..."


def bare_url(url: str, /) -> Verdict:
    """A web address written in text without making it a link (SB204), with the https form to write at once."""
    rest = url.split("://", 1)[1] if "://" in url else url
    target = url if url.lower().startswith("https://") else "https://" + rest
    if url.lower().startswith("http://") and not _https_only(_host_of(target)):
        return Verdict("SB204", f"The web address '{url}' is not a link; write it as <{target}> so readers can click it "
                                f"(or as <{url}> if the site has no https).")
    return Verdict("SB204", f"The web address '{url}' is not a link; write it as <{target}> so readers can click it.")


def bare_address(address: str, /) -> Verdict:
    """An email address written in text without making it a link (SB104)."""
    return Verdict("SB104", f"The email address '{address}' is not a link; write it as <{address}> so readers can click it.")
