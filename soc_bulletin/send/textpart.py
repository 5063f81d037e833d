"""The text part of a message: quoted-printable line by line, so each line of the text edition is one line of the message.

A line without a placeholder is encoded once per edition; a line holding one
(the greeting, the unsubscribe link) is encoded whole for each recipient, so
no soft line break is ever put around a spliced value. The only soft breaks
are inside a line that cannot fit 76 characters encoded (a long URL).
"""

from __future__ import annotations

import binascii
import re

from ..render.renderer import PLACEHOLDERS
from ..render.text import QP_LINE

__all__ = ["TextPart", "qp_line"]

CRLF = b"\r\n"
_SPLIT = re.compile("|".join(re.escape(t) for t in PLACEHOLDERS.values()))
_TOKEN_NAME = {token: name for name, token in PLACEHOLDERS.items()}

#: a line that quoted-printable leaves as it is: printable ASCII without "=", no leading dot, no trailing blank
_PLAIN_LINE = re.compile(r"(?!\.)[ -<>-~]*(?<! )")


def qp_line(line: str, /) -> bytes:
    """One line quoted-printable, soft-broken only where it would pass 76 characters (RFC 2045).

    No line (nor a continuation) starts with a dot, so no SMTP dot-stuffing is needed.
    """
    if len(line) <= QP_LINE and _PLAIN_LINE.fullmatch(line):
        return line.encode("ascii")
    flat = binascii.b2a_qp(line.encode("utf-8"), quotetabs=False, istext=True, header=False).replace(b"=\n", b"")
    out: list[bytes] = []
    while True:
        if flat.startswith(b"."):
            flat = b"=2E" + flat[1:]
        if len(flat) <= QP_LINE:
            out.append(flat)
            return CRLF.join(out)
        cut = QP_LINE - 1 - (2 if flat[QP_LINE - 3 : QP_LINE - 2] == b"=" else 1 if flat[QP_LINE - 2 : QP_LINE - 1] == b"=" else 0)
        out.append(flat[:cut] + b"=")
        flat = flat[cut:]


class TextPart:
    """The text part: each line of the edition one line of the message, encoded once.

    A line holding a placeholder is kept as text and encoded whole for each
    recipient, so no soft break is ever added around a spliced value.
    """

    def __init__(self, content: str) -> None:
        lines = content.replace("\r\n", "\n").split("\n")
        self.pieces: list[bytes | tuple[str, str, bytes]] = []  # encoded lines, or (value name or "", line, line end)
        run: list[bytes] = []
        for n, line in enumerate(lines):
            end = CRLF if n < len(lines) - 1 else b""
            if _SPLIT.search(line):
                if run:
                    self.pieces.append(b"".join(run))
                    run = []
                self.pieces.append((_TOKEN_NAME.get(line, ""), line, end))
            else:
                run.append(qp_line(line) + end)
        if run:
            self.pieces.append(b"".join(run))

    def chunks(self, values: dict[str, str], /) -> list[bytes]:
        """The encoded part with ``values`` filled in, as chunks to join once."""
        out = []
        for piece in self.pieces:
            if isinstance(piece, bytes):
                out.append(piece)
            else:
                name, line, end = piece
                filled = values[name] if name else _SPLIT.sub(lambda m: values[_TOKEN_NAME[m[0]]], line)
                if "\n" in filled or "\r" in filled:
                    filled = " ".join(filled.splitlines())
                out.append(qp_line(filled) + end)
        return out
