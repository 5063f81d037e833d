"""Where bounces are read from: a Maildir, an mbox file, a folder of ``.eml`` files or one (IMAP: :mod:`.imap`).

Each source yields its messages as :class:`Item` and disposes of the handled
ones as asked: ``mark`` (the default: Maildir messages are marked seen, moved
from ``new/`` to ``cur/`` with the ``S`` flag; an mbox file or an ``.eml``
folder is left as it is, the state file remembers), ``move`` to another folder
of the same kind, or ``delete`` (only when asked). A message that cannot be
read is yielded with its error and left where it is.
"""

from __future__ import annotations

import contextlib
import itertools
import mailbox
import os
import re
import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

__all__ = ["Disposal", "EmlFile", "EmlFolder", "Item", "MaildirSource", "MboxSource", "Source", "open_local", "open_sources"]


@dataclass(frozen=True, slots=True)
class Item:
    """One message: ``ref`` names it in reports (a file path, ``mbox#N``, an IMAP UID); ``error`` when unreadable."""

    ref: str
    raw: bytes = b""
    key: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class Disposal:
    """What happens to a handled message: marked (default), moved to ``move_to``, or deleted."""

    move_to: str = ""
    delete: bool = False


class Source(ABC):
    """A mailbox of bounces."""

    label: str = ""

    @abstractmethod
    def items(self) -> Iterator[Item]:
        """Every message, in a stable order."""

    @abstractmethod
    def done(self, item: Item, /) -> None:
        """Dispose of a handled message (mark, move or delete)."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing open
        """Finish: apply what had to wait for the end, release connections."""


def open_local(path: Path, disposal: Disposal, /) -> Source:
    """The source at ``path``: a Maildir (a folder with ``cur`` and ``new``), a folder of ``.eml`` files, an mbox file or one message.

    ConfigError (naming the file) for a file that is neither a message nor an mbox.
    """
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            return MaildirSource(path, disposal)
        return EmlFolder(path, disposal)
    if path.is_file():
        kind = _file_kind(path)
        if kind == "message":
            return EmlFile(path, disposal)
        if kind == "mbox":
            return MboxSource(path, disposal)
        raise ConfigError(f"{path}: {kind}; give a mail message (.eml), an mbox file, a Maildir, a folder of .eml files or an imaps:// URL")
    raise ConfigError(f"{path}: no such mailbox (give a Maildir, an mbox file, a folder of .eml files or an imaps:// URL)")


_FIELD = re.compile(rb"[!-9;-~]+:")  # a header field's name and colon (RFC 5322 2.2)
_HEAD = 16_384


def open_sources(names: list[str], disposal: Disposal, /, *, readonly: bool, imap_password: str = "", cafile: str = "",
                 timeout: float = 30.0) -> list[Source]:
    """Each mailbox named (an ``imaps://`` URL, or a local mbox, Maildir, .eml file or folder), each checked as opened;
    when one cannot be, those already open are closed and the error raised."""
    from .imap import ImapSource, is_imap_url

    opened: list[Source] = []
    try:
        for name in names:
            if is_imap_url(name):
                opened.append(ImapSource(name, disposal, password=imap_password, cafile=cafile, timeout=timeout, readonly=readonly))
            else:
                opened.append(open_local(Path(name), disposal))
    except BaseException:
        for source in opened:
            source.close()
        raise
    return opened


def _file_kind(path: Path) -> str:
    """What the file is: "mbox" (a ``From `` line first), "message" (header fields first), or why it is neither.

    An empty file is an mbox (an emptied mail spool), unless it is named ``.eml``.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    if not head.strip():
        return "the message file is empty" if path.suffix.lower() == ".eml" else "mbox"
    if head.startswith(b"From "):
        return "mbox"
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    if len(head) == _HEAD:
        lines.pop()  # the last line of a full head may be cut short
    fields = list(itertools.takewhile(lambda line: line.strip(), lines))  # up to the blank line before the body
    if fields and _FIELD.match(fields[0]) and all(_FIELD.match(line) or line[:1] in (b" ", b"\t") for line in fields):
        return "message"
    return "neither a mail message (header fields such as 'From:' first) nor an mbox file (a 'From ' line first)"


def _read(path: Path) -> Item:
    try:
        return Item(str(path), path.read_bytes(), str(path))
    except OSError as exc:
        return Item(str(path), key=str(path), error=f"cannot read it: {exc.strerror or exc}")


def _target(folder: str, *, maildir: bool = False) -> Path:
    target = Path(folder)
    try:
        for sub in ("tmp", "new", "cur") if maildir else ("",):
            (target / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the folder {target} to move handled messages to: {exc.strerror or exc}") from exc
    return target


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError:  # another filesystem
        shutil.copy2(source, target)
        source.unlink()


class EmlFolder(Source):
    """A folder of ``.eml`` files (one message each), read in name order."""

    def __init__(self, path: Path, disposal: Disposal, /) -> None:
        self.path, self.disposal, self.label = path, disposal, str(path)
        self._target = _target(disposal.move_to) if disposal.move_to else None

    def items(self) -> Iterator[Item]:
        for path in sorted(p for p in list(self.path.iterdir()) if p.suffix.lower() == ".eml" and p.is_file()):
            yield _read(path)

    def done(self, item: Item, /) -> None:
        path = Path(item.key)
        if self.disposal.delete:
            path.unlink(missing_ok=True)
        elif self._target is not None:
            _move(path, self._target / path.name)


class EmlFile(EmlFolder):
    """One file holding one message (``bounces one.eml``); moved or deleted as in a folder of them."""

    def items(self) -> Iterator[Item]:
        yield _read(self.path)


class MaildirSource(Source):
    """A Maildir: the messages in ``new/`` then ``cur/``; handled ones are marked seen (or moved, or deleted)."""

    def __init__(self, path: Path, disposal: Disposal, /) -> None:
        self.path, self.disposal, self.label = path, disposal, str(path)
        self._target = _target(disposal.move_to, maildir=True) if disposal.move_to else None

    def items(self) -> Iterator[Item]:
        listed = [p for sub in ("new", "cur") for p in sorted((self.path / sub).iterdir())  # listed before any is moved
                  if not p.name.startswith(".") and p.is_file()]
        for path in listed:
            yield _read(path)

    def done(self, item: Item, /) -> None:
        path = Path(item.key)
        if self.disposal.delete:
            path.unlink(missing_ok=True)
            return
        base, _, info = path.name.partition(":")
        flags = info[2:] if info.startswith("2,") else ""
        name = f"{base}:2,{''.join(sorted(set(flags + 'S')))}"
        _move(path, (self._target or self.path) / "cur" / name)


class MboxSource(Source):
    """An mbox file; handled messages are left in it (the state file remembers them) unless moved or deleted.

    Moves and deletions are applied at the end in one pass, with the mbox
    locked as mail delivery agents lock it (dot file and ``fcntl``).
    """

    def __init__(self, path: Path, disposal: Disposal, /) -> None:
        self.path, self.disposal, self.label = path, disposal, str(path)
        self._handled: list[bytes] = []
        try:
            self._box = mailbox.mbox(path, create=False)
            self._keys = list(self._box.iterkeys())
        except (OSError, mailbox.Error) as exc:
            raise ConfigError(f"{path}: cannot read it as an mbox file: {getattr(exc, 'strerror', None) or exc}") from exc

    def items(self) -> Iterator[Item]:
        for number, key in enumerate(self._keys, 1):
            ref = f"{self.path}#{number}"
            try:
                yield Item(ref, self._box.get_bytes(key), str(key))
            except (OSError, KeyError, mailbox.Error) as exc:
                yield Item(ref, key=str(key), error=f"cannot read it: {exc}")

    def done(self, item: Item, /) -> None:
        if self.disposal.delete or self.disposal.move_to:
            self._handled.append(item.raw)

    def close(self) -> None:
        self._box.close()
        if not self._handled:
            return
        handled = set(self._handled)
        box = mailbox.mbox(self.path, create=False)
        target = mailbox.mbox(self.disposal.move_to) if self.disposal.move_to and not self.disposal.delete else None
        try:
            box.lock()
            if target is not None:
                target.lock()
            for key in list(box.iterkeys()):
                raw = box.get_bytes(key)
                if raw in handled:
                    if target is not None:
                        target.add(box.get_message(key))
                    box.remove(key)
            if target is not None:
                target.flush()
            box.flush()
        except (OSError, mailbox.Error) as exc:
            raise ConfigError(f"{self.path}: cannot move or delete handled messages: {getattr(exc, 'strerror', None) or exc}") from exc
        finally:
            with contextlib.suppress(OSError, mailbox.Error):
                box.unlock()
                box.close()
            if target is not None:
                with contextlib.suppress(OSError, mailbox.Error):
                    target.unlock()
                    target.close()
