"""Render an issue: Jinja2 layouts -> MJML -> mjml-python -> HTML, plus the text edition.

The layouts write each element's style inline (email clients drop ``<style>``
blocks), Markdown included: its filters take the styles for its place. A
layouts folder of the older kind, with an ``email.css``, still has that file
inlined into the HTML by css-inline.

MJML runs once per edition; per-recipient parts (greeting, unsubscribe link)
stay as :data:`PLACEHOLDERS` tokens that sending replaces by substitution.
Only the layout puts those tokens: placeholder syntax written in content
is defused (``[[`` becomes ``&#91;[`` in HTML, ``[`` + WORD JOINER + ``[`` in
text), and control and direction-changing characters are dropped, so
neither reaches MJML nor a reader.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import mjml
import yaml
from markupsafe import Markup, escape

from ..content.markdown import Styles, markdown_html, markdown_inline_html
from ..content.model import LOCAL_IMAGE_PATH, Block, Image, Issue, Link, Section, is_safe, strip_unsafe
from ..errors import ContentError, RenderError
from .colour import dark_tint
from .languages import Version, edition_subject, language_page, mark_languages, versions
from .layout_cache import layout_cache
from .text import render_text

__all__ = [
    "DEFAULT_LAYOUTS",
    "Edition",
    "PLACEHOLDERS",
    "Renderer",
    "compiled_layouts",
    "fill_placeholders",
    "filter_sections",
    "render_issue",
    "web_url",
]


#: the layouts shipped inside the package (the project's ``layouts/`` links here)
DEFAULT_LAYOUTS = Path(__file__).resolve().parent / "layouts"

#: "In this issue" needs at least this many articles in the edition
TOC_MIN_ARTICLES = 2
_CSS_SPACES = (" {", "{ ", " }", "} ", " ;", "; ", " ,", ", ", ": ", " !important")


def _compact_styles(head: str, /) -> str:
    """``head`` with the CSS of each ``<style>`` compacted (``str.find``: a lazy regex took longer)."""
    parts, at = [], 0
    while (start := head.find("<style", at)) != -1:
        opened = head.find(">", start) + 1
        closing = head.find("</style>", opened) if opened else -1
        if closing == -1:
            break
        parts += [head[at:opened], _compact_css(head[opened:closing])]
        at = closing
    return "".join(parts) + head[at:]


def _compact_css(css: str, /) -> str:
    """``css`` without the whitespace a parser ignores (Gmail counts every byte of the email).

    Runs of white space become one space; then the spaces beside ``{};,``,
    after ``:`` and before ``!important`` go (string methods: a regex with
    a function per match took longer than MJML).
    """
    css = " ".join(css.split())
    for spaced in _CSS_SPACES:
        css = css.replace(spaced, spaced.strip())
    return css


#: Tokens left in an edition for sending to replace per recipient.
PLACEHOLDERS = {"greeting": "[[greeting]]", "unsubscribe_url": "[[unsubscribe_url]]", "preferences_url": "[[preferences_url]]"}

# A bracket of content that another bracket follows: the start of placeholder syntax.
_OPENING = re.compile(r"\[(?=\[)")
_BRACKET = "&#91;"
# The CSS inliner decodes character references, so each defused bracket stands
# aside as a control character (which content never holds) while it runs.
_ASIDE = "\x01"


class _LayoutToken(Markup):
    """A placeholder token the layout itself puts (never defused)."""


def _content(value: Any) -> Any:
    """Jinja's ``finalize``: every value a layout writes, unsafe characters dropped and ``[[`` defused.

    Plain strings are escaped here (the result is markup), so the bracket
    can be written as the character reference ``&#91;``. Most values need
    nothing else, which is checked first: every value of a build passes here.
    """
    if type(value) is str:
        return escape(value) if "[[" not in value and is_safe(value) else _defused(escape(value))
    if isinstance(value, _LayoutToken) or not isinstance(value, str):
        return value
    markup = value if isinstance(value, Markup) else escape(value)
    return markup if "[[" not in markup and is_safe(str(markup)) else _defused(markup)


def _defused(markup: Markup) -> Markup:
    return Markup(_OPENING.sub(_BRACKET, strip_unsafe(str(markup))))


@dataclass(frozen=True, slots=True)
class Edition:
    """One rendered edition: what every recipient with this ``audience`` receives.

    ``audience`` is None for the full issue, else the segments the edition is for.
    ``html`` and ``text`` still hold the :data:`PLACEHOLDERS` tokens.
    """

    issue: Issue
    subject: str
    preheader: str
    mjml: str
    html: str
    text: str
    audience: frozenset[str] | None = None
    #: The languages of the edition, in order: one, or two for a bilingual edition (empty: the issue's own language).
    languages: tuple[str, ...] = ()

    @property
    def language_key(self) -> str:
        """The edition's languages as one word: ``en``, ``cy``, ``cy+en``."""
        return "+".join(self.languages or (self.issue.language,))


