"""The subscribers' service running for a test: under uvicorn on 127.0.0.1 (a port the system chooses)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from soc_bulletin.config import load_settings
from soc_bulletin.loop.serve import ServiceServer, serve
from soc_bulletin.loop.service import Limits, create_app
from soc_bulletin.store.open import open_store


@contextlib.contextmanager
def running_service(settings_file: Path, /) -> Iterator[ServiceServer]:
    """The service of these settings with the project's store, its client limits high enough for a test's requests."""
    settings = load_settings(settings_file)
    store = open_store(settings)
    try:
        server = serve(create_app(settings, store, limits=Limits(per_minute=60_000, burst=1_000)), host="127.0.0.1", port=0)
        try:
            yield server
        finally:
            server.close()
    finally:
        store.close()
