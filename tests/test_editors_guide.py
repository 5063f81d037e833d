"""docs/editors.md as an editor follows it: the six commands of "In short", run as written, in a project folder.

new-issue, new-article, check, build --segment police, preview and a proof,
then the later steps (every edition, status, the archive) and the example
messages the guide shows, which must be what the tool prints.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from .project import REPO, finish_draft, make_project, restrict
from .test_preview import TIMEOUT, get

GUIDE = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")


def _commands(heading: str) -> list[list[str]]:
    """The command lines of the ``sh`` blocks of the section under ``heading``, in order."""
    assert heading in GUIDE, heading
    section = GUIDE.split(heading, 1)[1].split("\n## ", 1)[0]
    return [shlex.split(line) for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL) for line in block.strip().splitlines()]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project", restricted=False)
    (root / "subscribers" / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_USER", raising=False)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_PASSWORD", raising=False)
    return root


def _preview(argv: list[str], root: Path) -> str:
    """Run ``soc-bulletin preview`` as written (on any free port), fetch the police edition's page, stop it."""
    process = subprocess.Popen([sys.executable, "-m", "soc_bulletin", *argv, "--port", "0"], cwd=root, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()) if process.stdout else None)
        reader.start()
        reader.join(timeout=TIMEOUT)
        found = re.search(r"http://127\.0\.0\.1:\d+/", lines[0] if lines else "")
        assert found, lines
        return get(found.group(0) + "?edition=police")[2] + get(found.group(0) + "email.html?edition=police")[2]
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_the_quarter_in_short_works_as_the_guide_says(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commands = _commands("## In short")
    assert [argv[:2] for argv in commands] == [
        ["soc-bulletin", "new-issue"], ["soc-bulletin", "new-article"], ["soc-bulletin", "check"], ["soc-bulletin", "build"],
        ["soc-bulletin", "preview"], ["soc-bulletin", "send"],
    ]
    new_issue, new_article, check, build, preview, proof = (argv[1:] for argv in commands)

    assert main(new_issue) == 0
    issue = project / "issues" / "2019-11"
    text = (issue / "issue.yaml").read_text(encoding="utf-8")
    assert "number: 12\ndate: 2019-11-01 " in text and "mailbox: SCOC.localpartnerships@homeoffice.gov.uk\n" in text

    assert main(new_article) == 0
    article = issue / "articles" / "county-lines-week.yaml"
    assert "      - county-lines-week" not in text and "[county-lines-week]" in (issue / "issue.yaml").read_text(encoding="utf-8")
    restrict(article, "police")  # the guide's audience: only the police partners get this one
    capsys.readouterr()

    assert main(check) == 0  # warnings only: the template's words, the welcome to write, sections with no article yet
    out = capsys.readouterr().out
    assert out.endswith("2 files checked: 0 errors, 14 warnings.\n")
    assert {re.search(r" (SB\d{3}) ", line).group(1) for line in out.splitlines()[:-1]} == {"SB017", "SB025"}  # type: ignore[union-attr]

    assert main(build) == 0
    out = capsys.readouterr().out
    assert "Edition 'police', what 64 member(s) of 'police' receive: 1 articles (county-lines-week)." in out
    html = (project / "build" / "2019-11" / "index.html").read_text(encoding="utf-8")
    assert 'id="county-lines-week"' in html and "Dear Alex Example," in html and "[[" not in html

    page = _preview(preview, project)
    assert 'aria-current="page">Segment: police</a>' in page and 'id="county-lines-week"' in page

    assert main(proof) == 0
    out = capsys.readouterr().out
    assert "Proof of edition 'police' sent to editor@example.org via outbox " in out
    [eml] = (project / "outbox" / "2019-11" / "proofs").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "editor@example.org" and message["Subject"].startswith("[Proof: police] SOC Local Partnerships Bulletin")
    assert not (project / ".ledger" / "2019-11.sqlite3").exists(), "a proof is not a send: nobody is recorded as sent"
    assert main(["status", "issues/2019-11"]) == 0
    assert capsys.readouterr().out.startswith("No send of issue 2019-11 has started (")


def test_the_later_steps_work_as_the_guide_says(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new_issue, new_article = (argv[1:] for argv in _commands("## In short")[:2])
    assert main(new_issue) == 0 and main(new_article) == 0
    restrict(project / "issues" / "2019-11" / "articles" / "county-lines-week.yaml", "police")
    capsys.readouterr()
    assert main(["send", "issues/2019-11", "--dry-run"]) == 1  # the template's words are still there: nothing goes out
    assert "SB017" in capsys.readouterr().err
    finish_draft(project / "issues" / "2019-11")
    for argv in _commands("## 4. See every edition"):
        if argv[1] != "preview":  # the server runs until Ctrl-C: the first test runs it
            assert main(argv[1:]) == 0, argv
    assert sorted(p.name for p in (project / "build" / "2019-11").iterdir() if p.is_dir()) == ["everyone", "police"]
    assert main(["send", "issues/2019-11", "--segment", "police-wales", "--no-progress"]) == 0
    capsys.readouterr()
    for argv in _commands("## 7. Follow it"):
        assert main(argv[1:]) == 0, argv
    out = capsys.readouterr().out
    assert "No send of issue 2019-11 to segment 'police' has started; sends so far: police-wales." in out
    [_, dry_run] = _commands("## 5. Send a proof, then a dry run")
    assert main(dry_run[1:]) == 0
    assert "(9 already had the issue, 0 suppressed)" in capsys.readouterr().out
    [archive] = _commands("## 9. Publish the archive")
    assert main(archive[1:]) == 0
    assert "  2019-11: the article 'county-lines-week' (for police)" in capsys.readouterr().out.splitlines()
    assert "county-lines-week" not in (project / "site" / "index.html").read_text(encoding="utf-8")


def test_the_example_messages_of_the_guide_are_what_check_prints(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-issue", "issues/2019-11"]) == 0  # from the latest issue beside it: Issue 11
    assert main(["new-article", "issues/2019-11", "county-lines-week", "--section", "Tackling Vulnerability"]) == 0
    article = project / "issues" / "2019-11" / "articles" / "county-lines-week.yaml"
    lines = article.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[8] = "title: County lines: a week of action\n"  # line 9, the template's title
    article.write_text("".join(lines), encoding="utf-8")
    capsys.readouterr()
    main(["check", "issues/2019-11"])
    assert _example("SB003") in capsys.readouterr().out.splitlines()
    lines[8] = "title: County lines week\n"
    lines[2] = "audience: [polise]\n"  # line 3
    article.write_text("".join(lines), encoding="utf-8")
    main(["check", "issues/2019-11"])
    assert _example("SB060") in capsys.readouterr().out.splitlines()


def _example(code: str) -> str:
    """The example message of ``code`` in the guide (a ``text`` block)."""
    found = re.search(r"```text\n(\S+: " + code + r" .*?)\n```", GUIDE)
    assert found is not None, code
    return found.group(1)
