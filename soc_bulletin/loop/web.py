"""The service's page kit: one frame, labelled fields, errors tied to their fields; no script, no cookie.

Every page the service serves is made here, so they share what WCAG 2.2 AA
asks of each: the language, a unique title (prefixed "Error:" when a form came
back with problems), one ``h1``, a label for every field, hints and errors tied
to the field by ``aria-describedby``, an error summary linking each problem to
its field, a visible focus, and targets at least 24 pixels high. Values are
escaped here and nowhere else.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["HEADERS", "button_form", "checkboxes", "error_summary", "first", "frame", "link", "notice", "paragraph", "select", "text_field"]

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the URLs hold tokens
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
}

_STYLE = (
    "body{margin:0;font:18px/1.5 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#1b1b1b;background:#f3f2f1}"
    "main{max-width:38rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-top:6px solid #1d4f91}"
    "h1{font-size:1.6rem;margin:0 0 1rem}h2{font-size:1.25rem;margin:2rem 0 .5rem}"
    "a{color:#1d4f91}label,legend{display:block;font-weight:600;margin:1rem 0 .25rem}"
    "fieldset{border:0;margin:0;padding:0}.check label{display:inline;font-weight:400;margin:0 0 0 .4rem}"
    ".check{margin:.35rem 0}.hint{display:block;color:#484f54;margin:0 0 .25rem}"
    ".error{display:block;color:#a00d1b;font-weight:600;margin:0 0 .25rem}"
    "input[type=email],input[type=text],input[type=date],select{font:inherit;width:100%;max-width:30rem;box-sizing:border-box;"
    "padding:.4rem;border:2px solid #1b1b1b;border-radius:0}input[aria-invalid=true],select[aria-invalid=true]{border-color:#a00d1b}"
    "input[type=checkbox]{width:1.5rem;height:1.5rem;vertical-align:middle}"
    "button{font:inherit;font-weight:600;color:#fff;background:#1d4f91;border:0;border-radius:4px;padding:.6rem 1.2rem;"
    "margin:1rem 0 0;cursor:pointer;min-height:44px}button.secondary{color:#1b1b1b;background:#dbdad9}"
    "a:focus,button:focus,input:focus,select:focus{outline:3px solid #0b0c0c;outline-offset:2px}"
    ".summary{border:4px solid #a00d1b;padding:1rem;margin:0 0 1.5rem}.summary h2{margin:0 0 .5rem}"
    ".visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
    ".summary a{color:#a00d1b;font-weight:600}footer{max-width:38rem;margin:0 auto 2rem;padding:0 2rem;font-size:16px}"
)


def first(form: Mapping[str, Sequence[str]], name: str, /) -> str:
    """The first value a form (or query) sent for ``name``, without surrounding space; "" when it sent none."""
    return (form.get(name) or [""])[0].strip()


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def frame(title: str, body: str, /, *, heading: str | None = "", error: bool = False, footer: str = "",
          lang: str = "en") -> str:
    """A whole page: ``title`` (also the ``h1`` unless a ``heading`` is given; None: the body has its own), the
    ``body`` (HTML made by this module's helpers), and a footer (links such as the accessibility statement)."""
    shown = f"Error: {title}" if error else title
    bottom = f"<footer>{footer}</footer>" if footer else ""
    top = "" if heading is None else f"<h1>{_e(heading or title)}</h1>\n"
    return (
        f"<!DOCTYPE html>\n<html lang=\"{_e(lang)}\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<meta name=\"robots\" content=\"noindex\"><title>{_e(shown)}</title><style>{_STYLE}</style></head>\n"
        f"<body><main>{top}{body}</main>{bottom}</body></html>\n"
    )


def paragraph(text: str, /) -> str:
    """A paragraph of plain text."""
    return f"<p>{_e(text)}</p>\n"


def notice(text: str, /) -> str:
    """What a form just did, announced to screen readers."""
    return f"<div role=\"status\"><p><strong>{_e(text)}</strong></p></div>\n"


def link(href: str, text: str, /) -> str:
    """A link."""
    return f"<a href=\"{_e(href)}\">{_e(text)}</a>"


def error_summary(errors: Mapping[str, str], /) -> str:
    """The list of problems at the top of a form, each linking to its field (empty when there are none)."""
    if not errors:
        return ""
    items = "".join(f"<li><a href=\"#{_e(name)}\">{_e(message)}</a></li>" for name, message in errors.items())
    return (f"<div class=\"summary\" role=\"alert\" aria-labelledby=\"summary-title\" tabindex=\"-1\">"
            f"<h2 id=\"summary-title\">There is a problem</h2><ul>{items}</ul></div>\n")


def _described(name: str, hint: str, error: str) -> tuple[str, str]:
    """The hint and error elements of a field and the attributes that tie them to it."""
    ids = [f"{name}-hint"] * bool(hint) + [f"{name}-error"] * bool(error)
    parts = (f"<span class=\"hint\" id=\"{_e(name)}-hint\">{_e(hint)}</span>" if hint else "") + (
        f"<span class=\"error\" id=\"{_e(name)}-error\"><span class=\"visually-hidden\">Error: </span>{_e(error)}</span>"
        if error else "")
    attributes = (f" aria-describedby=\"{_e(' '.join(ids))}\"" if ids else "") + (" aria-invalid=\"true\"" if error else "")
    return parts, attributes


def text_field(name: str, label: str, value: str = "", /, *, error: str = "", hint: str = "", kind: str = "text",
               autocomplete: str = "", required: bool = False) -> str:
    """A labelled text input (``kind``: text, email or date)."""
    described, attributes = _described(name, hint, error)
    extra = (f" autocomplete=\"{_e(autocomplete)}\"" if autocomplete else "") + (" required" if required else "")
    spell = " spellcheck=\"false\"" if kind == "email" else ""
    return (f"<div><label for=\"{_e(name)}\">{_e(label)}</label>{described}"
            f"<input type=\"{_e(kind)}\" id=\"{_e(name)}\" name=\"{_e(name)}\" value=\"{_e(value)}\"{extra}{spell}{attributes}></div>\n")


def select(name: str, label: str, options: Sequence[tuple[str, str]], chosen: str = "", /, *, error: str = "",
           hint: str = "") -> str:
    """A labelled drop-down of (value, text) ``options``."""
    described, attributes = _described(name, hint, error)
    items = "".join(f"<option value=\"{_e(value)}\"{' selected' if value == chosen else ''}>{_e(text)}</option>"
                    for value, text in options)
    return (f"<div><label for=\"{_e(name)}\">{_e(label)}</label>{described}"
            f"<select id=\"{_e(name)}\" name=\"{_e(name)}\"{attributes}>{items}</select></div>\n")


def checkboxes(name: str, legend: str, options: Iterable[str], chosen: Iterable[str] = (), /, *, error: str = "",
               hint: str = "") -> str:
    """A group of checkboxes under one legend; each option's value is its text."""
    described, attributes = _described(name, hint, error)
    ticked = {value.casefold() for value in chosen}
    boxes = "".join(
        f"<div class=\"check\"><input type=\"checkbox\" id=\"{_e(name)}-{i}\" name=\"{_e(name)}\" value=\"{_e(value)}\""
        f"{' checked' if value.casefold() in ticked else ''}><label for=\"{_e(name)}-{i}\">{_e(value)}</label></div>"
        for i, value in enumerate(options))
    first = f" id=\"{_e(name)}\"" if boxes else ""
    return f"<fieldset{first}{attributes}><legend>{_e(legend)}</legend>{described}{boxes}</fieldset>\n"


def button_form(text: str, /, fields: Mapping[str, str] | None = None, *, inner: str = "", secondary: bool = False) -> str:
    """A form that POSTs back to the page's own URL (its token included): hidden ``fields``, ``inner`` fields, a
    button."""
    hidden = "".join(f"<input type=\"hidden\" name=\"{_e(k)}\" value=\"{_e(v)}\">" for k, v in (fields or {}).items())
    css = " class=\"secondary\"" if secondary else ""
    check = " novalidate" if inner else ""  # the service's own messages, tied to their fields, not the browser's
    return f"<form method=\"post\"{check}>{hidden}{inner}<button type=\"submit\"{css}>{_e(text)}</button></form>\n"
