"""The send ledger: one per issue, every recipient's state, crash-safe and never silently reset.

States: ``pending`` -> ``sending`` (claimed, possibly on the wire) -> ``sent``
(the server answered 250), or ``failed-temporary`` (retried by a rerun) or
``failed-permanent`` (refused for good; never retried). ``suppressed`` and
``skipped`` (left the lists) rows were not sent and become pending again if a
later run targets them. A row is marked ``sent`` only after the server
accepted the message, and claimed before it is handed over, so a crash at any
moment can repeat at most the rows left in ``sending``.

Rows are keyed by the address as email-validator normalises it, compared
case-insensitively, so one person receives an issue at most once whatever
segments and reruns. Each run marks the rows it targets; only those are
claimed. Every edition's content is fingerprinted the first time it is sent
(the *freeze*): a changed edition is a new version, recorded per recipient.

:class:`Ledger` is the interface; :class:`~soc_bulletin.store.sqlite_ledger.SQLiteLedger`
keeps one SQLite file per issue, :class:`~soc_bulletin.store.postgres_ledger.PostgresLedger`
one PostgreSQL database that several senders share (docs/scaling.md). A ledger that cannot be trusted raises
:class:`LedgerError`; it is never replaced by a fresh one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "Counts", "EditionVersion", "Feedback", "Ledger", "LedgerRow", "RunTargets", "State", "UNSENT",
]



class State(StrEnum):
    """Where one recipient stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED_TEMPORARY = "failed-temporary"
    FAILED_PERMANENT = "failed-permanent"
    SUPPRESSED = "suppressed"
    SKIPPED = "skipped"


#: states of a recipient who has not received the issue and may still get it
UNSENT = (State.PENDING, State.SENDING, State.FAILED_TEMPORARY, State.SUPPRESSED, State.SKIPPED)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """A recipient as the ledger knows it; ``key`` is the casefolded normalised address."""

    address: str
    name: str
    edition: str
    state: State = State.PENDING
    attempts: int = 0
    reply: str = ""
    segment: str = ""
    version: int = 0

    @property
    def key(self) -> str:
        """The address compared case-insensitively."""
        return self.address.casefold()


@dataclass(frozen=True, slots=True)
class Counts:
    """How many recipients are in each state."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed_temporary: int = 0
    failed_permanent: int = 0
    suppressed: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        """Every recipient."""
        return sum((self.pending, self.sending, self.sent, self.failed_temporary, self.failed_permanent,
                    self.suppressed, self.skipped))

    @property
    def remaining(self) -> int:
        """Recipients a rerun would still try."""
        return self.pending + self.sending + self.failed_temporary


@dataclass(frozen=True, slots=True)
class RunTargets:
    """What :meth:`Ledger.begin_run` found: who this run sends to and who it leaves out."""

    new: int = 0                 # targeted for the first time
    to_send: int = 0             # claimable in this run
    already_sent: int = 0        # targeted, but received the issue earlier (perhaps in another segment)
    failed_permanent: int = 0    # targeted, but refused for good earlier
    skipped: list[str] = field(default_factory=list)     # unsent rows of people no longer on the lists
    suppressed: list[str] = field(default_factory=list)  # unsent rows of people now suppressed


@dataclass(frozen=True, slots=True)
class EditionVersion:
    """One recorded version of an edition: its fingerprint and its articles' fingerprints."""

    edition: str
    version: int
    fingerprint: str
    articles: Mapping[str, str]
    recorded: float


@dataclass(frozen=True, slots=True)
class Feedback:
    """A bounce or complaint recorded against a recipient's row after the send (see :meth:`Ledger.record_feedback`)."""

    address: str
    kind: str            # "bounce" or "complaint"
    status: str          # the DSN status (5.1.1) of a bounce, the feedback type (abuse) of a complaint; may be empty
    permanent: bool
    detail: str
    reference: str
    recorded: float


