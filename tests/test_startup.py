"""Start-up imports only what a command needs: ``--help`` loads no stage, ``check`` no sending or network library;
and the public surface those imports make: no name shadows a module, ``help()`` documents each package.

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


#: libraries a stage's functions import when they are called, so that importing the stage does not (``status`` imports
#: the send stage and must not load the SMTP client)
ON_DEMAND = {"aiosmtplib", "babel", "css_inline", "dkim", "dns", "flufl", "psycopg", "rich", "starlette", "uvicorn", "watchfiles"}
#: the stages below ``check`` read addresses only when asked to
NO_ADDRESS_CHECK = {"config", "content", "render", "audience", "store"}
STAGES = sorted(p.parent.name for p in REPO.glob("soc_bulletin/*/__init__.py"))


@pytest.mark.parametrize("stage", STAGES)
def test_importing_a_stage_loads_no_library_only_some_of_its_functions_need(stage: str) -> None:
    unwanted = ON_DEMAND | ({"email_validator"} if stage in NO_ADDRESS_CHECK else set())
    loaded = imported_by(f"import soc_bulletin.{stage}") & unwanted
    assert not loaded, f"import soc_bulletin.{stage} imports {sorted(loaded)}"


def test_a_used_name_is_imported_when_first_used() -> None:
    code = "import soc_bulletin\nx = soc_bulletin.Campaign\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    assert {"asyncio", "email_validator"} <= imported_by(code)


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


def test_no_exported_name_shadows_a_module() -> None:
    """``soc_bulletin.render`` is the package, ``render.build`` and ``loop.classify`` the modules, whatever is imported first."""
    runs_cleanly(
        "import types, soc_bulletin.render.renderer, soc_bulletin.loop\n"
        "import soc_bulletin.render.build, soc_bulletin.loop.classify\n"
        "from soc_bulletin.render.renderer import Renderer, render_issue\n"
        "for module in (soc_bulletin.render, soc_bulletin.render.build, soc_bulletin.loop.classify):\n"
        "    assert isinstance(module, types.ModuleType), module\n"
        "assert soc_bulletin.render.Renderer is Renderer and soc_bulletin.render_issue is render_issue\n"
        "assert soc_bulletin.render.build.build_issue is soc_bulletin.render.build_issue\n"
        "assert soc_bulletin.loop.classify.classify_bytes is soc_bulletin.loop.classify_bytes\n"
    )
    runs_cleanly(  # the other way round: the top level's names first, then the modules
        "import types, soc_bulletin\n"
        "soc_bulletin.build_issue, soc_bulletin.render_issue\n"
        "from soc_bulletin.render import build\n"
        "from soc_bulletin.loop import classify\n"
        "assert isinstance(build, types.ModuleType) and isinstance(classify, types.ModuleType)\n"
        "assert isinstance(soc_bulletin.render, types.ModuleType)\n"
    )


@pytest.mark.parametrize("package", ["soc_bulletin", *(f"soc_bulletin.{p.parent.name}" for p in sorted(REPO.glob("soc_bulletin/*/__init__.py")))])
def test_help_documents_each_package(package: str) -> None:
    """``help()`` (pydoc) on a package shows the package: its modules and its exported names."""
    runs_cleanly(
        f"import functools, pydoc, {package}\n"
        f"package = functools.reduce(getattr, {package.split('.')[1:]!r}, soc_bulletin)\n"  # as help(soc_bulletin.render) finds it
        "text = pydoc.render_doc(package, renderer=pydoc.plaintext)\n"
        f"assert text.startswith('Python Library Documentation: package {package}'), text[:200]\n"
        "assert 'PACKAGE CONTENTS' in text, text[:2000]\n"
        "missing = [name for name in package.__all__ if callable(getattr(package, name)) and name not in text]\n"
        "assert not missing, missing\n"
    )


def test_public_names_show_the_path_they_are_imported_from() -> None:
    """As httpx does: a name the top level exports is ``soc_bulletin.NAME``; a stage's own name is ``soc_bulletin.STAGE.NAME``."""
    import soc_bulletin
    from soc_bulletin import render, send

    assert repr(soc_bulletin.Campaign) == "<class 'soc_bulletin.Campaign'>"
    assert soc_bulletin.ConfigError.__module__ == soc_bulletin.render_issue.__module__ == "soc_bulletin"
    assert render.web_url.__module__ == "soc_bulletin.render"
    assert send.Campaign is soc_bulletin.Campaign


@pytest.mark.parametrize("package", ["soc_bulletin", *(f"soc_bulletin.{p.parent.name}" for p in sorted(REPO.glob("soc_bulletin/*/__init__.py")))])
def test_each_public_name_is_found_where_its_module_says(package: str) -> None:
    """``__module__`` and ``__qualname__`` lead back to the name (pickle, pydoc and reprs rely on it)."""
    import importlib

    exported = importlib.import_module(package)
    for name in exported.__all__:
        value = getattr(exported, name)
        if isinstance(value, type) or callable(value) and hasattr(value, "__qualname__"):
            assert getattr(importlib.import_module(value.__module__), value.__qualname__) is value, f"{package}.{name}"
            assert value.__module__ in ("soc_bulletin", package), f"{package}.{name} is shown as {value.__module__}"


def test_the_type_checkers_names_are_the_runtime_list() -> None:
    """The top level's ``if TYPE_CHECKING:`` imports (for mypy) name exactly the names of ``_EXPORTS`` (for ``import``)."""
    import ast

    import soc_bulletin

    tree = ast.parse((REPO / "soc_bulletin" / "__init__.py").read_text(encoding="utf-8"))
    [block] = [node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"]
    typed = set()
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"write {alias.name} as {alias.name}: mypy re-exports only that"
            typed.add(("." * node.level + (node.module or ""), alias.name))
    assert typed == {(module, name) for module, names in soc_bulletin._EXPORTS.items() for name in names}
    assert soc_bulletin.__all__ == sorted(name for _, name in typed)


def test_only_the_top_level_is_lazy() -> None:
    """The stages import their modules at once (no ``__getattr__``); ``import soc_bulletin`` imports no stage."""
    runs_cleanly(
        "import sys, soc_bulletin\n"
        "assert not [name for name in sys.modules if name.startswith('soc_bulletin.') and name != 'soc_bulletin._public'], sorted(sys.modules)\n"
        "import soc_bulletin.render\n"
        "assert 'soc_bulletin.render.renderer' in sys.modules and 'soc_bulletin.render.build' in sys.modules\n"
        "assert not hasattr(soc_bulletin.render, '__getattr__')\n"
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
