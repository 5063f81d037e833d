"""Running the unsubscribe service under uvicorn, in a thread: the command and the tests use this.

The socket is bound here and handed to uvicorn (0: any free port, read back
from the socket; a port in use is one clear error).
Requests are not logged (their URLs hold tokens); headers are bounded, and so
are connections at once; ``X-Forwarded-For`` is believed only from
``forwarded_allow_ips`` (the TLS reverse proxy in front, by default on the same machine).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from starlette.types import ASGIApp

__all__ = ["ServiceServer", "serve"]


class ServiceServer:
    """A running service: ``url``, and ``close()``."""

    def __init__(self, app: ASGIApp, /, *, host: str, port: int, forwarded_allow_ips: str = "127.0.0.1") -> None:
        import uvicorn  # noqa: PLC0415 - loaded only when the service runs

        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, server_header=False,
            proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips, limit_concurrency=64, timeout_keep_alive=5,
            h11_max_incomplete_event_size=16 * 1024, lifespan="off",
        )
        try:  # bound here and handed over: a port in use is one clear error, and port 0 is read back from the socket
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self._socket = socket.create_server((host, port), family=family)
        except OSError as exc:
            raise ConfigError(f"the unsubscribe service cannot listen on {host}:{port}: {os.strerror(exc.errno) if exc.errno else exc}") from exc
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, name="unsubscribe-service",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._socket.close()
                raise ConfigError(f"the unsubscribe service did not start on {host}:{port}")
            time.sleep(0.01)
        bound = self._socket.getsockname()
        shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        self.port = int(bound[1])
        self.url = f"http://{shown}:{self.port}"

    def wait(self) -> None:
        """Block until the server stops."""
        self._thread.join()

    def close(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def serve(app: ASGIApp, /, *, host: str = "127.0.0.1", port: int = 8000, forwarded_allow_ips: str = "127.0.0.1") -> ServiceServer:
    """Serve ``app`` on ``host:port`` in a thread; returns once it listens (ConfigError when it cannot)."""
    return ServiceServer(app, host=host, port=port, forwarded_allow_ips=forwarded_allow_ips)
