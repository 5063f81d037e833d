"""The event loop a send runs on: uvloop's when it is installed (the ``fast`` extra), else asyncio's.

uvloop's loop, written in C, spends about a fifth less CPU per message of a
send than asyncio's (``benchmarks/send_postfix.py``). Setting
``SOC_BULLETIN_UVLOOP=0`` runs on asyncio's own loop even when uvloop is
installed, to rule it out when something misbehaves.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

__all__ = ["UVLOOP", "loop_factory", "loop_name", "run"]

#: the environment variable that turns uvloop off ("0", "no", "off" or "false")
UVLOOP = "SOC_BULLETIN_UVLOOP"

_T = TypeVar("_T")


def loop_factory(environ: Mapping[str, str] | None = None, /) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's ``new_event_loop`` when it is installed and not turned off; None for asyncio's default."""
    setting = (os.environ if environ is None else environ).get(UVLOOP, "").strip().lower()
    if setting in ("0", "no", "off", "false"):
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def loop_name(environ: Mapping[str, str] | None = None, /) -> str:
    """"uvloop" or "asyncio": the loop :func:`run` uses now."""
    return "asyncio" if loop_factory(environ) is None else "uvloop"


def run(main: Coroutine[Any, Any, _T], /) -> _T:
    """Run ``main`` to completion on a new event loop (see the module's docstring), like ``asyncio.run``."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
