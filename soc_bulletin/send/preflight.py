"""The preflight of a send: every check that can refuse it, and the pieces a :class:`Campaign` is made of.

Content passes ``check``; lists are usable; the segment selects somebody; a
named suppression list exists; the sender and a DKIM key are proven; editions
are rendered once per audience and fingerprinted for the freeze.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..audience.segments import Segment
from ..audience.subscribers import ROW_CODES, Subscriber, read_subscribers
from ..audience.suppression import Suppressions, load_suppressions
from ..config import Settings
from ..content.model import Issue
from ..errors import ConfigError, ContentError, SenderFailure
from ..problems import Severity
from ..render.as_sent import CLIP_BYTES, size_advice
from ..render.build import image_files, local_images
from ..render.project import Project
from ..render.renderer import Edition, filter_sections
from ..store.base import Store, new_secret
from ..store.ledger import Ledger, State
from ..store.open import keys_of, named_csv
from .languages import split_key
from .message import DkimKey, MessageTemplate, Sender
from .unsubscribe import Unsubscribe

if TYPE_CHECKING:
    from ..check.report import CheckReport

__all__ = [
    "EVERYONE", "Fingerprint", "audiences", "changed_articles", "check_content", "check_sent_editions", "dkim_key", "done_keys", "edition_key", "edition_of",
    "fingerprint", "issue_identity", "message_templates", "nobody_to_send", "read_lists", "render_edition",
    "sender_of", "sending_warnings", "suppressions_and_keys",
]

EVERYONE = "everyone"  # the edition key when an issue has no targeted content


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


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """An edition's content digest and its articles' digests (by slug)."""

    digest: str
    articles: dict[str, str]


def nobody_to_send(segment: str, subscribers: int, in_segment: int, suppressed: int, lists: Sequence[str | Path]) -> str:
    names = ", ".join(str(p) for p in lists)
    if not subscribers:
        return f"nothing to send: the lists ({names}) hold no valid subscriber"
    if not in_segment:
        return f"nothing to send: segment '{segment}' selects none of the {subscribers} subscribers in {names}"
    return f"nothing to send: all {suppressed} subscriber(s) of segment '{segment}' are on the suppression list"


def check_content(project: Project, /, *, segments: Path | None = None, proof: bool = False) -> list[str]:
    """Run ``check`` on the issue of ``project`` as it will be sent (its settings and layouts, the ``segments`` file
    named for the send), all but the rendered editions (:func:`check_sent_editions`): errors refuse the send, warnings
    are returned.

    A draft's unfinished template (:data:`~soc_bulletin.check.codes.UNSENDABLE`) refuses it too, unless it is a ``proof``.
    """
    from ..check.run import check_project

    if not project.issue_dir.is_dir():
        raise ConfigError(f"{project.issue_dir} is not an issue folder")
    return _refused_or_warned(check_project(project, segments=segments, editions=False), proof=proof)


def check_sent_editions(project: Project, keys: Sequence[str], /, *, proof: bool = False) -> list[str]:
    """``check``'s judgement of the editions named ``keys`` (see :func:`edition_key`) as they will be sent, named as
    ``check`` names them; a bilingual edition's size is :func:`sending_warnings`' (``check`` leaves it too)."""
    from ..check.run import check_editions

    whole = not audiences(project.issue)  # one edition but for languages: named as check names them ("", "cy")
    named = {key.removeprefix(EVERYONE).removeprefix("@") if whole else key: key for key in keys if len(split_key(key)[1] or ()) <= 1}
    return _refused_or_warned(check_editions(project, {name: edition_of(project, key) for name, key in named.items()}), proof=proof)


def _refused_or_warned(report: CheckReport, /, *, proof: bool) -> list[str]:
    """ContentError for the errors of ``report`` and, unless for a ``proof``, what a draft left unfinished; else its warnings
    (SB502 aside: each edition is measured as sent)."""
    from ..check.codes import UNSENDABLE

    report = replace(report, problems=tuple(p for p in report.problems if p.code != "SB502"))
    unfinished = [] if proof else [replace(p, severity=Severity.ERROR, message=f"{p.message} The issue cannot be sent until it is done "
                                           "(a proof with --test-to can).") for p in report.warnings if p.code in UNSENDABLE]
    if report.errors or unfinished:
        raise ContentError(sorted([*report.errors, *unfinished]))
    return [str(p) for p in report.warnings if p.code not in UNSENDABLE or proof]


def sending_warnings(templates: Mapping[str, MessageTemplate], settings: Settings, /) -> list[str]:
    """What the messages themselves warn of: an HTML part near or past Gmail's 102 KB as sent (each edition), and a
    one-click unsubscribe link in unsigned mail (RFC 8058 needs a DKIM signature over it, so inboxes show no button)."""
    warnings = []
    for key, template in templates.items():
        if advice := size_advice(template.html_bytes):
            warnings.append(f"warning: edition '{key}': {'SB501' if template.html_bytes > CLIP_BYTES else 'SB502'} {advice}")
    one_click = settings.sending.unsubscribe_base_url.lower().startswith("https://")
    if one_click and any(template.dkim is None for template in templates.values()):
        where = f"{settings.path}: " if settings.path is not None else ""
        warnings.append(f"warning: {where}SB708 The messages carry a one-click unsubscribe link but are not signed with DKIM; "
                        "RFC 8058 needs a DKIM signature over it, so Gmail and Yahoo show no unsubscribe button and may bin unsigned "
                        "bulk mail: set [sending] dkim_selector and dkim_key.")
    return warnings


def read_lists(lists: Sequence[str | Path]) -> tuple[tuple[Subscriber, ...], list[str]]:
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


def edition_of(project: Project, key: str, /) -> tuple[frozenset[str] | None, tuple[str, ...] | None]:
    """The audience and languages of the edition named ``key`` (see :func:`edition_key`, and
    :func:`~.languages.with_language` for its language)."""
    key, languages = split_key(key)
    return None if not audiences(project.issue) else frozenset() if key == EVERYONE else frozenset(key.split("+")), languages


def render_edition(project: Project, key: str, /) -> Edition:
    """The edition named ``key``, rendered once per run; with a service, it links each recipient's preference page."""
    return project.edition(*edition_of(project, key), manage=bool(project.settings.service_url))


