"""Images: meaningful alt text, and a local file that exists, is PNG, JPEG or GIF, and is small.

Email clients show the alt text when images are off and screen readers
read it, so a file name or "photo" helps no one. Large files are slow on
phones and may be blocked (warning over 200 KB, error over 1 MB).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ..content.load import image_path_problem, is_remote_src
from .codes import Verdict

__all__ = ["MAX_BYTES", "WARN_BYTES", "check_alt", "check_file", "is_remote"]

WARN_BYTES = 200 * 1024
MAX_BYTES = 1024 * 1024

_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF"}
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"RIFF", "WebP"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_VAGUE = frozenset({
    "image", "img", "photo", "photograph", "picture", "pic", "graphic", "logo", "icon", "banner",
    "screenshot", "untitled", "alt", "alt text", "placeholder", "image here", "photo here", "todo",
})
_FILE_NAME = re.compile(r"^\S+\.(?:png|jpe?g|gif|webp|svg|bmp|tiff?)$", re.IGNORECASE)


def is_remote(src: str, /) -> bool:
    """Whether ``src`` is a URL (judged by the link checks) rather than a local path."""
    return is_remote_src(src)


def check_alt(alt: str, src: str, /) -> list[Verdict]:
    """Alt text that says nothing: a file name, or a word like "image" (SB402).

    An empty or missing alt is the loader's SB011 and is not repeated here.
    """
    text = alt.strip()
    if not text:
        return []
    name = PurePosixPath(src.split("?")[0]).name
    words = re.sub(r"[\s_-]+", " ", text.lower()).strip(" .:")
    stems = {name.lower(), PurePosixPath(name).stem.lower(), re.sub(r"[_-]+", " ", PurePosixPath(name).stem.lower())}
    if words in _VAGUE or text.lower() in stems or words in stems or _FILE_NAME.match(text):
        return [Verdict("SB402", f"The alt text '{text}' does not describe the image; say what it shows, such as 'Four people standing in front of St Peter's Church'.")]
    return []


def check_file(src: str, folder: Path, /, read: Callable[[str], bytes] | None = None) -> list[Verdict]:
    """Problems of a local image file, relative to the issue ``folder``.

    Outside the folder, as written or through a link (SB406, also the
    loader's, so never read), missing (SB401), not PNG/JPEG/GIF (SB404),
    over 200 KB (SB403 warning) or over 1 MB (SB403 error). ``read`` gives the
    bytes of an image of at most 1 MB by its ``src`` (the run's, which sends them).
    """
    if outside := image_path_problem(src, folder):
        return [Verdict("SB406", outside)]
    relative = PurePosixPath(src.replace("\\", "/"))
    path = folder / relative
    if not path.is_file():
        return [Verdict("SB401", f"The image file {src} does not exist in {folder}; {_did_you_mean(relative, path)}")]
    verdicts = []
    try:
        size = path.stat().st_size
        if read is not None and size <= MAX_BYTES and "\\" not in src:
            head = read(src)[:16]
        else:
            with path.open("rb") as file:
                head = file.read(16)
    except OSError as exc:
        return [Verdict("SB401", f"The image file {src} cannot be read: {exc.strerror or exc}.")]
    expected = _FORMATS.get(relative.suffix.lower())
    actual = next((name for signature, name in _SIGNATURES if head.startswith(signature)), None)
    if head.lstrip().startswith((b"<svg", b"<?xml")):
        actual = "SVG"
    if expected is None:
        verdicts.append(Verdict("SB404", f"The image {src} is not PNG, JPEG or GIF, which every mail program shows; save it as .png or .jpg."))
    elif actual != expected:
        holds = f"{actual} data" if actual else "no image data that mail programs can show"
        verdicts.append(Verdict("SB404", f"The image {src} is named as {expected} but holds {holds}; save it again as {expected}."))
    if size > MAX_BYTES:
        verdicts.append(Verdict("SB403", f"The image {src} is {_size(size)}, too large for an email (at most 1 MB); make it smaller (600 px wide is enough)."))
    elif size > WARN_BYTES:
        verdicts.append(Verdict("SB403", f"The image {src} is {_size(size)}, slow to load on phones (aim for under 200 KB); make it smaller.", warning=True))
    return verdicts


def _did_you_mean(relative: PurePosixPath, path: Path) -> str:
    """The file of the same folder whose name differs only in case (or is closest), as advice."""
    try:
        names = sorted(p.name for p in path.parent.iterdir() if p.is_file()) if path.parent.is_dir() else []
    except OSError:
        names = []
    same = [n for n in names if n.casefold() == relative.name.casefold()]
    if same:
        shown = str(relative.with_name(same[0]))
        return f"did you mean {shown}? The name must match in capitals too (the web server and mail programs tell them apart)."
    close = difflib.get_close_matches(relative.name, names, n=1, cutoff=0.75)
    if close:
        return f"did you mean {relative.with_name(close[0])}?"
    return "add it or correct the path."


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= MAX_BYTES else f"{size / 1024:.0f} KB"
