"""The registry of problem codes: one short title per stable code.

Codes never change meaning once released; CONTRIBUTING.md documents each
one (a test keeps the two in step). Loader codes (SB0xx) are reported by
:mod:`soc_bulletin.content.load`; the check stage adds the others. SB060 is
the check's and send's; SB6xx are the subscriber lists' (:mod:`soc_bulletin.audience`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["CODES", "UNSENDABLE", "Verdict"]

CODES: Mapping[str, str] = MappingProxyType({
    # files and YAML (the loader)
    "SB001": "file is not UTF-8",
    "SB002": "empty file",
    "SB003": "YAML syntax error",
    "SB004": "file cannot be read",
    "SB005": "issue.yaml missing",
    "SB006": "file too large or nested too deeply",
    "SB007": "YAML tag or alias",
    "SB010": "unknown key",
    "SB011": "required field missing or empty",
    "SB012": "wrong type",
    "SB013": "duplicate key",
    "SB014": "invalid value",
    "SB015": "control or invisible character",
    "SB016": "placeholder syntax in content",
    "SB017": "example text from a template",
    "SB020": "article file missing",
    "SB021": "article listed twice",
    "SB022": "article file not listed in issue.yaml",
    "SB023": "article name not kebab-case",
    "SB024": "file outside the issue folder",
    "SB025": "section without articles",
    "SB026": "unknown section kind",
    "SB027": "two issues with the same number",
    "SB030": "unknown or malformed block",
    "SB070": "translation missing",
    "SB071": "translation's structure differs",
    "SB072": "translation for a language the issue does not list",
    "SB073": "catalogue of fixed words missing or incomplete",
    # audiences (the check, and send's preflight)
    "SB060": "audience is not a segment",
    # addresses
    "SB101": "invalid address",
    "SB102": "address not normalised",
    "SB103": "undeliverable address",
    "SB104": "bare address not linked",
    "SB105": "look-alike domain in an address",
    # links
    "SB201": "unsafe or unsupported link",
    "SB202": "http instead of https",
    "SB203": "malformed link",
    "SB204": "bare web address not linked",
    "SB205": "look-alike domain in a link",
    "SB206": "link words show another address",
    # HTML and Markdown
    "SB301": "script",
    "SB302": "iframe, embed or object",
    "SB303": "event handler attribute",
    "SB304": "layout-breaking inline style",
    "SB305": "HTML or Markdown the sanitiser removes",
    # images
    "SB401": "image file missing",
    "SB402": "alt text not meaningful",
    "SB403": "image too large",
    "SB404": "unsupported image format",
    "SB405": "image in Markdown text",
    "SB406": "image path outside the issue folder",
    # the rendered edition
    "SB500": "edition cannot be rendered",
    "SB501": "HTML part over 102 KB as sent (Gmail clips it)",
    "SB502": "HTML part over 90 KB as sent",
    "SB503": "subject too long",
    "SB504": "preheader missing or too long",
    "SB505": "link missing from the text edition",
    "SB506": "address missing from the text edition",
    "SB507": "article over a sixth of the size budget",
    "SB510": "feature an email client cannot show",
    "SB511": "text in its background's colour",
    # the sending domain (check --deliverability, send's preflight)
    "SB701": "SPF record missing or broken",
    "SB702": "DMARC record missing or invalid",
    "SB703": "not signed with DKIM",
    "SB704": "DKIM key not published",
    "SB705": "DKIM key does not match",
    "SB706": "neither SPF nor DKIM aligned with From",
    "SB707": "sending domain not checked",
    "SB708": "one-click unsubscribe without DKIM",
    # subscriber lists (subscribers check, stats, import; send's preflight)
    "SB600": "list cannot be read",
    "SB601": "list is empty",
    "SB602": "list cannot be decoded",
    "SB603": "list read as Windows-1252",
    "SB604": "no email column",
    "SB605": "two columns mean the same",
    "SB610": "row cannot be read",
    "SB611": "row without an address",
    "SB612": "invalid address in a row",
    "SB613": "row with the wrong number of values",
    # segments (subscribers/segments.yaml)
    "SB630": "segment named 'all'",
    "SB631": "segment name not allowed",
    "SB632": "segment without rules",
    "SB633": "empty rule in a segment",
    "SB634": "rule that matches no subscriber",
    # the suppression list
    "SB640": "no address column in the suppression list",
    "SB641": "suppression row without an address",
    "SB642": "invalid address in the suppression list",
    "SB643": "suppressed address written with more than the address",
    # the checker itself
    "SB900": "internal error in the check",
})


#: Warnings of ``check`` (a draft may have them) that refuse a send: a template's example words, a section with
#: no article. A proof (``send --test-to``) still goes to the editor.
UNSENDABLE = frozenset({"SB017", "SB025"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check found, before it is placed in a file: a code and a sentence."""

    code: str
    message: str
    warning: bool = False
