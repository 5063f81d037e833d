"""Start-up imports only what a command needs: ``--help`` loads no stage, ``check`` no sending or network library.

Each case runs a fresh interpreter (modules already imported by the test
session would hide an eager import) and reads back ``sys.modules``. Speed
itself is measured by ``benchmarks/startup.py``, never here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ISSUE = REPO / "issues" / "2019-08"

#: third-party libraries that take tens of milliseconds to import, and the stdlib's asyncio
HEAVY = {
    "aiosmtplib", "asyncio", "css_inline", "dkim", "dns", "email_validator", "flufl", "jinja2", "markdown_it", "mjml",
    "nh3", "psycopg", "rich", "sqlite3", "starlette", "uvicorn", "uvloop", "watchfiles", "yaml",
}
#: and the standard library's slower modules, which argument parsing does not need (the settings, problems, logging)
HELP_NEEDS_NOT = HEAVY | {"dataclasses", "inspect", "logging", "tomllib", "traceback"}
#: what ``check`` needs for the content and the rendered edition, and nothing that sends or asks the network
CHECK_NEEDS_NOT = {"aiosmtplib", "asyncio", "dkim", "dns", "flufl", "psycopg", "rich", "sqlite3", "starlette", "uvicorn", "uvloop", "watchfiles"}


def imported_by(code: str) -> set[str]:
    """The top-level names of the modules a fresh interpreter holds after running ``code``."""
    script = f"import io, contextlib, json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=False, timeout=120)
    modules: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return {name.split(".")[0] for name in modules}


def runs_cleanly(script: str) -> None:
    """``script`` (assertions) passes in a fresh interpreter."""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=False, timeout=120)
    assert result.returncode == 0, result.stderr


def cli(*argv: str) -> str:
    return (
        "from soc_bulletin.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    try: main({list(argv)!r})\n"
        "    except SystemExit: pass"
    )


@pytest.mark.parametrize("argv", [("--help",), ("send", "--help"), ("--version",)])
def test_help_and_version_import_no_heavy_library(argv: tuple[str, ...]) -> None:
    loaded = imported_by(cli(*argv)) & HELP_NEEDS_NOT
    assert not loaded, f"soc-bulletin {' '.join(argv)} imports {sorted(loaded)}"


def test_importing_the_package_loads_no_stage() -> None:
    loaded = imported_by("import soc_bulletin") & HEAVY
    assert not loaded, f"import soc_bulletin imports {sorted(loaded)}"


def test_check_loads_what_it_uses_and_nothing_that_sends() -> None:
    loaded = imported_by(cli("check", str(ISSUE)))
    assert {"yaml", "jinja2", "mjml"} <= loaded, "check reads the YAML and renders the edition"
    assert not loaded & CHECK_NEEDS_NOT, f"check imports {sorted(loaded & CHECK_NEEDS_NOT)}"


def test_a_used_name_is_imported_when_first_used() -> None:
    code = "import soc_bulletin\nx = soc_bulletin.Campaign\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    assert "aiosmtplib" in imported_by(code)


def test_stages_and_their_modules_are_reached_as_attributes() -> None:
    """As when the packages imported everything at once: ``soc_bulletin.content.Article``, ``soc_bulletin.send.transports``."""
    runs_cleanly(
        "import soc_bulletin\n"
        "from soc_bulletin.content.model import Article\n"
        "from soc_bulletin.send import transports\n"
        "assert soc_bulletin.content.Article is Article\n"
        "assert soc_bulletin.send.transports is transports\n"
        "assert soc_bulletin.send.SMTPTransport is transports.SMTPTransport\n"
        "try:\n    soc_bulletin.no_such_stage\nexcept AttributeError:\n    pass\nelse:\n    raise AssertionError('no AttributeError')\n"
    )


def test_exported_names_win_over_submodules_of_the_same_name() -> None:
    """``soc_bulletin.render`` is the function and ``soc_bulletin.render.build`` the function, as when imported eagerly."""
    runs_cleanly(
        "import types, soc_bulletin\n"
        "from soc_bulletin.render.build import build_dir\n"  # imports the modules soc_bulletin.render and .render.build
        "from soc_bulletin.render.renderer import render\n"
        "from soc_bulletin.loop.classify import classify as classify_function\n"
        "from soc_bulletin.render import build\n"
        "from soc_bulletin.loop import classify\n"
        "assert soc_bulletin.render is render, soc_bulletin.render\n"
        "assert callable(build) and not isinstance(build, types.ModuleType), build\n"
        "assert classify is classify_function, classify\n"
    )


COMMANDS = ["build", "check", "new-article", "new-issue", "subscribers", "send", "status", "suppressions", "preview", "archive",
            "serve", "bounces"]


def test_the_command_list_names_every_command_with_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    from soc_bulletin.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    for command in COMMANDS:
        assert f"\n    {command}" in listed


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_arguments_when_named(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Only the named command's arguments are defined (start-up time); each one's help shows them all."""
    from soc_bulletin.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["-v", command, "--help"])
    shown = capsys.readouterr().out
    assert exit_.value.code == 0
    assert shown.startswith(f"usage: soc-bulletin {command} [-h]")
    assert shown.count("\n  -") + shown.count("\n    ") >= 2, shown  # more than -h: its options or its actions
