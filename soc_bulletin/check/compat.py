"""The rendered email against the email clients: unsupported features (SB510) and hidden text (SB511).

:class:`Scan` reads the HTML once: each element, attribute, inline
declaration and ``<style>`` rule becomes a :class:`Usage` looked up in
:mod:`.compat_table`. What only Outlook for Windows cannot show is not
reported inside ``<!--[if !mso]><!-->`` (Outlook never sees it), nor when
the element also carries Outlook's own alternative (``mso-padding-alt``).
Dark-mode rules (under ``prefers-color-scheme``, behind Outlook's
``[data-ogsc]``/``[data-ogsb]`` hooks, or declaring ``color-scheme``) are
an enhancement a client without them simply ignores, so they are not
reported. Text painted in the colour of its background (contrast under
:data:`HIDDEN_CONTRAST`), the hidden-text pattern spam filters score, is
SB511.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from ..render.colour import contrast, parse_hex
from .codes import Verdict
from .compat_table import CLIENTS, Feature, by_key

__all__ = ["HIDDEN_CONTRAST", "Scan", "Usage", "compat_verdicts", "css_rules"]

#: text and background closer than this (WCAG ratio) count as the same colour
HIDDEN_CONTRAST = 1.5
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
_VENDOR = ("mso-", "-webkit-", "-ms-", "-moz-", "-apple-", "-o-")
_DARK_PROPERTIES = frozenset({"color-scheme", "supported-color-schemes"})
_NAMED = {"white": "#ffffff", "black": "#000000"}
_REM = re.compile(r"\d(?:\.\d+)?rem\b")


@dataclass(frozen=True, slots=True)
class Usage:
    """One feature found: its table key, the element it is on ('' for a <style> rule) and how it is described."""

    key: str
    element: str
    where: str
    props: frozenset[str] = frozenset()
    not_mso: bool = False
    dark: bool = False


def css_rules(css: str, /, media: str = "") -> Iterator[tuple[str, str, str]]:
    """``(at-rule prelude or '', selector list, declarations)`` of each rule, at-rules opened; comments dropped.

    An at-rule without a block (``@import``) comes as ``(prelude, '', '')``.
    """
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    at = 0
    while at < len(css):
        brace, semi = css.find("{", at), css.find(";", at)
        if brace < 0 and semi < 0:
            return
        if semi >= 0 and (brace < 0 or semi < brace):
            prelude = css[at:semi].strip()
            if prelude.startswith("@"):
                yield prelude, "", ""
            at = semi + 1
            continue
        prelude, depth, end = css[at:brace].strip(), 1, brace + 1
        while end < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body = css[brace + 1 : end - 1]
        if prelude.startswith("@media") or prelude.startswith("@supports"):
            yield prelude, "", ""
            yield from css_rules(body, media=f"{media} {prelude}".strip())
        elif prelude.startswith("@"):
            yield prelude, "", body
        else:
            yield media, prelude, body
        at = end


@lru_cache(maxsize=4096)
def _declarations(text: str) -> tuple[tuple[str, str], ...]:
    out = []
    for part in text.split(";"):
        name, colon, value = part.partition(":")
        if colon and name.strip():
            out.append((name.strip().lower(), value.strip().lower()))
    return tuple(out)


@lru_cache(maxsize=4096)
def _style(text: str) -> tuple[tuple[str, ...], frozenset[str], str | None, str | None]:
    """An inline style's feature keys, property names, colour and background (styles repeat: cached)."""
    declarations = _declarations(text)
    keys = tuple(key for name, value in declarations if not name.startswith(_VENDOR) for key in _value_keys(name, value))
    styles = dict(declarations)
    return keys, frozenset(styles), _colour(styles.get("color")), _colour(styles.get("background-color") or styles.get("background"))


@lru_cache(maxsize=1024)
def _hidden(colour: str, background: str) -> bool:
    return contrast(colour, background) < HIDDEN_CONTRAST


def _value_keys(name: str, value: str) -> Iterator[str]:
    yield name
    if name == "display":
        yield f"display:{value.replace('!important', '').strip()}"
    if "var(" in value:
        yield "value:var"
    if "calc(" in value:
        yield "value:calc"
    if _REM.search(value):
        yield "value:rem"
    if "gradient(" in value:
        yield "value:gradient"
    if "!important" in value:
        yield "value:important"


