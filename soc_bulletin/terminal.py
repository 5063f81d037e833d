"""Text from outside (server replies, file contents, addresses) made safe to print on a terminal."""

from __future__ import annotations

import re

__all__ = ["printable", "printable_json"]

# C0 and C1 controls (escape sequences start with ESC or CSI), DEL, the
# invisible or direction-changing characters that can disguise what is shown,
# and lone surrogates (a file name that is not UTF-8), which cannot be printed.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
# What json.dumps(ensure_ascii=False) leaves raw of the above (it escapes C0 controls itself).
_JSON_UNPRINTABLE = re.compile("[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, /) -> str:
    """``text`` with every control or invisible character written as an escape (``\\x1b``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(_escape, text)


def printable_json(text: str, /) -> str:
    """JSON text with the characters :func:`printable` escapes written as ``\\uXXXX``: the same JSON value."""
    return _JSON_UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
