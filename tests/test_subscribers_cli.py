"""``soc-bulletin subscribers check|stats|import``: output and exit codes."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = str(REPO / "subscribers" / "example.csv")
SEGMENTS = str(REPO / "subscribers" / "segments.yaml")
SUPPRESSED = str(REPO / "subscribers" / "suppressed.example.csv")

MESSY = (
    '"First Name";"Last Name";"E-mail Address";"Company";"Categories";"Region";"Job Title"\r\n'
    '"Jane";"Jones";"Jane.Jones@EXAMPLE.org";"Glanafon Police";"Police;SOC Board";"Wales";"Inspector"\r\n'
    '"No";"Address";"";"";"";"";""\r\n'
    '"Omar";"Shah";"omar@example.net";"Dalesby Trust";"charity";"";"Director\r\nand founder"\r\n'
    '"Jane";"";"jane.jones@example.org";"";"education";"Scotland";""\r\n'
    '"Bad";"";"bad@@example.org";"";"";"";""\r\n'
)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(codecs.BOM_UTF8 + MESSY.encode())
    return path


def test_check_clean_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribers", "check", EXAMPLE, "--segments", SEGMENTS]) == 0
    assert capsys.readouterr().out == "200 rows: 200 valid, 0 invalid, 0 duplicates merged, 200 subscribers.\n"


def test_check_reports_each_row_and_merge(messy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribers", "check", str(messy)]) == 1
    assert capsys.readouterr().out == (
        f"{messy}:3: SB611 The row has no email address; fill it in or delete the row.\n"
        f"{messy}:7: SB612 'bad@@example.org' is not a valid email address: "
        "The part after the @-sign contains invalid characters: '@'.\n"
        f"{messy}:6: jane.jones@example.org is a duplicate of line 2; merged into it.\n"
        "5 rows: 3 valid, 2 invalid, 1 duplicates merged, 2 subscribers.\n"
    )


def test_check_warnings_only_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.csv"
    path.write_text("email,E-mail\njane@example.org,\n")
    assert main(["subscribers", "check", str(path)]) == 0
    assert "SB605" in capsys.readouterr().out


def test_check_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribers", "check", str(tmp_path / "missing.csv")]) == 2  # a path that does not exist, as for every command
    assert capsys.readouterr().err == f"soc-bulletin: error: {tmp_path / 'missing.csv'} does not exist; check the path\n"


def test_stats_on_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribers", "stats", EXAMPLE, "--segments", SEGMENTS, "--suppressed", SUPPRESSED]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert [line.split() for line in lines[:6]] == [
        ["rows", "200"], ["valid", "200"], ["invalid", "0"], ["duplicates", "merged", "0"],
        ["subscribers", "200"], ["suppressed", "4"],
    ]
    counts = {line.split()[0]: int(line.split()[1]) for line in lines[8:]}
    assert counts["all"] == 196
    assert {"police", "police-wales", "local-authorities", "charities", "wales"} <= set(counts)
    assert counts["police-wales"] < counts["police"] < counts["all"]


def test_stats_counts_duplicates_and_suppression(messy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    segments = tmp_path / "segments.yaml"
    segments.write_text("police: {segments: [police, polcie]}\nscotland: {region: [Scotland]}\n")
    suppressed = tmp_path / "suppressed.csv"
    suppressed.write_text("address,reason,date\nJANE.JONES@example.org,unsubscribed,2019-08-01\n")
    assert main(["subscribers", "stats", str(messy), "--segments", str(segments), "--suppressed", str(suppressed)]) == 0
    captured = capsys.readouterr()
    assert captured.out == (
        "rows                     5\n"
        "valid                    3\n"
        "invalid                  2\n"
        "duplicates merged        1\n"
        "subscribers              2\n"
        "suppressed               1\n"
        "\n"
        "recipients per segment, after suppression:\n"
        "all                      1\n"
        "police                   0\n"
        "scotland                 0\n"
    )
    assert captured.err.splitlines()[2:] == [  # after the two invalid rows
        f"{segments}:1:29: SB634 No subscriber has the tag 'polcie' used by the segment 'police'; check the spelling. (warning)",
        # Jane's later row said Scotland, but the first non-empty region (Wales) is kept when merging
        f"{segments}:2:21: SB634 No subscriber is in the region 'Scotland' used by the segment 'scotland'; check the spelling. (warning)",
    ]


def test_stats_with_a_broken_segments_file_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    segments = tmp_path / "segments.yaml"
    segments.write_text("police:\n  tags: [police]\n")
    assert main(["subscribers", "stats", EXAMPLE, "--segments", str(segments)]) == 1
    assert capsys.readouterr().err == (
        f"{segments}:2:3: SB010 Unknown key 'tags' in the segment 'police'. "
        "Allowed keys: description, segments, region, organisation, language, exclude.\n"
        "1 problem(s) found.\n"
    )


def test_import_writes_the_canonical_csv(messy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clean.csv"
    assert main(["subscribers", "import", str(messy), "-o", str(out)]) == 1  # rows were dropped
    assert out.read_bytes().decode("utf-8") == (
        "email,name,organisation,region,segments,First Name,Last Name,Job Title\n"
        "Jane.Jones@example.org,Jane Jones,Glanafon Police,Wales,education;police;soc board,Jane,Jones,Inspector\n"
        'omar@example.net,Omar Shah,Dalesby Trust,,charity,Omar,Shah,"Director\r\nand founder"\n'
    )
    err = capsys.readouterr().err
    assert f"{messy}:3: SB611" in err and f"{messy}:7: SB612" in err
    assert err.endswith(f"Wrote 2 subscribers to {out}; 2 invalid rows dropped, 1 duplicates merged.\n")
    assert main(["subscribers", "check", str(out)]) == 0


def test_import_to_stdout_exit_0_when_nothing_dropped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "Email\tName\r\nJane@Example.org\tJane\r\n".encode("utf-16-le"))
    assert main(["subscribers", "import", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "email,name,organisation,region,segments\nJane@example.org,Jane,,,\n"
    assert captured.err == "Wrote 1 subscribers to standard output; 0 invalid rows dropped, 0 duplicates merged.\n"


def test_import_of_an_unusable_file_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name\nJane\n")
    out = tmp_path / "out.csv"
    assert main(["subscribers", "import", str(path), "-o", str(out)]) == 1
    assert not out.exists()
    assert capsys.readouterr().err.endswith("Nothing written.\n")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["subscribers", "check"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["subscribers"])
    assert caught.value.code == 2


def test_stats_defaults_are_the_files_the_projects_settings_name(messy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Run from anywhere in the project, `stats` counts with the segments and suppression list a send would use."""
    project = tmp_path / "project"
    (project / "lists").mkdir(parents=True)
    (project / "soc-bulletin.toml").write_text('[sending]\nsegments = "lists/segs.yaml"\nsuppressed = "lists/supp.csv"\n')
    (project / "lists" / "segs.yaml").write_text("wales: {region: [Wales]}\n")
    (project / "lists" / "supp.csv").write_text("address,reason,date\njane.jones@example.org,unsubscribed,2019-08-01\n")
    (project / "issues").mkdir()
    monkeypatch.chdir(project / "issues")  # no subscribers/ folder here: the settings say where the files are
    assert main(["subscribers", "stats", str(messy)]) == 0
    out = capsys.readouterr().out
    assert "suppressed               1\n" in out
    assert out.endswith("recipients per segment, after suppression:\nall                      1\nwales                    0\n")
