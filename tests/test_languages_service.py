"""The unsubscribe page answers in the subscriber's language: the link from a Welsh edition carries ``lang=cy``."""

from __future__ import annotations

import re
from pathlib import Path

from soc_bulletin.loop.serve import ServiceServer
from soc_bulletin.send.languages import in_language

from .test_unsubscribe_service import FORM, ONE_CLICK, TODAY, call, link, project, rows, service

__all__ = ["project", "service"]  # the fixtures, used by name


def test_a_welsh_link_gets_the_unsubscribe_page_in_welsh(project: Path, service: ServiceServer) -> None:
    host = "https://bulletin.example.org"
    welsh = in_language(host + link(project, "bryn@example.org"), "cy").removeprefix(host)
    assert welsh.endswith("&lang=cy") and in_language(host + "/unsubscribe?t=x", "en") == host + "/unsubscribe?t=x" and in_language("mailto:team@example.org?subject=x", "cy").startswith("mailto:")
    status, _, body = call(service, "GET", welsh)
    page = body.decode()
    assert status == 200 and '<html lang="cy">' in page
    assert "<h1>Peidio â chael y bwletin yn y cyfeiriad hwn?</h1>" in page and ">Dad-danysgrifio</button>" in page
    visible = re.sub(r"<[^>]+>", " ", page)  # the form's field name List-Unsubscribe is the protocol's, never shown
    assert "Datganiad hygyrchedd" in visible and "Unsubscribe" not in visible and "bulletin" not in visible
    status, _, body = call(service, "POST", welsh, ONE_CLICK, FORM)
    assert status == 200 and "<h1>Rydych wedi dad-danysgrifio.</h1>" in body.decode() and '<html lang="cy">' in body.decode()
    assert rows(project) == [f"bryn@example.org,unsubscribed,{TODAY},one-click"]
    forged = welsh.replace("t=", "t=x", 1)
    assert call(service, "POST", forged, ONE_CLICK, FORM)[2] == body, "a forged token gets the very same Welsh page"


def test_an_unknown_or_odd_language_answers_in_english(project: Path, service: ServiceServer) -> None:
    english = call(service, "GET", link(project, "ann@example.org"))[2]
    for asked in ("fr", "<script>", "x" * 40):
        assert call(service, "GET", link(project, "ann@example.org") + f"&lang={asked}")[2] == english
