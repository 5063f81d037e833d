"""`check` and the send's preflight judge the issue with the project's own layouts, settings and segments: those of
`--config` and `--segments` when given, the ones `send` renders and selects with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.render.renderer import DEFAULT_LAYOUTS

from .project import make_project, restrict

#: Words the custom layout puts in every edition: about 200 KB of HTML.
PADDING = "<mj-section><mj-column><mj-text>" + "padding words " * 15_000 + "</mj-text></mj-column></mj-section>"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Issue 11 in a project whose own layouts (``big-layouts``) make every message about 200 KB; no settings file yet."""
    root = make_project(tmp_path / "project", restricted=False)
    shutil.copytree(DEFAULT_LAYOUTS, root / "big-layouts")
    layout = root / "big-layouts" / "bulletin.mjml.j2"
    text = layout.read_text(encoding="utf-8")
    body = text.index(">", text.index("<mj-body")) + 1
    layout.write_text(text[:body] + PADDING + text[body:], encoding="utf-8")
    (root / "soc-bulletin.toml").unlink()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_USER", raising=False)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_PASSWORD", raising=False)
    return root


def _settings(path: Path, extra: str = "") -> None:
    path.write_text('[sending]\nfrom = "Team <team@example.org>"\nlist_id = "bulletin.example.org"\n'
                    f'subscribers = "subscribers/example.csv"\n{extra}\n[render]\nlayouts = "big-layouts"\n', encoding="utf-8")


def test_check_with_the_projects_layouts_reports_a_message_gmail_clips(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _settings(project / "soc-bulletin.toml")
    assert main(["check", "issues/2019-08"]) == 1
    out = capsys.readouterr().out
    assert "issues/2019-08/issue.yaml: SB501 The email's HTML part is" in out


def test_check_with_config_judges_with_its_layouts(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _settings(project / "alt.toml")
    assert main(["check", "issues/2019-08"]) == 0  # no settings found: the shipped layouts, under 102 KB
    assert "SB501" not in capsys.readouterr().out
    assert main(["check", "--config", "alt.toml", "issues/2019-08"]) == 1
    assert "SB501 The email's HTML part is" in capsys.readouterr().out


def test_a_dry_run_with_config_refuses_a_message_gmail_clips(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _settings(project / "alt.toml")
    code = main(["send", "issues/2019-08", "--dry-run", "--config", "alt.toml"])
    out, err = capsys.readouterr()
    assert code != 0, out
    assert "preflight passed" not in out
    refused = [line for line in (out + err).splitlines() if " SB501 " in line]
    assert len(refused) == 2 and "SB501 The email's HTML part is" in refused[1]  # each edition sent, named as check names them
    assert "SB501 The cy edition: the email's HTML part is" in refused[0]


def test_send_with_config_and_segments_uses_both(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The audience 'constabulary' is a segment only in alt.yaml, named by --segments; the settings only in alt.toml."""
    _settings(project / "alt.toml")
    (project / "big-layouts" / "bulletin.mjml.j2").write_text(
        (DEFAULT_LAYOUTS / "bulletin.mjml.j2").read_text(encoding="utf-8"), encoding="utf-8")  # a message of normal size
    restrict(project / "issues" / "2019-08" / "articles" / "soc-community-coordinators.yaml", "constabulary")
    (project / "alt.yaml").write_text("constabulary:\n  segments: [police]\n", encoding="utf-8")
    code = main(["send", "issues/2019-08", "--config", "alt.toml", "--segments", "alt.yaml", "--segment", "constabulary",
                 "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "SB060" not in out + err
    assert "to segment 'constabulary'" in out and "edition(s): constabulary (" in out
    sent = sorted((project / "outbox" / "2019-08" / "constabulary").glob("*.eml"))
    assert sent and all(b"Community Coordinators" in path.read_bytes() for path in sent)


def test_send_help_says_where_the_settings_are_found(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["send", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "./soc-bulletin.toml" not in help_text
    assert "the soc-bulletin.toml found from the issue folder upwards" in help_text


def test_a_layout_edited_while_a_process_runs_is_compiled_again(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The preview's process checks many times: layouts are compiled once while unchanged, again once edited."""
    _settings(project / "soc-bulletin.toml")
    assert main(["check", "issues/2019-08"]) == 1
    assert "SB501" in capsys.readouterr().out
    shutil.rmtree(project / "big-layouts")
    shutil.copytree(DEFAULT_LAYOUTS, project / "big-layouts")  # the padding taken out again
    assert main(["check", "issues/2019-08"]) == 0
    assert "SB501" not in capsys.readouterr().out
