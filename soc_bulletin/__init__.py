"""soc_bulletin: author a bulletin in YAML or Python, render it to email, check it, send it."""

from .build import BuildResult, build, build_dir
from .checks import CheckReport, check_paths
from .errors import BulletinError, ConfigError, ContentError, RenderError, SendError, SubscriberError
from .load import load_article, load_issue, read_issue
from .model import (
    Article, BulletList, Callout, Contact, Contacts, Figure, Figures, Image, Issue, Link, Quote,
    Section, Text, Welcome,
)
from .problems import Problem, Severity
from .render import Edition, Renderer, render

__all__ = [
    "Article",
    "BuildResult",
    "BulletList",
    "BulletinError",
    "Callout",
    "CheckReport",
    "ConfigError",
    "Contact",
    "Contacts",
    "ContentError",
    "Edition",
    "Figure",
    "Figures",
    "Image",
    "Issue",
    "Link",
    "Problem",
    "Quote",
    "RenderError",
    "Renderer",
    "Section",
    "SendError",
    "Severity",
    "SubscriberError",
    "Text",
    "Welcome",
    "build",
    "build_dir",
    "check_paths",
    "load_article",
    "load_issue",
    "read_issue",
    "render",
]
