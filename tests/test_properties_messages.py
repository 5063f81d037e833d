"""Property-based tests (Hypothesis): no generated settings file gives anything but ConfigError, and no
generated name, subject or address puts a header into a message that the builder did not write.

Fixed budget: every test sets ``max_examples`` and the file runs in a few seconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import json
import re
import tempfile
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from soc_bulletin import Article, Issue, Section, Text, Welcome, render_issue
from soc_bulletin.config import Settings, load_settings
from soc_bulletin.errors import BulletinError, ConfigError, RecipientRefused
from soc_bulletin.send.message import MessageTemplate, Sender, clean_header_text
from soc_bulletin.send.unsubscribe import Unsubscribe

BUDGET = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028-\u202e]")

# --- settings ----------------------------------------------------------------------------------

KEYS = ["from", "envelope_sender", "list_id", "unsubscribe_base_url", "suppressed", "segments", "dkim_selector",
        "dkim_key", "stale_after_days", "base_url", "frm", "", "a.b", "\"\\u000d\""]
HOSTILE = [
    "Team <team@example.org>\r\nBcc: x@example.net", "a@example.org, b@example.org", "javascript:alert(1)",
    "https://bulletin.example.org/u\r\nX: y", "=?utf-8?q?Alice=0D=0ABcc:_x@example.net?=", "https://[::1",
    "http://localhost:8000/u", "https://u:p@bulletin.example.org", "soc.example.org", "\x00", "\u202e", "x" * 5000,
]


def toml_value(value: object) -> str:
    """A TOML literal for ``value`` (JSON's string and number syntax is TOML's too)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


values = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=60), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(), st.lists(st.text(max_size=5), max_size=3),
)
tables = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)


def toml_table(name: str, table: dict[str, object] | None) -> str:
    if table is None:
        return ""
    return f"[{name}]\n" + "".join(f"{key or chr(34) * 2} = {toml_value(value)}\n" for key, value in table.items())


documents = st.builds(
    lambda site, sending, extra: toml_table("site", site) + toml_table("sending", sending) + extra,
    st.none() | tables, tables, st.sampled_from(["", "[other]\n", "[sending]\n", "x = [[[1]]]\n", "site = 1\n", "\n= 1\n"]),
)


def check_loading(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "soc-bulletin.toml"
        path.write_bytes(data)
        try:
            loaded = load_settings(path)
        except ConfigError as exc:
            lines = str(exc).splitlines()
            assert lines and all(line.startswith(str(path)) or line.startswith("cannot read") for line in lines)
            assert not RAW_CONTROL.search(str(exc)), "messages are printable"
            return
    assert isinstance(loaded, Settings)
    sending = loaded.sending
    # whatever loads is also accepted by the message builder: validation and use agree
    sender = Sender.parse(sending.from_, mailbox="team@example.org", envelope_sender=sending.envelope_sender, list_id=sending.list_id)
    Unsubscribe(list_id=sender.list_id, mailbox="team@example.org", base_url=sending.unsubscribe_base_url, secret="s" * 16)


@BUDGET
@given(documents)
@example('[sending]\nfrom = "Team <team@example.org>\\r\\nBcc: x@example.net"\n')
@example('[site]\nbase_url = "javascript:alert(1)"\n')
def test_generated_settings_load_or_raise_config_error(text: str) -> None:
    check_loading(text.encode("utf-8"))


@BUDGET
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8")),
                 st.text(max_size=100).map(lambda t: t.encode("utf-16"))))
@example(b"[sending]\nfrom = \"\xff\xfe\"\n")
@example(b"x = " + b"[" * 3000)
def test_any_bytes_load_or_raise_config_error(data: bytes) -> None:
    check_loading(data)


# --- messages ----------------------------------------------------------------------------------

ISSUE = Issue(
    title="Props", number=1, date=dt.date(2021, 1, 1), mailbox="team@example.org", welcome=Welcome("Hi.\n"),
    sections=(Section("S", (Article("a", "A", blocks=(Text("Words.\n"),)),)),),
)
EDITION = render_issue(ISSUE)
SENDER = Sender.parse("SOC Partnerships <team@example.org>", mailbox="team@example.org", list_id="soc.example.org")
UNSUBSCRIBE = Unsubscribe(list_id="soc.example.org", mailbox="team@example.org", base_url="https://bulletin.example.org/u",
                          secret="a-long-test-secret-value")
