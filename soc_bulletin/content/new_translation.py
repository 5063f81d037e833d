"""``new-article --lang``: start an article's translation from its main file."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .paths import ARTICLES_DIR, SLUG_PATTERN
from .schema import LANGUAGE_TAG
from .translate import translation_path

__all__ = ["new_translation"]


def new_translation(issue_dir: str | Path, slug: str, language: str, /) -> Path:
    """Write ``articles/<slug>.<language>.yaml``: the main file's text under a note saying what to translate.

    Raises :class:`ConfigError` when the language is not a BCP 47 tag, the
    article has no file, or the translation exists already.
    """
    if not LANGUAGE_TAG.fullmatch(language):
        raise ConfigError(f"--lang '{language}' is not a language tag; write a BCP 47 tag such as 'cy' or 'en-GB'")
    if not SLUG_PATTERN.fullmatch(slug):
        raise ConfigError(f"'{slug}' is not an article's name; give the name of its file without .yaml, such as 'jmlit'")
    main = Path(issue_dir) / ARTICLES_DIR / f"{slug}.yaml"
    if not main.is_file():
        raise ConfigError(f"{main} does not exist; a translation starts from the article's main file")
    path = translation_path(main, language)
    note = (f"# The '{language}' translation of {main.name}: translate every title, text, list item, caption and alt text below,\n"
            "# keeping the blocks in the same order. Addresses, names, links' url and images' src and width may be deleted:\n"
            "# the main file's are used (a contact block may then be just '- contact:').\n")
    try:
        text = main.read_text(encoding="utf-8-sig")
        with path.open("x", encoding="utf-8", newline="\n") as file:
            file.write(note + text)
    except FileExistsError:
        raise ConfigError(f"{path} already exists; edit it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot write {path}: {exc}") from exc
    return path
