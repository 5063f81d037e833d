"""What the major email clients support, for every HTML element, attribute and CSS feature the
layouts and sanitised Markdown can produce (and the usual suspects a custom layout might add).

Written in the project from the published support tables of caniemail.com
(feature names such as ``css-padding`` are its page names; ``""`` where it has
no page because the feature is basic HTML every client shows) as they stood
when this was written; caniemail.com could not be fetched from the build
machine, so re-check an entry there before relying on it for a new layout.
``soc-bulletin check`` warns (SB510) on a feature in the rendered email that
a client here does not support (``n``), unless the entry names a fallback
that keeps the email readable there. ``docs/email-clients.md`` is this table
as a page (a test keeps the two equal).

Support is one letter per client, in :data:`CLIENTS` order: ``y`` supported,
``p`` partly (see the note), ``n`` not supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CLIENTS", "FEATURES", "Feature", "as_markdown", "by_key"]

#: (key, name) of each client the table covers, in the order of a support string
CLIENTS: tuple[tuple[str, str], ...] = (
    ("outlook-windows", "Outlook for Windows"),
    ("outlook-mac", "Outlook for Mac"),
    ("outlook-web", "Outlook.com"),
    ("outlook-apps", "Outlook iOS/Android"),
    ("gmail-web", "Gmail (web)"),
    ("gmail-apps", "Gmail iOS/Android"),
    ("apple-mail", "Apple Mail (macOS/iOS)"),
    ("yahoo", "Yahoo Mail"),
    ("samsung", "Samsung Email"),
)


@dataclass(frozen=True, slots=True)
class Feature:
    """One row: what it is, where caniemail documents it, and who supports it.

    ``keys`` are what the scanner finds: ``<tag>``, ``[attribute]``, a CSS
    property name, ``property:value`` (``display:flex``), ``@media``-style
    at-rules and ``selector:kind``. ``outlook_none_on`` lists elements on
    which Outlook for Windows ignores a feature it otherwise partly supports;
    ``alternative`` is a property that gives Outlook for Windows the same
    result on that element (``mso-padding-alt``). ``fallback`` says why an
    email stays readable in a client without the feature (no warning then);
    with ``mso`` the fallback is MJML's Outlook conditional tables, so it
    holds only while they are in the HTML.
    """

    keys: tuple[str, ...]
    caniemail: str
    support: str
    note: str = ""
    outlook_none_on: frozenset[str] = frozenset()
    alternative: str = ""
    fallback: str = ""
    mso: bool = False
    advice: str = ""

    def level(self, client: int, element: str = "") -> str:
        """``y``, ``p`` or ``n`` for the client at index ``client`` (on ``element``, if given)."""
        if client == 0 and element in self.outlook_none_on:
            return "n"
        return self.support[client]


_BASIC = "yyyyyyyyy"
_DARK = "the light colours, or the client's own dark mode"

FEATURES: tuple[Feature, ...] = (
    # -- HTML elements ------------------------------------------------------------------------
    Feature(("<html>", "<head>", "<title>", "<body>", "<meta>"), "", _BASIC, "the document; clients keep what they need"),
    Feature(("<div>", "<span>"), "", _BASIC, "Outlook for Windows: no padding, width or margin: auto on them (see css-padding, css-width)"),
    Feature(("<table>", "<tbody>", "<tr>", "<td>", "<th>"), "html-table", _BASIC, "the one layout Outlook for Windows renders reliably"),
    Feature(("<p>", "<br>", "<h1>", "<h2>", "<h3>", "<h4>", "<h5>", "<h6>"), "", _BASIC,
            "Outlook for Windows applies its own heading spacing unless margins are set inline"),
    Feature(("<ul>", "<ol>", "<li>"), "", _BASIC, "Outlook for Windows indents lists its own way"),
    Feature(("<strong>", "<b>", "<em>", "<i>", "<a>", "<img>"), "", _BASIC),
    Feature(("<blockquote>",), "", _BASIC, "Yahoo and Gmail restyle quotations they take for replies only with quote classes"),
    Feature(("<code>",), "html-code", _BASIC, "a monospace font; Outlook for Windows picks Courier New"),
    Feature(("<style>",), "html-style", "yyyyypyyy", "Gmail apps drop <style> for accounts not at Gmail (GANGA), and "
            "Gmail drops a <style> block it cannot parse whole", fallback="the layout's CSS is also inlined into the elements"),
    Feature(("<link>",), "html-link", "ynnnnnypn", "stylesheets by URL", advice="inline the CSS instead"),
    Feature(("<hr>",), "html-hr", "pyyyyyyyy", "Outlook for Windows ignores its styles", fallback="a plain rule"),
    Feature(("<svg>",), "html-svg", "nynnnnypy", "Yahoo: in some apps only", advice="use a PNG image"),
    Feature(("<video>", "<audio>"), "html-video", "nnnnnnypy", "Yahoo: in some apps; elsewhere nothing shows", advice="link to the video or recording"),
    Feature(("<form>", "<input>", "<button>", "<select>", "<textarea>"), "html-form", "nypnpnypp", "most webmail disables forms",
            advice="link to a form on a web page"),
    Feature(("<iframe>", "<embed>", "<object>", "<script>"), "html-iframe", "nnnnnnnnn", advice="link to the page instead"),
    Feature(("<picture>",), "html-picture", "nnnnnnypn", "Yahoo: its <img> only", advice="use one <img>"),
    # -- HTML attributes ----------------------------------------------------------------------
    Feature(("[style]", "[class]", "[href]", "[src]", "[alt]", "[title]", "[target]", "[border]", "[cellpadding]", "[cellspacing]",
             "[align]", "[valign]", "[bgcolor]", "[width]", "[height]", "[name]", "[content]", "[http-equiv]", "[type]", "[xmlns]",
             "[xmlns:v]", "[xmlns:o]", "[media]", "[vertical-align]"), "", _BASIC, "basic attributes; width, height, align and bgcolor are what "
            "Outlook for Windows sizes and colours tables by"),
    Feature(("[lang]", "[dir]"), "html-lang", "yyypnnyyy", "Gmail strips them", fallback="screen readers guess the language"),
    Feature(("[role]", "[aria-label]", "[aria-roledescription]", "[aria-hidden]"), "html-role", "yyyyyyyyy",
            "accessibility hints; role=presentation keeps screen readers out of layout tables"),
    Feature(("[id]", "anchor-link"), "html-anchor-links", "yypnypyyy",
            "links to #id inside the message: Outlook.com and the Gmail apps do not follow them everywhere",
            fallback="the table of contents still lists every article; the reader scrolls"),
    Feature(("mailto-link",), "html-mailto-links", _BASIC),
    Feature(("meta-color-scheme",), "html-meta-color-scheme", "npnnnnyny", "declares that the message has its own dark colours",
            fallback=_DARK),
    Feature(("[srcset]", "[sizes]"), "html-srcset", "nyppnnypy", "Outlook.com, the Outlook apps and Yahoo: some versions", fallback="the src image"),
    # -- CSS properties -----------------------------------------------------------------------
    Feature(("background-color", "bgcolor"), "css-background-color", _BASIC),
    Feature(("background",), "css-background", "pyyyyyyyy", "Outlook for Windows: a colour only (images need VML)"),
    Feature(("background-image", "background-position", "background-repeat", "background-size"), "css-background-image",
            "nypypyyyy", "Outlook for Windows needs VML", advice="use a colour, or an <img>"),
    Feature(("border", "border-top", "border-right", "border-bottom", "border-left", "border-color", "border-style", "border-width",
             "border-top-color", "border-right-color", "border-bottom-color", "border-left-color", "border-left-width",
             "border-top-width", "border-bottom-width"), "css-border", "pyyyyyyyy",
            "Outlook for Windows: not on inline elements (a, span, strong)"),
    Feature(("border-radius",), "css-border-radius", "nyyyyyyyy", fallback="square corners"),
    Feature(("border-collapse",), "css-border-collapse", _BASIC),
    Feature(("border-spacing",), "css-border-spacing", "nyyyyyyyy", "MJML resets it to 0 on image tables",
            fallback="Outlook for Windows spaces cells by the cellspacing attribute"),
    Feature(("box-shadow",), "css-box-shadow", "nyyyppyyy", "Gmail: not on every element", fallback="no shadow"),
    Feature(("box-sizing",), "css-box-sizing", "nyyyyyyyy", advice="size tables with the width attribute"),
    Feature(("color",), "", _BASIC),
    Feature(("color-scheme", "supported-color-schemes"), "css-color-scheme", "npnnnnyny", "Outlook for Mac: recent versions", fallback=_DARK),
    Feature(("cursor",), "", _BASIC, "no caniemail page; ignored where the client has no pointer"),
    Feature(("direction",), "css-direction", _BASIC),
    Feature(("display", "display:block", "display:inline", "display:table"), "css-display", "pyyyyyyyy",
            "Outlook for Windows: block and inline only"),
    Feature(("display:none",), "css-display-none", "pyyyyyyyy", "Outlook for Windows also needs mso-hide:all", alternative="mso-hide"),
    Feature(("display:inline-block",), "css-display", "nyyyyyyyy", "MJML's columns", fallback="Outlook for Windows gets MJML's "
            "conditional tables instead", mso=True),
    Feature(("display:flex", "display:inline-flex"), "css-display-flex", "nyynyyypy", "Yahoo: some properties of flex only", advice="use table columns (mj-column)"),
    Feature(("display:grid", "display:inline-grid"), "css-display-grid", "nynnnnypn", "Yahoo: some versions", advice="use table columns (mj-column)"),
    Feature(("float",), "css-float", "pyyyyyyyy", "Outlook for Windows: images and tables only", advice="use align on a table"),
    Feature(("font", "font-family", "font-size", "font-style", "font-weight"), "css-font", _BASIC,
            "Outlook for Windows does not inherit fonts into nested tables: set them on the cell"),
    Feature(("height", "min-height"), "css-height", "pyyyyyyyy", "Outlook for Windows: on tables, cells and images only"),
    Feature(("letter-spacing",), "css-letter-spacing", _BASIC),
    Feature(("line-height",), "css-line-height", "pyyyyyyyy", "Outlook for Windows needs mso-line-height-rule: exactly for exact heights"),
    Feature(("list-style", "list-style-type", "list-style-position"), "css-list-style", "pyyyyyyyy", "Outlook for Windows: type only"),
    Feature(("margin", "margin-top", "margin-right", "margin-bottom", "margin-left"), "css-margin", "pyypyyyyy",
            "Outlook for Windows ignores auto and negative margins; Outlook.com and the apps drop negative ones"),
    Feature(("max-width",), "css-max-width", "nyyyyyyyy", "MJML's centred 600 px body",
            fallback="Outlook for Windows gets MJML's fixed-width conditional tables instead", mso=True),
    Feature(("max-height", "min-width"), "css-max-height", "nyyyyyyyy", advice="size the element with its width or height attribute"),
    Feature(("opacity",), "css-opacity", "nyyyyyyyy", "a 0 opacity hides nothing in Outlook for Windows",
            advice="hide with display:none and mso-hide:all"),
    Feature(("outline",), "css-outline", "nyyyyyyyy", "MJML's image reset", fallback="nothing to lose: it removes an outline"),
    Feature(("overflow", "overflow-x", "overflow-y"), "css-overflow", "nyypyyyyy", "Outlook iOS/Android: some versions", advice="hide with display:none and mso-hide:all"),
    Feature(("padding", "padding-top", "padding-right", "padding-bottom", "padding-left"), "css-padding", "pyyyyyyyy",
            "Outlook for Windows applies padding to table cells only", outlook_none_on=frozenset({"div", "p", "span", "a", "h1", "h2", "h3", "h4"}),
            alternative="mso-padding-alt", advice="put the box in a table cell (<td>) and pad the cell"),
    Feature(("position", "top", "right", "bottom", "left", "z-index"), "css-position", "nnnnnnypn", "Yahoo: relative only", advice="lay out with tables"),
    Feature(("text-align",), "css-text-align", _BASIC),
    Feature(("text-decoration",), "css-text-decoration", _BASIC),
    Feature(("text-transform",), "css-text-transform", _BASIC),
    Feature(("text-shadow",), "css-text-shadow", "nyyyyyyyy", fallback="no shadow"),
    Feature(("transform", "transition", "animation"), "css-transform", "nyynnnypy", "Yahoo: some versions", advice="use a static image"),
    Feature(("vertical-align",), "css-vertical-align", _BASIC),
    Feature(("white-space",), "css-white-space", "pyyyyyyyy", "Outlook for Windows: nowrap only"),
    Feature(("width",), "css-width", "pyyyyyyyy", "Outlook for Windows: on tables, cells and images; MJML also writes the width attribute"),
    Feature(("word-break", "overflow-wrap", "word-wrap"), "css-word-break", "pyyyyyyyy",
            "Outlook for Windows wraps long words its own way", fallback="a long address may run past a narrow screen"),
    Feature(("word-spacing",), "css-word-spacing", _BASIC),
    # -- CSS values ---------------------------------------------------------------------------
    Feature(("value:var",), "css-variables", "nyynnnypn", "Yahoo: some versions", advice="write the value itself"),
    Feature(("value:calc",), "css-unit-calc", "nyyypyyyy", "Gmail: not in every property", advice="write the computed value"),
    Feature(("value:rem",), "css-unit-rem", "nyyyyyyyy", advice="use px"),
    Feature(("value:gradient",), "css-linear-gradient", "nyyyyyypy", "Yahoo: some versions", advice="use a colour"),
    Feature(("value:important",), "css-important", "yyyyyyyyy", "Outlook.com and Yahoo need it to override their own styles"),
    # -- CSS at-rules and selectors -----------------------------------------------------------
    Feature(("@media",), "css-at-media", "nyppypypy", "screen-width queries", fallback="MJML's columns are fluid without them, and "
            "Outlook for Windows gets the conditional tables", mso=True),
    Feature(("@media prefers-color-scheme",), "css-at-media-prefers-color-scheme", "nynpnnyny", "Outlook iOS: yes, Android: no", fallback=_DARK),
    Feature(("@font-face",), "css-at-font-face", "nynnnnypy", "Yahoo: some apps", fallback="the next font of the stack"),
    Feature(("@import",), "css-at-import", "nynnnnypy", "Yahoo: some apps", advice="inline the CSS instead"),
    Feature(("@supports", "@keyframes"), "css-at-supports", "nynnnnypy", "Yahoo: some apps", advice="keep to plain CSS"),
    Feature(("selector:type", "selector:class", "selector:descendant"), "css-selector-class", _BASIC),
    Feature(("selector:id",), "css-selector-id", "yyyyyyyyy", "MJML's #outlook reset"),
    Feature(("selector:child", "selector:sibling"), "css-selector-child", "yyyypyyyy", "Gmail apps: partly"),
    Feature(("selector:attribute",), "css-selector-attribute", "nyyynnypy", "Gmail drops the rule", advice="use a class"),
    Feature(("selector:pseudo-class",), "css-pseudo-class-hover", "nyyynnypy", "such as :hover; Gmail drops the rule",
            fallback="an enhancement: the element shows without it"),
    Feature(("selector:universal",), "css-selector-universal", "yyyynnyyy", advice="use a class"),
)


def by_key() -> dict[str, Feature]:
    """Every key of :data:`FEATURES` with its row."""
    table: dict[str, Feature] = {}
    for feature in FEATURES:
        for key in feature.keys:
            table[key] = feature
    return table


def as_markdown() -> str:
    """The table as the page ``docs/email-clients.md``."""
    mark = {"y": "yes", "p": "partly", "n": "**no**"}
    lines = [
        "# Email client support",
        "",
        "What the major clients support of every HTML element, attribute and CSS feature the layouts and",
        "sanitised Markdown can produce, from caniemail.com's published tables (its feature names in the",
        "second column). Generated from `soc_bulletin/check/compat_table.py` (a test keeps this page equal to",
        "it); `soc-bulletin check` warns (SB510) on a **no** in the rendered email unless the row names a",
        "fallback that keeps it readable there.",
        "",
        "| feature | caniemail | " + " | ".join(name for _, name in CLIENTS) + " | notes |",
        "| --- | --- | " + " | ".join("---" for _ in CLIENTS) + " | --- |",
    ]
    for feature in FEATURES:
        notes = "; ".join(part for part in (
            feature.note,
            f"Outlook for Windows: not on {', '.join(f'<{t}>' for t in sorted(feature.outlook_none_on))}"
            if feature.outlook_none_on else "",
            f"fallback: {feature.fallback}" if feature.fallback else "",
            f"instead: {feature.advice}" if feature.advice else "",
        ) if part)
        keys = ", ".join(f"`{key}`" for key in feature.keys)
        cells = " | ".join(mark[level] for level in feature.support)
        notes = re.sub(r"(<[^<>|]*>)", r"`\1`", notes.replace("|", "/"))  # tags as code, not as HTML
        lines.append(f"| {keys} | {feature.caniemail or '-'} | {cells} | {notes} |")
    return "\n".join([*lines, "", *DARK_MODE]) + "\n"


#: How the email looks in each client's dark mode (seen in the clients; caniemail has no row for it).
DARK_MODE = (
    "## Dark mode",
    "",
    "The email carries its own dark colours (`prefers-color-scheme: dark`, and the `[data-ogsc]`/`[data-ogsb]` hooks of",
    "Outlook.com and the Outlook apps), with each section's colour lightened until it reads on the dark card, so the",
    "sections keep distinct colours where a client uses them: Apple Mail, Outlook.com, the Outlook apps, Samsung Email.",
    "",
    "- **Thunderbird** (not in caniemail's tables) does not use the email's dark colours. With its own dark mode for",
    "  messages on, it recolours the message itself: the text turns light and the section colours are flattened to one,",
    "  so the sections are told apart only by their headings (the section's name above its articles), never by colour",
    "  alone. With that option off, Thunderbird shows the light colours.",
    "- **Gmail** (web and apps) drops the dark rules and may invert the light colours itself; the layouts' colours keep",
    "  a 4.5:1 contrast either way.",
    "- **Outlook for Windows** shows the light colours, or inverts them in its own dark mode.",
)
