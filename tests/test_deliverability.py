"""The sending domain in the DNS (SPF, DMARC, DKIM key, alignment), against a DNS server on 127.0.0.1 only."""

from __future__ import annotations

import base64
import functools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from soc_bulletin.check import check_paths
from soc_bulletin.check.deliverability import DomainReport, check_sending_domain, make_resolver
from soc_bulletin.cli.main import main
from soc_bulletin.config import Settings, load_settings
from soc_bulletin.send.campaign import Campaign

from .conftest import MINIMAL_ARTICLE, MINIMAL_ISSUE
from .dns_server import DNSServer, dns_server, txt

SPF = "v=spf1 ip4:192.0.2.0/24 -all"
DMARC = "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"


@functools.lru_cache(maxsize=2)
def rsa_key(n: int) -> tuple[bytes, str]:
    """A PEM private key and its DKIM record (1024 bits: fast, and enough for a test)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"


def zone(*, spf: bool = True, dmarc: bool = True, dkim: str | None = "mine") -> dict[tuple[str, str], list[str]]:
    """example.org's records; ``dkim`` is the key at bulletin._domainkey: "mine", "other" or None."""
    records = {("example.org", "MX"): ["10 mail.example.org."], ("mail.example.org", "A"): ["192.0.2.25"]}
    if spf:
        records["example.org", "TXT"] = [txt(SPF), txt("google-site-verification=abc")]
    if dmarc:
        records["_dmarc.example.org", "TXT"] = [txt(DMARC)]
    if dkim:
        records["bulletin._domainkey.example.org", "TXT"] = [txt(rsa_key(0 if dkim == "mine" else 1)[1])]
    return records


def judge(server: DNSServer, *, selector: str = "bulletin", envelope: str = "bounces@example.org",
          sender: str = "team@example.org") -> DomainReport:
    return check_sending_domain(sender, envelope_sender=envelope, selector=selector,
                                private_key=rsa_key(0)[0] if selector else None, resolver=make_resolver(server.address))


def codes(report: DomainReport) -> list[str]:
    return [verdict.code for _, verdict in report.findings]


@pytest.fixture
def server() -> Iterator[DNSServer]:
    with dns_server(zone()) as running:
        yield running


def test_the_resolver_asks_only_the_configured_server(server: DNSServer) -> None:
    resolver = make_resolver(server.address)
    assert [(ns.address, ns.port) for ns in resolver.nameservers] == [("127.0.0.1", server.port)]  # type: ignore[union-attr]
    judge(server)
    assert ("_dmarc.example.org", "TXT") in server.queries


def test_all_aligned(server: DNSServer) -> None:
    report = judge(server)
    assert report.findings == []
    assert report.spf == [SPF] and report.dmarc == DMARC and report.dmarc_domain == "example.org"
    assert report.dkim_matches and report.dkim_aligned and report.spf_aligned
    assert report.summary == ("example.org: SPF published (aligned), DKIM key matches (aligned), "
                              "DMARC p=quarantine at example.org")


def test_no_dmarc() -> None:
    with dns_server(zone(dmarc=False)) as server:
        report = judge(server)
    assert codes(report) == ["SB702"]
    assert "publishes no DMARC record (_dmarc.example.org)" in report.findings[0][1].message
    assert report.spf_aligned and report.dkim_aligned


def test_spf_only() -> None:
    """The domain publishes SPF and nothing else, and the bulletin is not signed: aligned by SPF alone."""
    with dns_server(zone(dmarc=False, dkim=None)) as server:
        report = judge(server, selector="")
    assert codes(report) == ["SB702", "SB703"]
    assert report.spf_aligned and not report.dkim_aligned


def test_dkim_key_mismatch() -> None:
    with dns_server(zone(dkim="other")) as server:
        report = judge(server)
    assert codes(report) == ["SB705"]
    assert "bulletin._domainkey.example.org is not the public half of the configured key" in report.findings[0][1].message
    assert not report.dkim_matches and report.spf_aligned


