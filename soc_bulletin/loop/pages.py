"""The unsubscribe service's pages: small, accessible, no script, the same whoever asks.

Every page is the same, byte for byte, for a good token, a forged one and one
already used, so the service never tells whether an address is on a list: the
link is not even echoed. Buttons are plain HTML forms without an ``action``,
which POST back to the page's own URL, token included.
"""

from __future__ import annotations

import html

__all__ = ["CONFIRM", "DONE", "FAILED", "UNDONE", "page"]

CONFIRM = ("Unsubscribe", "Stop receiving the bulletin at this address?",
           "Choose the button to unsubscribe. Nothing changes until you do.", "List-Unsubscribe", "One-Click", "Unsubscribe")
DONE = ("Unsubscribed", "You are unsubscribed.",
        "You will not receive the bulletin at this address any more. Did you mean to?", "action", "undo",
        "Undo: keep me subscribed")
UNDONE = ("Subscribed again", "You are subscribed again.",
          "You will keep receiving the bulletin at this address.", "List-Unsubscribe", "One-Click", "Unsubscribe after all")
FAILED = ("Please try again", "Your request could not be recorded.",
          "Nothing was changed. Please try again in a few minutes.", "List-Unsubscribe", "One-Click", "Try again")

_STYLE = (
    "body{margin:0;font:18px/1.5 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#1b1b1b;background:#f3f2f1}"
    "main{max-width:34rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-top:6px solid #1d4f91}"
    "h1{font-size:1.6rem;margin:0 0 1rem}button{font:inherit;font-weight:600;color:#fff;background:#1d4f91;border:0;"
    "border-radius:4px;padding:.6rem 1.2rem;cursor:pointer}button:focus{outline:3px solid #ffbf47;outline-offset:2px}"
)


def page(content: tuple[str, str, str, str, str, str], /) -> str:
    """One page: a title, a heading, a sentence and a button that POSTs ``field=value`` to the page's own URL."""
    title, heading, text, name, value, button = (html.escape(part) for part in content)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<meta name=\"robots\" content=\"noindex\"><title>{title}</title><style>{_STYLE}</style></head>\n"
        f"<body><main><h1>{heading}</h1><p>{text}</p>\n"
        f"<form method=\"post\"><input type=\"hidden\" name=\"{name}\" value=\"{value}\">"
        f"<button type=\"submit\">{button}</button></form></main></body></html>\n"
    )
