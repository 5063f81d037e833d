"""The commands of the guides, run as written by bash in a fresh virtual environment, in a copy of the repository.

README, docs/editors.md, CONTRIBUTING.md and docs/scaling.md: each ``sh`` block
line that can run on one machine runs here, in a new checkout (the tracked
files only) with a virtual environment made by the guides' own install line
(``python3 -m venv .venv && .venv/bin/pip install -e .``), once per session:
pip takes the packages from its cache or the package index, nothing else is
fetched. What is not run is listed in :data:`NOT_RUN` with the reason, and a
test keeps that list and the guides in step, so a new command is run or named.
tests/test_editors_guide.py checks what the editors' commands print.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .project import REPO, finish_draft, tracked_copy

pytestmark = pytest.mark.slow

#: The install line the guides give (editors.md, CONTRIBUTING.md); the fixture runs it once.
INSTALL = "python3 -m venv .venv && .venv/bin/pip install -e ."
#: Guide lines not run here, and why.
NOT_RUN = {
    ".venv/bin/python -m pytest": "the test suite itself",
    "soc-bulletin preview issues/2019-11": "serves until Ctrl-C: tests/test_editors_guide.py runs it and reads the page",
    "export PGPASSWORD=...        # or ~/.pgpass, or a libpq service file: never in the URL, which is refused with one":
        "PostgreSQL and a relay: tests/test_postgres_cli.py",
    "soc-bulletin status issues/2019-08 --ledger postgresql://bulletin@db.example.org/bulletin": "PostgreSQL: tests/test_postgres_cli.py",
    "soc-bulletin suppressions export -o suppressed.csv                 # the shared suppression list, with each entry's source":
        "PostgreSQL: tests/test_postgres_cli.py",
}
#: The bilingual walkthrough of docs/editors.md ("An issue in Welsh and English"): run by tests/test_languages_guide.py,
#: which translates between the commands as an editor does.
NOT_RUN |= {line: "the bilingual walkthrough: tests/test_languages_guide.py" for line in (
    "soc-bulletin check issues/2020-02", "soc-bulletin build issues/2020-02 --all-editions",
    "soc-bulletin send issues/2020-02 --test-to editor@example.org", "soc-bulletin send issues/2020-02",
    "soc-bulletin status issues/2020-02",
)}
SECONDS = 300


def _blocks(guide: str, /) -> list[str]:
    """The lines of the ``sh`` blocks of ``guide`` (a path under the repository), continuation lines joined."""
    text = (REPO / guide).read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        lines += [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]
    return lines


def _environment() -> dict[str, str]:
    """This machine's environment without the test run's virtual environment, so python3 is the system's."""
    test_venv = str(Path(sys.prefix) / "bin")
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != test_venv)
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "SOC_BULLETIN_SMTP_USER", "SOC_BULLETIN_SMTP_PASSWORD")
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "PATH": path, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _run(script: str, cwd: Path, /) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=_environment(), capture_output=True,
                            text=True, timeout=SECONDS, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"{script}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout with the guides' virtual environment, made once per session."""
    root = tracked_copy(tmp_path_factory.mktemp("fresh") / "soc_bulletin")
    _run(INSTALL, root)
    return root


@pytest.fixture
def checkout(installed: Path, tmp_path: Path) -> Path:
    """A fresh copy of the repository for one guide, using the session's virtual environment."""
    root = tracked_copy(tmp_path / "soc_bulletin")
    (root / ".venv").symlink_to(installed / ".venv")
    return root


def test_every_guide_line_is_run_or_named() -> None:
    lines = [line for guide in ("README.md", "docs/editors.md", "CONTRIBUTING.md", "docs/scaling.md") for line in _blocks(guide)]
    assert set(NOT_RUN) <= set(lines), set(NOT_RUN) - set(lines)
    assert INSTALL in _blocks("docs/editors.md") and INSTALL in _blocks("CONTRIBUTING.md")


