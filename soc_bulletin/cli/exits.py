"""The exit codes of every command, in one place."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Exit"]


class Exit(IntEnum):
    """One code per kind of outcome, whatever the command.

    0 ok; 1 problems found (bad content or lists, failed sends); 2 the command
    cannot run as asked (usage, settings, a path that does not exist or is not
    what the command needs, a file that cannot be written); 65 a send refused until
    a person decides (nobody to send to, the issue changed since its send began,
    a stale send: sysexits' EX_DATAERR); 70 a bug; 74 a ledger or store that cannot be trusted
    or reached (damaged, another program's, out of reach, replaced or lost mid-send:
    sysexits' EX_IOERR); 75 stopped by a limit and to be run again later (the daily
    limit: sysexits' EX_TEMPFAIL); 130 interrupted (Ctrl-C); 141 the reader of the
    output went away (``| head``), as a shell reports a program stopped by SIGPIPE.
    An error's code is its class's ``exit_code`` (``soc_bulletin/errors.py``).
    """

    OK = 0
    PROBLEMS = 1
    USAGE = 2
    REFUSED = 65
    SOFTWARE = 70
    LEDGER = 74
    LATER = 75
    INTERRUPTED = 130
    CLOSED_PIPE = 141
