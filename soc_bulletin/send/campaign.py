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
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..site.archive import web_url
from ..render.build import local_images
from ..config import Settings, load_settings
from .engine import DeliveryOptions, DeliveryReport, backoff, deliver
from ..errors import ConfigError, ContentError, RefusedError, SenderFailure, TemporaryFailure
from .ledger import Counts, EditionVersion, LedgerRow, RunTargets, SQLiteLedger, State
from ..content.load import load_issue
from .message import DkimKey, MessageTemplate, Sender
from ..content.model import Issue
from ..problems import Problem, Severity
from ..render.renderer import Edition, Renderer, filter_sections
from ..audience.segments import Segments, load_segments
from ..audience.subscribers import ROW_CODES, Subscriber, read_subscribers
from ..audience.suppression import Suppressions, add_suppression, load_suppressions
from .transports import Transport
from .unsubscribe import Unsubscribe

__all__ = [
    "Campaign", "DEFAULT_LEDGER_DIR", "DryRun", "EVERYONE", "SendResult", "SendStatus",
    "audiences", "issue_identity", "ledger_path", "send_status",
]

log = logging.getLogger(__name__)

EVERYONE = "everyone"  # the edition key when an issue has no targeted content
DEFAULT_LEDGER_DIR = Path(".ledger")
DAY = 86_400.0


def audiences(issue: Issue, /) -> frozenset[str]:
    """Every segment name an article or section of ``issue`` is targeted at."""
    names = {n for s in issue.sections for n in s.audience}
    names.update(n for a in issue.articles for n in a.audience)
    return frozenset(names)


def edition_key(names: frozenset[str], /) -> str:
    """The ledger's name for the edition seen by members of ``names``."""
    return "+".join(sorted(names)) if names else EVERYONE


def issue_identity(issue_dir: str | Path, /) -> str:
    """An issue's identity: the name of its folder (two issues of one month are two issues)."""
    name = Path(issue_dir).resolve().name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ConfigError(f"the issue folder name {name!r} may use only letters, digits, '.', '_' and '-'")
    return name


def ledger_path(ledger_dir: str | Path, identity: str, /) -> Path:
    """Where the ledger of the issue ``identity`` lives: one file per issue."""
    return Path(ledger_dir) / f"{identity}.sqlite3"


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


@dataclass(frozen=True, slots=True)
class _Fingerprint:
    """An edition's content digest and its articles' digests (by slug)."""

    digest: str
    articles: dict[str, str]


