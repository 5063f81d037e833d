"""Colour arithmetic for the layouts: WCAG 2 contrast, and dark-scheme tints of the section colours."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["contrast", "dark_tint", "luminance", "parse_hex"]

_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
#: WCAG 2 AA for normal text
AA = 4.5


def parse_hex(colour: str, /) -> tuple[int, int, int]:
    """``#rgb`` or ``#rrggbb`` as three 0-255 channels; ValueError otherwise."""
    found = _HEX.fullmatch(colour.strip())
    if found is None:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    digits = found[1] if len(found[1]) == 6 else "".join(c * 2 for c in found[1])
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(colour: str | tuple[int, int, int], /) -> float:
    """WCAG 2 relative luminance."""
    channels = parse_hex(colour) if isinstance(colour, str) else colour
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in channels)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str | tuple[int, int, int], b: str | tuple[int, int, int], /) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@lru_cache(maxsize=256)
def dark_tint(colour: str, background: str, /, minimum: float = AA + 0.1) -> str:
    """``colour`` mixed with white, in 5% steps, until it reaches ``minimum`` contrast on ``background``.

    Section colours are dark (white text sits on them); on a dark-scheme card
    the same hue, lightened, keeps each section distinct and readable.
    """
    red, green, blue = parse_hex(colour)
    for step in range(21):
        mix = step / 20
        tint = (round(red + (255 - red) * mix), round(green + (255 - green) * mix), round(blue + (255 - blue) * mix))
        if contrast(tint, background) >= minimum:
            return "#" + "".join(f"{c:02x}" for c in tint)
    return "#ffffff"