def filter_sections(issue: Issue, audience: frozenset[str] | None, /) -> tuple[Section, ...]:
    """The sections and articles an audience sees (all of them when None).

    An item with no ``audience`` is for everyone; otherwise one of its
    segments must be in ``audience``. Sections left empty are dropped.
    """
    if audience is None:
        return issue.sections

    def visible(item_audience: tuple[str, ...]) -> bool:
        return not item_audience or bool(audience.intersection(item_audience))

    sections = []
    for section in issue.sections:
        if not visible(section.audience):
            continue
        articles = tuple(a for a in section.articles if visible(a.audience))
        if articles:
            sections.append(dataclasses.replace(section, articles=articles))
    return tuple(sections)


def fill_placeholders(template: str, /, values: Mapping[str, str]) -> str:
    """Replace each placeholder token with its value (missing values: left as is)."""
    for name, token in PLACEHOLDERS.items():
        if name in values:
            template = template.replace(token, values[name])
    return template


@dataclass(frozen=True, slots=True)
class BlockRun:
    """Consecutive blocks laid out together: text-like ``flow`` blocks share one mj-text."""

    flow: bool
    blocks: tuple[Block, ...]


def block_runs(blocks: Iterable[Block], /) -> list[BlockRun]:
    """Group blocks into runs: images and link buttons stand alone, the rest run together."""
    runs: list[BlockRun] = []
    for block in blocks:
        flow = not isinstance(block, (Image, Link))
        if flow and runs and runs[-1].flow:
            runs[-1] = BlockRun(True, runs[-1].blocks + (block,))
        else:
            runs.append(BlockRun(flow, (block,)))
    return runs or [BlockRun(True, ())]


def is_safe_href(url: str, /) -> bool:
    """Whether a link block may be rendered: https, http or mailto only (``check`` reports the rest)."""
    return url.lower().startswith(("https://", "http://", "mailto:")) and strip_unsafe(url) == url


def is_safe_src(src: str, /) -> bool:
    """Whether an image may be rendered: an https URL or a relative path inside the issue folder.

    A local path is made of :data:`~soc_bulletin.model.LOCAL_IMAGE_PATH`
    characters only (the loader reports others), never starts with ``/``
    and has no ``..``; no URL with control characters is rendered.
    """
    if not src.strip() or strip_unsafe(src) != src or any(c in src for c in "\r\n\t"):
        return False
    if src.lower().startswith("https://"):
        return True
    path = src.split("?", 1)[0]
    return bool(LOCAL_IMAGE_PATH.fullmatch(path)) and not path.startswith("/") and ".." not in path.split("/")


