"""The suppression list: reading, matching and appending."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc_bulletin.audience.subscribers import Subscriber, read_subscribers
from soc_bulletin.audience.suppression import Suppression, Suppressions, load_suppressions, write_suppressions
from soc_bulletin.errors import SubscriberError
from soc_bulletin.problems import Problem, Severity
from soc_bulletin.store.sqlite_store import SQLiteStore

REPO = Path(__file__).resolve().parent.parent


def test_missing_file_is_an_empty_list(tmp_path: Path) -> None:
    suppressions = load_suppressions(tmp_path / "suppressed.csv")
    assert len(suppressions) == 0 and "jane@example.org" not in suppressions


def test_default_path_is_subscribers_suppressed_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert len(load_suppressions()) == 0
    (tmp_path / "subscribers").mkdir()
    (tmp_path / "subscribers" / "suppressed.csv").write_text("address,reason,date\njane@example.org,bounced,2019-08-01\n")
    assert "jane@example.org" in load_suppressions(None)


def test_membership_ignores_case_and_normalises(tmp_path: Path) -> None:
    path = tmp_path / "suppressed.csv"
    path.write_text("Email Address;Reason;Date\r\nJane.Jones@EXAMPLE.org;unsubscribed;2019-05-14\r\n omar@example.net ;bounced;\r\n")
    suppressions = load_suppressions(path)
    assert list(suppressions) == [
        Suppression("Jane.Jones@example.org", "unsubscribed", "2019-05-14", 2),
        Suppression("omar@example.net", "bounced", "", 3),
    ]
    assert "jane.jones@example.org" in suppressions
    assert "  JANE.JONES@example.ORG" in suppressions
    assert Subscriber("jane.jones@example.org") in suppressions
    assert Subscriber("OMAR@example.net") in suppressions
    assert "other@example.org" not in suppressions
    assert 42 not in suppressions
    assert suppressions.get("omar@EXAMPLE.net") == Suppression("omar@example.net", "bounced", "", 3)


def test_rows_without_a_valid_address_warn_and_invalid_ones_are_still_suppressed(tmp_path: Path) -> None:
    path = tmp_path / "suppressed.csv"
    path.write_text("address,reason\n,bounced\nnot an address,complained\n")
    suppressions = load_suppressions(path)
    assert "NOT AN ADDRESS" in suppressions
    assert suppressions.problems == (
        Problem(str(path), 2, 0, "SB641", "The row has no address; fill it in or delete the row.", Severity.WARNING),
        Problem(
            str(path), 3, 0, "SB642",
            "'not an address' is not a valid email address, but it is suppressed as written: "
            "An email address must have an @-sign.",
            Severity.WARNING,
        ),
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("email_address_missing,reason\nx@example.org,bounced\n",
         ("SB640", 1, "The header has no 'address' column; name the first column 'address'.")),
        ('address,reason\njane@example.org,"bounced\n',
         ("SB610", 2, "A quote (\") opened in the record starting on this line is never closed; close or remove it.")),
    ],
)
def test_a_file_that_cannot_be_trusted_raises(tmp_path: Path, text: str, problem: tuple[str, int, str]) -> None:
    path = tmp_path / "suppressed.csv"
    path.write_text(text)
    with pytest.raises(SubscriberError) as caught:
        load_suppressions(path)
    assert [(p.code, p.line, p.message) for p in caught.value.problems] == [problem]


def test_an_export_reads_back_as_it_was(tmp_path: Path) -> None:
    entries = [Suppression("Jane.Jones@example.org", "bounced", "2019-08-01", source="bounce"),
               Suppression("omar@example.net", "complained, twice", "2019-08-02", source="complaint")]
    with (tmp_path / "out.csv").open("w", encoding="utf-8", newline="") as out:
        assert write_suppressions(entries, out) == 2
    assert (tmp_path / "out.csv").read_text() == (
        "address,reason,date,source\n"
        "Jane.Jones@example.org,bounced,2019-08-01,bounce\n"
        'omar@example.net,"complained, twice",2019-08-02,complaint\n'
    )
    assert [(e.address, e.reason, e.date, e.source) for e in load_suppressions(tmp_path / "out.csv")] == [
        (e.address, e.reason, e.date, e.source) for e in entries]


@pytest.mark.parametrize(
    ("address", "reason", "message"),
    [
        ("", "bounced", "cannot suppress '': give one email address"),
        ("a@example.org\nb@example.org", "bounced", "cannot suppress 'a@example.org\\nb@example.org': give one email address"),
    ],
)
def test_the_store_refuses_what_is_not_one_address(tmp_path: Path, address: str, reason: str, message: str) -> None:
    with SQLiteStore(tmp_path) as store, pytest.raises(ValueError) as caught:
        store.suppress(address, reason, source="manual")
    assert str(caught.value) == message


def test_example_suppressions_are_on_the_example_list() -> None:
    suppressions = load_suppressions(REPO / "subscribers" / "suppressed.example.csv")
    subscribers = read_subscribers(REPO / "subscribers" / "example.csv").subscribers
    assert len(suppressions) >= 2 and suppressions.problems == ()
    assert sum(1 for s in subscribers if s in suppressions) == len(suppressions)
    assert {entry.reason for entry in suppressions} == {"unsubscribed", "bounced", "complained"}


def test_suppressions_built_in_code() -> None:
    suppressions = Suppressions((Suppression("Jane@Example.org", "bounced"),))
    assert "jane@example.org" in suppressions and len(suppressions) == 1


def test_an_exported_address_that_starts_a_formula_is_neutralised_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "suppressed.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_suppressions([Suppression("=cmd@example.org", "bounced", "2020-01-01", source="bounce")], out)
    assert path.read_text().splitlines()[1] == "'=cmd@example.org,bounced,2020-01-01,bounce"
    assert "=cmd@example.org" in load_suppressions(path)
