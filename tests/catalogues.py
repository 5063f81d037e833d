"""The strings the sources ask the catalogues for, extracted as Babel's ``pybabel extract`` does."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

PACKAGE = Path(__file__).resolve().parent.parent / "soc_bulletin"
#: Where fixed words are written: the Python modules (``_("...")``) and the layouts (``{{ _("...") }}``).
METHODS = [("**/layouts/**.j2", "jinja2"), ("**.py", "python")]


def extracted() -> Catalog:
    """A catalogue of every string the package's sources ask for, with where each is used."""
    catalogue = Catalog(project="soc_bulletin", domain="messages")
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, METHODS, options_map={"**/layouts/**.j2": {"extensions": "jinja2.ext.do"}}, keywords={"_": None, "N_": None},
    ):
        catalogue.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return catalogue
