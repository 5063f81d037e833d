"""``segment_editions``: which editions the members of one segment receive, from segment and list files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc_bulletin.audience.editions import segment_editions
from soc_bulletin.errors import ConfigError

SEGMENTS = """\
police: {segments: [police]}
police-wales: {segments: [police], region: [Wales]}
charities: {segments: [charity]}
"""

LIST = """\
email,name,organisation,region,segments
a@example.org,A,Force 1,Wales,police
b@example.org,B,Force 2,Wales,police;charity
c@example.org,C,Force 3,North,police
d@example.org,D,Force 4,North,police
e@example.org,E,Shelter,North,charity
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (tmp_path / "list.csv").write_text(LIST, encoding="utf-8")
    return tmp_path / "segments.yaml", tmp_path / "list.csv"


def test_members_are_grouped_by_the_targeted_segments_they_are_in_most_first(files: tuple[Path, Path]) -> None:
    segments, lists = files
    found = segment_editions("police", ["police", "charities"], segments_file=segments, lists=lists)
    assert found.editions == [(frozenset({"police"}), 3), (frozenset({"charities", "police"}), 1)]
    assert found.source == lists


def test_only_segments_of_the_file_count_as_targeted(files: tuple[Path, Path]) -> None:
    segments, lists = files
    found = segment_editions("police-wales", ["police", "not-a-segment"], segments_file=segments, lists=lists)
    assert found.editions == [(frozenset({"police"}), 2)] and found.source == lists


def test_no_targeted_article_is_one_edition_for_everyone_and_reads_no_list(files: tuple[Path, Path]) -> None:
    segments, lists = files
    lists.write_text("not a list at all\x00", encoding="utf-8")  # read, it would be refused
    assert segment_editions("police", [], segments_file=segments, lists=lists).editions == [(frozenset(), 0)]


def test_without_a_list_the_edition_of_a_member_of_the_segment_alone(files: tuple[Path, Path]) -> None:
    segments, lists = files
    lists.unlink()
    found = segment_editions("police-wales", ["police", "police-wales"], segments_file=segments, lists=lists)
    assert found.editions == [(frozenset({"police-wales"}), 0)] and found.source is None


def test_a_segment_with_no_members_on_the_list(files: tuple[Path, Path]) -> None:
    segments, lists = files
    lists.write_text("email,name,organisation,region,segments\nz@example.org,Z,Org,North,health\n", encoding="utf-8")
    assert segment_editions("charities", ["charities"], segments_file=segments, lists=lists).editions == [(frozenset({"charities"}), 0)]
    lists.write_text("email,name,organisation,region,segments\n", encoding="utf-8")
    assert segment_editions("all", ["charities"], segments_file=segments, lists=lists).editions == [(frozenset(), 0)]


@pytest.mark.parametrize(("name", "message"), [
    ("  ", "--segment needs the name of a segment, such as police; leave it out to build every article"),
    ("polise", "There is no segment 'polise'; did you mean 'police'?"),
])
def test_a_name_that_is_no_segment_is_refused(files: tuple[Path, Path], name: str, message: str) -> None:
    segments, lists = files
    with pytest.raises(ConfigError) as caught:
        segment_editions(name, ["police"], segments_file=segments, lists=lists)
    assert str(caught.value) == message
