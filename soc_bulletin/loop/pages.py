"""The unsubscribe service's pages: small, accessible, no script, the same whoever asks.

Every page is the same, byte for byte, for a good token, a forged one and one
already used, so the service never tells whether an address is on a list: the
link is not even echoed. Buttons are plain HTML forms without an ``action``,
which POST back to the page's own URL, token included. A link from an
edition in another language carries ``lang`` (``&lang=cy``): the page
answers in it (its words from the catalogues), whatever the token.
"""

from __future__ import annotations

from ..content.wording import wording
from ..errors import ContentError
from . import web

__all__ = ["CONFIRM", "DONE", "FAILED", "UNDONE", "page", "page_language"]


def N_(message: str, /) -> str:  # noqa: N802 - gettext's name for a string translated later
    """``message`` itself, marked for the catalogues (it is translated when a page is written)."""
    return message

CONFIRM = (N_("Unsubscribe"), N_("Stop receiving the bulletin at this address?"),
           N_("Choose the button to unsubscribe. Nothing changes until you do."), "List-Unsubscribe", "One-Click", N_("Unsubscribe"))
DONE = (N_("Unsubscribed"), N_("You are unsubscribed."),
        N_("You will not receive the bulletin at this address any more. Did you mean to?"), "action", "undo",
        N_("Undo: keep me subscribed"))
UNDONE = (N_("Subscribed again"), N_("You are subscribed again."),
          N_("You will keep receiving the bulletin at this address."), "List-Unsubscribe", "One-Click", N_("Unsubscribe after all"))
FAILED = (N_("Please try again"), N_("Your request could not be recorded."),
          N_("Nothing was changed. Please try again in a few minutes."), "List-Unsubscribe", "One-Click", N_("Try again"))


def page_language(asked: str, /) -> str:
    """The language a page answers in: ``asked`` (a link's ``lang``) when there is a catalogue for it, else English."""
    if not asked or len(asked) > 16 or not asked.replace("-", "").isalnum():
        return "en"
    try:
        wording(asked)
    except ContentError:
        return "en"
    return asked


def page(content: tuple[str, str, str, str, str, str], /, *, footer: str = "", lang: str = "en") -> str:
    """One page in ``lang``: a title, a heading, a sentence and a button that POSTs ``field=value`` to the page's own URL."""
    title, heading, text, name, value, button = content
    _ = wording(lang)
    body = web.paragraph(_(text)) + web.button_form(_(button), {name: value})
    return web.frame(_(title), body, heading=_(heading), footer=footer, lang=lang)