WRITTEN = ["From", "Reply-To", "Subject", "List-Id", "MIME-Version", "Content-Type", "To", "Date", "Message-ID",
           "List-Unsubscribe", "List-Unsubscribe-Post"]
INJECTIONS = [
    "=?utf-8?q?Alice=0D=0ABcc:_x@example.net?=", "=?utf-8?b?QWxpY2UNCkJjYzogeEBleGFtcGxlLm5ldA==?=", "Jo\r\nBcc: x@example.net",
    "Jo\nCc: all@example.net", "\u2028Bcc: x@example.net", "Jo\x00\x1b[2J", '"Jo" <x@example.net>, y@example.net', "=?", "?=",
    "a" * 2000, "é" * 700, "Jo (comment) \\ \"quoted\"",
]
texts = st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=120), st.lists(st.sampled_from(INJECTIONS), max_size=4).map(" ".join))
addresses = st.one_of(st.emails(), st.sampled_from(["jo@example.net", "a@b.c\r\nBcc: x@example.net", "=?utf-8?q?x?=@example.net",
                                                    "a@b@example.net", "<jo@example.net>", "x" * 300 + "@example.net"]),
                      st.text(max_size=40))


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def head_to(head: bytes) -> str:
    """The raw value of the To header, unfolded."""
    return re.search(rb"\r\nTo: (.*?)\r\n(?! )", head + b"\r\n", re.S)[1].replace(b"\r\n", b"").decode("ascii")  # type: ignore[index]


def display_name(head: bytes) -> str:
    """The To display name as an RFC 2047 decoder reads it (whitespace between encoded-words dropped)."""
    raw = head_to(head)
    if not raw.startswith("=?"):
        return str(parse(head + b"\r\n\r\n")["To"].addresses[0].display_name)
    return str(make_header(decode_header(raw.rsplit(" <", 1)[0])))


@settings(max_examples=200, deadline=None, database=None)
@given(name=texts, subject=texts, address=addresses)
@example(name="=?utf-8?q?Alice=0D=0ABcc:_x@example.net?=", subject="=?utf-8?q?Alice=0D=0ABcc:_x@example.net?=", address="jo@example.net")
def test_built_messages_hold_only_the_headers_the_builder_writes(name: str, subject: str, address: str) -> None:
    try:
        template = MessageTemplate(dataclasses.replace(EDITION, subject=subject), sender=SENDER, unsubscribe=UNSUBSCRIBE)
        out = template.build(address, name)
    except BulletinError:
        return
    head = out.data.split(b"\r\n\r\n", 1)[0]
    assert b"\n" not in out.data.replace(b"\r\n", b"") and b"\r" not in out.data.replace(b"\r\n", b""), "only CRLF line ends"
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    message = parse(out.data)
    assert list(message.keys()) == WRITTEN, "exactly the headers the builder writes, each once"
    assert message.defects == [] or all("Bcc" not in str(d) for d in message.defects)
    assert message["Subject"] == clean_header_text(subject)
    [to] = message["To"].addresses
    assert to.addr_spec == address
    assert display_name(head) == clean_header_text(name), "the name comes back literally, never decoded twice"


def test_the_encoded_word_name_and_subject_of_the_issue_come_back_literally() -> None:
    literal = "=?utf-8?q?Alice=0D=0ABcc:_x@example.net?="
    template = MessageTemplate(dataclasses.replace(EDITION, subject=literal), sender=SENDER, unsubscribe=UNSUBSCRIBE)
    message = parse(template.build("jo@example.net", literal).data)
    assert message["Subject"] == literal
    assert message["To"].addresses[0].display_name == literal
    assert message["Bcc"] is None and message["Cc"] is None


def test_an_address_holding_an_encoded_word_is_refused_not_decoded_by_mail_programs() -> None:
    template = MessageTemplate(EDITION, sender=SENDER, unsubscribe=UNSUBSCRIBE)
    with pytest.raises(RecipientRefused, match="is not a plain email address"):
        template.build("=?utf-8?q?boss=40example.org?=@example.net", "Jo")
    with pytest.raises(ConfigError, match="the From address .* has '=\\?' in the address"):
        Sender.parse("Team <=?utf-8?q?x?=@example.org>", mailbox="team@example.org")
