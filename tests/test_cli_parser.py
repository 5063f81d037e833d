"""The command line's parser is built from argparse's public API only (no subclass of its private classes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

MAIN = Path(__file__).resolve().parent.parent / "soc_bulletin" / "cli" / "main.py"


def test_the_parser_uses_no_private_part_of_argparse() -> None:
    source = MAIN.read_text(encoding="utf-8")
    assert not re.search(r"class \w+\(argparse\._|def _print_message|_parser_class|register\(\"action\"", source)


def test_every_command_is_listed_and_the_chosen_one_parses_fully(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    for command in ("build", "check", "send", "status", "preview", "archive", "subscribers", "bounces", "serve"):
        assert re.search(rf"^\s+{command}\s", listed, re.MULTILINE), command
    with pytest.raises(SystemExit) as refused:
        main(["send", "issue", "--rate", "fast"])  # the chosen command's own arguments are defined and checked
    assert refused.value.code == 2
    assert "'fast' is not a rate; write it as 30/min, 5/s or 1000/hour" in capsys.readouterr().err