def _selector_keys(selector: str) -> Iterator[str]:
    if "[" in selector:
        yield "selector:attribute"
    if ">" in selector:
        yield "selector:child"
    if "+" in selector or "~" in selector:
        yield "selector:sibling"
    if re.search(r"(?<!:):[a-z]", re.sub(r"\[[^\]]*\]", "", selector)):
        yield "selector:pseudo-class"
    if "*" in selector:
        yield "selector:universal"
    if "#" in selector:
        yield "selector:id"
    if "." in selector:
        yield "selector:class"
    if re.search(r"(?:^|[\s>+~])[a-z]", selector):
        yield "selector:type"
    if re.search(r"\S\s+[^\s>+~]", selector.replace(" > ", ">")):
        yield "selector:descendant"


def _colour(value: str | None) -> str | None:
    """A ``#rrggbb`` colour from a CSS value or attribute (None when it is not one we can read)."""
    if not value:
        return None
    word = value.replace("!important", "").split()[0] if value.split() else ""
    word = _NAMED.get(word, word)
    try:
        red, green, blue = parse_hex(word)
    except ValueError:
        return None
    return f"#{red:02x}{green:02x}{blue:02x}"


_TagUse = tuple[str, str, frozenset[str], bool]  # key, where, props, dark


@lru_cache(maxsize=4096)
def _tag_uses(tag: str, attrs: tuple[tuple[str, str | None], ...]) -> tuple[tuple[_TagUse, ...], str | None, str | None]:
    """The features a start tag uses, its colour and its background (MJML repeats the same tags: cached)."""
    values = {name.lower(): value or "" for name, value in attrs}
    classes = values.get("class", "").split()
    where = f'<{tag} class="{" ".join(classes)}">' if classes else f"<{tag}>"
    none: frozenset[str] = frozenset()
    uses: list[_TagUse] = [(f"<{tag}>", where, none, False)]
    for name, value in values.items():
        if not name.startswith("data-"):
            uses.append((f"[{name}]", where, none, False))
        if name == "href" and value.startswith("#"):
            uses.append(("anchor-link", where, none, False))
        elif name == "href" and value.lower().startswith("mailto:"):
            uses.append(("mailto-link", where, none, False))
    if tag == "meta" and values.get("name", "").lower() in _DARK_PROPERTIES:
        uses.append(("meta-color-scheme", where, none, True))
    keys, props, colour, background = _style(values.get("style", ""))
    uses.extend((key, where, props, False) for key in keys)
    return tuple(uses), colour, background or _colour(values.get("bgcolor"))


