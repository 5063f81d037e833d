"""The greeting that opens each recipient's message, in the edition's languages ("Annwyl Jo, / Dear Jo,")."""

from __future__ import annotations

from collections.abc import Callable

from ..content.wording import wording

__all__ = ["greeter"]


def greeter(languages: tuple[str, ...], /) -> Callable[[str], str]:
    """A function from a recipient's name ("" when unknown) to their greeting, each language's in turn joined by " / "."""
    forms = []
    for language in languages:
        _ = wording(language)
        forms.append((_("Dear %(name)s,"), _("Hello,")))

    def greeting(name: str, /) -> str:
        return " / ".join(dear.replace("%(name)s", name) if name else hello for dear, hello in forms)

    return greeting
