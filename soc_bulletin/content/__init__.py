"""The content stage: the model of an issue, and reading it from YAML files (every problem located)."""

import typing as _typing

from .._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from .load import load_article, load_issue, read_issue
    from .model import (
        Article,
        BulletList,
        Callout,
        Contact,
        Contacts,
        Figure,
        Figures,
        Image,
        Issue,
        Link,
        Quote,
        Section,
        Text,
        Welcome,
    )

__all__ = [
    "Article",
    "BulletList",
    "Callout",
    "Contact",
    "Contacts",
    "Figure",
    "Figures",
    "Image",
    "Issue",
    "Link",
    "Quote",
    "Section",
    "Text",
    "Welcome",
    "load_article",
    "load_issue",
    "read_issue",
]

__getattr__, __dir__ = _lazy_exports(__name__, {
    "Article": ".model",
    "BulletList": ".model",
    "Callout": ".model",
    "Contact": ".model",
    "Contacts": ".model",
    "Figure": ".model",
    "Figures": ".model",
    "Image": ".model",
    "Issue": ".model",
    "Link": ".model",
    "Quote": ".model",
    "Section": ".model",
    "Text": ".model",
    "Welcome": ".model",
    "load_article": ".load",
    "load_issue": ".load",
    "read_issue": ".load",
})
