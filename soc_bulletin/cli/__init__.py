"""The command line: one module per command group, one error boundary (see main)."""

from .._public import publish as _publish
from .main import main

__all__ = ["main"]

_publish(globals())
