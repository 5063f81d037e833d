"""The preview page: problems, an edition switcher, the email at 600 px and 375 px, and the text edition.

Kept apart from the server (:mod:`soc_bulletin.site.preview`): the page is a
function of a build and the edition asked for in its URL (``?edition=police``),
so switching editions needs nothing from the file watcher.
"""

from __future__ import annotations

import time
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..content.model import Issue
from ..problems import Severity
from ..render.build import EVERYONE, audiences
from ..render.languages import editions_of as language_editions
from ..render.languages import with_language

if TYPE_CHECKING:
    from .preview import PreviewBuild

__all__ = ["FULL", "NOTHING_YET", "edition_label", "editions_of", "page"]

#: The edition key of the whole issue, every article (the editor's view); the default.
FULL = ""


def editions_of(issue: Issue, /) -> tuple[str, ...]:
    """The editions of ``issue``: every article, and when some have an audience, ``everyone`` and each segment; every
    article in each other language and in both (``@cy``, ``@cy+en``) when the issue has several."""
    targeted = audiences(issue)
    return ((FULL, EVERYONE, *targeted) if targeted else (FULL,)) + tuple(with_language("", k, issue) for k in language_editions(issue)[1:])


def edition_label(key: str, /) -> str:
    """How the switcher names an edition."""
    if "@" in key:
        return f"Every article: {key.partition('@')[2].replace('+', ' and ')}"
    if key == FULL:
        return "Every article"
    if key == "everyone":
        return "Everyone (no segment)"
    return f"Segment: {key}"


NOTHING_YET = (
    '<!doctype html><html lang="en"><title>No preview</title>'
    "<p>No build has succeeded yet: see the problems above.</p></html>"
)

_STYLE = """
body { margin: 0; font: 15px/1.5 Arial, Helvetica, sans-serif; color: #1f2933; background: #d9dee5; }
header { background: #1d3557; color: #fff; padding: 10px 16px; }
header h1 { margin: 0; font-size: 18px; } header p { margin: 0; font-size: 14px; }
.problems { margin: 12px 16px; padding: 10px 16px; background: #fff; border-left: 6px solid #a4161a; }
.problems.none { border-left-color: #2d6a4f; } .problems.checking { border-left-color: #9aa5b1; }
.problems h2 { margin: 0 0 6px; font-size: 16px; } .problems ul { margin: 0; padding-left: 20px; }
.problems li { font-family: Menlo, Consolas, monospace; font-size: 13px; white-space: pre-wrap; }
.warning { color: #7a4100; } .stale { font-weight: bold; color: #a4161a; }
.views { display: flex; flex-wrap: wrap; gap: 24px; padding: 0 16px; align-items: flex-start; }
figure { margin: 0; } figcaption { font-weight: bold; margin: 0 0 4px; }
iframe { border: 1px solid #9aa5b1; background: #fff; height: 900px; display: block; }
section.text { margin: 16px; } pre { background: #fff; padding: 12px; white-space: pre-wrap; max-width: 72ch; }
nav.editions { margin: 12px 16px 0; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
nav.editions a { padding: 4px 10px; border: 1px solid #1d3557; border-radius: 4px; color: #1d3557; background: #fff; text-decoration: none; }
nav.editions a[aria-current] { background: #1d3557; color: #fff; font-weight: bold; }
"""

# Reload when the server announces another build (server-sent events); put the problems in place once they are
# checked; size the frames to their content.
_SCRIPT = """
const built = %d;
let checked = %s;
const events = new EventSource('/events');
events.onmessage = (message) => {
  if (Number(message.data) !== built) { events.close(); location.reload(); }
};
events.addEventListener('checked', async (message) => {
  if (checked || Number(message.data) !== built) return;
  checked = true;
  const fresh = new DOMParser().parseFromString(await (await fetch(location.href, {cache: 'no-store'})).text(), 'text/html');
  document.getElementById('problems').replaceWith(fresh.getElementById('problems'));
});
for (const frame of document.querySelectorAll('iframe')) {
  frame.addEventListener('load', () => {
    frame.style.height = (frame.contentDocument.documentElement.scrollHeight + 4) + 'px';
  });
}
"""


def _problem_list(build: PreviewBuild) -> str:
    if not build.problems:
        if not build.checked:
            return '<section class="problems checking" id="problems" aria-busy="true"><h2>Checking&hellip;</h2></section>'
        return '<section class="problems none" id="problems"><h2>No problems found</h2></section>'
    items = "".join(
        f'<li class="{p.severity.value}">{escape(str(p))}</li>' for p in build.problems
    )
    errors = sum(p.severity is Severity.ERROR for p in build.problems)
    notes = "" if build.ok else '<p class="stale">This build failed; below is the last good render.</p>'
    if not build.checked:
        notes += '<p class="checking">Checking for more&hellip;</p>'
    return (
        f'<section class="problems" id="problems"><h2>{len(build.problems)} problem(s), {errors} error(s)</h2>'
        f"{notes}<ul>{items}</ul></section>"
    )


def _switcher(build: PreviewBuild, edition: str) -> str:
    if len(build.editions) < 2:
        return ""
    current = ' aria-current="page"'
    links = "".join(
        f'<a href="/?edition={quote(key)}"{current if key == edition else ""}>{escape(edition_label(key))}</a>'
        for key in build.editions
    )
    return f'<nav class="editions" aria-label="Editions"><span>Edition:</span>{links}</nav>'


def page(build: PreviewBuild, /, *, edition: str = FULL, text: str = "") -> str:
    """The preview page of ``build`` showing ``edition`` (its ``text`` edition below): problems, switcher, both widths."""
    when = time.strftime("%H:%M:%S", time.localtime(build.built_at))
    query = f"build={build.number}&amp;edition={quote(edition)}"
    frames = "".join(
        f'<figure><figcaption>{label} ({width} px)</figcaption>'
        f'<iframe src="/email.html?{query}" width="{width}" title="{label} view of the email"></iframe></figure>'
        for label, width in (("Desktop", 600), ("Phone", 375))
    )
    showing = f" &middot; {escape(edition_label(edition))}" if len(build.editions) > 1 else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Preview: {escape(build.subject or 'no build yet')}</title><style>{_STYLE}</style></head><body>"
        f'<header><h1>Preview: {escape(build.subject or "no build yet")}{showing}</h1>'
        f'<p id="build">Build {build.number} at {when}; '
        "this page reloads when a file of the issue or a layout changes.</p></header>"
        f"{_switcher(build, edition)}{_problem_list(build)}<main><div class=\"views\">{frames}</div>"
        f'<section class="text"><h2>Text edition</h2><pre id="text">{escape(text)}</pre></section></main>'
        f"<script>{_SCRIPT % (build.number, 'true' if build.checked else 'false')}</script></body></html>"
    )
