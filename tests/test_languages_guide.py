"""docs/editors.md's "An issue in Welsh and English", its commands run as written in a project, translating between them."""

from __future__ import annotations

import email
import email.policy
import re
import shlex
import textwrap
from email.message import EmailMessage
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from .project import REPO, finish_draft, make_project

HEADING = "## 10. An issue in Welsh and English"
WELSH_ARTICLE = """\
title: Wythnos llinellau cyffuriau
standfirst: Gweithiodd partneriaid ar draws Cymru a Lloegr gyda'i gilydd.
blocks:
  - text: |
      Ymwelodd heddluoedd a chynghorau ag ysgolion a hosteli.

      Cafodd mwy na 600 o bobl ifanc eu diogelu.
  - contact:
"""


def _commands() -> list[list[str]]:
    guide = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")
    section = guide.split(HEADING, 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [shlex.split(line) for line in block.strip().splitlines()]


def _messages(folder: Path) -> dict[str, EmailMessage]:
    found = {}
    for path in folder.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found[str(message["To"].addresses[0].addr_spec)] = message
    return found


def test_a_bilingual_issue_from_new_issue_to_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "project", restricted=False)
    (project / "subscribers" / "suppressed.csv").write_text("address,reason,date\n", encoding="utf-8")
    monkeypatch.chdir(project)
    commands = _commands()
    assert [c[1] for c in commands] == ["new-issue", "new-article", "check", "build", "send", "send", "status"]
    issue = project / "issues" / "2020-02"
    for command in commands[:2]:
        assert main(command[1:]) == 0, command
    assert (issue / "articles" / "county-lines-week.cy.yaml").is_file()  # the Welsh file, started beside the English one
    capsys.readouterr()
    main(commands[2][1:])  # check: what is left to write and translate
    errors = [line for line in capsys.readouterr().out.splitlines() if " SB" in line and not line.endswith("(warning)")]
    assert all(" SB070 " in line for line in errors), errors  # only translations missing (headings the previous issue had none of)
    # What the editor does: write the welcome and preheader in both languages, translate the article.
    finish_draft(issue)
    text = (issue / "issue.yaml").read_text(encoding="utf-8")
    welsh_welcome = "Croeso i'r rhifyn hwn."
    text = text.replace("      body: |\n        Welcome to this issue.", f"      body: |\n        {welsh_welcome}")
    text = text.replace("    preheader: County lines week, and the partners behind it", "    preheader: Wythnos llinellau cyffuriau")
    if "    sections:" not in text.split("translations:", 1)[1]:  # a previous issue in English only: the headings to translate
        text += "    sections:\n      Tackling Vulnerability: Mynd i'r Afael â Bregusrwydd\n"
    (issue / "issue.yaml").write_text(text, encoding="utf-8")
    (issue / "articles" / "county-lines-week.cy.yaml").write_text(textwrap.dedent(WELSH_ARTICLE), encoding="utf-8")
    capsys.readouterr()
    assert main(commands[2][1:]) == 0, capsys.readouterr().out
    assert main(commands[3][1:]) == 0  # build --all-editions
    assert sorted(p.name for p in (project / "build" / "2020-02").iterdir()) == ["everyone", "everyone@cy", "everyone@cy+en"]
    assert main(commands[4][1:]) == 0  # the proofs: one per language edition the list asks for
    proofs = sorted(str(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"])
                    for p in (project / "outbox" / "2020-02" / "proofs").glob("*.eml"))
    assert sorted(s.split("]")[0] for s in proofs) == ["[Proof: everyone", "[Proof: everyone@cy", "[Proof: everyone@cy+en"]
    assert main(commands[5][1:]) == 0  # the send
    sent = _messages(project / "outbox" / "2020-02" / "all")
    rows = {row.split(",")[0]: row.rsplit(",", 1)[1] for row in (project / "subscribers" / "example.csv").read_text(
        encoding="utf-8").splitlines()[1:] if row}
    assert sorted(sent) == sorted(rows), "every member one message, none twice"
    for address, language in rows.items():
        html = sent[address].get_body(("html",))
        assert html is not None
        content = html.get_content()
        if language == "cy":
            assert '<html lang="cy"' in content and "Annwyl" in content and "Wythnos llinellau cyffuriau" in content
            assert "County lines week of action" not in content
        elif language == "both":
            assert " / " in str(sent[address]["Subject"]) and content.index("Wythnos llinellau") < content.index("County lines week")
        else:
            assert '<html lang="en"' in content and "Wythnos" not in content
    capsys.readouterr()
    assert main(commands[6][1:]) == 0  # status
    out = capsys.readouterr().out
    counts = {language: sum(1 for v in rows.values() if v == language) for language in ("cy", "both")}
    assert re.search(rf"\ball\s+everyone@cy\s+{counts['cy']}\s+{counts['cy']}\b", out), out
    assert re.search(rf"\ball\s+everyone@cy\+en\s+{counts['both']}\s+{counts['both']}\b", out), out
