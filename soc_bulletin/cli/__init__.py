"""The command line: one module per command group, one error boundary (see main)."""

from .main import main

__all__ = ["main"]
