"""The content stage: the model of an issue, and reading it from YAML files (every problem located)."""

from .._public import publish as _publish
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

_publish(globals())
