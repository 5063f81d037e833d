"""The SQLite ledger on its own: runs, claims, versions, identity and damage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soc_bulletin.errors import LedgerError
from soc_bulletin.store.ledger import LedgerRow, State
from soc_bulletin.store.sqlite_ledger import SQLiteLedger


def rows(*addresses: str, edition: str = "everyone", segment: str = "all") -> list[LedgerRow]:
    return [LedgerRow(a, a.split("@")[0], edition, segment=segment) for a in addresses]


def everyone(address: str) -> bool:
    return True


def nobody(address: str) -> bool:
    return False


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SQLiteLedger]:
    opened = SQLiteLedger(tmp_path / "issue.sqlite3", identity="2019-08")
    yield opened
    opened.close()


def test_a_run_claims_only_its_own_rows_in_order(ledger: SQLiteLedger) -> None:
    first = ledger.begin_run("r1", rows("a@x.org", "b@x.org"), listed=everyone, suppressed=nobody)
    assert (first.new, first.to_send) == (2, 2)
    second = ledger.begin_run("r2", rows("c@x.org"), listed=everyone, suppressed=nobody)
    assert (second.new, second.to_send) == (1, 1)
    assert [r.address for r in ledger.claim("r2", 10)] == ["c@x.org"]
    assert [r.address for r in ledger.claim("r1", 10)] == ["a@x.org", "b@x.org"]
    assert ledger.counts().sending == 3


def test_keys_ignore_case_and_sent_rows_are_never_claimed_again(ledger: SQLiteLedger) -> None:
    ledger.begin_run("r1", rows("Sub@x.org"), listed=everyone, suppressed=nobody)
    [row] = ledger.claim("r1", 10)
    ledger.record_version("everyone", "f1", {"a": "1"}, new=True)
    ledger.mark([(row.address, State.SENT, "250 OK")])
    again = ledger.begin_run("r2", rows("sub@x.org"), listed=everyone, suppressed=nobody)
    assert (again.new, again.to_send, again.already_sent) == (0, 0, 1)
    assert ledger.claim("r2", 10) == []
    assert ledger.rows(State.SENT)[0].version == 1


def test_a_crash_leaves_sending_rows_that_the_next_run_takes_back(ledger: SQLiteLedger) -> None:
    ledger.begin_run("r1", rows("a@x.org", "b@x.org"), listed=everyone, suppressed=nobody)
    ledger.claim("r1", 1)
    again = ledger.begin_run("r2", rows("a@x.org", "b@x.org"), listed=everyone, suppressed=nobody)
    assert again.to_send == 2 and [r.address for r in ledger.claim("r2", 10)] == ["a@x.org", "b@x.org"]


def test_unsent_rows_of_people_who_left_or_are_suppressed_are_set_aside(ledger: SQLiteLedger) -> None:
    ledger.begin_run("r1", rows("a@x.org", "b@x.org", "c@x.org"), listed=everyone, suppressed=nobody)
    result = ledger.begin_run("r2", rows("a@x.org"), listed=lambda a: a != "b@x.org", suppressed=lambda a: a == "c@x.org")
    assert (result.skipped, result.suppressed) == (["b@x.org"], ["c@x.org"])
    states = {r.address: r.state for r in ledger.rows()}
    assert states == {"a@x.org": State.PENDING, "b@x.org": State.SKIPPED, "c@x.org": State.SUPPRESSED}
    back = ledger.begin_run("r3", rows("b@x.org"), listed=everyone, suppressed=nobody)
    assert back.to_send == 1 and ledger.claim("r3", 5)[0].address == "b@x.org"


def test_versions_replace_or_add(ledger: SQLiteLedger) -> None:
    assert ledger.record_version("police", "f1", {"a": "1"}, new=True) == 1
    assert ledger.record_version("police", "f2", {"a": "2"}, new=False) == 1
    assert ledger.record_version("police", "f3", {"a": "3"}, new=True) == 2
    assert [(v.version, v.fingerprint) for v in ledger.versions()] == [(1, "f2"), (2, "f3")]


def test_another_issue_and_a_second_sender_are_refused(tmp_path: Path, ledger: SQLiteLedger) -> None:
    with pytest.raises(LedgerError, match="another send is using"):
        SQLiteLedger(ledger.path, identity="2019-08")
    ledger.close()
    with pytest.raises(LedgerError, match="is the ledger of issue '2019-08', not '2019-11'"):
        SQLiteLedger(ledger.path, identity="2019-11")


def test_a_missing_ledger_is_created_only_when_asked(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no ledger here"):
        SQLiteLedger(tmp_path / "none.sqlite3", identity="x", create=False, lock=False)
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_ledger_replaced_under_a_running_send_stops_it(ledger: SQLiteLedger) -> None:
    ledger.begin_run("r1", rows("a@x.org"), listed=everyone, suppressed=nobody)
    ledger.path.rename(ledger.path.with_name("moved.sqlite3"))
    with pytest.raises(LedgerError, match="was deleted or replaced during the send"):
        ledger.claim("r1", 10)
