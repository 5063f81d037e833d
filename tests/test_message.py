"""Per-recipient messages: structure, headers, encoding, and no header injection."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import re
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

import pytest

from soc_bulletin import Article, ConfigError, Image, Issue, Section, Text, Welcome, render_issue
from soc_bulletin.errors import RecipientRefused
from soc_bulletin.render.renderer import fill_placeholders
from soc_bulletin.send.message import MessageTemplate, Sender
from soc_bulletin.send.unsubscribe import Unsubscribe

ISSUE = Issue(
    title="Test Bulletin", number=4, date=dt.date(2021, 3, 1), mailbox="team@example.org",
    welcome=Welcome("Welcome. " + "A long line of words that goes on. " * 30 + "\n"),
    sections=(Section("From the Centre", (Article("a", "Café news", blocks=(Text("Ünïcode — text.\n\n.Leading dot line\n"),)),)),),
)


def template(base_url: str = "", images: dict[str, Path] | None = None, issue: Issue = ISSUE) -> MessageTemplate:
    sender = Sender.parse("SOC Partnerships <team@example.org>", mailbox="team@example.org", list_id="soc.example.org")
    unsubscribe = Unsubscribe(list_id=sender.list_id, mailbox="team@example.org", base_url=base_url, secret="s3cret-s3cret-s3cret")
    return MessageTemplate(render_issue(issue), sender=sender, unsubscribe=unsubscribe, images=images)


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_structure_and_headers_without_https_unsubscribe() -> None:
    t = template()
    out = t.build("jo@example.net", "Jo Bloggs")
    m = parse(out.data)
    assert m["To"] == "Jo Bloggs <jo@example.net>"
    assert m["From"] == "SOC Partnerships <team@example.org>"
    assert m["Reply-To"] == "team@example.org"
    assert m["Subject"] == "Test Bulletin – March 2021, Issue 4"
    assert m["List-Id"] == "<soc.example.org>"
    assert m["Message-ID"] == out.message_id
    assert m["Date"] is not None
    assert re.fullmatch(r"<mailto:team@example\.org\?subject=Unsubscribe%20[\w-]+>", m["List-Unsubscribe"])
    assert m["List-Unsubscribe-Post"] is None
    assert m.get_content_type() == "multipart/alternative"
    text, html = (p.get_content() for p in m.iter_parts())
    edition = render_issue(ISSUE)
    values = {"greeting": "Dear Jo Bloggs,", "unsubscribe_url": t.unsubscribe.links("jo@example.net").mailto}
    assert text.replace("\r\n", "\n") == fill_placeholders(edition.text, values)
    assert html.replace("\r\n", "\n") == fill_placeholders(edition.html, values)
    assert out.envelope_from == "team@example.org" and out.recipient == "jo@example.net"


def test_https_unsubscribe_adds_one_click_header_and_verifiable_token() -> None:
    t = template("https://bulletin.example.org/unsubscribe")
    m = parse(t.build("jo@example.net", "Jo").data)
    https, mailto = re.fullmatch(r"<(https://[^>]+)>,\s*<(mailto:[^>]+)>", m["List-Unsubscribe"]).groups()  # type: ignore[union-attr]
    assert re.fullmatch(r"https://bulletin\.example\.org/unsubscribe\?t=[\w-]{16}", https)
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = https.rsplit("?t=", 1)[1]
    assert mailto.endswith(f"?subject=Unsubscribe%20{token}") and "jo" not in https.lower()
    assert t.unsubscribe.verify("jo@example.net", token)
    assert not t.unsubscribe.verify("someone@example.net", token)
    html = [p for p in m.walk() if p.get_content_type() == "text/html"][0].get_content()
    assert f'href="{https.replace("&", "&amp;")}"' in html


@pytest.mark.parametrize(("secret", "previous"), [("", ""), ("short", ""), ("s3cret-s3cret-s3cret", "abc")])
def test_links_need_secrets_of_16_characters(secret: str, previous: str) -> None:
    with pytest.raises(ConfigError, match="SOC_BULLETIN_UNSUBSCRIBE_SECRET"):
        Unsubscribe(list_id="l", mailbox="team@example.org", base_url="https://x.example.org/u", secret=secret,
                    previous_secret=previous)


def test_message_ids_and_tokens_are_keyed() -> None:
    one, two = (Unsubscribe(list_id="l", mailbox="team@example.org", secret=s) for s in ("a" * 16, "b" * 16))
    assert one.token("jo@example.net") != two.token("jo@example.net")
    assert one.message_digest("2019-08", "jo@example.net") != two.message_digest("2019-08", "jo@example.net")


@pytest.mark.parametrize("name", ["Jo\r\nBcc: victim@example.com", "Jo\nX-Injected: yes", "Jo\x00\x1b Bloggs", "Eve\u2028Cc: all@example.com"])
def test_control_characters_in_names_never_make_a_header(name: str) -> None:
    m = parse(template().build("jo@example.net", name).data)
    assert m["Bcc"] is None and m["Cc"] is None and m["X-Injected"] is None
    assert len(m.get_all("To") or []) == 1
    assert m["To"].addresses[0].addr_spec == "jo@example.net"
    assert "\n" not in m["To"].addresses[0].display_name


@pytest.mark.parametrize("address", ["jo@example.net\r\nBcc: x@example.com", "a b@example.net", "<jo@example.net>", "jo@example.net,x@example.com"])
def test_addresses_with_control_or_special_characters_are_refused(address: str) -> None:
    with pytest.raises(RecipientRefused, match="not a plain email address"):
        template().build(address, "Jo")


def test_subject_with_newlines_is_one_line() -> None:
    issue = dataclasses.replace(ISSUE, subject="Line one\r\nBcc: all@example.com")
    m = parse(template(issue=issue).build("jo@example.net", "Jo").data)
    assert m["Subject"] == "Line one Bcc: all@example.com"
    assert m["Bcc"] is None


def test_non_ascii_display_name_is_encoded() -> None:
    data = template().build("zoe@example.net", "Zoë Ó Briain").data
    header = data.split(b"\r\n\r\n", 1)[0]
    assert header.isascii()
    assert parse(data)["To"].addresses[0].display_name == "Zoë Ó Briain"


def test_message_id_is_stable_per_recipient_and_distinct_between_them() -> None:
    a1 = template().build("a@example.net", "A").message_id
    a2 = template().build("A@example.net", "Another name").message_id
    b = template().build("b@example.net", "B").message_id
    assert a1 == a2 and a1 != b
    assert re.fullmatch(r"<2021-03\.[0-9a-f]{24}@example\.org>", a1)


def test_quoted_printable_lines_stay_within_76_characters() -> None:
    data = template("https://bulletin.example.org/unsubscribe").build("a.very.long.address.indeed@example.net", "N" * 90).data
    body = data.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76


def test_no_line_starts_with_a_dot_so_no_dot_stuffing_is_needed() -> None:
    data = template().build("jo@example.net", ".Jo").data
    assert not data.startswith(b".") and b"\r\n." not in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    m = parse(data)
    text = [p for p in m.walk() if p.get_content_type() == "text/plain"][0].get_content()
    assert "\n.Leading dot line" in text.replace("\r\n", "\n")


def test_local_images_travel_inline(tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    issue = Issue(
        title="T", number=1, date=dt.date(2021, 1, 1), mailbox="team@example.org", welcome=Welcome("Hi\n"),
        sections=(Section("S", (Article("a", "A", blocks=(Image("images/photo.png", "Two people at a desk"),)),)),),
    )
    m = parse(template(images={"images/photo.png": png}, issue=issue).build("jo@example.net", "Jo").data)
    [related] = [p for p in m.walk() if p.get_content_type() == "multipart/related"]
    html, image = related.iter_parts()
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html.get_content()
    assert image.get_content() == png.read_bytes()


def test_dkim_signature_verifies() -> None:
    import base64

    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from soc_bulletin.send.message import DkimKey

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    t = template()
    t.dkim = DkimKey("bulletin", "example.org", pem)
    data = t.build("jo@example.net", "Jo").data
    assert data.startswith(b"DKIM-Signature: ")
    assert dkim.verify(data, dnsfunc=lambda name, timeout=5: record if name == b"bulletin._domainkey.example.org." else None)
    tampered = data.replace(b"Jo <jo@example.net>", b"Al <jo@example.net>")
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: record)


def test_long_non_ascii_names_are_split_into_short_encoded_words() -> None:
    name = "María José Fernández de la Peña Ó Briain-Núñez, Coordinadora Regional"
    data = template().build("maria@example.net", name).data
    header = data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in header.split(b"\r\n") if not line.startswith(b"List-Unsubscribe")) <= 78
    assert all(len(word) <= 75 for word in re.findall(rb"=\?utf-8\?[bq]\?[^?]*\?=", header, re.I))
    to_line = header.split(b"\r\nTo: ", 1)[1].split(b"\r\nDate:", 1)[0].decode()
    assert str(make_header(decode_header(to_line.replace("\r\n", "")))) == f"{name} <maria@example.net>"
    to = parse(data)["To"].addresses[0]  # CPython's parser adds a space between encoded-words
    assert (" ".join(to.display_name.split()), to.addr_spec) == (name, "maria@example.net")


def test_one_click_header_only_with_an_https_unsubscribe_uri() -> None:
    """RFC 8058: List-Unsubscribe-Post goes only beside an https URI; an http (localhost) link may still be listed."""
    m = parse(template("http://localhost:8000/unsubscribe").build("jo@example.net", "Jo").data)
    assert m["List-Unsubscribe"].startswith("<http://localhost:8000/unsubscribe?")
    assert m["List-Unsubscribe-Post"] is None
    assert parse(template("https://bulletin.example.org/unsubscribe").build("jo@example.net").data)["List-Unsubscribe-Post"]
