"""Reading subscriber lists as Excel and Outlook export them: encodings, delimiters, aliases."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest

from soc_bulletin.audience.csvsource import sniff
from soc_bulletin.audience.subscribers import (
    Subscriber,
    extra_columns,
    iter_subscribers,
    read_subscribers,
    write_subscribers,
)
from soc_bulletin.problems import Problem, Severity

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "subscribers" / "example.csv"

JANE = Subscriber(
    "jane.jones@example.org", "Jane Jones", "Glanafon Police", "Wales", frozenset({"police", "soc-board"})
)
OMAR = Subscriber("omar.shah@example.net", "Omar Shah", "Dalesby Trust", "Yorkshire and the Humber", frozenset({"charity"}))
ROWS = [
    ["email", "name", "organisation", "region", "segments"],
    ["jane.jones@example.org", "Jane Jones", "Glanafon Police", "Wales", "police;soc-board"],
    ["omar.shah@example.net", "Omar Shah", "Dalesby Trust", "Yorkshire and the Humber", "charity"],
]


def write(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def table(delimiter: str, newline: str, rows: list[list[str]] = ROWS) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def valid(path: Path) -> list[Subscriber]:
    return [item for _line, item in iter_subscribers(path) if isinstance(item, Subscriber)]


# --- encodings and delimiters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter", "newline", "label"),
    [
        ("utf-8", b"", ",", "\n", "UTF-8"),
        ("utf-8", codecs.BOM_UTF8, ",", "\r\n", "UTF-8 with BOM"),  # Excel "CSV UTF-8"
        ("utf-8", codecs.BOM_UTF8, ";", "\r\n", "UTF-8 with BOM"),  # Excel with a European locale
        ("utf-16-le", codecs.BOM_UTF16_LE, "\t", "\r\n", "UTF-16 LE with BOM"),  # Excel "Unicode Text"
        ("utf-16-be", codecs.BOM_UTF16_BE, "\t", "\n", "UTF-16 BE with BOM"),
        ("utf-16-le", b"", ",", "\r\n", "UTF-16 LE"),
        ("utf-8", b"", "\t", "\n", "UTF-8"),
    ],
)
def test_reads_every_export_format(tmp_path: Path, encoding: str, bom: bytes, delimiter: str, newline: str, label: str) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(bom + table(delimiter, newline).encode(encoding))
    fmt = sniff(path)
    assert (fmt.label, fmt.delimiter, fmt.newline) == (label, delimiter, newline)
    assert list(iter_subscribers(path)) == [(2, JANE), (3, OMAR)]


def test_utf8_with_bom_keeps_accents_and_first_header(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Email,Name\r\nsian@example.org,Siân Ó Briain\r\n".encode())
    assert valid(path) == [Subscriber("sian@example.org", "Siân Ó Briain")]


def test_windows_1252_is_read_with_a_warning_at_the_first_non_utf8_line(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", "email;name\r\njane@example.org;Jane\r\nsian@example.org;Siân\r\n", encoding="cp1252")
    assert list(iter_subscribers(path)) == [
        (3, Problem(
            str(path), 3, 0, "SB603",
            "This line is not UTF-8, so the file was read as Windows-1252; "
            "save it from Excel as 'CSV UTF-8' to be sure accents are right.",
            Severity.WARNING,
        )),
        (2, Subscriber("jane@example.org", "Jane")),
        (3, Subscriber("sian@example.org", "Siân")),
    ]


def test_excel_sep_line_sets_the_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", "sep=;\r\nemail;name\r\njane@example.org;Jane, J.\r\nnobody;X\r\n")
    items = list(iter_subscribers(path))
    assert items[0] == (3, Subscriber("jane@example.org", "Jane, J."))
    assert items[1][0] == 4


def test_quoted_fields_with_newlines_keep_line_numbers(tmp_path: Path) -> None:
    text = (
        'email,name,Postal Address\r\n'
        'jane@example.org,Jane,"1 High Street\r\nGlanafon\r\nWales"\r\n'
        '"not an address",Nobody,\r\n'
        'omar@example.net,"Omar\nShah","a ""quoted"" word"\r\n'
        'bad@,Bad,\r\n'
    )
    path = write(tmp_path / "list.csv", text)
    lines = [(line, type(item).__name__) for line, item in iter_subscribers(path)]
    assert lines == [(2, "Subscriber"), (5, "Problem"), (6, "Subscriber"), (8, "Problem")]
    jane, omar = valid(path)
    assert jane.attribute("postal address") == "1 High Street\r\nGlanafon\r\nWales"
    assert omar.name == "Omar Shah"  # newlines in names become spaces
    assert omar.attribute("Postal Address") == 'a "quoted" word'


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", "\r\n\r\nemail;name\r\n\r\njane@example.org;Jane\r\n ; \r\n\r\nomar@example.net;\r\n")
    assert sniff(path).delimiter == ";"
    assert list(iter_subscribers(path)) == [
        (5, Subscriber("jane@example.org", "Jane")),
        (8, Subscriber("omar@example.net")),
    ]


# --- header aliases -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "email,name,organisation,region,segments",
        "EMAIL,NAME,ORGANISATION,REGION,SEGMENTS",
        "E-mail Address,Full Name,Company,Region,Tags",
        "Email Address,Name,Organization,Area,Categories",
        "E-mail, Display Name ,Organisation Name,region,Segment",
        "e_mail,full_name,company_name,REGION,groups",
    ],
)
def test_header_aliases(tmp_path: Path, header: str) -> None:
    path = write(tmp_path / "list.csv", header + "\njane.jones@example.org,Jane Jones,Glanafon Police,Wales,police;soc-board\n")
    assert valid(path) == [JANE]


def test_outlook_export_builds_the_name_and_keeps_other_columns(tmp_path: Path) -> None:
    text = (
        '"First Name","Middle Name","Last Name","Company","E-mail Address","E-mail 2 Address","Categories","Notes"\r\n'
        '"Jane","","Jones","Glanafon Police","Jane.Jones@Example.ORG","jj@example.net","Police;SOC Board",""\r\n'
    )
    path = write(tmp_path / "contacts.csv", text)
    assert valid(path) == [
        Subscriber(
            "Jane.Jones@example.org", "Jane Jones", "Glanafon Police", "", frozenset({"police", "soc board"}),
            (("First Name", "Jane"), ("Last Name", "Jones"), ("E-mail 2 Address", "jj@example.net")),
        )
    ]
    assert extra_columns(path) == ["First Name", "Middle Name", "Last Name", "E-mail 2 Address", "Notes"]


def test_display_name_in_the_email_column(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", 'email,name\n"Jane Jones <jane.jones@example.org>",\n"J <j@example.org>",Jo\n')
    assert valid(path) == [Subscriber("jane.jones@example.org", "Jane Jones"), Subscriber("j@example.org", "Jo")]


def test_tags_are_trimmed_lower_case_and_split_on_semicolons(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", 'email,segments\njane@example.org," Police ; Local  Authority;;"\n')
    assert valid(path)[0].tags == {"police", "local authority"}


def test_two_columns_for_one_field_warn_and_use_the_first(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", "Email,E-mail Address,Name\njane@example.org,other@example.org,Jane\n")
    assert list(iter_subscribers(path)) == [
        (1, Problem(str(path), 1, 0, "SB605", "The columns 'Email' and 'E-mail Address' mean the same; only 'Email' is used.", Severity.WARNING)),
        (2, Subscriber("jane@example.org", "Jane")),
    ]


# --- invalid rows and files: exact messages and lines ---------------------------------------


@pytest.mark.parametrize(
    ("row", "code", "message"),
    [
        ("nobody,X", "SB612", "'nobody' is not a valid email address: An email address must have an @-sign."),
        ("jane@example,X", "SB612", "'jane@example' is not a valid email address: The part after the @-sign is not valid. It should have a period."),
        ("jane smith@example.org,X", "SB612", "'jane smith@example.org' is not a valid email address: The email address contains invalid characters before the @-sign: SPACE."),
        ("jane..smith@example.org,X", "SB612", "'jane..smith@example.org' is not a valid email address: An email address cannot have two periods in a row."),
        ("jane@example.org;omar@example.org,X", "SB612", "'jane@example.org;omar@example.org' is not a valid email address: The part after the @-sign contains invalid characters: ';', '@'."),
        (" ,Jane", "SB611", "The row has no email address; fill it in or delete the row."),
        ("jane@example.org,Jane,extra", "SB613", "The row has 3 values but the header has 2 columns; put quotes around any value that contains the delimiter."),
        ('"jane"@example.org",X', "SB610", "The record starting on this line is not valid CSV (',' expected after '\"'); put quotes around the whole field and double any quote inside it (\"\")."),
    ],
)
def test_invalid_rows(tmp_path: Path, row: str, code: str, message: str) -> None:
    path = write(tmp_path / "list.csv", f"email,name\r\njane@example.org,Jane\r\n\r\n{row}\r\nomar@example.net,Omar\r\n")
    assert list(iter_subscribers(path)) == [
        (2, Subscriber("jane@example.org", "Jane")),
        (4, Problem(str(path), 4, 0, code, message)),
        (5, Subscriber("omar@example.net", "Omar")),
    ]


def test_trailing_empty_values_are_not_extra_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", "email,name,,\njane@example.org,Jane,,,,\n")
    assert valid(path) == [Subscriber("jane@example.org", "Jane")]


def test_an_unclosed_quote_is_reported_where_the_record_starts(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", 'email,name\njane@example.org,Jane\nomar@example.net,"Omar\nx@example.org,X\n')
    assert list(iter_subscribers(path))[1] == (
        3, Problem(str(path), 3, 0, "SB610", "A quote (\") opened in the record starting on this line is never closed; close or remove it."),
    )


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("", "SB601", "The file is empty; it needs a header row such as 'email,name,organisation,region,segments'."),
        ("\r\n\r\n", "SB601", "The file is empty; it needs a header row such as 'email,name,organisation,region,segments'."),
        ("name,organisation\nJane,Glanafon Police\n", "SB604",
         "The header has no email column; name one column 'email' (also accepted: 'E-mail', 'Email Address', 'E-mail Address')."),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, code: str, message: str) -> None:
    path = write(tmp_path / "list.csv", text)
    assert list(iter_subscribers(path)) == [(1, Problem(str(path), 1, 0, code, message))]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"
    assert list(iter_subscribers(path)) == [(0, Problem(str(path), 0, 0, "SB600", "The file cannot be read: No such file or directory."))]


def test_utf16_broken_half_way_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    good = "email\r\njane@example.org\r\n".encode("utf-16-le")
    path.write_bytes(codecs.BOM_UTF16_LE + good + b"\x00\xdc" + "x\r\n".encode("utf-16-le"))  # lone surrogate
    assert list(iter_subscribers(path)) == [
        (3, Problem(str(path), 3, 0, "SB602", "This line is not valid UTF-16-LE; save the file from Excel as 'CSV UTF-8'.")),
    ]


# --- normalisation, deduplication, report ---------------------------------------------------


def test_addresses_are_normalised(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", "email\n  Jane.Jones@EXAMPLE.org \nomar@exämple.net\n")
    assert [s.email for s in valid(path)] == ["Jane.Jones@example.org", "omar@exämple.net"]


def test_duplicates_are_merged_across_files(tmp_path: Path) -> None:
    first = write(tmp_path / "police.csv", (
        "email,name,organisation,region,segments\n"
        "jane.jones@example.org,,Glanafon Police,,police\n"
        "omar@example.net,Omar,,,charity\n"
        "JANE.JONES@example.org,Jane Jones,Other Org,Wales,soc-board;police\n"
    ))
    second = write(tmp_path / "boards.csv", "E-mail;Region;Tags;Role\r\nJane.Jones@Example.org;Scotland;education;Chair\r\n")
    report = read_subscribers(first, second)
    assert report.subscribers == (
        Subscriber(
            "jane.jones@example.org", "Jane Jones", "Glanafon Police", "Wales",
            frozenset({"police", "soc-board", "education"}), (("Role", "Chair"),),
        ),
        Subscriber("omar@example.net", "Omar", tags=frozenset({"charity"})),
    )
    assert [str(m) for m in report.merged] == [
        f"{first}:4: JANE.JONES@example.org is a duplicate of line 2; merged into it.",
        f"{second}:2: Jane.Jones@example.org is a duplicate of {first}:2; merged into it.",
    ]
    assert (report.rows, report.valid, report.invalid, report.problems) == (4, 4, 0, [])


def test_report_counts_invalid_rows_and_keeps_problems(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", "email,name\njane@example.org,Jane\nnobody,No\n,Empty\njane@example.org,Again\n")
    report = read_subscribers(path)
    assert (report.rows, report.valid, report.invalid, len(report.merged)) == (4, 2, 2, 1)
    assert [(p.line, p.code) for p in report.problems] == [(3, "SB612"), (4, "SB611")]
    assert report.errors == report.problems
    assert report.subscribers == (Subscriber("jane@example.org", "Jane"),)


def test_example_list_is_clean_and_fictional() -> None:
    report = read_subscribers(EXAMPLE)
    assert (report.rows, len(report.subscribers), report.problems, report.merged) == (200, 200, [], [])
    assert {s.email.split("@")[1] for s in report.subscribers} == {"example.org", "example.net"}
    assert {"police", "local-authority", "charity", "health", "education", "government"} <= set().union(
        *(s.tags for s in report.subscribers)
    )
    assert {"Wales", "Scotland", "Northern Ireland", "London", "North East"} <= {s.region for s in report.subscribers}


def test_subscriber_is_frozen_and_hashable() -> None:
    s = Subscriber("jane@example.org", tags={"police"}, attributes={"Role": "Chair"})  # type: ignore[arg-type]
    assert s.tags == frozenset({"police"}) and s.attributes == (("Role", "Chair"),)
    assert hash(s) == hash(Subscriber("jane@example.org", tags=frozenset({"police"}), attributes=(("Role", "Chair"),)))
    assert s.attribute("ROLE") == "Chair" and s.attribute("missing", "-") == "-"
    with pytest.raises(AttributeError):
        s.email = "x@example.org"  # type: ignore[misc]


def test_write_canonical_csv(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        count = write_subscribers([JANE, Subscriber("o@example.net", "O, Shah", attributes=(("Role", "Chair"),))], handle, columns=["Role"])
    assert count == 2
    assert out.read_text(encoding="utf-8") == (
        "email,name,organisation,region,segments,Role\n"
        "jane.jones@example.org,Jane Jones,Glanafon Police,Wales,police;soc-board,\n"
        'o@example.net,"O, Shah",,,,Chair\n'
    )


def test_line_numbers_stay_exact_across_read_chunks(tmp_path: Path) -> None:
    """The decoding pre-pass reads 1 MiB chunks; a CRLF split between two must count once."""
    row = "jane@example.org,Jane\r\n"  # 23 bytes
    rows = (1024 * 1024 - 12) // len(row) - 1
    used = 12 + rows * len(row)
    padding = 1024 * 1024 - used - len("omar@example.net,") - 1  # its '\r' ends the first chunk
    body = "email,name\r\n" + row * rows + f"omar@example.net,{'O' * padding}\r\n" + row * 2
    path = tmp_path / "big.csv"
    path.write_bytes(body.encode() + "sian@example.org,Siân\r\n".encode("cp1252"))
    assert path.read_bytes()[1024 * 1024 - 1 : 1024 * 1024 + 1] == b"\r\n"
    line = rows + 5
    items = list(iter_subscribers(path))
    assert items[0] == (line, Problem(
        str(path), line, 0, "SB603",
        "This line is not UTF-8, so the file was read as Windows-1252; "
        "save it from Excel as 'CSV UTF-8' to be sure accents are right.",
        Severity.WARNING,
    ))
    assert all(isinstance(item, Subscriber) for _line, item in items[1:])
    assert items[-1] == (line, Subscriber("sian@example.org", "Siân"))
