"""Segments: named selections of subscribers by tags, region or organisation.

``subscribers/segments.yaml`` maps each name to its rules::

    police-wales:
      description: Police forces in Wales.
      segments: [police]          # tags
      region: [Wales]
      exclude: {organisation: [Example Training College]}
    welsh-readers: {language: [cy, both]}   # the list's language column

Every listed criterion must match, and within one criterion any value will
do; a subscriber matching *any* criterion under ``exclude`` is left out.
Comparisons ignore case. ``all`` is built in. Suppressed addresses are
removed by :func:`select_recipients`, whatever the segment.

Problem codes: SB630-SB634 (plus the YAML ones, SB001-SB013).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..content.cache import FileCache
from ..content.schema import segment_name_problem
from ..content.yamlfile import Fields, NodeReader, read_yaml
from ..errors import ConfigError, SubscriberError
from ..problems import Problem, Severity
from .subscribers import Subscriber
from .suppression import Suppressions

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["ALL", "DEFAULT_SEGMENTS", "Criteria", "Segment", "Segments", "load_segments", "project_segments", "select_recipients"]

log = logging.getLogger(__name__)

DEFAULT_SEGMENTS = Path("subscribers") / "segments.yaml"
SEGMENT_KEYS = ("description", "segments", "region", "organisation", "language", "exclude")
CRITERIA = (("segments", "tag"), ("region", "region"), ("organisation", "organisation"), ("language", "language"))


def _fold(values: Iterable[str]) -> frozenset[str]:
    return frozenset(" ".join(value.split()).casefold() for value in values)


@dataclass(frozen=True, slots=True)
class Criteria:
    """Tags, regions and organisations to look for (stored case-folded)."""

    tags: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()
    #: Values of the subscriber's ``language`` column (``cy``, ``both``; "" never matches: the issue decides its meaning).
    languages: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("tags", "regions", "organisations", "languages"):
            object.__setattr__(self, name, _fold(getattr(self, name)))

    def __bool__(self) -> bool:
        return bool(self.tags or self.regions or self.organisations or self.languages)

    def _hits(self, subscriber: Subscriber) -> Iterator[bool]:
        if self.tags:
            yield any(tag.casefold() in self.tags for tag in subscriber.tags)
        if self.regions:
            yield subscriber.region.casefold() in self.regions
        if self.organisations:
            yield subscriber.organisation.casefold() in self.organisations
        if self.languages:
            yield subscriber.attribute("language").strip().casefold() in self.languages

    def match_all(self, subscriber: Subscriber, /) -> bool:
        """Whether every criterion given matches (true when none is given)."""
        return all(self._hits(subscriber))

    def match_any(self, subscriber: Subscriber, /) -> bool:
        """Whether at least one criterion given matches (false when none is given)."""
        return any(self._hits(subscriber))


@dataclass(frozen=True, slots=True)
class Segment:
    """A named selection: subscribers matching ``include`` and not ``exclude``."""

    name: str
    include: Criteria = Criteria()
    exclude: Criteria = Criteria()
    description: str = ""

    def matches(self, subscriber: Subscriber, /) -> bool:
        """Whether the subscriber belongs to this segment (suppression aside)."""
        return self.include.match_all(subscriber) and not self.exclude.match_any(subscriber)


ALL = Segment("all", description="Every subscriber.")


@dataclass(frozen=True, slots=True)
class _Use:
    """Where a definition names a tag, region or organisation, for warnings."""

    kind: str
    value: str
    segment: str
    line: int
    column: int


class Segments(Mapping[str, Segment]):
    """Segments by name, in file order after the built-in ``all``."""

    def __init__(self, segments: Iterable[Segment] = (), /, *, path: str = "", uses: Iterable[_Use] = ()) -> None:
        self._by_name = {ALL.name: ALL, **{segment.name: segment for segment in segments}}
        self.path = path
        self._uses = tuple(uses)

    def __getitem__(self, name: str) -> Segment:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def segment(self, name: str, /) -> Segment:
        """The segment called ``name``; ConfigError naming the choices if there is none."""
        if name in self._by_name:
            return self._by_name[name]
        close = difflib.get_close_matches(name, list(self._by_name), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(self._by_name)}."
        raise ConfigError(f"There is no segment '{name}'; {hint}")

    def named(self, kind: str, /) -> list[str]:
        """The tags (``kind`` "tag") or regions ("region") the definitions name, as first written, in file order:
        what a sign-up form offers, so a new subscriber can be in the segments."""
        seen: dict[str, str] = {}
        for use in self._uses:
            if use.kind == kind:
                seen.setdefault(use.value.casefold(), use.value)
        return list(seen.values())

    def check(self, subscribers: Iterable[Subscriber], /) -> list[Problem]:
        """Warnings for tags, regions and organisations that no subscriber has (likely typos)."""
        present: dict[str, set[str]] = {"tag": set(), "region": set(), "organisation": set(), "language": set()}
        for s in subscribers:
            present["tag"].update(tag.casefold() for tag in s.tags)
            present["region"].add(s.region.casefold())
            present["organisation"].add(s.organisation.casefold())
            present["language"].add(s.attribute("language").strip().casefold())
        has = {"tag": "has the tag", "region": "is in the region", "organisation": "is in the organisation",
               "language": "has the language"}
        return [
            Problem(
                self.path, use.line, use.column, "SB634",
                f"No subscriber {has[use.kind]} '{use.value}' used by the segment '{use.segment}'; check the spelling.",
                Severity.WARNING,
            )
            for use in self._uses
            if use.value.casefold() not in present[use.kind]
        ]


def project_segments(settings: Settings, named: str | Path | None = None, /, *, cache: FileCache | None = None) -> Segments:
    """The segments ``named`` (``--segments``), else the file the settings name (``[sending] segments``), else only ``all``.

    Raises SubscriberError for a file that cannot be used (a named file must exist).
    """
    if named is not None:
        return load_segments(named, cache=cache)
    default = settings.resolve(settings.sending.segments)
    return load_segments(default, cache=cache) if default.is_file() else Segments()


def load_segments(path: str | Path | None = None, /, *, cache: FileCache | None = None) -> Segments:
    """Read segment definitions; raise SubscriberError with every problem found.

    ``None`` means :data:`DEFAULT_SEGMENTS`, and only ``all`` when that file
    does not exist. Unknown keys are errors at their line and column.
    ``cache`` shares the parsed file with the rest of a run (``check`` reads it too).
    """
    if path is None:
        if not DEFAULT_SEGMENTS.exists():
            return Segments()
        path = DEFAULT_SEGMENTS
    name = str(path)
    node, problems = read_yaml(Path(path), display=name) if cache is None else cache.read_yaml(Path(path))
    if node is None:
        if all(p.code == "SB002" for p in problems):  # empty, or comments only
            return Segments(path=name)
        raise SubscriberError(problems)
    reader = NodeReader(name)
    uses: list[_Use] = []
    segments = _segments(reader, node, uses)
    errors = [p for p in reader.problems if p.severity is Severity.ERROR]
    if errors:
        raise SubscriberError(errors)
    log.info("%d segments in %s", len(segments), name)
    return Segments(segments, path=name, uses=uses)


def select_recipients(
    subscribers: Iterable[Subscriber], /, segment: Segment, suppressions: Suppressions | None = None
) -> list[Subscriber]:
    """The subscribers in ``segment``, in order, less every suppressed address."""
    return [s for s in subscribers if segment.matches(s) and not (suppressions and s in suppressions)]


def _segments(reader: NodeReader, node: yaml.Node, uses: list[_Use]) -> list[Segment]:
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, "SB012", "The segments file must map segment names to rules, such as 'police: {segments: [police]}'.")
        return []
    found: dict[str, Segment] = {}
    for key_node, value_node in node.value:
        name = reader.text(key_node, "A segment name")
        if name is None:
            continue
        if refused := segment_name_problem(name):
            reader.problem(key_node, *refused)
            continue
        if name in found:
            reader.problem(key_node, "SB013", f"The segment '{name}' is defined twice; keep one.")
            continue
        before = len(reader.problems)
        fields = reader.fields(value_node, f"the segment '{name}'", required=(), optional=SEGMENT_KEYS)
        if fields is None:
            continue
        include = _criteria(reader, fields, name, uses, f"the segment '{name}'")
        exclude = _exclude(reader, fields, name, uses)
        if include is None or exclude is None or len(reader.problems) > before:
            continue
        if not include and not exclude:
            reader.problem(
                value_node, "SB632",
                f"The segment '{name}' has no rules; give 'segments', 'region', 'organisation' or 'language', or use the built-in 'all'.",
            )
            continue
        found[name] = Segment(name, include, exclude, fields.text("description"))
    return list(found.values())


def _exclude(reader: NodeReader, fields: Fields, name: str, uses: list[_Use]) -> Criteria | None:
    """The segment's ``exclude`` criteria (none when it has none); None when they are wrong."""
    exclude_node = fields.node("exclude")
    if exclude_node is None:
        return Criteria()
    what = f"'exclude' of the segment '{name}'"
    exclude_fields = reader.fields(exclude_node, what, required=(), optional=[key for key, _ in CRITERIA])
    return _criteria(reader, exclude_fields, name, uses, what) if exclude_fields is not None else Criteria()


def _criteria(reader: NodeReader, fields: Fields, segment: str, uses: list[_Use], what: str) -> Criteria | None:
    values: dict[str, frozenset[str]] = {}
    ok = True
    for key, kind in CRITERIA:
        node = fields.node(key)
        if node is None:
            continue
        texts = reader.texts(node, f"'{key}' of {what}")
        if texts is None:
            ok = False
            continue
        items = list(node.value) if isinstance(node, yaml.SequenceNode) else [node]
        texts = tuple(" ".join(text.split()) for text in texts)
        if not any(texts):
            reader.problem(node, "SB633", f"'{key}' of {what} is empty; list at least one value or remove the key.")
            ok = False
            continue
        for item, text in zip(items, texts, strict=True):
            uses.append(_Use(kind, text, segment, item.start_mark.line + 1, item.start_mark.column + 1))
        values[key] = frozenset(t for t in texts if t)
    if not ok:
        return None
    return Criteria(values.get("segments", frozenset()), values.get("region", frozenset()), values.get("organisation", frozenset()),
                    values.get("language", frozenset()))
