"""Settings found from anywhere: the same build and send from outside the project, and from a plain install."""

from __future__ import annotations

import email
import email.policy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from soc_bulletin.cli import main

from .conftest import ISSUE_11, REPO
from .project import tracked_copy


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project: settings, the example list and segments, Issue 11."""
    root = tmp_path / "project"
    (root / "subscribers").mkdir(parents=True)
    shutil.copy(REPO / "soc-bulletin.toml", root)
    for name in ("example.csv", "segments.yaml"):
        shutil.copy(REPO / "subscribers" / name, root / "subscribers")
    shutil.copytree(ISSUE_11, root / "issues" / "2019-08")
    return root


def test_build_and_send_from_another_folder_use_the_projects_settings(project: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOC_BULLETIN_UNSUBSCRIBE_SECRET", "one-secret-for-both-sends")  # the store's own goes with .ledger
    assert main(["build", "issues/2019-08", "-o", str(tmp_path / "from-root")]) == 0
    assert main(["send", "issues/2019-08", "--segment", "police", "--no-progress"]) == 0
    from_root = sorted(p.name for p in (project / "outbox" / "2019-08" / "police").glob("*.eml"))
    shutil.rmtree(project / "outbox")
    shutil.rmtree(project / ".ledger")

    monkeypatch.chdir(elsewhere)
    assert main(["build", str(project / "issues" / "2019-08"), "-o", str(tmp_path / "from-outside")]) == 0
    assert (tmp_path / "from-outside" / "index.html").read_bytes() == (tmp_path / "from-root" / "index.html").read_bytes()
    assert main(["send", str(project / "issues" / "2019-08"), "--subscribers", str(project / "subscribers" / "example.csv"),
                 "--segment", "police", "--no-progress"]) == 0
    sent = sorted((project / "outbox" / "2019-08" / "police").glob("*.eml"))
    assert [p.name for p in sent] == from_root and len(sent) > 0, "the segment and the outbox come from the project"
    assert (project / ".ledger" / "2019-08.sqlite3").is_file()
    assert not any(elsewhere.iterdir()), "nothing is written where the command happened to run"
    message = email.message_from_bytes(sent[0].read_bytes(), policy=email.policy.default)
    assert message["From"] == "SOC Partnerships <SCOC.localpartnerships@homeoffice.gov.uk>"
    assert message["List-Id"] == "<soc-partnerships.example.org>"


def test_a_plain_install_finds_its_layouts(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "site-packages"  # built from a copy: setuptools writes build/ and *.egg-info beside the source
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                    "--target", str(target), str(tracked_copy(tmp_path / "source"))], check=True, capture_output=True, timeout=300)
    assert (target / "soc_bulletin" / "render" / "layouts" / "bulletin.mjml.j2").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import sys, soc_bulletin; from soc_bulletin.cli import main; "
            "assert soc_bulletin.__file__.startswith(sys.argv[1]), soc_bulletin.__file__; "
            "sys.exit(main(['build', sys.argv[2], '-o', 'out']))")
    done = subprocess.run([sys.executable, "-c", code, str(target), str(project / "issues" / "2019-08")],
                          cwd=elsewhere, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "out" / "index.html").read_text().count("Special Unit Established to Support Modern Slavery Victims") >= 1