class Scan(HTMLParser):
    """Every feature an HTML document uses, and every text painted in its background's colour."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.counts: Counter[tuple[str, str, str, frozenset[str], bool, bool]] = Counter()
        self.hidden: list[tuple[str, str, str, str]] = []  # (element, text, colour, background)
        self.mso_tables = False  # MJML's Outlook conditional tables are there
        self._not_mso = False
        self._in_style = False
        self._skip = 0  # inside head, title or style: no reader-visible text
        self._stack: list[tuple[str, str | None, str | None]] = []

    def handle_comment(self, data: str) -> None:
        text = data.strip()
        if text.startswith("[if !mso]"):
            self._not_mso = True
        elif text == "<![endif]":
            self._not_mso = False
        elif text.startswith("[if mso") and "<table" in text:
            self.mso_tables = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        uses, colour, background = _tag_uses(tag, tuple(attrs))
        for key, where, props, dark in uses:
            self._use(key, tag, where, props=props, dark=dark)
        if tag in ("head", "title", "style"):
            self._skip += 1
            self._in_style = self._in_style or tag == "style"
        if tag not in _VOID:
            self._stack.append((tag, colour, background))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "title", "style") and self._skip:
            self._skip -= 1
            self._in_style = self._in_style and tag != "style"
        if any(open_tag == tag for open_tag, _, _ in self._stack):
            while self._stack and self._stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)
            return
        text = " ".join(data.split())
        if not text or self._skip:
            return
        colour = next((c for _, c, _ in reversed(self._stack) if c), "#000000")
        background = next((b for _, _, b in reversed(self._stack) if b), "#ffffff")
        if _hidden(colour, background):
            element = self._stack[-1][0] if self._stack else "body"
            self.hidden.append((element, text[:40], colour, background))

    def _css(self, css: str) -> None:
        for media, selectors, body in css_rules(css):
            if selectors == "" and media.startswith("@"):  # an at-rule
                name = media.split()[0].lower()
                self._use("@media prefers-color-scheme" if "prefers-color-scheme" in media else name, "", f"a <style> rule {media!r}",
                          dark="prefers-color-scheme" in media)
                continue
            declarations = _declarations(body)
            dark = "prefers-color-scheme" in media or "[data-ogs" in selectors or (
                bool(declarations) and all(name in _DARK_PROPERTIES for name, _ in declarations))
            where = f"a <style> rule {' '.join(selectors.split())[:60]!r}"
            for selector in selectors.split(","):
                for key in _selector_keys(selector.strip().lower()):
                    self._use(key, "", where, dark=dark)
            for name, value in declarations:
                if not name.startswith(_VENDOR):
                    for key in _value_keys(name, value):
                        self._use(key, "", where, dark=dark)

    def _use(self, key: str, element: str, where: str, *, props: frozenset[str] = frozenset(), dark: bool = False) -> None:
        self.counts[key, element, where, props, self._not_mso, dark] += 1

    @property
    def usages(self) -> list[Usage]:
        """Each distinct use of a feature (see :attr:`counts` for how often)."""
        return [Usage(*found) for found in self.counts]


def _unsupported(feature: Feature, usage: Usage, mso_tables: bool) -> list[str]:
    """The clients that cannot show ``usage`` and have no fallback for it."""
    if usage.dark or (feature.fallback and (not feature.mso or mso_tables)):
        return []
    clients = []
    for index, (_, name) in enumerate(CLIENTS):
        if feature.level(index, usage.element) != "n":
            continue
        if index == 0 and (usage.not_mso or (feature.alternative and feature.alternative in usage.props)):
            continue
        clients.append(name)
    return clients


def _describe(key: str) -> str:
    if key.startswith("<"):
        return f"the element {key}"
    if key.startswith("@"):
        return f"the CSS rule {key}"
    if key.startswith("["):
        return f"the attribute {key[1:-1]}"
    if key.startswith("selector:"):
        return f"a CSS {key.removeprefix('selector:')} selector"
    if key.startswith("value:"):
        return f"the CSS value {key.removeprefix('value:')}"
    return f"the CSS property {key}" if ":" not in key else f"the CSS {key}"


def compat_verdicts(html: str, /) -> list[Verdict]:
    """SB510 for each feature a major client cannot show (per feature and element), SB511 for hidden text."""
    scan = Scan()
    scan.feed(html)
    scan.close()
    table = by_key()
    found: dict[tuple[str, str], tuple[Feature, list[str], int]] = {}
    for fields, uses in scan.counts.items():
        usage = Usage(*fields)
        feature = table.get(usage.key)
        if feature is None:
            continue
        clients = _unsupported(feature, usage, scan.mso_tables)
        if clients:
            _, _, count = found.get((usage.key, usage.where), (feature, clients, 0))
            found[usage.key, usage.where] = (feature, clients, count + uses)
    verdicts = []
    for (name, where), (feature, clients, count) in found.items():
        times = f" ({count} times)" if count > 1 else ""
        source = f" (caniemail: {feature.caniemail})" if feature.caniemail else ""
        advice = f"; {feature.advice}" if feature.advice else ""
        verdicts.append(Verdict("SB510", f"The email uses {_describe(name)} on {where}{times}, which {_join(clients)} cannot "
                                         f"show{source}{advice}.", warning=True))
    seen = set()
    for element, text, colour, background in scan.hidden:
        if (element, colour, background) not in seen:
            seen.add((element, colour, background))
            verdicts.append(Verdict("SB511", f"The text '{text}' in <{element}> is {colour} on {background}, the colour of its "
                                             "background, which spam filters score as hidden text; give it a contrasting colour "
                                             "(hide a preheader with display:none instead).", warning=True))
    return verdicts


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