def test_the_readme_quick_start(checkout: Path) -> None:
    [first, _] = _blocks("README.md")[:2]
    install, *rest = first.split(" && .venv/bin/soc-bulletin ", 1)
    assert install == "python3 -m venv .venv && .venv/bin/pip install -e '.[test]'"  # .ci/run makes this one on every fresh machine
    _run(".venv/bin/soc-bulletin " + rest[0], checkout)
    assert (checkout / "build" / "2019-08" / "index.html").is_file()
    assert len(list((checkout / "outbox" / "2019-08" / "all").glob("*.eml"))) == 200
    _run(".venv/bin/soc-bulletin " + rest[0], checkout)  # "Run it again and nothing is sent twice"
    assert len(list((checkout / "outbox" / "2019-08" / "all").glob("*.eml"))) == 200


def test_contributing_as_written(checkout: Path) -> None:
    lines = _blocks("CONTRIBUTING.md")
    start = lines.index(INSTALL)
    activate, *commands = lines[start + 1 : start + 4]
    assert activate == ". .venv/bin/activate" and [c.split()[:2] for c in commands] == [["soc-bulletin", "new-article"],
                                                                                        ["soc-bulletin", "check"]]
    _run("\n".join([activate, *commands]), checkout)
    assert (checkout / "issues" / "2019-08" / "articles" / "youth-diversion-ceredigion.yaml").is_file()


def test_the_editors_quarter_as_written(checkout: Path) -> None:
    lines = _blocks("docs/editors.md")
    assert lines[:2] == [INSTALL, ". .venv/bin/activate"]
    short = [line for line in lines[2:8] if line not in NOT_RUN]
    assert [line.split()[1] for line in short] == ["new-issue", "new-article", "check", "build", "send"]
    _run("\n".join([". .venv/bin/activate", *short]), checkout)
    assert any((checkout / "outbox" / "2019-11" / "proofs").glob("*.eml"))
    refused = subprocess.run(["bash", "-c", ". .venv/bin/activate && soc-bulletin send issues/2019-11 --dry-run"], cwd=checkout,
                             env=_environment(), capture_output=True, text=True, timeout=SECONDS)
    assert refused.returncode == 1 and "SB017" in refused.stderr  # the draft: nothing template-shaped goes out
    finish_draft(checkout / "issues" / "2019-11")
    (checkout / "mail" / "bounces" / "new").mkdir(parents=True)  # the bounces step's mailbox (a Maildir), empty after a send
    for name in ("cur", "tmp"):
        (checkout / "mail" / "bounces" / name).mkdir()
    later = [line for line in lines[8:] if line not in NOT_RUN and not line.startswith(("soc-bulletin new-issue",
                                                                                        "soc-bulletin new-article"))]
    assert {line.split()[1] for line in later} == {"check", "build", "send", "status", "bounces", "archive"}
    _run("\n".join([". .venv/bin/activate", *later]), checkout)
    assert (checkout / "site" / "feed.xml").is_file()


def test_scaling_install_as_written(installed: Path) -> None:
    [line] = [line for line in re.findall(r"`([^`]*pip install[^`]*)`", (REPO / "docs" / "scaling.md").read_text(encoding="utf-8"))]
    assert line == ".venv/bin/pip install -e '.[postgres]'"
    _run(f"{line}\n.venv/bin/python -c 'import psycopg'", installed)


def test_the_dark_mode_claims_name_thunderbird() -> None:
    """README said sections stay distinct in dark mode; in Thunderbird's own dark mode their colours are flattened."""
    clients = (REPO / "docs" / "email-clients.md").read_text(encoding="utf-8")
    assert "## Dark mode" in clients and "**Thunderbird**" in clients and "flattened to one" in clients
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "so sections stay distinct.\n" not in readme and "Thunderbird's own dark mode" in readme


def test_the_guides_say_what_an_editor_trips_on() -> None:
    """Each was missing: the settings' list, the refused domains, the IMAP login form, a bounces step."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`.test`,\n`.local`" in readme and "refused as invalid (SB612)" in readme
    assert "imaps://bounces%40example.org@mail.example.org/INBOX" in readme
    settings = (REPO / "soc-bulletin.toml").read_text(encoding="utf-8")
    assert '\nsubscribers = "subscribers/example.csv"\n' in settings and "Name your real list" in settings
    editors = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")
    assert "## 8. Read the bounces" in editors and "soc-bulletin bounces mail/bounces --dry-run" in editors
    assert "`soc-bulletin.toml`: in this repository that is `subscribers/example.csv`, the\nfictional list" in editors
