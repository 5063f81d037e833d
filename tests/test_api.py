"""The public surface: exactly the names in ``__all__``, sorted, all importable."""

from __future__ import annotations

import soc_bulletin


def test_public_names_are_sorted_and_exist() -> None:
    assert soc_bulletin.__all__ == sorted(soc_bulletin.__all__)
    for name in soc_bulletin.__all__:
        assert getattr(soc_bulletin, name) is not None


def test_public_surface() -> None:
    public = {name for name in dir(soc_bulletin) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(soc_bulletin, name)).__name__ == "module"}
    assert public - modules == set(soc_bulletin.__all__)