class Campaign:
    """One issue, one segment, prepared for sending. Make it with :meth:`prepare`."""

    def __init__(self, *, issue_dir: Path, issue: Issue, identity: str, settings: Settings, segment: str,
                 recipients: tuple[tuple[Subscriber, str], ...], listed: frozenset[str], suppressions: Suppressions,
                 suppression_file: Path, editions: dict[str, Edition], templates: dict[str, MessageTemplate],
                 ledger_dir: Path, warnings: list[str]) -> None:
        self.issue_dir, self.issue, self.identity, self.settings = issue_dir, issue, identity, settings
        self.segment, self.recipients, self.listed = segment, recipients, listed
        self.suppressions, self.suppression_file = suppressions, suppression_file
        self.editions, self.templates = editions, templates
        self.ledger_dir = ledger_dir
        #: what the preflight found worth saying that does not refuse the send
        self.warnings = warnings
        self.suppressed = 0

    # -- preflight ------------------------------------------------------------------------------

    @classmethod
    def prepare(
        cls, issue_dir: str | Path, /, *, lists: Sequence[str | Path], segment: str = "all",
        settings: Settings | None = None, segments_file: str | Path | None = None,
        suppressed_file: str | Path | None = None, ledger_dir: str | Path = DEFAULT_LEDGER_DIR,
        run_check: bool = True,
    ) -> Campaign:
        """Everything that can refuse a send, before anything goes out (see the module's docstring).

        Raises ContentError (the issue fails ``check``), ConfigError (a list,
        setting, key or file that cannot be used) or RefusedError (nobody to send to).
        """
        issue_dir = Path(issue_dir)
        settings = settings or load_settings()
        warnings: list[str] = []
        if run_check:
            warnings += _check_content(issue_dir)
        issue = load_issue(issue_dir)
        identity = issue_identity(issue_dir)
        subscribers, list_warnings = _read_lists(lists)
        warnings += list_warnings
        segments = _segments(segments_file, settings)
        chosen = segments.segment(segment)
        suppressions, suppression_file, suppression_warnings = _suppressions(suppressed_file, settings)
        warnings += suppression_warnings
        targeted = audiences(issue)
        unknown = sorted(n for n in targeted if n not in segments)
        if unknown:
            raise ContentError([Problem(str(issue_dir / "issue.yaml"), 0, 0, "SB060",
                                        f"The audience '{n}' is not a segment in {segments.path or 'segments.yaml'}.") for n in unknown])
        recipients: list[tuple[Subscriber, str]] = []
        in_segment = suppressed = 0
        for sub in subscribers:
            if not chosen.matches(sub):
                continue
            in_segment += 1
            if sub in suppressions:
                suppressed += 1
                continue
            recipients.append((sub, edition_key(frozenset(n for n in targeted if segments[n].matches(sub)))))
        if not recipients:
            raise RefusedError(_nobody(segment, len(subscribers), in_segment, suppressed, lists))
        renderer = Renderer()
        url = web_url(settings.site.base_url, identity)
        keys = sorted({key for _, key in recipients})
        editions = {key: _render(issue, key, renderer, url) for key in keys}
        templates = _templates(editions, issue_dir=issue_dir, identity=identity, settings=settings)
        campaign = cls(
            issue_dir=issue_dir, issue=issue, identity=identity, settings=settings, segment=segment,
            recipients=tuple(recipients), listed=frozenset(s.key for s in subscribers), suppressions=suppressions,
            suppression_file=suppression_file, editions=editions, templates=templates, ledger_dir=Path(ledger_dir),
            warnings=warnings,
        )
        campaign.suppressed = suppressed
        log.info("%d recipients, %d suppressed, %d editions", len(recipients), suppressed, len(editions))
        return campaign

    @property
    def ledger_path(self) -> Path:
        """This issue's ledger file."""
        return ledger_path(self.ledger_dir, self.identity)

    def per_edition(self) -> dict[str, int]:
        """How many recipients get each edition."""
        counts = dict.fromkeys(self.editions, 0)
        for _, key in self.recipients:
            counts[key] += 1
        return counts

    # -- dry run and proofs --------------------------------------------------------------------

    def dry_run(self) -> DryRun:
        """Build every message that would be sent now; send and record nothing."""
        done = _done_keys(self.ledger_path, self.identity)
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

    async def proof(self, address: str, transport: Transport, /) -> list[tuple[str, str]]:
        """Send one proof of each edition to ``address`` ("[Proof: police] ..."); never recorded.

        Returns ``(edition, server reply)`` pairs.
        """
        replies = []
        try:
            for key, edition in self.editions.items():
                proof = dataclasses.replace(edition, subject=f"[Proof: {key}] {edition.subject}")
                template = _templates({key: proof}, issue_dir=self.issue_dir, identity=self.identity, settings=self.settings)[key]
                template.id_salt = f"proof-{uuid.uuid4().hex}"  # never the Message-ID of a real send
                replies.append((key, await transport.send(template.build(address, ""))))
        finally:
            await transport.close()
        return replies

    # -- the send -------------------------------------------------------------------------------

    async def send(
        self, transport: Transport, /, *, options: DeliveryOptions = DeliveryOptions(),
        accept_changes: bool = False, resume_stale: bool = False,
        on_start: Callable[[RunTargets], None] = lambda targets: None,
        on_progress: Callable[[DeliveryReport], None] = lambda report: None,
        stop: asyncio.Event | None = None,
    ) -> SendResult:
        """Deliver to everyone in the segment who has not had the issue; resumable, never twice.

        Raises RefusedError (content changed, stale send), LedgerError, or a
        SendError when the transport cannot be used; delivery failures are in the report.
        """
        sender = next(iter(self.templates.values())).sender
        try:
            await _probe(transport, sender.envelope_sender, options)
        except BaseException:
            await transport.close()
            raise
        try:
            ledger = SQLiteLedger(self.ledger_path, identity=self.identity)
        except BaseException:
            await transport.close()
            raise
        try:
            done = {row.key for row in ledger.rows() if row.state in (State.SENT, State.FAILED_PERMANENT)}
            waiting = sum(1 for sub, _ in self.recipients if sub.key not in done)
            if waiting:
                self._check_stale(ledger, resume_stale, waiting)
                self._freeze(ledger, accept_changes, waiting)
            run = uuid.uuid4().hex
            targets = ledger.begin_run(
                run, (LedgerRow(sub.email, sub.name, key, segment=self.segment) for sub, key in self.recipients),
                listed=lambda address: address.casefold() in self.listed,
                suppressed=lambda address: address in self.suppressions,
            )
            on_start(targets)
            suppression_file = self.suppression_file

            def bounced(address: str, reply: str) -> None:
                add_suppression(suppression_file, address, "bounced")

            report = await deliver(
                ledger, run, self.templates, transport, options=options,
                is_suppressed=lambda address: address in self.suppressions,
                on_permanent=bounced, on_progress=on_progress, stop=stop,
            )
        finally:
            ledger.close()
            await transport.close()
        return SendResult(targets, report)

    def _check_stale(self, ledger: SQLiteLedger, resume_stale: bool, waiting: int) -> None:
        started = ledger.meta().get("started")
        if started is None:
            ledger.set_meta("started", str(time.time()))
            return
        days = (time.time() - float(started)) / DAY
        limit = self.settings.sending.stale_after_days
        if days > limit and not resume_stale:
            when = dt.datetime.fromtimestamp(float(started), dt.timezone.utc).strftime("%Y-%m-%d")
            raise RefusedError(
                f"this send of issue {self.identity} started on {when}, {days:.0f} days ago (more than {limit}); "
                f"{waiting} recipient(s) have not had it. Pass --resume-stale to send it to them anyway")

    def _freeze(self, ledger: SQLiteLedger, accept_changes: bool, waiting: int) -> None:
        """Refuse an edition whose content differs from what earlier recipients received."""
        latest: dict[str, EditionVersion] = {}
        for version in ledger.versions():
            latest[version.edition] = version
        changes: list[tuple[str, EditionVersion, _Fingerprint, int]] = []
        for key, edition in self.editions.items():
            now = _fingerprint(edition, self.issue_dir)
            before = latest.get(key)
            if before is None:
                ledger.record_version(key, now.digest, now.articles, new=True)
            elif before.fingerprint != now.digest:
                received = ledger.sent_with(key, before.version)
                if received == 0:  # nobody has the earlier version: nothing to keep consistent
                    ledger.record_version(key, now.digest, now.articles, new=False)
                else:
                    changes.append((key, before, now, received))
        if changes and not accept_changes:
            parts = []
            for key, before, now, received in changes:
                parts.append(f"edition '{key}' ({_changed_articles(before.articles, now.articles)}; "
                             f"{received} recipient(s) already received the earlier version)")
            raise RefusedError(
                f"issue {self.identity} changed since its send began: {'; '.join(parts)}. "
                f"Undo the change, or pass --accept-changes to send the new version to the {waiting} remaining")
        for key, _, now, _ in changes:
            ledger.record_version(key, now.digest, now.articles, new=True)


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


