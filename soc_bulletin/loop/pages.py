"""The unsubscribe service's pages: small, accessible, no script, the same whoever asks.

Every page is the same, byte for byte, for a good token, a forged one and one
already used, so the service never tells whether an address is on a list: the
link is not even echoed. Buttons are plain HTML forms without an ``action``,
which POST back to the page's own URL, token included.
"""

from __future__ import annotations

from . import web

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


def page(content: tuple[str, str, str, str, str, str], /, *, footer: str = "") -> str:
    """One page: a title, a heading, a sentence and a button that POSTs ``field=value`` to the page's own URL."""
    title, heading, text, name, value, button = content
    body = web.paragraph(text) + web.button_form(button, {name: value})
    return web.frame(title, body, heading=heading, footer=footer)