class Ledger(ABC):
    """Where a send records its progress; every method commits durably before returning.

    A ledger that several senders share (PostgreSQL) sets ``lease``: its claims
    expire unless renewed, and it keeps the send's one rate (:meth:`reserve`).
    A ledger of one sender (SQLite) keeps the defaults: claims held until
    released, no lease to renew, the rate kept by the process itself.
    """

    #: seconds a claim is held without renewal, when several senders share the ledger; None: held until released
    lease: float | None = None

    def renew(self) -> None:  # noqa: B027 - a ledger of one sender has nothing to renew
        """Extend the lease of every row this sender holds; LedgerError when the ledger is out of reach."""

    def reserve(self, interval: float, count: int, /) -> float:
        """Reserve ``count`` send slots ``interval`` seconds apart on the clock every sender of the send shares;
        return the seconds until the first. Only ledgers with a ``lease`` keep such a clock."""
        raise NotImplementedError("only a ledger shared by several senders keeps the send's rate")

    def pace(self, update: Callable[[str, float], str], /) -> tuple[str, float]:
        """Replace the send's pace (text, "" at first) by ``update(pace, now)`` under a lock, ``now`` on the clock every
        sender shares (seconds); return (the new pace, now). Only ledgers with a ``lease`` keep a shared pace."""
        raise NotImplementedError("only a ledger shared by several senders keeps the send's pace")

    def outstanding(self, run: str, /) -> int:
        """How many rows of ``run`` other senders hold (claimed, not yet settled); 0 for a ledger of one sender."""
        return 0

    @abstractmethod
    def begin_run(self, run: str, targets: Iterable[LedgerRow], /, *, listed: Callable[[str], bool],
                  suppressed: Callable[[str], bool]) -> RunTargets:
        """Start a run: recover rows a crash left ``sending``, add or retarget ``targets`` for ``run``,
        and mark unsent rows of people no longer ``listed`` skipped and of people now ``suppressed`` suppressed."""

    @abstractmethod
    def claim(self, run: str, limit: int, /) -> list[LedgerRow]:
        """Mark up to ``limit`` pending rows of ``run`` ``sending`` (in list order) and return them."""

    @abstractmethod
    def mark(self, updates: Sequence[tuple[str, State, str]], /) -> None:
        """Record outcomes: (address, new state, server reply). Sent rows record the edition's current version."""

    @abstractmethod
    def counts(self) -> Counts:
        """How many rows are in each state."""

    @abstractmethod
    def rows(self, state: State | None = None, /) -> list[LedgerRow]:
        """All rows, or those in ``state``, in list order."""

    @abstractmethod
    def versions(self) -> list[EditionVersion]:
        """Every recorded edition version."""

    @abstractmethod
    def record_version(self, edition: str, fingerprint: str, articles: Mapping[str, str], /, *, new: bool) -> int:
        """Record ``edition``'s fingerprint: as a new version, or replacing the latest; returns the version."""

    @abstractmethod
    def sent_with(self, edition: str, version: int, /) -> int:
        """How many recipients received ``version`` of ``edition``."""

    @abstractmethod
    def meta(self) -> dict[str, str]:
        """The ledger's recorded facts: issue identity, when the send started."""

    @abstractmethod
    def set_meta(self, key: str, value: str, /) -> None:
        """Record one fact."""

    @abstractmethod
    def record_feedback(self, address: str, kind: str, /, *, status: str = "", permanent: bool = True, detail: str = "",
                        reference: str = "") -> bool:
        """Record a bounce or complaint (``kind``) that came back after the send, against ``address``'s row.

        ``reference`` names what it came from (the bounce message's digest):
        recording the same reference for the same row and kind twice changes
        nothing. Returns False when the ledger has no row for ``address``.
        """

    @abstractmethod
    def feedback(self) -> list[Feedback]:
        """Every recorded bounce and complaint, oldest first."""

    @abstractmethod
    def close(self) -> None:
        """Release the ledger."""
