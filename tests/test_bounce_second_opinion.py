"""flufl.bounce's detectors as a second opinion: a crash in them gives no verdict, and is said in the log (-v)."""

from __future__ import annotations

import importlib
import logging
from email.message import Message

import pytest

classify_module = importlib.import_module("soc_bulletin.loop.classify")


def test_a_crash_of_the_detectors_is_logged_not_swallowed(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import flufl.bounce

    def crash(message: Message) -> object:
        raise IndexError("a detector's bug")

    monkeypatch.setattr(flufl.bounce, "all_failures", crash)
    message = Message()
    message["Message-ID"] = "<notice-1@mx.example.org>"
    message.set_payload("Your message could not be delivered.")
    with caplog.at_level(logging.INFO, logger=classify_module.__name__):
        assert classify_module._flufl(message) == []
    assert "flufl.bounce's detectors failed on message <notice-1@mx.example.org> (IndexError)" in caplog.text
