"""The reference bulletin in ../shared/seed/, cut into the pieces a rendering must contain.

The seed is a text extraction of the PDF: paragraphs are separated by blank
lines and some are broken mid-sentence at page breaks. Each paragraph is cut
into sentences; a sentence broken by a page break becomes two pieces, each of
which must appear. Markdown marks (``**``, ``<url>``) and the layout's
" - " between a place and an address are not part of the wording.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seed" / "soc-partnerships-bulletin-2019-08-issue-11.txt"
if not SEED.is_file():  # a checkout with the seed copied in
    SEED = REPO / "tests" / "data" / "soc-partnerships-bulletin-2019-08-issue-11.txt"

ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"'‘])")


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def normalise(text: str) -> str:
    """Whitespace collapsed, typographic marks of the layout removed."""
    text = text.replace("**", "")
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    return " ".join(text.split())


def seed_pieces() -> list[str]:
    """Every sentence (or page-broken part of one) of the seed, normalised."""
    pieces = []
    for paragraph in re.split(r"\n\s*\n|\n(?=- )", seed_text()):
        paragraph = normalise(re.sub(r"^\s*- ", "", paragraph))
        if not paragraph:
            continue
        for part in re.split(r" - (?=\S+@)", paragraph):
            for sentence in _SENTENCE_END.split(part):
                sentence = sentence.strip().strip("'")
                if sentence:
                    pieces.append(sentence)
    return pieces


def seed_addresses() -> set[str]:
    """The distinct contact addresses of the seed, as written."""
    return set(ADDRESS.findall(seed_text()))


def missing_pieces(rendered: str) -> list[str]:
    """Seed pieces not found in ``rendered`` (compared after :func:`normalise`).

    Headings the PDF prints in capitals are compared without case.
    """
    flat = normalise(rendered)
    folded = flat.casefold()
    return [
        p for p in seed_pieces()
        if p not in flat and not (p.isupper() and p.casefold() in folded)
    ]


class _Words(HTMLParser):
    """The visible words of an email's body; block tags separate words."""

    INLINE = {"a", "strong", "b", "em", "i", "span", "code", "sup", "sub"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "style", "script", "title"):
            self.skip += 1
        elif tag not in self.INLINE:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script", "title"):
            self.skip -= 1
        elif tag not in self.INLINE:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_words(html: str) -> str:
    """The text a reader sees in ``html``, whitespace collapsed."""
    parser = _Words()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())
