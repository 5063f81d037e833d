"""``soc-bulletin build``: the edition an editor looks at, one segment's edition, every edition, and what it logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .project import COUNCIL_ARTICLE, POLICE_ARTICLE, POLICE_SECTION, REPO, run_main


def test_build_shows_a_sample_greeting_and_unsubscribe_link_never_placeholders(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["build", "issues/2019-08", "-o", "out"], capsys)
    assert code == 0
    html = (example_project / "out" / "index.html").read_text(encoding="utf-8")
    text = (example_project / "out" / "index.txt").read_text(encoding="utf-8")
    assert "[[" not in html + text
    assert "Dear Alex Example," in html and "Dear Alex Example," in text
    assert 'href="mailto:SCOC.localpartnerships@homeoffice.gov.uk?subject=Unsubscribe"' in html
    assert out[-1] == ("This build holds every article, also those only for local-authorities, police; to see what one segment "
                       "receives, use --segment NAME (or --all-editions).")


def test_build_segment_writes_what_the_segment_receives(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["build", "issues/2019-08", "--segment", "police", "-o", "police"], capsys)
    assert code == 0
    assert out[-2].startswith(f"Edition 'police', what 64 member(s) of 'police' receive: 10 articles (special-competent-authority, "
                              f"{POLICE_ARTICLE}, ")
    assert out[-1] == "Editions as the members of 'police' on subscribers/example.csv receive them."
    html = (example_project / "police" / "index.html").read_text(encoding="utf-8")
    assert f'id="{POLICE_ARTICLE}"' in html and f'id="{COUNCIL_ARTICLE}"' not in html
    code, out, _ = run_main(["build", "issues/2019-08", "--segment", "local-authorities", "-o", "councils"], capsys)
    html = (example_project / "councils" / "index.html").read_text(encoding="utf-8")
    assert f'id="{COUNCIL_ARTICLE}"' in html and f'id="{POLICE_ARTICLE}"' not in html
    assert POLICE_SECTION.upper() not in (example_project / "councils" / "index.txt").read_text(encoding="utf-8")


def test_build_segment_follows_its_members_into_the_segments_they_are_in(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["build", "issues/2019-08", "--segment", "police-wales", "-o", "wales"], capsys)  # all police: the police edition
    assert code == 0 and out[-2].startswith("Edition 'police', what 9 member(s) of 'police-wales' receive: 10 articles (")
    assert f'id="{POLICE_ARTICLE}"' in (example_project / "wales" / "index.html").read_text(encoding="utf-8")
    code, out, _ = run_main(["build", "issues/2019-08", "--segment", "community-partners", "-o", "community"], capsys)
    assert [line.split(":")[0] for line in out if line.startswith("Edition '")] == [
        "Edition 'everyone', what 93 member(s) of 'community-partners' receive",
        "Edition 'local-authorities', what 43 member(s) of 'community-partners' receive",
    ]
    assert sorted(p.name for p in (example_project / "community").iterdir()) == ["everyone", "local-authorities"]
    (example_project / "subscribers" / "example.csv").unlink()
    code, out, _ = run_main(["build", "issues/2019-08", "--segment", "police-wales", "-o", "alone"], capsys)
    assert out[-2:] == [
        "Edition 'everyone', what a member of 'police-wales' receives: 7 articles (special-competent-authority, asset-recovery-action-plan, "
        "crime-in-prison-referral-agreement, wolverhampton-hate-crime, diverting-young-people-ceredigion, modern-slavery-innovation-fund, "
        "parents-problem-or-solution).",
        "No subscriber list at subscribers/example.csv: this is the edition of a member of 'police-wales' in no other segment an "
        "article or section is for.",
    ]


def test_build_segment_that_is_not_one_is_exit_2_with_the_closest(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["build", "issues/2019-08", "--segment", "polise"], capsys)[::2] == (
        2, ["soc-bulletin: error: There is no segment 'polise'; did you mean 'police'?"])
    assert not (example_project / "build").exists()


def test_build_all_editions_one_folder_each(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["build", "issues/2019-08", "--all-editions"], capsys)
    assert code == 0
    editions = ["everyone", "local-authorities", "police"]
    assert sorted(p.name for p in (example_project / "build" / "2019-08").iterdir()) == sorted(
        name + suffix for name in editions for suffix in ("", "@cy", "@cy+en"))  # and in Welsh, and in both
    assert [line.split(":")[0] for line in out[:3]] == editions
    assert out[0].startswith("everyone: build/2019-08/everyone/index.html (7 articles, HTML ")  # 11 less 2 restricted and a section of 2
    assert out[-1] == ("9 editions: one per segment an article or section is for, and 'everyone' for the rest; "
                       "a reader in several of those segments receives the articles of each.")


def test_build_takes_the_issue_file_for_its_folder(example_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["build", "issues/2019-08/issue.yaml"], capsys)
    assert code == 0 and out[0] == "wrote build/2019-08/index.html"


def test_verbose_build_logs_what_it_does(example_project: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "soc_bulletin", "-v", "build", "issues/2019-08", "--segment", "police", "-o", "out"],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert result.returncode == 0
    err = result.stderr.splitlines()
    assert "INFO soc_bulletin.cli.build: settings: soc-bulletin.toml; layouts: the package's own" in err
    assert "INFO soc_bulletin.cli.build: segment 'police' from subscribers/segments.yaml" in err
    assert "INFO soc_bulletin.render.build: rendered out: 6 sections, 10 articles" in err
