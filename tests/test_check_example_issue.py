"""The example issue (Issue 11, issues/2019-08) checks clean; a copy with ten defects reports exactly those ten, each at its place."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from soc_bulletin.check import check_paths
from soc_bulletin.cli.main import main

from .conftest import ISSUE_11

#: (file, text to replace, replacement, where the problem is: text in the replacement
#: (its first character is the reported column), code)
DEFECTS = [
    ("issue.yaml", "mailbox: SCOC.localpartnerships@homeoffice.gov.uk",
     "mailbox: SCOC.localpartnerships@homeoffice..gov.uk", "SCOC.local", "SB101"),
    ("issue.yaml", "strapline: Working", "strapleine: Working", "strapleine", "SB010"),
    ("articles/jmlit.yaml", "      email: JMLIT@nca.gov.uk", "      email: JMLIT@NCA.gov.uk", "JMLIT@NCA", "SB102"),
    ("articles/asset-recovery-action-plan.yaml",
     "To read the ARAP in full, visit <https://www.gov.uk/government/publications/asset-recovery-action-plan>",
     "To read the ARAP in full, visit [the plan](http://www.gov.uk/government/publications/asset-recovery-action-plan)",
     "http://www.gov.uk", "SB202"),
    ("articles/crime-in-prison-referral-agreement.yaml", "The full agreement can be viewed here:",
     "The full agreement <script>track()</script> can be viewed here:", "<script>", "SB301"),
    ("articles/wolverhampton-hate-crime.yaml",
     "alt: \"Placeholder: photo of Deborah Smith, Revd. Preb. David Wright and Rev Abbie Walsh at St Peter's Collegiate Church (photo not available)\"",
     "alt: photo", "photo", "SB402"),
    ("articles/fight-against-dirty-money.yaml",
     "<https://www.gov.uk/government/publications/economic-crime-plan-2019-to-2022>",
     "https://www.gov.uk/government/publications/economic-crime-plan-2019-to-2022", "https://www", "SB204"),
    ("articles/participatory-budgeting-newport.yaml", "  - contact:\n      name: Paul Davies",
     "  - contact:\n\tname: Paul Davies", "\tname", "SB003"),
    ("articles/diverting-young-people-ceredigion.yaml", "please contact <Harish.Dutt@homeoffice.gov.uk>",
     "please contact <b style=\"float: left\">Harish</b> at <Harish.Dutt@homeoffice.gov.uk>", "style=", "SB304"),
    ("articles/modern-slavery-innovation-fund.yaml", "at <adenike.awe1@homeoffice.gov.uk>",
     "at adenike.awe1@homeoffice.gov.uk", "adenike.awe1@homeoffice.gov.uk", "SB104"),
]


#: Issue 11's one warning: its HTML part as sent is within 12 KB of Gmail's 102 KB (less than two articles of room).
SIZE_WARNING = ("SB502 The email's HTML part is 91.8 KB as sent (the largest articles: 'asset-recovery-action-plan' 8.7 KB, "
                "'participatory-budgeting-newport' 8.3 KB, 'crime-in-prison-referral-agreement' 8.0 KB), close to the 102 KB at which "
                "Gmail cuts emails off; keep further additions short. (warning)")


def test_issue_11_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ISSUE_11)]) == 0
    assert capsys.readouterr().out == f"{ISSUE_11}/issue.yaml: {SIZE_WARNING}\n14 files checked: 0 errors, 1 warning.\n"


def test_issue_11_has_no_other_warning() -> None:
    report = check_paths([ISSUE_11])
    assert [str(p) for p in report.problems] == [f"{ISSUE_11}/issue.yaml: {SIZE_WARNING}"]
    assert len(report.files) == 14  # issue.yaml, 11 articles and the 2 Welsh translations


def _inject(root: Path) -> list[str]:
    """Apply :data:`DEFECTS` to the copy at ``root``; the expected ``path:line:col: CODE`` of each."""
    expected = []
    for name, old, new, marker, code in DEFECTS:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{name}: the text to replace is not there exactly once"
        text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        assert text.count(new) == 1
        at = text.index(new) + new.index(marker)
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        expected.append(f"{path}:{line}:{column}: {code}")
    return expected


def test_ten_defects_all_reported_at_their_place(tmp_path: Path) -> None:
    root = tmp_path / "2019-08"
    shutil.copytree(ISSUE_11, root)
    expected = _inject(root)
    result = subprocess.run([sys.executable, "-m", "soc_bulletin", "check", str(root)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    *problems, summary = result.stdout.splitlines()
    assert [line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in problems] == sorted(expected, key=_sort_key)
    assert summary == "13 files checked: 10 errors, 0 warnings."  # a translation of a broken article is not read


def _sort_key(location: str) -> tuple[str, int, int]:
    path, line, column, _ = location.rsplit(":", 3)
    return path, int(line), int(column)


def test_ten_defects_messages(tmp_path: Path) -> None:
    root = tmp_path / "2019-08"
    shutil.copytree(ISSUE_11, root)
    _inject(root)
    messages = sorted(f"{p.code} {p.message}" for p in check_paths([root]))
    assert messages == [
        "SB003 This line has a tab where YAML needs spaces; replace the tab with spaces.",
        "SB010 Unknown key 'strapleine' in the issue file. Did you mean 'strapline'?",
        "SB101 The team mailbox address 'SCOC.localpartnerships@homeoffice..gov.uk' is not valid: An email address cannot have two periods in a row.",
        "SB102 The contact address 'JMLIT@NCA.gov.uk' is not in its normal form; write 'JMLIT@nca.gov.uk'.",
        "SB104 The email address 'adenike.awe1@homeoffice.gov.uk' is not a link; write it as <adenike.awe1@homeoffice.gov.uk> so readers can click it.",
        "SB202 The link 'http://www.gov.uk/government/publications/asset-recovery-action-plan' uses http://; write 'https://www.gov.uk/government/publications/asset-recovery-action-plan'.",
        "SB204 The web address 'https://www.gov.uk/government/publications/economic-crime-plan-2019-to-2022' is not a link; write it as <https://www.gov.uk/government/publications/economic-crime-plan-2019-to-2022> so readers can click it.",
        "SB301 A <script> is not allowed in an email and is removed with its content; delete it.",
        "SB304 The inline style 'float: left' breaks the email layout in many mail programs; delete it.",
        "SB402 The alt text 'photo' does not describe the image; say what it shows, such as 'Four people standing in front of St Peter's Church'.",
    ]
