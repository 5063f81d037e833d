"""``audience.list_stats`` and ``audience.list_file``: the counts of ``subscribers stats`` and a list file never half written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from soc_bulletin.audience.list_file import write_list_file
from soc_bulletin.audience.list_stats import list_stats, unusable
from soc_bulletin.audience.segments import load_segments
from soc_bulletin.audience.subscribers import read_subscribers
from soc_bulletin.audience.suppression import load_suppressions
from soc_bulletin.errors import ConfigError

LIST = ("email,name,segments\na@example.org,A,police\nb@example.org,B,police\nB@example.org,B again,police\n"
        "c@example.org,C,charity\nnot-an-address,D,police\n")


def test_counts_and_recipients_per_segment_after_suppression(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(LIST, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text("police: {segments: [police]}\ncharity: {segments: [charity]}\n", encoding="utf-8")
    (tmp_path / "suppressed.csv").write_text("address,reason,date\nb@example.org,bounced,2020-01-01\n", encoding="utf-8")
    report = read_subscribers(tmp_path / "list.csv")
    stats = list_stats(report, load_segments(tmp_path / "segments.yaml"), load_suppressions(tmp_path / "suppressed.csv"))
    assert stats.counts == [("rows", 5), ("valid", 4), ("invalid", 1), ("duplicates merged", 1), ("subscribers", 3),
                            ("suppressed", 1)]
    assert dict(stats.per_segment) == {"all": 2, "police": 1, "charity": 1}
    assert [p.code for p in stats.problems] == [p.code for p in report.problems]
    assert not stats.unusable


def test_a_file_that_is_no_list_is_unusable_but_a_bad_row_is_not(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(LIST, encoding="utf-8")
    (tmp_path / "nolist.csv").write_text("first,second\n1,2\n", encoding="utf-8")
    assert not unusable(read_subscribers(tmp_path / "list.csv"))
    assert unusable(read_subscribers(tmp_path / "nolist.csv"))


def test_a_list_file_is_replaced_whole_and_a_link_to_it_is_kept(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(LIST, encoding="utf-8")
    subscribers = read_subscribers(tmp_path / "list.csv").subscribers
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(target)
    write_list_file(tmp_path / "link.csv", subscribers, [], [])
    assert (tmp_path / "link.csv").is_symlink()
    assert target.read_text(encoding="utf-8").splitlines()[1].startswith("a@example.org,")
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "list.csv", "out.csv"]  # no temporary file left


def test_a_folder_or_a_missing_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        write_list_file(tmp_path, (), [], [])
    with pytest.raises(ConfigError, match="does not exist"):
        write_list_file(tmp_path / "nowhere" / "out.csv", (), [], [])