def _nobody(segment: str, subscribers: int, in_segment: int, suppressed: int, lists: Sequence[str | Path]) -> str:
    names = ", ".join(str(p) for p in lists)
    if not subscribers:
        return f"nothing to send: the lists ({names}) hold no valid subscriber"
    if not in_segment:
        return f"nothing to send: segment '{segment}' selects none of the {subscribers} subscribers in {names}"
    return f"nothing to send: all {suppressed} subscriber(s) of segment '{segment}' are on the suppression list"


def _check_content(issue_dir: Path) -> list[str]:
    """Run ``check`` on the issue: errors refuse the send, warnings are returned."""
    from ..check import check_paths

    if not issue_dir.is_dir():
        raise ConfigError(f"{issue_dir} is not an issue folder")
    report = check_paths([issue_dir])
    if report.errors:
        raise ContentError(report.errors)
    return [str(p) for p in report.warnings]


def _read_lists(lists: Sequence[str | Path]) -> tuple[tuple[Subscriber, ...], list[str]]:
    """Every named list must be usable; rows that are not are left out, with a warning."""
    if not lists:
        raise ConfigError("give at least one subscriber list")
    report = read_subscribers(*lists)
    fatal = [p for p in report.problems if p.severity is Severity.ERROR and p.code not in ROW_CODES]
    if fatal:
        raise ConfigError("; ".join(f"cannot use the list {p}" for p in fatal))
    warnings = [str(p) for p in report.problems]
    if report.invalid:
        warnings.append(f"{report.invalid} invalid subscriber row(s) left out (see above).")
    return report.subscribers, warnings


