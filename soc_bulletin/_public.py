"""The public surface: the top-level package's lazy names, and each public name's ``__module__``.

Only ``soc_bulletin`` itself is lazy (``import soc_bulletin`` loads no stage);
the stage packages import their modules at once, and their modules import a
heavy library (SMTP, DNS, the web server, MJML...) inside the function that
needs it. As httpx does, a public name's ``__module__`` is the shallowest
package that exports it (``soc_bulletin.Campaign``, ``soc_bulletin.render.web_url``),
so ``help()``, pydoc and reprs show the path people import it from.
"""

from __future__ import annotations

import importlib
import sys
import types

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = ["lazy_exports", "publish"]

TOP = "soc_bulletin"


def lazy_exports(exports: Mapping[str, Iterable[str]], /) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The top-level package's ``__getattr__`` and ``__dir__``: ``exports`` maps each (relative) module to its names.

    A name's module is imported when the name is first used; any other name that
    is a stage or module of the package (``soc_bulletin.loop``) is imported as
    if ``import soc_bulletin.loop`` had been written.
    """
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        package = sys.modules[TOP]
        module = where.get(name)
        if module is None:
            try:
                return importlib.import_module(f"{TOP}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{TOP}.{name}":
                    raise
                raise AttributeError(f"module {TOP!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, TOP), name)
        setattr(package, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(where) | set(vars(sys.modules[TOP])))

    return __getattr__, __dir__


def publish(namespace: dict[str, object], /) -> None:
    """Set the ``__module__`` of the classes and functions a package (or ``errors``, ``problems``) exports.

    ``namespace`` is its ``globals()``: each name of its ``__all__`` defined
    inside it is shown as ``soc_bulletin.NAME`` when the top level exports it
    from this package, else as ``PACKAGE.NAME``; a name it re-exports from elsewhere is left alone.
    """
    package = str(namespace["__name__"])
    exports: dict[str, tuple[str, ...]] = getattr(sys.modules[TOP], "_EXPORTS", {})
    top = {name for module, names in exports.items() if f"{TOP}{module}" == package for name in names}
    exported: list[str] = namespace["__all__"]  # type: ignore[assignment]
    for name in exported:
        value = namespace[name]
        if isinstance(value, type | types.FunctionType) and (value.__module__ == package or value.__module__.startswith(f"{package}.")):
            value.__module__ = TOP if name in top else package
