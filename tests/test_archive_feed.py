"""The archive's Atom feed: valid against RFC 4287's own schema, public issues only, linked from the pages.

The schema is RFC 4287 Appendix B (tests/data/atom.rnc), converted from the
compact syntax by rnc2rng and validated by lxml's RELAX NG; its two
Schematron rules (RELAX NG annotations) are checked here with XPath.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urljoin

import pytest
import rnc2rng  # type: ignore[import-untyped]
from lxml import etree

from soc_bulletin.cli.main import main

from .project import make_project

SCHEMA = Path(__file__).parent / "data" / "atom.rnc"
NS = {"atom": "http://www.w3.org/2005/Atom"}


@pytest.fixture(scope="session")
def atom_schema() -> etree.RelaxNG:
    rng = rnc2rng.dumps(rnc2rng.loads(SCHEMA.read_text(encoding="utf-8")))
    # The grammar's `namespace local = ""` becomes xmlns:local="", which XML namespaces forbid; its one use is already
    # written as <nsName ns=""/>, so the declaration goes.
    return etree.RelaxNG(etree.fromstring(rng.replace('xmlns:local=""', "").encode("utf-8")))


def _valid(schema: etree.RelaxNG, feed: etree._ElementTree) -> None:
    assert schema.validate(feed), schema.error_log
    root = feed.getroot()
    assert root.xpath("atom:author or not(atom:entry[not(atom:author)])", namespaces=NS) is True  # Appendix B's Schematron rules
    for entry in root.findall("atom:entry", NS):
        assert entry.xpath("atom:link[@rel='alternate'] or atom:link[not(@rel)] or atom:content", namespaces=NS) is True


def _href(entry: etree._Element) -> str:
    link = entry.find("atom:link", NS)
    assert link is not None
    return str(link.get("href"))


def test_the_schema_refuses_what_rfc_4287_refuses(atom_schema: etree.RelaxNG) -> None:
    atom = 'xmlns="http://www.w3.org/2005/Atom"'
    assert not atom_schema.validate(etree.fromstring(f"<feed {atom}><title>x</title></feed>".encode()))  # no id, no updated
    assert not atom_schema.validate(etree.fromstring(
        f"<feed {atom}><title>x</title><id>tag:x,2019:a</id><updated>2019-08-01</updated></feed>".encode()))  # not a date-time
    assert atom_schema.validate(etree.fromstring(
        f"<feed {atom}><title>x</title><id>tag:x,2019:a</id><updated>2019-08-01T00:00:00Z</updated></feed>".encode()))


def test_the_archive_feed_is_valid_public_and_linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     atom_schema: etree.RelaxNG) -> None:
    root = make_project(tmp_path / "project")  # a police article and a police section
    earlier = root / "issues" / "2019-05"
    shutil.copytree(root / "issues" / "2019-08", earlier)
    text = (earlier / "issue.yaml").read_text(encoding="utf-8").replace("number: 11", "number: 10").replace("2019-08-01", "2019-05-01")
    (earlier / "issue.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    assert main(["archive", "issues", "-o", "site"]) == 0
    feed = etree.parse(str(root / "site" / "feed.xml"))
    _valid(atom_schema, feed)
    entries = feed.getroot().findall("atom:entry", NS)
    assert [e.findtext("atom:title", namespaces=NS) for e in entries] == ["Issue 11 · August 2019", "Issue 10 · May 2019"]
    assert [e.findtext("atom:id", namespaces=NS) for e in entries] == [
        "tag:homeoffice.gov.uk,2019-08-01:2019-08", "tag:homeoffice.gov.uk,2019-05-01:2019-05"]
    for entry in entries:
        assert (root / "site" / _href(entry)).is_file(), _href(entry)
    document = etree.tostring(feed, encoding="unicode")
    # the police article and the police section (the archive and its feed are public)
    assert "In this issue: Special Unit Established to Support Modern Slavery Victims; Asset Recovery Action Plan;" in document
    assert "SOC Community Coordinators;" not in document and "Joint Money Laundering" not in document
    index = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="application/atom+xml" title="SOC Local Partnerships Bulletin: all issues" href="feed.xml">' in index
    assert '<a href="feed.xml"' in index
    page = (root / "site" / "2019-08" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="application/atom+xml" title="All issues" href="../feed.xml">' in page


def test_with_a_base_url_the_feed_names_itself_and_links_absolutely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    atom_schema: etree.RelaxNG) -> None:
    root = make_project(tmp_path / "project", restricted=False)
    monkeypatch.chdir(root)
    assert main(["archive", "issues", "-o", "site", "--base-url", "https://bulletin.example.org/"]) == 0
    feed = etree.parse(str(root / "site" / "feed.xml"))
    _valid(atom_schema, feed)
    feed_root = feed.getroot()
    assert feed_root.findtext("atom:id", namespaces=NS) == "https://bulletin.example.org/"
    assert [link.get("href") for link in feed_root.findall("atom:link[@rel='self']", NS)] == ["https://bulletin.example.org/feed.xml"]
    [entry] = feed_root.findall("atom:entry", NS)
    assert entry.findtext("atom:id", namespaces=NS) == "https://bulletin.example.org/2019-08/"
    assert _href(entry) == urljoin("https://bulletin.example.org/feed.xml", "2019-08/index.html")
    assert "In this issue: Special Unit Established to Support Modern Slavery Victims; SOC Community Coordinators;" in str(
        entry.findtext("atom:summary", namespaces=NS))