def test_no_dkim_record() -> None:
    with dns_server(zone(dkim=None)) as server:
        report = judge(server)
    assert codes(report) == ["SB704"]
    assert "No DKIM key is published at bulletin._domainkey.example.org" in report.findings[0][1].message


def test_neither_aligned_when_bounces_go_elsewhere_unsigned() -> None:
    records = zone(dkim=None) | {("mailer.example.net", "TXT"): [txt("v=spf1 include:_spf.example.net ~all")]}
    with dns_server(records) as server:
        report = judge(server, selector="", envelope="bounces@mailer.example.net")
    assert codes(report) == ["SB703", "SB706"]
    assert report.spf and not report.spf_aligned


def test_dmarc_of_the_parent_domain_and_relaxed_alignment() -> None:
    with dns_server(zone()) as server:
        report = judge(server, sender="news@news.example.org", selector="", envelope="bounces@bounces.example.org")
    assert report.dmarc_domain == "example.org"
    assert report.spf_aligned is False  # bounces.example.org publishes no SPF
    assert codes(report) == ["SB701", "SB703", "SB706"]


def test_two_spf_records_and_an_invalid_dmarc_record() -> None:
    records = zone() | {("example.org", "TXT"): [txt(SPF), txt("v=spf1 -all")], ("_dmarc.example.org", "TXT"): [txt("v=DMARC1; p=maybe")]}
    with dns_server(records) as server:
        assert codes(judge(server)) == ["SB701", "SB702"]


def test_a_failing_or_silent_server_is_a_warning_not_a_pass() -> None:
    with dns_server(zone()) as server:
        server.failing = True
        report = judge(server)
        assert codes(report) == ["SB707"] and "failed" in report.findings[0][1].message
        server.failing, server.silent = False, True
        start = time.monotonic()
        silent = check_sending_domain("team@example.org", resolver=make_resolver(server.address, timeout=0.3))
        assert codes(silent) == ["SB707"] and "did not answer" in silent.findings[0][1].message
        asked = len(server.queries)
        again = check_sending_domain("team@example.org", resolver=make_resolver(server.address, timeout=0.3))
        assert codes(again) == ["SB707"] and len(server.queries) == asked  # not asked again straight away
        assert time.monotonic() - start < 3


def test_a_long_dkim_key_travels_over_edns() -> None:
    long_record = rsa_key(0)[1] + "; n=" + "x" * 600  # over 512 bytes: needs EDNS (or TCP)
    with dns_server(zone() | {("bulletin._domainkey.example.org", "TXT"): [txt(long_record)]}) as server:
        assert judge(server).dkim_matches


# -- through the settings: check --deliverability and the send preflight --------------------------


