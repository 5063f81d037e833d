"""Write an edition to disk: ``index.html``, ``index.txt``, ``index.mjml`` and its images.

A rebuild leaves a file that would not change alone (nor its time), as
``make`` would. What is written is what a reader sees: the per-recipient placeholders are
filled with sample values (:func:`sample_placeholders`), never left as
``[[greeting]]``. ``audience`` picks an edition (the articles and sections a
segment receives); :func:`build_editions` writes every edition side by side.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..content.load import image_path_problem
from ..content.model import Image, Issue
from ..errors import ContentError, RenderError
from ..problems import Problem
from .as_sent import sent_html_bytes
from .languages import editions_of, greeter, with_language
from .project import Project
from .renderer import fill_placeholders, filter_sections, is_safe_src, render_issue

__all__ = [
    "EVERYONE", "SAMPLE_GREETING", "BuildResult", "audiences", "build_dir", "build_editions", "build_issue", "contained", "edition_issue", "image_files",
    "local_images", "sample_placeholders",
]

log = logging.getLogger(__name__)

#: The greeting a build or a preview shows where each recipient's own goes.
SAMPLE_NAME = "Alex Example"
SAMPLE_GREETING = f"Dear {SAMPLE_NAME},"
#: The name of the edition for readers in no segment an article or section is for.
EVERYONE = "everyone"


def sample_placeholders(issue: Issue, /, languages: tuple[str, ...] | None = None) -> dict[str, str]:
    """Sample per-recipient values: a greeting (in ``languages``, default the issue's), and an unsubscribe link that writes
    to the team mailbox."""
    greeting = SAMPLE_GREETING if languages in (None, ("en",)) else greeter(languages or ())(SAMPLE_NAME)
    return {"greeting": greeting, "unsubscribe_url": f"mailto:{issue.mailbox}?subject=Unsubscribe"}


def audiences(issue: Issue, /) -> list[str]:
    """Every segment an article or section of ``issue`` is for, sorted."""
    names = {n for s in issue.sections for n in s.audience} | {n for a in issue.articles for n in a.audience}
    return sorted(names)


def edition_issue(issue: Issue, audience: Iterable[str] | None, /) -> Issue:
    """``issue`` with only what readers in ``audience`` receive (None: everything; empty: what everyone receives)."""
    if audience is None:
        return issue
    chosen = frozenset(audience)
    return dataclasses.replace(issue, sections=filter_sections(issue, chosen), translations=tuple(
        dataclasses.replace(version, sections=filter_sections(version, chosen)) for version in issue.translations))


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The files a build wrote, the size of its HTML and the articles in it."""

    files: list[Path]
    html_bytes: int
    articles: tuple[str, ...] = ()
    #: the segments some article or section of the whole issue is for
    audiences: tuple[str, ...] = ()
    #: the HTML part's bytes as sent (encoded, images inline, the longest greeting and link): what Gmail's 102 KB counts
    sent_bytes: int = 0


def local_images(issue: Issue, /) -> list[str]:
    """The ``src`` of every image that is a local file (not an https URL)."""
    return sorted({
        b.src for a in issue.articles for b in a.blocks
        if isinstance(b, Image) and is_safe_src(b.src) and not b.src.lower().startswith("https://")
    })


def image_files(issue: Issue, root: str | Path, /) -> tuple[dict[str, Path], list[Problem]]:
    """Each local image of ``issue`` and its file in the issue folder ``root``, and the problems.

    An image that leaves the folder, as written or through a link (SB406),
    or that is missing (SB401) is a problem, never a file to copy or attach.
    """
    root = Path(root)
    files: dict[str, Path] = {}
    problems = []
    for src in local_images(issue):
        source = root / src
        if outside := image_path_problem(src, root):
            problems.append(Problem(str(source), 0, 0, "SB406", outside))
        elif not source.is_file():
            problems.append(Problem(str(source), 0, 0, "SB401", f"The image file {src} does not exist."))
        else:
            files[src] = source
    return files, problems


def build_issue(
    issue: Issue, out_dir: str | Path, /, *, root: str | Path | None = None, layouts: Path | None = None,
    audience: Iterable[str] | None = None, languages: tuple[str, ...] | None = None, read: Callable[[str], bytes] | None = None,
) -> BuildResult:
    """Render ``issue`` (the edition of ``audience``, see :func:`edition_issue`, in ``languages``) and write it to ``out_dir``.

    Local images are copied from ``root`` (the issue folder) to the same
    relative path under ``out_dir``, so the HTML finds them. An image that
    is missing or outside the folder raises :class:`ContentError` before
    anything is written. Greeting and unsubscribe link are sample values.
    ``read`` gives an image's bytes by its ``src`` (a run's :meth:`Project.image`, read once); default: from its file.
    """
    out_dir = Path(out_dir)
    targeted = tuple(audiences(issue))
    issue = edition_issue(issue, audience)
    images, problems = image_files(issue, root or ".")
    if problems:
        raise ContentError(problems)
    edition = render_issue(issue, layouts=layouts, languages=languages)
    sample = sample_placeholders(issue, edition.languages)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    log.info("rendered %s: %d sections, %d articles", out_dir, len(issue.sections), len(issue.articles))
    written = {name: fill_placeholders(template, sample).encode("utf-8")
               for name, template in (("index.html", edition.html), ("index.txt", edition.text), ("index.mjml", edition.mjml))}
    for name, content in written.items():
        path = out_dir / name
        _write(path, content)
        files.append(path)
    for src, source in images.items():
        target = out_dir / src
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(target, read(src) if read is not None else source.read_bytes())
        files.append(target)
    sent = sent_html_bytes(edition.html, images=images, domain=issue.mailbox.rpartition("@")[2])
    return BuildResult(files=files, html_bytes=len(written["index.html"]), articles=tuple(a.slug for a in issue.articles),
                       audiences=targeted, sent_bytes=sent)


def _write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` unless the file holds exactly that already."""
    try:
        if path.stat().st_size == len(content) and path.read_bytes() == content:
            return
    except OSError:  # not there yet (or unreadable: written anew)
        pass
    path.write_bytes(content)


def build_dir(
    issue_dir: str | Path | Project, out_dir: str | Path, /, *, layouts: Path | None = None, audience: Iterable[str] | None = None,
    languages: tuple[str, ...] | None = None,
) -> BuildResult:
    """Load the issue folder ``issue_dir`` (or take the run's :class:`Project`, then with its layouts) and :func:`build_issue`
    it (the edition of ``audience`` in ``languages``) into ``out_dir``."""
    project = issue_dir if isinstance(issue_dir, Project) else Project(issue_dir, settings=Settings(), layouts=layouts)
    return build_issue(project.issue, out_dir, root=project.issue_dir, layouts=project.layouts, audience=audience, languages=languages,
                 read=project.image)


def build_editions(issue_dir: str | Path | Project, out_dir: str | Path, /, *, layouts: Path | None = None,
                   languages: tuple[str, ...] | None = None) -> dict[str, BuildResult]:
    """Every edition of the issue, each in ``out_dir/<edition>/``: one per segment an article or section is for, and ``everyone``;
    in an issue of several languages, each of those in each language too (``everyone@cy``, the bilingual ``everyone@cy+en``),
    or only in ``languages`` when given.

    A reader in several of those segments receives the articles of each.
    """
    project = issue_dir if isinstance(issue_dir, Project) else Project(issue_dir, settings=Settings(), layouts=layouts)
    issue = project.issue
    editions = {EVERYONE: frozenset[str]()} | {name: frozenset({name}) for name in audiences(issue)}
    built = {}
    for language_set in [languages] if languages else editions_of(issue):
        for name, audience in editions.items():
            key = with_language(name, language_set, issue)
            built[key] = build_issue(issue, contained(Path(out_dir), key), root=project.issue_dir,
                                         layouts=project.layouts, audience=audience, languages=language_set, read=project.image)
    return built


def contained(folder: Path, name: str, /) -> Path:
    """``folder / name`` when it stays inside ``folder`` (a name made from content or settings); RenderError otherwise."""
    path = folder / name
    if not name or name in (".", "..") or Path(name).is_absolute() or not path.resolve().is_relative_to(folder.resolve()) \
            or path.resolve() == folder.resolve():
        raise RenderError(f"{name!r} cannot name a folder inside {folder}: it would write elsewhere")
    return path
