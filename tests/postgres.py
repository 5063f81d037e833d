"""A real PostgreSQL server for the tests: Debian's binaries, a temporary folder, a free port on 127.0.0.1.

``initdb`` refuses to run as root, so as root (CI) the cluster belongs to the
``postgres`` user that Debian's package creates and every server command runs
through ``runuser -u postgres``. Host connections need the password, which
the tests give only through ``PGPASSWORD``, as a deployment would. One server
serves the whole test session (started on first use, stopped at exit); each
test gets its own database.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

USER = "bulletin"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One cluster in a temporary folder; :meth:`start`, :meth:`stop`, :meth:`database`."""

    def __init__(self, binaries: Path) -> None:
        self.bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="soc-bulletin-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.password = secrets.token_hex(16)
        self.port = 0
        self.as_root = os.geteuid() == 0
        self._count = 0
        (self.root / "password").write_text(self.password + "\n")
        if self.as_root:  # the cluster is the postgres user's: initdb and the server refuse root
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.root / "password"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth-local=trust", "--auth-host=scram-sha-256",
                  f"--pwfile={self.root / 'password'}", "-E", "UTF8", "--locale=C", "--no-sync")

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / program), *args]
        if self.as_root:
            command = [shutil.which("runuser") or "/sbin/runuser", "-u", "postgres", "--", *command]  # util-linux
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root)
        if check and result.returncode:
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}")
        return result

    def start(self) -> None:
        """Start on the same port as before, or on a free one (tried again if another program takes it first)."""
        for _ in range(5):
            port = self.port or _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={self.root} -c fsync=off"
                       " -c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
            started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start",
                                check=False)
            if started.returncode == 0:
                self.port = port
                return
            if self.port:
                break
        raise RuntimeError(f"PostgreSQL did not start: {started.stdout}{started.stderr}{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new, empty database; its URL (no password: that comes from PGPASSWORD)."""
        self._count += 1
        name = f"test_{os.getpid()}_{self._count}"
        with psycopg.connect(self.url(), password=self.password, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


_server: PostgresServer | None = None


def server() -> PostgresServer:
    """The session's server, started on first use; a failure, never a skip, where PostgreSQL is not installed."""
    global _server
    if _server is None:
        binaries = _binaries()
        if binaries is None:
            message = "PostgreSQL is not installed (Debian's postgresql package; .ci/run installs it)"
            pytest.fail(message)
        _server = PostgresServer(binaries)
        atexit.register(_server.destroy)
        _server.start()
    return _server


@pytest.fixture
def pg_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database on the session's server; PGPASSWORD set as a deployment would set it."""
    running = server()
    monkeypatch.setenv("PGPASSWORD", running.password)
    yield running.database()
