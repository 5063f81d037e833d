"""Sending one issue: a :class:`Campaign` is prepared once (every check that can refuse), then dry-run,
proofed or sent.

``Campaign.prepare`` is the preflight: the issue passes ``check``, every list
is readable and has an email column, the segment selects somebody, a named
suppression list exists, the sender addresses are valid and a configured DKIM
key signs a probe that verifies against its own public half. Only then are
editions rendered (one per distinct audience, never one per subscriber).

``Campaign.send`` reaches the transport (an SMTP server must accept the
sender) before it claims anyone, then keeps the issue's one ledger: a person
receives an issue at most once whatever segments and reruns; people no
longer on the lists or now suppressed are skipped; a changed edition is
refused unless accepted (the freeze); a send started long ago is refused
unless resumed on purpose.

Everything remembered lives in the project's store (:mod:`soc_bulletin.store`): the ledger, the suppression
list (the CSV list is imported into it before each send), link tokens and their secret. It is the project's SQLite
folder unless a PostgreSQL URL is given (``ledger_url``, or ``[ledger] url``): then any number of senders, on any
number of machines, share the send and the list (docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..audience.segments import project_segments
from ..audience.subscribers import Subscriber
from ..audience.suppression import Suppressions, suppression_key
from ..check.deliverability import preflight_warnings
from ..config import Settings
from ..errors import ContentError, RefusedError, TemporaryFailure
from ..problems import Problem
from ..render.project import Project
from ..render.renderer import Edition
from ..store import privacy
from ..store.base import Store
from ..store.ledger import LedgerRow, RunTargets, State
from ..store.open import StorePlace, keys_of, store_place, take_in_csv
from ..store.people import with_people
from .engine import DeliveryOptions, DeliveryReport, backoff, deliver
from .failure_policy import record_refusal
from .forgotten import already_had
from .guards import check_stale, freeze
from .languages import edition_languages, language_warnings, with_language
from .message import DkimKey, MessageTemplate
from .preflight import (
    audiences,
    check_content,
    check_sent_editions,
    dkim_key,
    edition_key,
    issue_identity,
    members_and_entries,
    message_templates,
    nobody_to_send,
    read_lists,
    render_edition,
    sender_of,
    sending_warnings,
    suppressions_and_keys,
)
from .transports import Transport

__all__ = ["Campaign", "DryRun", "SendResult"]

log = logging.getLogger(__name__)

DEFAULT_OPTIONS = DeliveryOptions()


@dataclass(frozen=True, slots=True)
class DryRun:
    """What a send would do now; nothing was sent or recorded."""

    recipients: int
    already_sent: int
    suppressed: int
    per_edition: dict[str, int]
    sizes: tuple[int, int]
    sample_headers: str


@dataclass(frozen=True, slots=True)
class SendResult:
    """One run of a send: who it targeted and what delivery did."""

    targets: RunTargets
    report: DeliveryReport


class Campaign:
    """One issue, one segment, prepared for sending. Make it with :meth:`prepare`."""

    def __init__(self, *, project: Project, identity: str, segment: str,
                 recipients: tuple[tuple[Subscriber, str], ...], listed: frozenset[str], suppressions: Suppressions,
                 left_out: tuple[tuple[Subscriber, str], ...], editions: dict[str, Edition],
                 templates: dict[str, MessageTemplate], ledger_dir: Path, warnings: list[str], ledger_url: str = "") -> None:
        #: the issue and settings loaded once for the run (the editions rendered, the images read)
        self.project = project
        self.issue_dir, self.issue, self.identity, self.settings = project.issue_dir, project.issue, identity, project.settings
        self.segment, self.recipients, self.listed = segment, recipients, listed
        #: the store's suppression list when prepared; ``left_out``: members of the segment on it (recorded as suppressed)
        self.suppressions, self.left_out = suppressions, left_out
        self.editions, self.templates = editions, templates
        self.ledger_dir = ledger_dir
        #: a PostgreSQL ledger shared by several senders; empty: the SQLite file in ``ledger_dir``
        self.ledger_url = ledger_url
        #: what the preflight found worth saying that does not refuse the send
        self.warnings = warnings
        self.suppressed = self.paused = 0  # left out: on the suppression list; paused by their own choice
        self.proof_only = False  # a draft's template text may be left, so send() refuses
        #: the CSV suppression list named for this send (imported when it begins); None: the settings' when it exists
        self.suppressed_file: Path | None = None
        self.lists: tuple[str | Path, ...] = ()  #: the subscriber lists read
        self._added = Suppressions()  # what the store suppressed after the campaign was prepared (read when the send begins)

    @classmethod
    def prepare(
        cls, issue_dir: str | Path | Project, /, *, lists: Sequence[str | Path] = (), segment: str = "all",
        settings: Settings | None = None, segments_file: str | Path | None = None,
        suppressed_file: str | Path | None = None, ledger_dir: str | Path | None = None,
        run_check: bool = True, ledger_url: str | None = None, dry_run: bool = False, proof: bool = False,
    ) -> Campaign:
        """Everything that can refuse a send, before anything goes out (see the module's docstring).

        ``issue_dir`` is an issue folder or the :class:`Project` the run loaded (then
        ``settings`` are its own); ``settings`` default to the ``soc-bulletin.toml``
        found from the issue folder; ``lists`` and ``ledger_dir`` default to theirs. Raises
        ContentError (the issue fails ``check``), ConfigError (a list, setting,
        key or file that cannot be used) or RefusedError (nobody to send to).
        ``ledger_url`` (default: the settings', unless ``ledger_dir`` is given)
        puts the store in PostgreSQL; LedgerError when it cannot be reached.
        Nothing is written (but a PostgreSQL schema of an older version is
        migrated, unless ``dry_run``): the CSV suppression list
        (``suppressed_file``, which must exist, else the settings' when it
        exists) is read beside the store's list, and imported when the send begins. ``proof``: for proofs only.
        """
        project = issue_dir if isinstance(issue_dir, Project) else Project(issue_dir, settings=settings)
        issue_dir, settings = project.issue_dir, project.settings
        lists = lists or [settings.resolve(settings.sending.subscribers)]
        warnings: list[str] = []
        if run_check:
            warnings += check_content(project, segments=None if segments_file is None else Path(segments_file), proof=proof)
        issue = project.issue
        identity = issue_identity(issue_dir)
        subscribers, list_warnings = read_lists(lists)
        warnings += list_warnings
        segments = project_segments(project.settings, segments_file, cache=project.cache)
        chosen = segments.segment(segment)
        place = store_place(settings, url=ledger_url, ledger_dir=ledger_dir)
        shared, folder = place.url, place.folder
        readonly = dry_run or not shared  # a shared store's schema is brought up to date, as the send needs it
        with place.open(readonly=readonly) as store:
            suppressions, secrets, suppression_warnings = suppressions_and_keys(store, settings, suppressed_file)
            people = store.people()
        warnings += suppression_warnings
        subscribers, paused = with_people(subscribers, people, dt.date.today())  # sign-ups, preferences, pauses
        targeted = audiences(issue)
        unknown = sorted(n for n in targeted if n not in segments)
        if unknown:
            raise ContentError([Problem(str(issue_dir / "issue.yaml"), 0, 0, "SB060",
                                        f"The audience '{n}' is not a segment in {segments.path or 'segments.yaml'}.") for n in unknown])
        members, selected, suppressed_members = members_and_entries(subscribers, chosen, suppressions)
        warnings += language_warnings(selected, issue)

        def edition_of(sub: Subscriber) -> str:
            key = edition_key(frozenset(n for n in targeted if segments[n].matches(sub)))
            return with_language(key, edition_languages(sub, issue), issue)

        recipients = [(sub, edition_of(sub)) for sub in selected]
        left_out = tuple((sub, edition_of(sub)) for sub in suppressed_members)  # recorded as suppressed
        suppressed = len(members) - len(selected)
        if not recipients:
            raise RefusedError(nobody_to_send(segment, len(subscribers), len(members), suppressed, lists))
        keys = sorted({key for _, key in recipients})
        warnings += check_sent_editions(project, keys, proof=proof) if run_check else []  # each rendered once, then sent
        editions = {key: render_edition(project, key) for key in keys}
        dkim = dkim_key(settings, sender_of(settings, issue))  # read and proven once per run
        templates = message_templates(editions, project=project, keys=secrets, dkim=dkim)
        warnings += preflight_warnings(settings, issue_dir, issue.mailbox) + sending_warnings(templates, settings)  # SB701-SB708
        campaign = cls(
            project=project, identity=identity, segment=segment,
            recipients=tuple(recipients), listed=frozenset(s.key for s in subscribers), suppressions=suppressions,
            left_out=left_out, editions=editions, templates=templates, ledger_dir=folder, warnings=warnings, ledger_url=shared,
        )
        campaign.suppressed_file = Path(suppressed_file) if suppressed_file is not None else None
        campaign.suppressed, campaign.paused, campaign.proof_only, campaign.lists = suppressed, paused, proof, tuple(lists)
        log.info("%d recipients, %d suppressed, %d paused, %d editions", len(recipients), suppressed, paused, len(editions))
        return campaign

    @property
    def ledger_where(self) -> str:
        """The ledger as shown to people: the file, or the database URL."""
        if self.ledger_url:
            from ..store.postgres_db import describe

            return describe(self.ledger_url)
        return str(self.ledger_dir / f"{self.identity}.sqlite3")

    def open_store(self, *, readonly: bool = False) -> Store:
        """The project's store, as the campaign was prepared with."""
        return StorePlace(self.ledger_url, self.ledger_dir).open(readonly=readonly)

    def per_edition(self) -> dict[str, int]:
        """How many recipients get each edition."""
        counts = dict.fromkeys(self.editions, 0)
        for _, key in self.recipients:
            counts[key] += 1
        return counts

    # -- dry run and proofs --------------------------------------------------------------------

    def dry_run(self) -> DryRun:
        """Build every message that would be sent now; send and record nothing."""
        done = self._done_keys()
        sizes: list[int] = []
        sample = b""
        waiting = [(sub, key) for sub, key in self.recipients if sub.key not in done]
        for sub, key in waiting:
            data = self.templates[key].build(sub.email, sub.name).data
            sizes.append(len(data))
            sample = sample or data
        head = sample.split(b"\r\n\r\n", 1)[0].decode("ascii")
        per_edition = dict.fromkeys(self.editions, 0)
        for _, key in waiting:
            per_edition[key] += 1
        return DryRun(len(waiting), len(self.recipients) - len(waiting), self.suppressed, per_edition,
                      (min(sizes, default=0), max(sizes, default=0)), head)

    def _done_keys(self) -> set[str]:
        """Who has had the issue, read without taking the ledger's lock; nobody when no send has started."""
        with self.open_store(readonly=True) as store:
            ledger = store.ledger(self.identity, create=False)
            if ledger is None:
                return set()
            try:
                return already_had(ledger, self.recipients, store.hasher())[0]
            finally:
                ledger.close()

    async def proof(self, address: str, transport: Transport, /) -> list[tuple[str, str]]:
        """Send one proof of each edition to ``address`` ("[Proof: police] ..."); never recorded.

        Returns ``(edition, server reply)`` pairs.
        """
        replies = []
        async with transport:  # closed here, whatever happens
            for key, edition in self.editions.items():
                proof = dataclasses.replace(edition, subject=f"[Proof: {key}] {edition.subject}")
                template = message_templates({key: proof}, project=self.project, keys=self.keys, dkim=self.dkim)[key]
                template.id_salt = f"proof-{uuid.uuid4().hex}"  # never the Message-ID of a real send
                replies.append((key, await transport.send(template.build(address, ""))))
        return replies

    # -- the send -------------------------------------------------------------------------------

    async def send(
        self, transport: Transport, /, *, options: DeliveryOptions = DEFAULT_OPTIONS,
        accept_changes: bool = False, resume_stale: bool = False,
        on_start: Callable[[RunTargets], None] = lambda targets: None,
        on_progress: Callable[[DeliveryReport], None] = lambda report: None,
        stop: asyncio.Event | None = None,
    ) -> SendResult:
        """Deliver to everyone in the segment who has not had the issue; resumable, never twice.

        Raises RefusedError (content changed, stale send), LedgerError, or a
        SendError when the transport cannot be used; delivery failures are in the report.
        The send owns ``transport``: it is closed when the send ends, however it ends.
        """
        async with transport:
            return await self._send(transport, options, accept_changes=accept_changes, resume_stale=resume_stale,
                                    on_start=on_start, on_progress=on_progress, stop=stop)

    async def _send(self, transport: Transport, options: DeliveryOptions, /, *, accept_changes: bool, resume_stale: bool,
                    on_start: Callable[[RunTargets], None], on_progress: Callable[[DeliveryReport], None],
                    stop: asyncio.Event | None) -> SendResult:
        if self.proof_only:
            raise RefusedError("this campaign was prepared for proofs only (a draft); prepare it again without proof to send")
        sender = next(iter(self.templates.values())).sender
        await _probe(transport, sender.envelope_sender, options)
        store = self.open_store()
        try:
            privacy.purge(store, self.settings)  # [privacy]: what is older than the settings keep goes before anything is added
            ledger = store.ledger(self.identity, lease=options.lease)
            assert ledger is not None
        except BaseException:
            store.close()
            raise
        try:
            self._adopt(store)
            done, hidden = already_had(ledger, self.recipients, store.hasher())
            waiting = [sub for sub, _ in self.recipients if sub.key not in done]
            if waiting:
                check_stale(ledger, identity=self.identity, list_id=next(iter(self.templates.values())).sender.list_id,
                            limit=self.settings.sending.stale_after_days, resume_stale=resume_stale, waiting=len(waiting))
                freeze(ledger, self.editions, issue_dir=self.issue_dir, identity=self.identity, accept_changes=accept_changes,
                       waiting=len(waiting), read=self.project.image)
                unsubscribe = next(iter(self.templates.values())).unsubscribe
                store.remember_links((unsubscribe.token(sub.email), sub.email) for sub in waiting)
            run = uuid.uuid4().hex
            rows = itertools.chain((LedgerRow(sub.email, sub.name, key, segment=self.segment) for sub, key in self.recipients
                                    if sub.key not in hidden),  # had it, under a keyed hash: never a new row
                                   (LedgerRow(sub.email, sub.name, key, State.SUPPRESSED, segment=self.segment)
                                    for sub, key in self.left_out))
            targets = ledger.begin_run(run, rows, listed=lambda address: address.casefold() in self.listed,
                                       suppressed=lambda address: address in self.suppressions)
            targets = dataclasses.replace(targets, already_sent=targets.already_sent + len(hidden))
            on_start(targets)
            before = ledger.counts().suppressed  # rows this run finds suppressed later (claims, other senders) count too

            report = await deliver(
                ledger, run, self.templates, transport, options=options,
                is_suppressed=self._suppressed_since_prepared,
                on_permanent=lambda address, reply: record_refusal(store, self.settings.sending, self.identity, address, reply),
                on_progress=on_progress, stop=stop, quota=store if options.daily_limit else None,
            )
            report.suppressed = report.counts.suppressed - before
        finally:
            ledger.close()
            store.close()
        return SendResult(targets, report)

    def _adopt(self, store: Store) -> None:
        """Import the CSV suppression list into the store, read its list again, and key the links with the store's
        secret (the one prepared, unless another sender made the store's first a moment ago)."""
        take_in_csv(store, self.settings, self.suppressed_file)
        prepared, self.suppressions = self.suppressions, store.suppressions()
        self._added = added_since(self.suppressions, prepared)
        keys = keys_of(self.settings, store, self.keys[0])
        store.check_keys(*keys)
        if keys != self.keys:
            self.templates = message_templates(self.editions, project=self.project, keys=keys, dkim=self.dkim)

    def _suppressed_since_prepared(self, address: str, /) -> bool:
        """Whether ``address`` was suppressed after the campaign was prepared (each recipient was looked up then once;
        rows of earlier runs are judged by the ledger's ``begin_run``)."""
        return bool(self._added.entries) and address in self._added

    @property
    def dkim(self) -> DkimKey | None:
        """The DKIM key the campaign's messages are signed with (read and proven once, when prepared)."""
        return next(iter(self.templates.values())).dkim

    @property
    def keys(self) -> tuple[str, str]:
        """The secrets the campaign's links are keyed with (current, previous)."""
        unsubscribe = next(iter(self.templates.values())).unsubscribe
        current, *previous = (key.decode() for key in unsubscribe.keys)
        return current, (previous[0] if previous else "")


def added_since(now: Suppressions, before: Suppressions, /) -> Suppressions:
    """The entries of ``now`` whose address ``before`` does not suppress (matched by key, hashed entries too)."""
    known = {suppression_key(entry.address) for entry in before.entries}
    return Suppressions(tuple(e for e in now.entries if suppression_key(e.address) not in known), now.path, hasher=now.hasher)


async def _probe(transport: Transport, envelope_from: str, options: DeliveryOptions) -> None:
    """Reach the transport before claiming anyone; temporary failures are retried like messages."""
    for attempt in range(1, options.max_attempts + 1):
        try:
            await transport.probe(envelope_from)
            return
        except TemporaryFailure:
            if attempt == options.max_attempts:
                raise
            await asyncio.sleep(backoff(attempt, options, jitter=random.uniform(0.5, 1.5)))