def sender_of(settings: Settings, issue: Issue, /) -> Sender:
    """The sender of the issue's messages, from the settings (the issue's team mailbox by default)."""
    sending = settings.sending
    return Sender.parse(sending.from_, mailbox=issue.mailbox, envelope_sender=sending.envelope_sender, list_id=sending.list_id)


def message_templates(editions: dict[str, Edition], /, *, project: Project, keys: tuple[str, str],
                      dkim: DkimKey | None) -> dict[str, MessageTemplate]:
    """A message template per edition, with sender, unsubscribe links (keyed with ``keys``: the current and the
    previous secret, see :func:`soc_bulletin.store.keys_of`), inline images (read once per run) and the ``dkim`` key
    (see :func:`dkim_key`)."""
    templates = {}
    settings = project.settings
    for key, edition in editions.items():
        issue = edition.issue
        sender = sender_of(settings, issue)
        unsubscribe = Unsubscribe(list_id=sender.list_id, mailbox=issue.mailbox, base_url=settings.sending.unsubscribe_base_url,
                                  secret=keys[0], previous_secret=keys[1], preferences_url=preferences_url(settings))
        images, problems = image_files(issue, project.issue_dir)
        if problems:
            raise ContentError(problems)
        templates[key] = MessageTemplate(edition, sender=sender, unsubscribe=unsubscribe, images=images, dkim=dkim,
                                         issue_id=project.identity, image_data={src: project.image(src) for src in images})
    return templates


def preferences_url(settings: Settings, /) -> str:
    """The service's preference page, linked from every message's footer; "" when there is no service."""
    return f"{settings.service_url}/preferences" if settings.service_url else ""


def dkim_key(settings: Settings, sender: Sender) -> DkimKey | None:
    """The DKIM key from settings, proven to sign; None when signing is not configured."""
    selector, key_path = settings.sending.dkim_selector, settings.sending.dkim_key
    if not selector and not key_path:
        return None
    if not (selector and key_path):
        raise ConfigError("DKIM signing needs both dkim_selector and dkim_key in the settings")
    try:
        key = settings.resolve(key_path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the DKIM key {key_path}: {exc.strerror or exc}") from exc
    dkim_key = DkimKey(selector, sender.from_address.rsplit("@", 1)[1], key)
    try:
        dkim_key.probe()
    except SenderFailure as exc:
        raise ConfigError(f"the DKIM key {key_path} cannot be used: {exc}") from exc
    return dkim_key


def fingerprint(edition: Edition, issue_dir: Path, /, read: Callable[[str], bytes] | None = None) -> Fingerprint:
    """Digests of what recipients of ``edition`` see: the whole edition, and each article (``read``: an image's bytes
    by its ``src``, default read from ``issue_dir``)."""
    read = read or (lambda src: (issue_dir / src).read_bytes())
    images = {src: hashlib.sha256(read(src)).hexdigest() for src in local_images(edition.issue)}
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
    return Fingerprint(whole.hexdigest(), articles)


def changed_articles(before: Mapping[str, str], now: dict[str, str]) -> str:
    changed = [f"'{s}' changed" for s in now if s in before and before[s] != now[s]]
    changed += [f"'{s}' added" for s in now if s not in before]
    changed += [f"'{s}' removed" for s in before if s not in now]
    return ", ".join(changed) if changed else "the layout, settings or issue details changed"


def done_keys(ledger: Ledger, /) -> set[str]:
    """Keys of people the ledger says have had the issue (sent, or refused for good)."""
    return {row.key for row in ledger.rows() if row.state in (State.SENT, State.FAILED_PERMANENT)}


def members_and_entries(subscribers: Sequence[Subscriber], segment: Segment, suppressions: Suppressions, /) -> tuple[
        list[Subscriber], list[Subscriber], list[Subscriber]]:
    """The members of ``segment``, those to send to (not suppressed) and those left out (suppressed, but not erased:
    never recorded again); each member is looked up in the suppression list once."""
    members = [sub for sub in subscribers if segment.matches(sub)]
    entries = [suppressions.get(sub) for sub in members]
    selected = [sub for sub, entry in zip(members, entries, strict=True) if entry is None]
    left_out = [sub for sub, entry in zip(members, entries, strict=True) if entry is not None and entry.source != "erased"]
    return members, selected, left_out


def suppressions_and_keys(store: Store, settings: Settings, named: str | Path | None, /) -> tuple[Suppressions, tuple[str, str], list[str]]:
    """What a send will find, read without writing: the store's suppression list joined with the CSV one (which a
    send imports; a named file must exist), the keys of links (the store's secret, or one it will adopt), and the
    CSV's warnings."""
    from_file = load_suppressions(named_csv(named) if named is not None else settings.resolve(settings.sending.suppressed))
    joined = store.suppressions().beside(from_file)
    current, previous = keys_of(settings, store, make=False)
    return joined, (current or new_secret(), previous), [str(p) for p in from_file.problems]
