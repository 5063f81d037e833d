"""Arguments and output of ``send`` and ``status`` that read for people: ``--rate``, a segment's name, headers as text."""

from __future__ import annotations

import argparse
import contextlib
import re
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..terminal import printable

if TYPE_CHECKING:  # imported where used, so that parsing the arguments loads no stage (tests/test_startup.py)
    from ..config import Settings
    from ..send.engine import RateLimit
    from ..send.status import SendStatus

__all__ = ["known_segment", "one_segment", "rate", "readable_headers"]


def rate(text: str, /) -> RateLimit:
    """``--rate`` for argparse: a number of messages per second, minute or hour."""
    from ..send.engine import RateLimit

    try:
        return RateLimit.parse(text)
    except ConfigError:
        per = "; give the unit too, such as" if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", text) else "; write it as"
        raise argparse.ArgumentTypeError(f"'{text}' is not a rate{per} 30/min, 5/s or 1000/hour") from None


rate.__name__ = "rate"


def known_segment(name: str, settings: Settings, /) -> None:
    """Raise ConfigError (exit 2), naming the closest, when ``name`` is not a segment of the project."""
    from ..audience.segments import Segments, load_segments

    path = settings.resolve(settings.sending.segments)
    (load_segments(path) if path.exists() else Segments()).segment(name)


def readable_headers(block: str, /) -> str:
    """Header lines as a person reads them: folded lines joined and RFC 2047 words (``=?utf-8?b?...?=``) decoded."""
    import email.header

    lines: list[str] = []
    for line in block.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    shown = []
    for line in lines:
        name, colon, value = line.partition(":")
        if colon and "=?" in value:
            with contextlib.suppress(ValueError, LookupError, UnicodeError):
                value = " " + str(email.header.make_header(email.header.decode_header(value.strip())))
        shown.append(name + colon + value)
    return "\n".join(shown)


def one_segment(status: SendStatus, segment: str, /) -> SendStatus:
    """``status`` narrowed to the sends to ``segment``; when there are none, says so (and the groups are empty)."""
    groups = {key: counts for key, counts in status.groups.items() if key[0] == segment}
    if not groups:
        others = sorted({name for name, _ in status.groups})
        print(printable(f"No send of issue {status.identity} to segment '{segment}' has started; "
                        f"sends so far: {', '.join(others) or 'none'}."))
    import dataclasses

    return dataclasses.replace(status, groups=groups, failed=[row for row in status.failed if row.segment == segment])
