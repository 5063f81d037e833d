"""A real IMAP server for the tests: Debian's Dovecot, run in the foreground from a temporary folder on 127.0.0.1.

Dovecot cannot listen on port 0 and report the port it got, so a free port is
chosen and, should another program take it first, Dovecot is started again on
another (as PostgreSQL is, tests/postgres.py: the two servers for which the
tests pick a port). TLS uses a certificate from
trustme's test CA. Mail is stored as a Maildir owned by an unprivileged user
(``nobody`` when the tests run as root, else the user running them), in a
temporary folder of its own that those users can enter (pytest's are private
to the user running the tests); it is removed when the server stops.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import trustme

USER, PASSWORD = "bounces", "a-test-imap-password"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
disable_plaintext_auth = no
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
first_valid_uid = 1
mail_location = maildir:~/Maildir
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
  }}
}}
"""


def available() -> bool:
    """Whether Dovecot is installed (``.ci/run`` installs dovecot-imapd)."""
    return shutil.which("dovecot") is not None or Path("/usr/sbin/dovecot").exists()


class Dovecot:
    """Dovecot serving one user's mailbox over IMAPS on 127.0.0.1; ``ca`` is the CA file clients must trust."""

    def __init__(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="soc-bulletin-dovecot-"))
        root.chmod(0o755)
        self.root = root
        for folder in ("run", "state", "home"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        cert.private_key_pem.write_to_path(str(root / "key.pem"))
        cert.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
        self.ca = root / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca))
        (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        for name in ("users", "cert.pem", "key.pem"):  # Dovecot's own processes read them as its users
            (root / name).chmod(0o644)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("nobody")
            os.chown(root / "home", owner.pw_uid, owner.pw_gid)
            users = ""
        else:
            owner = pwd.getpwuid(os.getuid())
            users = f"default_login_user = {owner.pw_name}\ndefault_internal_user = {owner.pw_name}\n"
        self.process: subprocess.Popen[bytes] | None = None
        for _attempt in range(5):
            self.port = _free_port()
            (root / "dovecot.conf").write_text(CONFIG.format(root=root, uid=owner.pw_uid, gid=owner.pw_gid, port=self.port,
                                                             users=users))
            self.process = subprocess.Popen([shutil.which("dovecot") or "/usr/sbin/dovecot", "-F", "-c", str(root / "dovecot.conf")],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._listening():
                return
            self._halt()
        log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"Dovecot did not start: {log[-2000:]}")

    def _listening(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
            time.sleep(0.05)
        return False

    @property
    def url(self) -> str:
        return f"imaps://{USER}@127.0.0.1:{self.port}/INBOX"

    def client(self) -> imaplib.IMAP4_SSL:
        """A logged-in IMAP client, as a person's mail program would be."""
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=ssl.create_default_context(cafile=str(self.ca)), timeout=10)
        conn.login(USER, PASSWORD)
        return conn

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self._halt()
        shutil.rmtree(self.root, ignore_errors=True)

    def _halt(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
