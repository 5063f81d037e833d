"""The accessibility statement: one text, shown by the web archive (``accessibility.html``) and by the service.

The Public Sector Bodies (Websites and Mobile Applications) (No. 2)
Accessibility Regulations 2018 ask a public body's pages for a statement that
says how accessible they are, what is known not to be, how to report a
problem and how the regulations are enforced. What it says was tested is what
the browser tests do (``tests/axe.py``); a test keeps :data:`AXE_CORE` equal to
the axe-core they run.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from ..config.values import parse_mailbox, shown
from ..errors import ConfigError

__all__ = ["AXE_CORE", "REVIEWED", "statement"]

#: the axe-core release the browser tests run (major.minor), inside the axe-playwright-python package
AXE_CORE = "4.12"
#: when the statement was last checked against the tests and the pages
REVIEWED = "7 December 2026"

EASS = "https://www.equalityadvisoryservice.com/"
ECNI = "https://www.equalityni.org/Home"


def statement(contact: str, /) -> str:
    """The statement as an HTML fragment (an ``h1``, then sections), naming ``contact`` for reports of a problem.

    ``contact`` is the team's address, such as an issue's mailbox
    (``Name <address>`` is taken too); :class:`ConfigError` when it is not one address.
    The caller puts the fragment in its page's ``main``.
    """
    try:
        address = parse_mailbox(contact)[1]
    except ConfigError as exc:
        raise ConfigError(f"the accessibility contact {shown(contact)} {exc}") from exc
    mailto = escape(f"mailto:{quote(address, safe='@.+-_')}?subject={quote('Accessibility problem')}")
    return f"""<h1>Accessibility statement</h1>
<p>This statement is about the bulletin's web pages: the archive of past issues (the list of issues, each issue's web
and text pages, and this page) and the subscription service (the pages to unsubscribe, sign up, confirm and manage a
subscription). We want as many people as possible to be able to use them: to change colours, contrast and fonts, zoom
to 400% without text spilling off the screen, move through every page with a keyboard alone, and listen to them with a
screen reader.</p>
<h2>How accessible these pages are</h2>
<p>We aim to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA. The pages are partially
compliant: automated tests find only some kinds of problem, and no person has yet audited them with assistive
technology. The pages need no JavaScript and load nothing from other sites.</p>
<h2>What we test</h2>
<p>Every change to the pages runs these tests in Chromium, 320 pixels wide (a small phone, or a 1280-pixel screen zoomed
to 400%) and at the width of a computer, in the light and the dark colour scheme:</p>
<ul>
<li>axe-core {AXE_CORE} (Deque Systems) with every rule for WCAG 2.0, 2.1 and 2.2 levels A and AA: a serious or
critical violation fails the tests;</li>
<li>the keyboard: the Tab key reaches every link, button and form field in the order of the page, each shows a focus
indicator that contrasts with what is behind it, and none is hidden when it has focus;</li>
<li>the contrast and size of all text, and no scrolling sideways at 320 pixels;</li>
<li>form fields have labels, and an error message is tied to the field it is about.</li>
</ul>
<h2>What we know is not accessible</h2>
<ul>
<li>The bulletin itself arrives as an email, and each email program shows it in its own way; some change colours,
remove styles or links. Each issue's web page in the archive has the same content.</li>
<li>The text edition of an issue is plain text: web addresses in it are not links.</li>
<li>Every image must have a text alternative before an issue can be sent, but whether that text describes the image
well is checked by people, not by the tests.</li>
<li>The pages have been tested in Chromium only, not yet with screen readers (such as NVDA, JAWS or VoiceOver) or
other browsers.</li>
</ul>
<h2>Reporting a problem, or asking for another format</h2>
<p>If you find a problem that is not listed here, or you need an issue in another format (such as large print, audio or
plain text), email <a href="{mailto}">{escape(address)}</a>. Tell us the address of the page and what went wrong.</p>
<h2>Enforcement procedure</h2>
<p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and
Mobile Applications) (No. 2) Accessibility Regulations 2018 (the 'accessibility regulations'). If you are not happy with
how we respond to your complaint, contact the <a href="{EASS}">Equality Advisory and Support Service (EASS)</a>. If you
live in Northern Ireland, contact the <a href="{ECNI}">Equality Commission for Northern Ireland (ECNI)</a>, which
enforces them there.</p>
<h2>Preparation of this statement</h2>
<p>This statement was last reviewed on {REVIEWED}, against the automated tests described above.</p>
"""
