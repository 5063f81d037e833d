"""Accessibility checks of a page loaded in Chromium: axe-core's WCAG 2.2 AA rules, and a walk by keyboard.

For any browser test (a Playwright ``Page`` from tests/browser.py)::

    assert not serious_violations(page), describe(serious_violations(page))
    assert not keyboard_walk(page)
    assert not untied_errors(page)  # a form shown again with its errors

axe-core comes inside the ``axe-playwright-python`` package (its ``axe.min.js``),
so nothing is downloaded when the tests run. :func:`audit` runs only the rules
tagged with the WCAG 2.0, 2.1 and 2.2 A and AA success criteria
(:data:`WCAG_TAGS`); :func:`serious_violations` keeps those whose impact is
serious or critical, the level the project refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

__all__ = ["AXE_VERSION", "WCAG_TAGS", "Violation", "audit", "describe", "keyboard_walk", "serious_violations", "untied_errors"]

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING = ("serious", "critical")
_BANNER = re.search(r"axe v(\d+\.\d+\.\d+)", AXE_SCRIPT[:200])
AXE_VERSION = _BANNER.group(1) if _BANNER else "unknown"  # the release inside axe-playwright-python, from its banner


@dataclass(frozen=True, slots=True)
class Violation:
    """One axe rule broken on a page: the rule, how bad, what it asks, and the elements that break it."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:5]) + (f" and {len(self.targets) - 5} more" if len(self.targets) > 5 else "")
        return f"{self.rule} ({self.impact}): {self.help}: {shown}"


def audit(page: Any, /) -> list[Violation]:
    """Every violation axe-core finds on ``page`` (as it is now) under the WCAG 2.x A and AA rules, any impact."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    return [
        Violation(v["id"], v["impact"] or "unknown", v["help"], tuple(" ".join(n["target"]) for n in v["nodes"]))
        for v in results["violations"]
    ]


def serious_violations(page: Any, /) -> list[Violation]:
    """The violations of :func:`audit` whose impact is serious or critical."""
    return [v for v in audit(page) if v.impact in BLOCKING]


def describe(violations: list[Violation], /) -> str:
    """One line per violation, for an assertion's message."""
    return "\n".join(str(v) for v in violations)


# Elements a person can reach with Tab, as the HTML standard makes them focusable.
_FOCUSABLE = (
    "a[href], area[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), "
    "textarea:not([disabled]), summary, iframe, [contenteditable=''], [contenteditable=true], [tabindex]"
)

# Marks every element that should take focus (in the order Tab should visit them: DOM order, as positive
# tabindex values are themselves a fault) with its index, and records how each looks unfocused.
_MARK_JS = """selector => {
  const looks = el => { const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join('|'); };
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  // Of a group of radio buttons Tab stops at one: the checked one, else the first (arrow keys move within).
  const radioStop = el => {
    if (el.type !== 'radio' || !el.name) return true;
    const group = [...(el.form || document).querySelectorAll('input[type=radio]')].filter(r => r.name === el.name);
    const checked = group.find(r => r.checked);
    return checked ? el === checked : el === group[0];
  };
  const found = [...document.querySelectorAll(selector)].filter(el => el.tabIndex >= 0 && shown(el) && radioStop(el));
  found.forEach((el, index) => { el.__walkIndex = index; el.__walkUnfocused = looks(el); });
  return found.map(el => ({name: el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''),
                           text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
                           tabindex: el.tabIndex}));
}"""

