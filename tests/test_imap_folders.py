"""The folder handled messages move to (``bounces imaps://... --move-to``), against a real Dovecot on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc_bulletin.cli.main import main

from . import mailshapes
from .dovecot import Dovecot
from .smtp import FaultyController
from .test_bounces_cli import send, verp_of
from .test_bounces_imap import append, dovecot, dovecot_installed, flags, inbox  # noqa: F401 (fixtures)


def test_a_folder_the_server_refuses_to_create_is_named_with_the_servers_reason(
        inbox: Dovecot, workdir: Path, smtp: FaultyController, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """The refusal of CREATE was swallowed, so the run failed later on MOVE with "no such mailbox" and not why."""
    sent = send(workdir, smtp)
    append(inbox, mailshapes.qmail(sent[0], verp_of("issue", sent[0])))
    capsys.readouterr()
    assert main(["bounces", inbox.url, "--cafile", str(inbox.ca), "--move-to", "~Processed"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CREATE refused" in err and "Invalid mailbox name: Begins with '~'" in err, err
    assert "MOVE" not in err
    assert list(flags(inbox).values()) == [""]  # left where it was


def test_an_existing_folder_is_used_and_a_new_one_made_once(inbox: Dovecot, workdir: Path, smtp: FaultyController) -> None:  # noqa: F811
    sent = send(workdir, smtp)
    append(inbox, *(mailshapes.qmail(a, verp_of("issue", a)) for a in sent[:2]))
    assert main(["bounces", inbox.url, "--cafile", str(inbox.ca), "--move-to", "Handled"]) == 0
    assert len(flags(inbox, "Handled")) == 2 and flags(inbox) == {}
    append(inbox, mailshapes.qmail(sent[2], verp_of("issue", sent[2])))
    assert main(["bounces", inbox.url, "--cafile", str(inbox.ca), "--move-to", "Handled"]) == 0
    assert len(flags(inbox, "Handled")) == 3
