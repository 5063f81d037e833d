"""Lazy re-exports: a package names its public API at once and imports each piece only when it is first used.

``soc-bulletin --help`` and ``check`` then load no renderer, no SMTP client and
no Markdown parser they do not need. Type checkers read the same names from an
``if TYPE_CHECKING:`` block of imports in each ``__init__``.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable

__all__ = ["lazy_exports"]

#: each lazy package's exported names and the module that defines each
_EXPORTS: dict[str, dict[str, str]] = {}


class _LazyPackage(types.ModuleType):
    """A package whose exported names win over submodules of the same name, as they did when imported eagerly.

    Importing ``soc_bulletin.render.build`` (the module) makes the import system
    set the package's ``build`` to that module; the exported function ``build``
    must stay what ``soc_bulletin.render.build`` means.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}" and name in _EXPORTS.get(self.__name__, {}):
            return
        super().__setattr__(name, value)


def lazy_exports(package: str, where: dict[str, str], /) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``where`` maps each exported name to its (relative) module.

    Any other name that is a submodule of ``package`` is imported when first used.
    """
    _EXPORTS[package] = where
    sys.modules[package].__class__ = _LazyPackage

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:  # a subpackage or module (``soc_bulletin.send.transports``), as after an eager import
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(where) | set(vars(sys.modules[package])))

    return __getattr__, __dir__