# What has focus now: its index, whether it shows a focus indicator, whether it can be seen.
_FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && !/rgba\\(.*, 0\\)$/.test(s.outlineColor);
  const shadow = s.boxShadow !== 'none';
  const now = [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join('|');
  const box = el.getClientRects()[0];
  let seen = false;
  if (box && box.width > 0 && box.height > 0) {
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    seen = box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth
           && !!hit && (hit === el || el.contains(hit) || hit.contains(el));
  }
  // A drawn outline (not the browser's own two-tone 'auto' ring) must contrast 3:1 with what is behind it.
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).slice(0, 3).map(v => v / 255)
    .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let behind = 'rgb(255, 255, 255)';
  for (let at = parseFloat(s.outlineOffset) < 0 ? el : el.parentElement; at; at = at.parentElement) {
    const colour = getComputedStyle(at).backgroundColor, parts = rgb(colour);
    if (parts.length === 3 || parts[3] > 0) { behind = colour; break; }
  }
  const [high, low] = [lum(s.outlineColor), lum(behind)].sort((a, b) => b - a);
  const contrast = outline && s.outlineStyle !== 'auto' ? (high + 0.05) / (low + 0.05) : null;
  return {index: el.__walkIndex ?? null, name: el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''),
          indicator: (outline || shadow) && now !== el.__walkUnfocused, seen, contrast,
          outline: s.outlineColor, behind};
}"""


def keyboard_walk(page: Any, /) -> list[str]:
    """Tab through ``page`` from its top; the problems found, one sentence each (none: it works by keyboard).

    Every element that can take focus must get it, once and in document order
    (no positive ``tabindex``, nothing skipped, no trap), be visible on screen
    when it has it (WCAG 2.4.11) and show an outline or box shadow that it does
    not show unfocused (2.4.7), an outline it draws contrasting 3:1 with what is
    behind it (1.4.11; Chromium's own two-tone ring is taken as visible). Of a
    group of radio buttons only the checked one (else the first) is a stop, as
    in every browser. Frames are not entered: walk a frame's page on its own. The page's focus and scroll position change.
    """
    expected = page.evaluate(_MARK_JS, _FOCUSABLE)
    problems = [f"{e['name']} ({e['text']!r}) has tabindex {e['tabindex']}: the order of Tab must follow the page"
                for e in expected if e["tabindex"] > 0]
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    visited: list[int] = []
    presses = 4 * len(expected) + 2  # a date field takes a press for each of its parts
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED_JS)
        if focused is None or (visited and focused["index"] == visited[0]):
            break  # focus left the page, or came round to the first element again
        if focused["index"] is None:
            problems.append(f"{focused['name']} takes focus but is not shown on the page")
            continue
        entry = expected[focused["index"]]
        label = f"{entry['name']} ({entry['text']!r})"
        if visited and focused["index"] == visited[-1]:
            continue  # still the same control: the next part of a date or time field
        if focused["index"] in visited:
            problems.append(f"{label} takes focus twice: the keyboard is trapped")
            break
        visited.append(focused["index"])
        if not focused["indicator"]:
            problems.append(f"{label} shows no visible focus (no outline or box shadow that it lacks unfocused)")
        if focused["contrast"] is not None and focused["contrast"] < 3:
            problems.append(f"{label}'s focus outline {focused['outline']} on {focused['behind']} contrasts "
                            f"{focused['contrast']:.1f}:1, under 3:1 (WCAG 1.4.11)")
        if not focused["seen"]:
            problems.append(f"{label} is hidden or covered when it has focus")
    else:
        problems.append(f"Tab never left the page after {presses} presses")
    missed = [f"{expected[i]['name']} ({expected[i]['text']!r})" for i in range(len(expected)) if i not in visited]
    if missed:
        problems.append(f"Tab never reaches {', '.join(missed)}")
    if visited != sorted(visited):
        problems.append(f"Tab visits the elements out of document order: {visited}")
    return problems


# Each field marked invalid, and each error message shown: the field must name a visible message with text in
# aria-describedby (or aria-errormessage), and each message must be named so by an invalid field.
_ERRORS_JS = """selector => {
  const problems = [];
  const named = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? `[name=${el.name}]` : '');
  const ids = el => ((el.getAttribute('aria-describedby') || '') + ' ' + (el.getAttribute('aria-errormessage') || ''))
    .split(/\\s+/).filter(Boolean);
  const invalid = [...document.querySelectorAll('[aria-invalid=true]')];
  for (const field of invalid) {
    const texts = ids(field).map(id => document.getElementById(id))
      .filter(el => el && el.getClientRects().length > 0 && el.innerText.trim());
    if (!texts.length) problems.push(`${named(field)} is marked invalid but names no visible message in aria-describedby`);
  }
  const referenced = new Set(invalid.flatMap(ids));
  for (const message of document.querySelectorAll(selector)) {
    if (message.getClientRects().length === 0) continue;
    if (!message.id || !referenced.has(message.id))
      problems.push(`the error "${message.innerText.trim().slice(0, 60)}" is tied to no field (aria-describedby of a field with aria-invalid="true")`);
  }
  return problems;
}"""


def untied_errors(page: Any, /, *, messages: str = ".error-message") -> list[str]:
    """The form errors on ``page`` not tied to their field (WCAG 3.3.1, 1.3.1); none: every one is.

    A field with ``aria-invalid="true"`` must name a visible message in
    ``aria-describedby`` (or ``aria-errormessage``), and every visible element
    matching ``messages`` must be so named by an invalid field.
    """
    problems: list[str] = page.evaluate(_ERRORS_JS, messages)
    return problems
