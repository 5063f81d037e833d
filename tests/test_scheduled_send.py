"""The scheduled CI workflow's send command (examples/scheduled-send.yml), run as the workflow runs it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import REPO, send_folder
from .postgres import pg_url, server  # noqa: F401 - the fixture
from .test_send import write_list
from .throttling import throttling_relay


def test_the_workflows_send_command_sends_at_its_time(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    workflow = yaml.safe_load((REPO / "examples" / "scheduled-send.yml").read_text(encoding="utf-8"))
    [step] = [s for s in workflow["jobs"]["send"]["steps"] if s.get("name") == "Send"]
    assert set(step["env"]) >= {"ISSUE", "SEND_AT", "LEDGER", "SMTP_URL", "PGPASSWORD"}
    project = send_folder(tmp_path)
    addresses = write_list(project / "list.csv", 4)
    (project / "soc-bulletin.toml").write_text(
        '[sending]\nsubscribers = "list.csv"\nsegments = "segments.yaml"\nsuppressed = "suppressed.csv"\n', encoding="utf-8")
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)).replace(microsecond=0)
    relays = throttling_relay(0)
    relay = next(relays)
    try:
        env = {**os.environ, "ISSUE": "issue", "SEND_AT": at.isoformat(), "LEDGER": pg_url, "SMTP_URL": relay.url,
               "PGPASSWORD": server().password, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, env=env, capture_output=True, text=True, timeout=120)
    finally:
        relays.close()
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("Preflight passed") == 2
    assert relay.recorder.by_recipient() == {a: 1 for a in addresses}
    assert (project / "send-report.json").is_file()