def project(root: Path, server: DNSServer, *, dkim: bool = True, check_domain: bool = True) -> Path:
    """A project whose settings point the DNS checks at ``server``; returns the issue folder."""
    issue = root / "issues" / "2020-02"
    (issue / "articles").mkdir(parents=True)
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE.replace("mailbox:", "preheader: News\nmailbox:"), encoding="utf-8")
    (issue / "articles" / "first.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")
    (root / "dkim.pem").write_bytes(rsa_key(0)[0])
    lines = ["[sending]", 'from = "Partnerships <team@example.org>"', 'envelope_sender = "bounces@example.org"',
             f'nameservers = "{server.address}"', f"check_domain = {'true' if check_domain else 'false'}"]
    if dkim:
        lines += ['dkim_selector = "bulletin"', 'dkim_key = "dkim.pem"']
    (root / "soc-bulletin.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "list.csv").write_text("email,name\npartner@example.org,Pat\n", encoding="utf-8")
    (root / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    return issue


def test_check_deliverability_reports_on_the_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with dns_server(zone(dkim="other")) as server:
        issue = project(tmp_path, server)
        assert main(["check", "--deliverability", str(issue)]) == 0  # warnings only
        out = capsys.readouterr().out
        assert {name for name, _ in server.queries} >= {"example.org", "_dmarc.example.org", "bulletin._domainkey.example.org"}
    assert f"{tmp_path / 'soc-bulletin.toml'}:7:1: SB705 The DKIM key published at bulletin._domainkey.example.org" in out
    assert "SB103" not in out  # the addresses' domain takes mail (its MX is on the test server)


def test_check_deliverability_without_from_checks_the_mailbox(tmp_path: Path) -> None:
    with dns_server(zone(dmarc=False)) as server:
        issue = project(tmp_path, server)
        (tmp_path / "soc-bulletin.toml").write_text(f'[sending]\nnameservers = "{server.address}"\n', encoding="utf-8")
        report = check_paths([issue], deliverability=True)
    found = [(p.path, p.line, p.code) for p in report.problems if p.code.startswith("SB7")]
    toml = str(tmp_path / "soc-bulletin.toml")
    assert found == [(toml, 1, "SB702"), (toml, 1, "SB703")]  # on [sending]: From is the issue's mailbox


def test_the_send_preflight_warns_and_never_refuses(tmp_path: Path) -> None:
    with dns_server(zone(dmarc=False, dkim=None)) as server:
        issue = project(tmp_path, server)
        campaign = Campaign.prepare(issue, lists=[tmp_path / "list.csv"], suppressed_file=tmp_path / "suppressed.csv",
                                    ledger_dir=tmp_path / "ledger")
    warnings = [w for w in campaign.warnings if " SB7" in w]
    assert len(warnings) == 2 and "SB702" in warnings[0] and "SB704" in warnings[1], warnings
    assert warnings[1].startswith(f"{tmp_path / 'soc-bulletin.toml'}:6:1: SB704 No DKIM key is published")


def test_the_preflight_check_can_be_turned_off(tmp_path: Path) -> None:
    with dns_server(zone(dmarc=False)) as server:
        issue = project(tmp_path, server, check_domain=False)
        campaign = Campaign.prepare(issue, lists=[tmp_path / "list.csv"], suppressed_file=tmp_path / "suppressed.csv",
                                    ledger_dir=tmp_path / "ledger", settings=load_settings(tmp_path / "soc-bulletin.toml"))
        assert server.queries == []
    assert not [w for w in campaign.warnings if " SB7" in w]


@pytest.mark.parametrize(("value", "message"), [
    ("dns.example.org", "which is not an IP address"),
    ("127.0.0.1:99999", "whose port is not a number from 1 to 65535"),
    (", ", "is empty"),
])
def test_bad_nameservers_setting_is_one_line_naming_the_place(tmp_path: Path, value: str, message: str) -> None:
    from soc_bulletin.errors import ConfigError

    (tmp_path / "soc-bulletin.toml").write_text(f'[sending]\nnameservers = "{value}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "soc-bulletin.toml")
    assert str(caught.value).startswith(f"{tmp_path / 'soc-bulletin.toml'}:2: [sending] nameservers ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_from_domain_that_does_not_exist_says_so() -> None:
    with dns_server(zone()) as server:
        report = judge(server, sender="team@nowhere.example", envelope="", selector="")
    assert codes(report) == ["SB701", "SB702", "SB703", "SB706"]
    assert "nowhere.example (of the envelope sender, where bounces go) does not exist in the DNS" in report.findings[0][1].message


def test_default_settings_check_the_domain_with_the_system_resolver() -> None:
    assert Settings().sending.nameservers == "" and Settings().sending.check_domain is False


@pytest.mark.parametrize("published", ["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "v=DKIM1; k=rsa; p=abc"],
                         ids=["cut-short", "bad-base64"])
def test_a_damaged_published_dkim_key_is_said_to_be_unreadable(published: str) -> None:
    """Not silently taken for "a key that differs" (the message would send the person to the wrong fix)."""
    records = zone()
    records["bulletin._domainkey.example.org", "TXT"] = [txt(published)]
    with dns_server(records) as server:
        report = judge(server)
    assert codes(report) == ["SB704"]
    assert "The DKIM key published at bulletin._domainkey.example.org cannot be read" in report.findings[0][1].message
    assert not report.dkim_matches
