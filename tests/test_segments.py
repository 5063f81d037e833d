"""Segments: include and exclude rules, strict YAML, warnings, suppression always winning."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from soc_bulletin.audience.segments import ALL, Criteria, Segment, load_segments, select_recipients
from soc_bulletin.audience.subscribers import Subscriber, read_subscribers
from soc_bulletin.audience.suppression import Suppression, Suppressions, load_suppressions
from soc_bulletin.errors import ConfigError, SubscriberError
from soc_bulletin.problems import Problem, Severity

REPO = Path(__file__).resolve().parent.parent

JANE = Subscriber("jane@example.org", "Jane", "Glanafon Police", "Wales", frozenset({"police", "soc-board"}))
IFAN = Subscriber("ifan@example.org", "Ifan", "Glanafon Council", "Wales", frozenset({"local-authority"}))
ROSS = Subscriber("ross@example.org", "Ross", "Strathmore Glen Police", "Scotland", frozenset({"police"}))
OMAR = Subscriber("omar@example.net", "Omar", "Dalesby Trust", "Yorkshire and the Humber", frozenset({"charity"}))
NOBODY = Subscriber("nobody@example.net")
EVERYONE = (JANE, IFAN, ROSS, OMAR, NOBODY)


def segments_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "segments.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def names(subscribers: list[Subscriber]) -> list[str]:
    return [s.name for s in subscribers]


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (ALL, ["Jane", "Ifan", "Ross", "Omar", ""]),
        (Segment("police", Criteria(tags=frozenset({"police"}))), ["Jane", "Ross"]),
        (Segment("police-wales", Criteria(tags=frozenset({"police"}), regions=frozenset({"Wales"}))), ["Jane"]),
        (Segment("any-of", Criteria(tags=frozenset({"POLICE", "charity"}))), ["Jane", "Ross", "Omar"]),
        (Segment("wales", Criteria(regions=frozenset({"  wales "}))), ["Jane", "Ifan"]),
        (Segment("org", Criteria(organisations=frozenset({"glanafon council", "dalesby trust"}))), ["Ifan", "Omar"]),
        (Segment("not-police", exclude=Criteria(tags=frozenset({"police"}))), ["Ifan", "Omar", ""]),
        (Segment("wales-not-board", Criteria(regions=frozenset({"Wales"})), Criteria(tags=frozenset({"soc-board"}))), ["Ifan"]),
        # under exclude, any one criterion is enough to leave a subscriber out
        (Segment("x", exclude=Criteria(tags=frozenset({"charity"}), regions=frozenset({"Scotland"}))), ["Jane", "Ifan", ""]),
    ],
)
def test_matching(segment: Segment, expected: list[str]) -> None:
    assert names(select_recipients(EVERYONE, segment)) == expected


def test_suppression_wins_over_every_segment() -> None:
    suppressions = Suppressions((Suppression("JANE@example.org", "unsubscribed"),))
    police = Segment("police", Criteria(tags=frozenset({"police"})))
    assert names(select_recipients(EVERYONE, police, suppressions)) == ["Ross"]
    assert "Jane" not in names(select_recipients(EVERYONE, ALL, suppressions))


def test_load_definitions(tmp_path: Path) -> None:
    path = segments_file(tmp_path, """\
        # a comment
        police-wales:
          description: Police forces in Wales.
          segments: [Police]
          region: Wales
        community:
          exclude:
            segments: [police]
            organisation: [Dalesby Trust]
        """)
    segments = load_segments(path)
    assert list(segments) == ["all", "police-wales", "community"]
    assert segments["police-wales"] == Segment(
        "police-wales", Criteria(tags=frozenset({"police"}), regions=frozenset({"wales"})), description="Police forces in Wales."
    )
    assert names(select_recipients(EVERYONE, segments["community"])) == ["Ifan", ""]
    assert segments.segment("all") is ALL


def test_unknown_segment_name_is_a_config_error() -> None:
    segments = load_segments(REPO / "subscribers" / "segments.yaml")
    with pytest.raises(ConfigError, match=r"^There is no segment 'polic'; did you mean 'police'\?$"):
        segments.segment("polic")


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("police:\n  segment: [police]\n",
         [(2, 3, "SB010", "Unknown key 'segment' in the segment 'police'. Did you mean 'segments'?")]),
        ("police:\n  segments: [police]\n  exclude:\n    regions: [Wales]\n",
         [(4, 5, "SB010", "Unknown key 'regions' in 'exclude' of the segment 'police'. Did you mean 'region'?")]),
        ("police:\n  segments: [police]\n  colour: blue\n",
         [(3, 3, "SB010", "Unknown key 'colour' in the segment 'police'. Allowed keys: description, segments, region, organisation, language, exclude.")]),
        ("all:\n  segments: [police]\n",
         [(1, 1, "SB630", "'all' is built in (every subscriber); give this segment another name.")]),
        ("police wales:\n  segments: [police]\n",
         [(1, 1, "SB631", "The segment name 'police wales' may hold only letters, digits, '-', '_' and '.', such as 'police-wales'.")]),
        ("police:\n  description: nothing else\n",
         [(2, 3, "SB632", "The segment 'police' has no rules; give 'segments', 'region', 'organisation' or 'language', or use the built-in 'all'.")]),
        ("police:\n  segments: []\n",
         [(2, 13, "SB633", "'segments' of the segment 'police' is empty; list at least one value or remove the key.")]),
        ("police:\n  segments: {a: b}\n",
         [(2, 13, "SB012", "'segments' of the segment 'police' must be a list, not a mapping.")]),
        ("police:\n",
         [(1, 8, "SB012", "The segment 'police' must be a mapping of keys to values, not empty.")]),
        ("- police\n",
         [(1, 1, "SB012", "The segments file must map segment names to rules, such as 'police: {segments: [police]}'.")]),
        ("police: {segments: [police]}\npolice: {region: [Wales]}\n",
         [(2, 1, "SB013", "The segment 'police' is defined twice; keep one.")]),
    ],
)
def test_bad_definitions_raise_with_line_and_column(tmp_path: Path, text: str, problems: list[tuple[int, int, str, str]]) -> None:
    path = segments_file(tmp_path, text)
    with pytest.raises(SubscriberError) as caught:
        load_segments(path)
    assert [(p.line, p.column, p.code, p.message) for p in caught.value.problems] == problems
    assert all(p.path == str(path) for p in caught.value.problems)


def test_yaml_syntax_errors_are_located(tmp_path: Path) -> None:
    path = segments_file(tmp_path, "police: {segments: [police]\n")
    with pytest.raises(SubscriberError) as caught:
        load_segments(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.code) == (1, 9, "SB003")  # where the '{' is never closed
    assert problem.message.startswith("The mapping opened with '{' here is not closed; end it with '}' on the same line")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = segments_file(tmp_path, "a:\n  tag: [x]\nb:\n  segments: [y]\n  regoin: [z]\n")
    with pytest.raises(SubscriberError) as caught:
        load_segments(path)
    assert [(p.line, p.code) for p in caught.value.problems] == [(2, "SB010"), (5, "SB010")]


def test_missing_default_file_gives_only_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert list(load_segments()) == ["all"]
    assert list(load_segments(segments_file(tmp_path, "# nothing yet\n"))) == ["all"]


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SubscriberError) as caught:
        load_segments(tmp_path / "nope.yaml")
    assert [p.code for p in caught.value.problems] == ["SB004"]


def test_values_no_subscriber_has_are_warnings(tmp_path: Path) -> None:
    path = segments_file(tmp_path, """\
        police:
          segments: [police, polcie]
        wales:
          region: [Wales, Whales]
          exclude: {organisation: [Nobody Ltd]}
        """)
    assert load_segments(path).check(EVERYONE) == [
        Problem(str(path), 2, 22, "SB634", "No subscriber has the tag 'polcie' used by the segment 'police'; check the spelling.", Severity.WARNING),
        Problem(str(path), 4, 19, "SB634", "No subscriber is in the region 'Whales' used by the segment 'wales'; check the spelling.", Severity.WARNING),
        Problem(str(path), 5, 28, "SB634", "No subscriber is in the organisation 'Nobody Ltd' used by the segment 'wales'; check the spelling.", Severity.WARNING),
    ]


def test_shipped_segments_fit_the_example_list() -> None:
    segments = load_segments(REPO / "subscribers" / "segments.yaml")
    report = read_subscribers(REPO / "subscribers" / "example.csv")
    assert {"police", "police-wales", "local-authorities", "charities", "wales"} <= set(segments)
    assert segments.check(report.subscribers) == []
    suppressions = load_suppressions(REPO / "subscribers" / "suppressed.example.csv")
    for name, segment in segments.items():
        recipients = select_recipients(report.subscribers, segment, suppressions)
        assert recipients, name
        assert not any(s in suppressions for s in recipients)
    police_wales = select_recipients(report.subscribers, segments["police-wales"])
    assert all("police" in s.tags and s.region == "Wales" for s in police_wales)