class Renderer:
    """Compiled layouts from one folder; reuse it to render many editions.

    ``toc`` shows "In this issue" (a line per article, grouped by section)
    after the welcome, in both editions, when an edition has at least
    :data:`TOC_MIN_ARTICLES` articles; ``[render] toc`` in the settings.
    """

    def __init__(self, layouts: Path = DEFAULT_LAYOUTS, /, *, toc: bool = True) -> None:
        self.layouts = layouts
        self.toc = toc
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(layouts),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=False,
            keep_trailing_newline=True,
            finalize=_content,
        )
        self.env.bytecode_cache = layout_cache(self.env)
        self.env.filters["markdown"] = lambda s, styles=None: _markdown(s, tuple(styles.items()) if styles else (), False)
        self.env.filters["markdown_inline"] = lambda s, styles=None: _markdown(s, tuple(styles.items()) if styles else (), True)
        self.env.filters["runs"] = block_runs
        self.env.filters["safe_href"] = is_safe_href
        self.env.filters["safe_src"] = is_safe_src
        self.env.filters["dark_tint"] = _dark_tint
        try:
            self.template = self.env.get_template("bulletin.mjml.j2")
            self.colours = yaml.safe_load((layouts / "colours.yaml").read_text(encoding="utf-8"))
            css = (layouts / "email.css").read_text(encoding="utf-8") if (layouts / "email.css").is_file() else None
        except (OSError, jinja2.TemplateError, yaml.YAMLError) as exc:
            raise RenderError(f"cannot load the layouts in {layouts}: {exc}") from exc
        self.inliner = _inliner(css) if css is not None else None

    def mjml(self, parts: tuple[Version, ...], /, *, web_url: str = "", manage: bool = False) -> str:
        """The MJML document of one edition (one version per language); ``web_url`` adds a "view in browser" link,
        ``manage`` a link to each recipient's preference page."""
        tokens = {name: _LayoutToken(token) for name, token in PLACEHOLDERS.items()}
        try:
            return self.template.render(
                versions=parts, subject=edition_subject(parts), preheader=parts[0].issue.preheader, colours=self.colours,
                placeholders=tokens, toc=self._toc(parts[0].sections), manage=manage, web_url=_browser_link(web_url),
            )
        except jinja2.TemplateError as exc:
            raise RenderError(f"layout error in {self.layouts}: {exc}") from exc

    def _toc(self, sections: tuple[Section, ...]) -> bool:
        return self.toc and sum(len(s.articles) for s in sections) >= TOC_MIN_ARTICLES

    def versions(self, issue: Issue, audience: frozenset[str] | None, languages: tuple[str, ...] | None, /) -> tuple[Version, ...]:
        """The language versions of one edition (RenderError for a language the issue or the catalogues lack)."""
        try:
            return versions(issue, audience, languages or (issue.language,), filter_sections)
        except (ValueError, ContentError) as exc:
            raise RenderError(f"cannot render the edition in {'+'.join(languages or ())}: {exc}") from exc

    def html(self, mjml_source: str, /) -> str:
        """Compile MJML to HTML (and inline an older layout's ``email.css`` into the elements)."""
        try:
            html = mjml.mjml2html(mjml_source, disable_comments=True, fonts={})
        except Exception as exc:  # mjml-python raises a bare error type from Rust
            raise RenderError(f"MJML could not be compiled: {exc}") from exc
        head, body = html.split("</head>", 1) if "</head>" in html else ("", html)
        html = mark_languages(_compact_styles(head) + ("</head>" if head else "") + body)
        if self.inliner is None:
            return html
        return str(self.inliner.inline(html.replace(_BRACKET, _ASIDE))).replace(_ASIDE, _BRACKET)

    def text(self, parts: tuple[Version, ...], /, *, web_url: str = "", manage: bool = False) -> str:
        """The plain-text edition, its language versions in the same order; ``web_url`` and ``manage`` as for :meth:`mjml`."""
        return "\n".join(
            render_text(part.issue, part.sections, greeting=PLACEHOLDERS["greeting"] if part.greet else "",
                        unsubscribe_url=PLACEHOLDERS["unsubscribe_url"], toc=self._toc(part.sections), web_url=_browser_link(web_url),
                        preferences_url=PLACEHOLDERS["preferences_url"] if manage else "", words=part.words,
                        date_label=part.date_label, elsewhere=part.elsewhere)
            for part in parts)

    def render(self, issue: Issue, /, *, audience: frozenset[str] | None = None, web_url: str = "",
               manage: bool = False, languages: tuple[str, ...] | None = None) -> Edition:
        """Render one edition of ``issue`` for ``audience`` (None: everything) in ``languages`` (default: the issue's own).

        Two languages make one bilingual edition: the whole issue in the first, then in the second, each marked with
        its ``lang``. ``web_url`` is the issue's page in the web archive, linked at the top; ``manage`` links the
        preference page.
        """
        parts = self.versions(issue, audience, languages)
        web_url = language_page(web_url, parts[0].lang, issue) or web_url if web_url else ""  # the page in its first language
        source = self.mjml(parts, web_url=web_url, manage=manage)
        return Edition(
            issue=parts[0].issue, subject=strip_unsafe(edition_subject(parts)), preheader=strip_unsafe(parts[0].issue.preheader),
            mjml=source, html=self.html(source), text=self.text(parts, web_url=web_url, manage=manage), audience=audience,
            languages=tuple(part.lang for part in parts),
        )


