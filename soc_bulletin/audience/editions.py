"""Which editions the members of one segment receive: ``build --segment NAME`` writes what ``send`` would send them.

A member receives the articles for everyone and those for each targeted
segment (one an article or section of the issue is for) that they are in, so
the editions of segment NAME are the sets of targeted segments its members
on the subscriber list are in, counted. Without a list, the edition of a member
of NAME alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from .segments import ALL, Segments, load_segments
from .subscribers import read_subscribers

if TYPE_CHECKING:
    from ..content.cache import FileCache

__all__ = ["SegmentEditions", "segment_editions"]


@dataclass(frozen=True)
class SegmentEditions:
    """The editions members of a segment receive (their targeted segments, and how many members), most members first."""

    editions: list[tuple[frozenset[str], int]]
    #: the subscriber list the members were found on; None: none was read (no list, or no article is targeted)
    source: Path | None


def segment_editions(name: str, targeted: Iterable[str], /, *, segments_file: Path, lists: Path,
                     cache: FileCache | None = None) -> SegmentEditions:
    """The editions members of segment ``name`` receive, given the segments the issue's articles are for (``targeted``).

    ConfigError (exit 2) for an empty name, and, naming the closest, when ``name`` is not a segment of ``segments_file``.
    """
    if not name.strip():
        raise ConfigError("--segment needs the name of a segment, such as police; leave it out to build every article")
    segments = load_segments(segments_file, cache=cache) if segments_file.exists() else Segments()
    chosen = segments.segment(name)  # raises, naming the closest segment
    targeted = [n for n in targeted if n in segments]  # other names: check and send report them
    alone = frozenset(n for n in targeted if n == name)
    if not targeted:
        return SegmentEditions([(frozenset(), 0)], None)
    if not lists.is_file():
        return SegmentEditions([(alone, 0)], None)
    members = [s for s in read_subscribers(lists).subscribers if chosen.matches(s)]
    counts = Counter(frozenset(n for n in targeted if segments[n].matches(s)) for s in members)
    if not counts:
        return SegmentEditions([(frozenset() if name == ALL.name else alone, 0)], None)
    return SegmentEditions(sorted(counts.items(), key=lambda item: (-item[1], sorted(item[0]))), lists)