def _segments(segments_file: str | Path | None, settings: Settings) -> Segments:
    if segments_file is not None:
        return load_segments(segments_file)
    default = Path(settings.sending.segments)
    return load_segments(default if default.exists() else None)


def _suppressions(named: str | Path | None, settings: Settings) -> tuple[Suppressions, Path, list[str]]:
    """The suppression list: a named one must exist; a missing default one is a warning."""
    warnings = []
    if named is not None:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"the suppression list {path} does not exist (or is not a file)")
    else:
        path = Path(settings.sending.suppressed)
        if not path.exists():
            warnings.append(f"warning: no suppression list at {path}; nobody is suppressed (it is created at the first bounce)")
    suppressions = load_suppressions(path)
    warnings += [str(p) for p in suppressions.problems]
    return suppressions, path, warnings


def _render(issue: Issue, key: str, renderer: Renderer, url: str) -> Edition:
    """The edition named ``key`` (see :func:`edition_key`)."""
    audience = None if not audiences(issue) else frozenset() if key == EVERYONE else frozenset(key.split("+"))
    return renderer.render(issue, audience=audience, web_url=url)


def _templates(editions: dict[str, Edition], /, *, issue_dir: Path, identity: str, settings: Settings) -> dict[str, MessageTemplate]:
    """A message template per edition, with sender, unsubscribe links, inline images and a checked DKIM key."""
    templates = {}
    sending = settings.sending
    for key, edition in editions.items():
        issue = edition.issue
        sender = Sender.parse(sending.from_, mailbox=issue.mailbox, envelope_sender=sending.envelope_sender, list_id=sending.list_id)
        unsubscribe = Unsubscribe(list_id=sender.list_id, mailbox=issue.mailbox, base_url=sending.unsubscribe_base_url)
        images = {src: issue_dir / src for src in local_images(issue)}
        for src, path in images.items():
            if not path.is_file():
                raise ConfigError(f"the image {path} does not exist")
        templates[key] = MessageTemplate(edition, sender=sender, unsubscribe=unsubscribe, images=images,
                                         dkim=_dkim_key(settings, sender), issue_id=identity)
    return templates