def _browser_link(web_url: str, /) -> str:
    """``web_url`` when it may be the "view in your browser" link of both editions (a safe web address), else ""."""
    return web_url if is_safe_href(web_url) and not web_url.lower().startswith("mailto:") else ""


@lru_cache(maxsize=4096)
def _markdown(source: str, styles: Styles, inline: bool, /) -> Markup:
    """The ``markdown`` and ``markdown_inline`` filters: sanitised HTML, ``styles`` (tag -> style) on its tags."""
    html = markdown_inline_html(source, styles=styles) if inline else markdown_html(source, styles=styles)
    return _defused(Markup(html))


def _inliner(css: str) -> Any:
    """css-inline for an older layout's ``email.css`` (imported only then)."""
    import css_inline  # noqa: PLC0415 - only layouts with an email.css need it

    return css_inline.CSSInliner(inline_style_tags=False, keep_style_tags=True, load_remote_stylesheets=False, extra_css=css)


def _dark_tint(colour: str, background: str) -> str:
    """The layouts' ``dark_tint`` filter: RenderError (naming the colour) instead of a ValueError."""
    try:
        return dark_tint(str(colour), str(background))
    except ValueError as exc:
        raise RenderError(f"the layouts' colour {colour!r} or {background!r} is not a #rrggbb colour") from exc


def compiled_layouts(layouts: Path, toc: bool, /) -> Renderer:
    """The layouts folder ``layouts`` compiled once per process while its files are unchanged (``toc``: see :class:`Renderer`).

    A long-running process (the preview) sees an edited layout: the files' sizes and times are part of the key.
    """
    return _compiled(layouts, toc, _stamp(layouts))


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        return tuple(sorted((str(p), s.st_size, s.st_mtime_ns) for p in folder.rglob("*") if (s := p.stat()) and p.is_file()))
    except OSError:  # a folder that cannot be listed: Renderer says what is wrong with it
        return ()


@lru_cache(maxsize=8)
def _compiled(layouts: Path, toc: bool, _stamp: tuple[tuple[str, int, int], ...], /) -> Renderer:
    return Renderer(layouts, toc=toc)


def render_issue(
    issue: Issue, /, *, audience: Iterable[str] | None = None, layouts: Path | None = None, web_url: str = "",
    toc: bool = True, languages: tuple[str, ...] | None = None,
) -> Edition:
    """Render ``issue`` to an :class:`Edition`; layouts are compiled once per folder while unchanged (``toc``: see :class:`Renderer`,
    ``languages``: :meth:`Renderer.render`)."""
    renderer = compiled_layouts(layouts or DEFAULT_LAYOUTS, toc)
    return renderer.render(issue, audience=None if audience is None else frozenset(audience), web_url=web_url, languages=languages)


def web_url(base_url: str, issue_folder_name: str, /) -> str:
    """The issue's page in the archive published at ``base_url`` ("" when there is none).

    ``web_url("https://bulletin.example.org/", "2019-08")`` is
    ``"https://bulletin.example.org/2019-08/"``: pass it to ``render_issue(..., web_url=...)``.
    """
    if not base_url:
        return ""
    return f"{base_url.rstrip('/')}/{quote(issue_folder_name)}/"
