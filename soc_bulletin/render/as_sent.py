"""The HTML part as it is sent, and its size against Gmail's clipping.

Gmail clips a message whose HTML part is over about 102 KB: it shows the
start and "[Message clipped]", and hides the rest, the unsubscribe link
included. What counts is the part as it travels, quoted-printable encoded
(about an eighth larger than the HTML) with each recipient's greeting and
unsubscribe link in it. ``send`` encodes the part with :class:`EncodedHtml`;
``build`` and ``check`` measure it with the same encoder and the longest
values a recipient is given (:data:`STAND_INS`), so the three agree.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable, Mapping, Sequence

from .renderer import PLACEHOLDERS

__all__ = [
    "CLIP_BYTES", "LONG_ARTICLE_BYTES", "STAND_INS", "WARN_BYTES", "EncodedHtml", "article_bytes", "content_id", "quoted_printable",
    "sent_html_bytes", "shown_size", "size_advice", "with_content_ids",
]

#: Gmail clips a message whose HTML part is over this (102 KB).
CLIP_BYTES = 102 * 1024
#: Past this, ``build``, ``check`` and ``send`` warn that the clipping is close.
WARN_BYTES = 90 * 1024
#: An article taking more than a sixth of the 102 KB (about 2,000 words) is long for one issue: six such fill it (a warning).
LONG_ARTICLE_BYTES = CLIP_BYTES // 6
#: The longest values measured in place of a recipient's own: a 64-character name, and a 160-character link for every
#: other placeholder (each is a link of the recipient's: unsubscribe, and any a layout adds).
STAND_INS = {name: f"Dear {'N' * 64}," if name == "greeting" else "https://" + "u" * 152 for name in PLACEHOLDERS}

CRLF = b"\r\n"
_MAX_LINE = 76  # characters in an encoded line, CRLF excluded (RFC 2045)
_SPLIT = re.compile("(" + "|".join(re.escape(t) for t in PLACEHOLDERS.values()) + ")")
_TOKEN_NAME = {token: name for name, token in PLACEHOLDERS.items()}
_ARTICLE_START = re.compile(r'<h3 id="([a-z0-9-]+)"')


def quoted_printable(text: str, /) -> bytes:
    """``text`` quoted-printable encoded by the standard library, with CRLF line ends; lines are broken once.

    No line starts with a dot (it is written ``=2E``), so the message needs no
    SMTP dot-stuffing; the last line leaves room for the ``=`` of a soft break,
    so a value can be spliced in after it.
    """
    data = text.replace("\r\n", "\n").encode("utf-8")
    lines = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False).split(b"\n")
    out: list[bytes] = []
    for n, line in enumerate(lines):
        if line.startswith(b"."):
            line = b"=2E" + line[1:]
        limit = _MAX_LINE - 1 if n == len(lines) - 1 else _MAX_LINE
        while len(line) > limit:  # only a line that a leading dot lengthened, or the last one
            cut = 73 - (2 if line[71:72] == b"=" else 1 if line[72:73] == b"=" else 0)
            out.append(line[:cut] + b"=")
            line = line[cut:]
        out.append(line)
    return CRLF.join(out)


class EncodedHtml:
    """The HTML part, encoded once, with the places where each recipient's values are spliced in."""

    def __init__(self, content: str, /) -> None:
        pieces = _SPLIT.split(content)
        self.static = [quoted_printable(p) for p in pieces[0::2]]
        self.slots = [_TOKEN_NAME[t] for t in pieces[1::2]]

    def chunks(self, values: Mapping[str, str], /) -> list[bytes]:
        """The encoded part with ``values`` (HTML-escaped already) spliced in, as chunks to join once."""
        out = [self.static[0]]
        for slot, chunk in zip(self.slots, self.static[1:], strict=True):
            out += (b"=\r\n", quoted_printable(values[slot]), b"=\r\n", chunk)
        return out

    def size(self, values: Mapping[str, str] = STAND_INS, /) -> int:
        """Bytes of the part as sent with ``values`` (default: the longest a recipient is given)."""
        return sum(len(chunk) for chunk in self.chunks(values))


def content_id(n: int, digest: str, domain: str, /) -> str:
    """The Content-ID of a message's ``n``-th inline image (``digest``: 12 hex digits naming the issue)."""
    return f"img{n}.{digest}@{domain}"


def with_content_ids(html: str, images: Iterable[str], digest: str, domain: str, /) -> str:
    """``html`` with each local image's ``src`` pointing at its inline part, as sent."""
    for n, src in enumerate(sorted(images), 1):
        html = html.replace(f'src="{src}"', f'src="cid:{content_id(n, digest, domain)}"')
    return html


def sent_html_bytes(html: str, /, *, images: Iterable[str] = (), domain: str = "example.org") -> int:
    """Bytes of the HTML part as sent: local ``images`` as inline parts, encoded, the longest values spliced in."""
    return EncodedHtml(with_content_ids(html, images, "0" * 12, domain)).size()


def article_bytes(html: str, slugs: Sequence[str], /) -> dict[str, int]:
    """Each article's share of the HTML part as sent: from its heading to the next article's (the last one's to the footer)."""
    starts = [(m.start(), m.group(1)) for m in _ARTICLE_START.finditer(html) if m.group(1) in slugs]
    if not starts:
        return {}
    footer = html.rfind(PLACEHOLDERS["unsubscribe_url"])
    ends = [at for at, _ in starts[1:]] + [footer if footer > starts[-1][0] else len(html)]
    return {slug: len(quoted_printable(html[at:end])) for (at, slug), end in zip(starts, ends, strict=True)}


def shown_size(size: int, /) -> str:
    """A size as people read it beside the 102 KB: ``97.4 KB`` (1 KB = 1,024 bytes, as Gmail counts)."""
    return f"{size / 1024:.1f} KB"


def size_advice(size: int, /, *, largest: str = "") -> str:
    """What to do about an HTML part of ``size`` bytes as sent ("" under :data:`WARN_BYTES`); ``largest`` names articles."""
    of = f" (the largest articles: {largest})" if largest else ""
    if size > CLIP_BYTES:
        return (f"The email's HTML part is {shown_size(size)} as sent{of}; Gmail cuts off emails over 102 KB, so shorten the "
                "articles or move some to the next issue.")
    if size > WARN_BYTES:
        return (f"The email's HTML part is {shown_size(size)} as sent{of}, close to the 102 KB at which Gmail cuts emails off; "
                "keep further additions short.")
    return ""
