"""The shape of the package: stages import only downwards, modules stay small, the public API is the documented one."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import soc_bulletin

PACKAGE = Path(soc_bulletin.__file__).resolve().parent
REPO = PACKAGE.parent

#: what each part may import, besides itself (docs/architecture.md draws the same)
ALLOWED: dict[str, set[str]] = {
    "_public": set(),
    "errors": {"problems"},
    "problems": set(),
    "terminal": set(),
    "config": {"errors", "terminal"},
    "content": {"errors", "problems", "terminal"},
    "render": {"content", "errors", "problems", "terminal", "config"},
    "check": {"content", "render", "errors", "problems", "terminal", "config"},
    "audience": {"content", "errors", "problems", "terminal", "config"},
    "store": {"audience", "errors", "problems", "terminal", "config"},
    "send": {"content", "render", "check", "audience", "store", "errors", "problems", "terminal", "config"},
    "site": {"content", "render", "check", "errors", "problems", "terminal", "config"},
    "loop": {"content", "audience", "store", "send", "site", "errors", "problems", "terminal", "config"},
    "cli": {"content", "render", "check", "audience", "store", "send", "site", "loop", "errors", "problems", "terminal", "config"},
    "__init__": {"content", "render", "check", "audience", "send", "site", "errors", "problems", "terminal", "config"},
    "__main__": {"cli"},
}
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 or relative.name != "__init__.py" else "__init__"


def imported_parts(path: Path) -> set[tuple[str, int]]:
    """The top-level parts of soc_bulletin that ``path`` imports, with the line of each import."""
    tree = ast.parse(path.read_text(), str(path))
    package = path.relative_to(PACKAGE).parent.parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - (node.level - 1)]) if node.level > 1 else list(package)
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [target] if node.module else [[*base, alias.name] for alias in node.names]
            elif node.module and node.module.split(".")[0] == "soc_bulletin":
                names = [node.module.split(".")[1:]]
            else:
                continue
            for name in names:
                if name:
                    found.add((name[0], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "soc_bulletin" and len(parts) > 1:
                    found.add((parts[1], node.lineno))
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down_the_pipeline(path: Path) -> None:
    part = part_of(path)
    assert part in ALLOWED, f"{part} is not placed in the architecture"
    wrong = sorted((line, name) for name, line in imported_parts(path) if name not in (part, "_public") and name not in ALLOWED[part])
    assert not wrong, f"{path.relative_to(REPO)} imports upwards: " + ", ".join(f"line {n}: {name}" for n, name in wrong)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines; split it by job"


PACKAGES = ["soc_bulletin", *(f"soc_bulletin.{p.name}" for p in sorted(PACKAGE.iterdir()) if (p / "__init__.py").is_file())]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_has_a_sorted_importable_all(name: str) -> None:
    package = importlib.import_module(name)
    exported = package.__all__
    assert exported == sorted(exported), f"{name}.__all__ is not sorted"
    for item in exported:
        assert getattr(package, item) is not None, f"{name}.{item}"


def documented_api() -> list[str]:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("<!-- public-api -->", 2)[1]
    return sorted(re.findall(r"`(\w+)`", block))


def test_the_top_level_api_is_exactly_the_documented_one() -> None:
    assert soc_bulletin.__all__ == documented_api()
    public = {name for name in dir(soc_bulletin) if not name.startswith("_")}
    stages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} | {"errors", "problems", "terminal"}
    assert public - (stages - set(soc_bulletin.__all__)) == set(soc_bulletin.__all__), "only the documented names and the stages are public"


#: Where settings are read: the commands, and the library's entry points for a caller that gives none (each reads them
#: once and passes them down). A stage deep in a run that read them again would ignore --config.
READS_SETTINGS = {"cli", "config/settings.py", "render/project.py", "send/session.py", "send/status.py", "loop/service.py"}


def test_settings_are_read_only_at_a_runs_entry() -> None:
    reading = set()
    for path in modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if "load_settings(" in path.read_text(encoding="utf-8"):
            reading.add(relative if not relative.startswith("cli/") else "cli")
    assert reading == READS_SETTINGS
