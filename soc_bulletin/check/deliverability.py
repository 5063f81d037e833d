"""The sending domain in the DNS: SPF, DMARC and the DKIM key, and whether they align with From.

Gmail's and Yahoo's bulk-sender rules want SPF and DKIM, a DMARC record, and
From aligned with one of them. :func:`check_sending_domain` looks up (with
dnspython, through the name servers of ``[sending] nameservers`` or the
system's) the SPF record of the envelope sender's domain, the DMARC record of
the From domain (walking up to its parents, as DMARCbis does, when it has
none of its own) and the DKIM selector's key at the From domain, which is
the domain ``send`` signs for, and compares that key with the configured
private key. Every finding is a warning (SB701-SB707): a send is never
refused for DNS, and a lookup that fails says so instead of passing.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..config import Settings, parse_mailbox
from ..config.values import parse_nameservers
from ..content.yamlfile import node_at, read_yaml
from ..errors import ConfigError
from ..problems import Problem, Severity
from .codes import Verdict

if TYPE_CHECKING:
    import dns.resolver

    from ..render.project import Project

__all__ = [
    "DomainReport", "add_sending_domain_problems", "address_resolver", "check_sending_domain", "make_resolver", "preflight_warnings", "report_problems", "sending_domain_problems",
    "settings_report",
]

#: seconds for each lookup (the whole check makes a handful)
TIMEOUT = 3.0
#: seconds a name server that did not answer is not asked again (a run of sends must not wait each time)
QUIET = 300.0
_MAX_WALK = 5  # parent domains tried for DMARC
_silent: dict[str, float] = {}  # name servers -> when they last did not answer


class _LookupFailed(Exception):
    """The DNS did not answer (time-out, server failure, no name server)."""


def make_resolver(nameservers: str = "", /, *, timeout: float = TIMEOUT) -> dns.resolver.Resolver:
    """A resolver asking ``nameservers`` (``"127.0.0.1:5353, ..."``), or the system's when empty.

    EDNS lets a 2048-bit DKIM key through UDP. ConfigError when there is no
    name server to ask.
    """
    import dns.nameserver  # noqa: PLC0415 - dnspython (0.1 s) is imported only when the DNS is asked
    import dns.resolver  # noqa: PLC0415

    if nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(address, port) for address, port in parse_nameservers(nameservers)]
    else:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration as exc:
            raise ConfigError("no name server is configured on this machine; set [sending] nameservers") from exc
    resolver.use_edns(0, 0, 1232)
    resolver.timeout = resolver.lifetime = timeout
    return resolver


def _txt(resolver: dns.resolver.Resolver, name: str, missing: list[str] | None = None) -> list[str]:
    """The TXT records at ``name`` (none when the name or the type does not exist; a name that
    does not exist is added to ``missing``)."""
    import dns.exception  # noqa: PLC0415 - loaded already by make_resolver, which made ``resolver``
    import dns.resolver  # noqa: PLC0415

    try:
        answer = resolver.resolve(name, "TXT", search=False)
    except dns.resolver.NXDOMAIN:
        if missing is not None:
            missing.append(name)
        return []
    except dns.resolver.NoAnswer:
        return []
    except dns.exception.Timeout as exc:
        _silent[_servers(resolver)] = time.monotonic()
        raise _LookupFailed(f"the DNS did not answer for {name} in {resolver.lifetime:g} s") from exc
    except (dns.resolver.NoNameservers, dns.resolver.YXDOMAIN, dns.exception.DNSException) as exc:
        raise _LookupFailed(f"the DNS lookup of {name} failed ({' '.join(str(exc).split())[:200]})") from exc
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def _servers(resolver: dns.resolver.Resolver) -> str:
    return " ".join(str(server) for server in resolver.nameservers)


def _tags(record: str) -> dict[str, str]:
    """``k=v; k=v`` tags (DMARC, DKIM), keys lower-cased, whitespace dropped from values."""
    tags = {}
    for part in record.split(";"):
        key, equals, value = part.partition("=")
        if equals:
            tags[key.strip().lower()] = "".join(value.split())
    return tags


def _within(domain: str, parent: str) -> bool:
    return domain == parent or domain.endswith("." + parent)


def _parents(domain: str) -> Iterator[str]:
    """``domain`` and its parents down to (not including) the top-level domain, at most :data:`_MAX_WALK`."""
    labels = domain.split(".")
    for start in range(min(len(labels) - 1, _MAX_WALK)):
        yield ".".join(labels[start:])


def _rsa_public(der: bytes) -> tuple[int, int]:
    from dkim import crypto

    key = crypto.parse_public_key(der)
    return int(key["modulus"]), int(key["publicExponent"])


def _rsa_private(pem: bytes) -> tuple[int, int]:
    from dkim import crypto

    key = crypto.parse_pem_private_key(pem)
    return int(key["modulus"]), int(key["publicExponent"])


@dataclass
class DomainReport:
    """What the DNS says about a sending domain, and the warnings that follow."""

    from_domain: str
    envelope_domain: str
    selector: str = ""
    spf: list[str] = field(default_factory=list)
    dmarc: str = ""
    dmarc_domain: str = ""
    dkim: str = ""
    dkim_matches: bool = False
    spf_aligned: bool = False
    dkim_aligned: bool = False
    findings: list[tuple[str, Verdict]] = field(default_factory=list)  # (setting it concerns, verdict)

    def warn(self, setting: str, code: str, message: str) -> None:
        self.findings.append((setting, Verdict(code, message, warning=True)))

    @property
    def summary(self) -> str:
        """One line: what passes for this domain."""
        def say(ok: bool) -> str:
            return "aligned" if ok else "not aligned"
        policy = _tags(self.dmarc).get("p", "none") if self.dmarc else ""
        return (f"{self.from_domain}: SPF {'published' if self.spf else 'missing'} ({say(self.spf_aligned)}), "
                f"DKIM {'key matches' if self.dkim_matches else 'not verified'} ({say(self.dkim_aligned)}), "
                f"DMARC {f'p={policy} at {self.dmarc_domain}' if self.dmarc else 'missing'}")


def check_sending_domain(
    from_address: str, /, *, envelope_sender: str = "", selector: str = "", private_key: bytes | None = None,
    resolver: dns.resolver.Resolver,
) -> DomainReport:
    """Look up the sending domain of ``from_address`` and judge it (see the module's docstring)."""
    from_domain = from_address.rpartition("@")[2].lower().rstrip(".")
    envelope_domain = (envelope_sender or from_address).rpartition("@")[2].lower().rstrip(".")
    report = DomainReport(from_domain, envelope_domain, selector)
    try:
        if time.monotonic() - _silent.get(_servers(resolver), -QUIET) < QUIET:
            raise _LookupFailed(f"the name servers did not answer a moment ago (asked again after {QUIET:g} s)")
        _judge(report, resolver, private_key)
    except _LookupFailed as exc:
        report.warn("nameservers", "SB707", f"The sending domain {from_domain} could not be checked: {exc}; check the name "
                    "servers ([sending] nameservers) or the network, then run it again.")
    return report


def _judge(report: DomainReport, resolver: dns.resolver.Resolver, private_key: bytes | None) -> None:
    domain, envelope = report.from_domain, report.envelope_domain
    _judge_spf(report, resolver)
    _judge_dmarc(report, resolver)
    tags = _tags(report.dmarc)
    organisation = report.dmarc_domain or domain
    report.spf_aligned = len(report.spf) == 1 and (envelope == domain or (
        tags.get("aspf", "r").lower() != "s" and _within(envelope, organisation) and _within(domain, organisation)))
    if not report.selector:
        report.warn("dkim_selector", "SB703", "The bulletin is not signed with DKIM; Gmail and Yahoo require DKIM from bulk "
                    "senders: set [sending] dkim_selector and dkim_key and publish the public key.")
    else:
        _judge_dkim(report, resolver, private_key)
    if not (report.spf_aligned or report.dkim_aligned):
        report.warn("from", "SB706", f"Neither SPF ({envelope}) nor DKIM aligns with the From domain {domain}, so DMARC fails "
                    "and receivers may reject or bin the bulletin; send bounces to an address at the From domain, or sign with DKIM.")


def _judge_spf(report: DomainReport, resolver: dns.resolver.Resolver) -> None:
    """SB701: the envelope domain's one SPF record."""
    envelope = report.envelope_domain
    missing: list[str] = []
    report.spf = [r for r in _txt(resolver, envelope, missing) if re.match(r"v=spf1(\s|$)", r, re.IGNORECASE)]
    if missing:
        report.warn("envelope_sender", "SB701", f"The domain {envelope} (of the envelope sender, where bounces go) does not "
                    "exist in the DNS as the name servers asked see it, so it has no SPF record; check the address, or the "
                    "name servers ([sending] nameservers).")
    elif not report.spf:
        report.warn("envelope_sender", "SB701", f"The domain {envelope} (of the envelope sender, where bounces go) publishes no SPF "
                    "record; publish one (v=spf1 ...) naming the servers that send the bulletin.")
    elif len(report.spf) > 1:
        report.warn("envelope_sender", "SB701", f"The domain {envelope} publishes {len(report.spf)} SPF records, which is an "
                    "error for every receiver; merge them into one.")


def _judge_dmarc(report: DomainReport, resolver: dns.resolver.Resolver) -> None:
    """SB702: the DMARC record of the From domain or the nearest parent that has one."""
    domain = report.from_domain
    for candidate in _parents(domain):
        found = [r for r in _txt(resolver, f"_dmarc.{candidate}") if re.match(r"v=DMARC1\s*(;|$)", r, re.IGNORECASE)]
        if found:
            report.dmarc, report.dmarc_domain = found[0], candidate
            if len(found) > 1 or _tags(found[0]).get("p", "").lower() not in ("none", "quarantine", "reject"):
                report.warn("from", "SB702", f"The DMARC record at _dmarc.{candidate} is not valid (one record with p=none, "
                            "quarantine or reject); receivers ignore it.")
                report.dmarc = ""
            break
    if not report.dmarc_domain:
        report.warn("from", "SB702", f"The From domain {domain} publishes no DMARC record (_dmarc.{domain}); Gmail and Yahoo "
                    "require one from bulk senders: start with v=DMARC1; p=none; rua=mailto:...")


def _judge_dkim(report: DomainReport, resolver: dns.resolver.Resolver, private_key: bytes | None) -> None:
    name = f"{report.selector}._domainkey.{report.from_domain}"
    records = [r for r in _txt(resolver, name) if "p" in _tags(r)]
    if not records:
        report.warn("dkim_selector", "SB704", f"No DKIM key is published at {name}; publish the public half of the configured "
                    "key there (v=DKIM1; k=rsa; p=...).")
        return
    report.dkim = records[0]
    tags = _tags(records[0])
    if not tags.get("p"):
        report.warn("dkim_selector", "SB704", f"The DKIM key at {name} is revoked (empty p=); publish the configured key.")
        return
    if private_key is None:
        return
    from dkim import crypto

    try:
        published = _rsa_public(base64.b64decode(tags["p"])) if tags.get("k", "rsa").lower() == "rsa" else None
    except (binascii.Error, crypto.UnparsableKeyError, AssertionError) as exc:  # bad base64, not an RSA key (dkimpy asserts on some)
        report.warn("dkim_selector", "SB704", f"The DKIM key published at {name} cannot be read ({type(exc).__name__}); "
                    "publish the public half of the configured key there (v=DKIM1; k=rsa; p=...).")
        return
    try:
        mine = _rsa_private(private_key)
    except (crypto.UnparsableKeyError, AssertionError) as exc:  # dkimpy wraps its ASN.1 errors in the first, asserts on some input
        report.warn("dkim_key", "SB705", f"The configured DKIM key cannot be read as an RSA private key ({type(exc).__name__}), "
                    f"so the key at {name} cannot be compared with it.")
        return
    report.dkim_matches = published == mine
    report.dkim_aligned = report.dkim_matches  # send signs with d= the From domain
    if not report.dkim_matches:
        report.warn("dkim_key", "SB705", f"The DKIM key published at {name} is not the public half of the configured key "
                    "(dkim_key), so every signature fails; publish the key that matches, or configure the right key file.")


def _line_of(path: Path | None, pattern: str) -> int:
    """The first line of ``path`` matching ``pattern`` (0 when none, or unreadable)."""
    if path is None:
        return 0
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if re.match(pattern, line):
                return number
    except OSError:
        return 0
    return 0


def settings_report(settings: Settings, mailbox: str, /, *, resolver: dns.resolver.Resolver | None = None) -> DomainReport:
    """:func:`check_sending_domain` for the sender the settings describe (From defaults to the team ``mailbox``)."""
    sending = settings.sending
    from_address = parse_mailbox(sending.from_)[1] if sending.from_ else mailbox
    key = None
    if sending.dkim_selector and sending.dkim_key:
        try:
            key = settings.resolve(sending.dkim_key).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the DKIM key {sending.dkim_key}: {exc.strerror or exc}") from exc
    return check_sending_domain(
        from_address, envelope_sender=sending.envelope_sender, selector=sending.dkim_selector, private_key=key,
        resolver=resolver or make_resolver(sending.nameservers),
    )


def report_problems(report: DomainReport, settings: Settings, issue_file: Path, /, *, line: int = 0) -> list[Problem]:
    """The findings placed on the setting they concern in ``soc-bulletin.toml`` (else on ``issue_file`` at ``line``)."""
    problems = []
    for setting, verdict in report.findings:
        at = _line_of(settings.path, rf"\s*{re.escape(setting)}\s*=")
        if not at and setting in ("envelope_sender", "dkim_key"):
            at = _line_of(settings.path, r"\s*from\s*=")
        at = at or _line_of(settings.path, r"\s*\[sending\]")
        if at and settings.path is not None:
            problems.append(Problem(str(settings.path), at, 1, verdict.code, verdict.message, Severity.WARNING))
        else:
            problems.append(Problem(str(issue_file), line, 1 if line else 0, verdict.code, verdict.message, Severity.WARNING))
    return problems


def sending_domain_problems(issue_folder: Path, settings: Settings, /, root: yaml.Node | None = None) -> list[Problem]:
    """``check --deliverability``: the warnings for the sender of an issue folder sent with ``settings`` (``root``: its
    ``issue.yaml`` as already read, else read here).

    From defaults to the issue's team mailbox; a setting that cannot be used is SB707.
    """
    issue_file = issue_folder / "issue.yaml"
    if root is None:
        root, _ = read_yaml(issue_file)
    node = node_at(root, "mailbox") if root is not None else None
    mailbox = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    line = node.start_mark.line + 1 if node is not None else 0
    try:
        if not settings.sending.from_ and "@" not in mailbox:
            return []  # no sender: the issue's own checks report the mailbox
        return report_problems(settings_report(settings, mailbox), settings, issue_file, line=line)
    except ConfigError as exc:
        where = str(settings.path) if settings.path is not None else str(issue_file)
        return [Problem(where, 0, 0, "SB707", f"The sending domain could not be checked: {exc}", Severity.WARNING)]


def address_resolver(settings: Settings, /) -> Any:
    """A caching resolver for email-validator's deliverability lookups, asking the ``settings``' name servers."""
    from email_validator import caching_resolver

    return caching_resolver(timeout=10, dns_resolver=make_resolver(settings.sending.nameservers))


def add_sending_domain_problems(problems: list[Problem], project: Project, /) -> None:
    """:func:`sending_domain_problems` of ``project``'s issue folder and settings, added to ``problems`` (a step of ``check_paths``)."""
    source = project.source
    problems.extend(sending_domain_problems(project.issue_dir, project.settings, source.nodes.get(source.issue_path)))


def preflight_warnings(settings: Settings, issue_dir: Path, mailbox: str, /) -> list[str]:
    """The send preflight's sending-domain warnings (none when ``[sending] check_domain = false``)."""
    if not settings.sending.check_domain:
        return []
    issue_file = issue_dir / "issue.yaml"
    try:
        problems = report_problems(settings_report(settings, mailbox), settings, issue_file)
    except ConfigError as exc:
        return [f"warning: SB707 the sending domain could not be checked: {exc}"]
    return [str(problem) for problem in problems]