def _dkim_key(settings: Settings, sender: Sender) -> DkimKey | None:
    """The DKIM key from settings, proven to sign; None when signing is not configured."""
    selector, key_path = settings.sending.dkim_selector, settings.sending.dkim_key
    if not selector and not key_path:
        return None
    if not (selector and key_path):
        raise ConfigError("DKIM signing needs both dkim_selector and dkim_key in the settings")
    try:
        key = Path(key_path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the DKIM key {key_path}: {exc.strerror or exc}") from exc
    dkim_key = DkimKey(selector, sender.from_address.rsplit("@", 1)[1], key)
    try:
        dkim_key.probe()
    except SenderFailure as exc:
        raise ConfigError(f"the DKIM key {key_path} cannot be used: {exc}") from exc
    return dkim_key


def _fingerprint(edition: Edition, issue_dir: Path) -> _Fingerprint:
    """Digests of what recipients of ``edition`` see: the whole edition, and each article."""
    images = {src: hashlib.sha256((issue_dir / src).read_bytes()).hexdigest() for src in local_images(edition.issue)}
    whole = hashlib.sha256()
    for part in (edition.subject, edition.html, edition.text, *sorted(images.values())):
        whole.update(part.encode() + b"\0")
    articles = {}
    for section in filter_sections(edition.issue, edition.audience):
        for article in section.articles:
            digest = hashlib.sha256(repr(article).encode())
            for src in sorted(images):
                if f"src={src!r}" in repr(article):
                    digest.update(images[src].encode())
            articles[article.slug] = digest.hexdigest()
    return _Fingerprint(whole.hexdigest(), articles)


def _changed_articles(before: Mapping[str, str], now: dict[str, str]) -> str:
    changed = [f"'{s}' changed" for s in now if s in before and before[s] != now[s]]
    changed += [f"'{s}' added" for s in now if s not in before]
    changed += [f"'{s}' removed" for s in before if s not in now]
    return ", ".join(changed) if changed else "the layout, settings or issue details changed"


def _done_keys(path: Path, identity: str) -> set[str]:
    """Keys of people the ledger says have had the issue (sent or refused for good); none if no ledger."""
    if not path.exists():
        return set()
    ledger = SQLiteLedger(path, identity=identity, create=False, lock=False)
    try:
        return {row.key for row in ledger.rows() if row.state in (State.SENT, State.FAILED_PERMANENT)}
    finally:
        ledger.close()


# -- status ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendStatus:
    """How far the send of one issue got: counts per segment and edition, versions, failures."""

    identity: str
    path: Path
    started: str
    groups: dict[tuple[str, str], Counts]
    versions: list[tuple[str, int, int]]  # (edition, version, recipients who received it)
    failed: list[LedgerRow] = field(default_factory=list)


def send_status(issue_dir: str | Path, /, *, ledger_dir: str | Path = DEFAULT_LEDGER_DIR) -> SendStatus | None:
    """The state of the issue's send, or None when none has started. LedgerError for a damaged ledger."""
    identity = issue_identity(issue_dir)
    path = ledger_path(ledger_dir, identity)
    if not path.exists() and not path.is_symlink():
        return None
    ledger = SQLiteLedger(path, identity=identity, create=False, lock=False)
    try:
        rows = ledger.rows()
        versions = ledger.versions()
        started = ledger.meta().get("started", "")
    finally:
        ledger.close()
    tallies: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        tally = tallies.setdefault((row.segment, row.edition), {})
        name = row.state.name.lower()
        tally[name] = tally.get(name, 0) + 1
    groups = {group: Counts(**tally) for group, tally in sorted(tallies.items())}
    received = [(v.edition, v.version, sum(1 for r in rows if r.state is State.SENT and r.edition == v.edition and r.version == v.version))
                for v in versions]
    when = dt.datetime.fromtimestamp(float(started), dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if started else ""
    failed = [r for r in rows if r.state in (State.FAILED_TEMPORARY, State.FAILED_PERMANENT)]
    return SendStatus(identity, path, when, groups, received, failed)
