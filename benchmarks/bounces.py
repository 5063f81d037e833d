"""Benchmark: the bounce reader on corpora of real messages, beside flufl.bounce alone, in the same run.

Run with ``.venv/bin/python benchmarks/bounces.py CORPUS_DIR [CORPUS_DIR...] [--misses]``.
Each folder holds ``eml/`` (one message a file) and ``truth.json`` (one row per
failed recipient: ``file``, ``kind`` = bounce, complaint or not-bounce,
``recipient``, ``status``, ``hard``). Prints, per folder, for this project, for
this project without flufl.bounce's detectors as a second opinion, and for
flufl.bounce alone:

- bounces recognised (kind bounce with at least one recipient) and bounces whose
  recipients are exactly the right ones. A reader may name the address a
  message was sent to and, beside it, the one it was forwarded to and failed at
  (``Original-Recipient`` and ``Final-Recipient``, sendmail's "expanded from"):
  corpora differ on which of the two they record, so either counts, and a
  second line counts only the address as the reader names it. A truth row
  without a recipient (one its makers could not read) asks for one more
  recipient than the known ones;
- failed recipients named, and of those, permanent/temporary agreement with the
  status class of the truth (5.x.x permanent, 4.x.x temporary); a notice that
  says delivery was abandoned (``Action: failed``, "giving up") is permanent
  for this project whatever its class, and the disagreements of that kind are
  counted apart;
  and agreement of this project's hard bounces (suppressed at once) with the
  truth's ``hard`` (the address itself is gone: unknown user or host);
- complaints recognised (an opt-out report may also be read as an unsubscribe
  request: both suppress at once), with the right recipient where one is known;
- false positives: messages that are not bounces reported as bounces or complaints;
- bounces naming nobody readable ("unreadable failure: left for a person");
- messages per second.

flufl.bounce has no notion of complaints: a complaint counts for it when it
names the recipient as a failure. ``--misses`` lists the bounces this project gets wrong.
"""

from __future__ import annotations

import argparse
import email
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flufl.bounce import all_failures

from soc_bulletin.loop.classify import classify_bytes
from soc_bulletin.loop.mime import Unreadable
from soc_bulletin.loop.policy import is_hard
from soc_bulletin.loop.verdict import Kind

PLACEHOLDER = ".invalid"  # the corpus's stand-in where a report names no recipient


PARSERS = ("ours", "ours without flufl", "flufl")


@dataclass
class Said:
    """What a parser said about one message."""

    kind: str
    recipients: dict[str, bool | None] = field(default_factory=dict)  # address (casefolded) -> permanent
    hard: dict[str, bool] = field(default_factory=dict)  # address -> suppressed at once (this project's policy)
    forwarded: dict[str, str] = field(default_factory=dict)  # address -> the one it was forwarded to and failed at
    statuses: dict[str, str] = field(default_factory=dict)  # address (as the truth names it) -> the status read

    def as_truth_names(self, wanted: set[str]) -> dict[str, bool | None]:
        """The recipients, each by the one of its two names the truth uses (the address sent to, else the final one)."""
        return {(a if a in wanted or a not in self.forwarded else self.forwarded[a]): p for a, p in self.recipients.items()}


def ours(raw: bytes, *, second_opinion: bool = True) -> Said:
    try:
        verdict = classify_bytes(raw, second_opinion=second_opinion)
    except Unreadable:
        return Said("none")
    kind = verdict.kind.value if verdict.kind is not Kind.UNSUBSCRIBE else "complaint"  # an opt-out by mail
    return Said(kind, {f.address.casefold(): f.permanent for f in verdict.recipients},
                {f.address.casefold(): is_hard(f) for f in verdict.recipients},
                {f.address.casefold(): f.final.casefold() for f in verdict.recipients if f.final},
                {(n or f.address).casefold(): f.status or "" for f in verdict.recipients for n in ("", f.final)})


def flufl(raw: bytes) -> Said:
    message = email.message_from_bytes(raw)
    temporary, permanent = all_failures(message)
    found: dict[str, bool | None] = {}
    for addresses, is_permanent in ((temporary, False), (permanent, True)):
        for address in addresses:
            text = address.decode("utf-8", "replace") if isinstance(address, bytes) else str(address)
            found[text.strip("<>").casefold()] = is_permanent
    return Said("bounce" if found else "none", found)


@dataclass
class Score:
    bounces: int = 0
    recognised: int = 0
    exact: int = 0
    exact_as_named: int = 0
    recipients: int = 0
    named: int = 0
    graded: int = 0
    agreed: int = 0
    abandoned: int = 0
    hard_graded: int = 0
    hard_agreed: int = 0
    complaints: int = 0
    complaints_found: int = 0
    complaint_recipients: int = 0
    complaint_recipients_found: int = 0
    negatives: int = 0
    false_positives: int = 0
    unreadable_failures: int = 0
    seconds: float = 0.0
    messages: int = 0
    misses: list[str] = field(default_factory=list)


def _parse(parser_name: str, raw: bytes, kind: object) -> Said:
    if parser_name == "flufl":
        return _complaint_by_flufl(raw) if kind == "complaint" else flufl(raw)
    return ours(raw, second_opinion=parser_name == "ours")


def _exact(said: set[str], wanted: set[str], unnamed: int) -> bool:
    """The right recipients: the known ones, and as many others as the truth has rows without one."""
    return said == wanted if not unnamed else wanted <= said and len(said) == len(wanted) + unnamed


def measure(parser_name: str, messages: dict[str, bytes], truth: dict[str, list[dict[str, object]]]) -> Score:
    score = Score()
    said: dict[str, Said] = {}
    started = time.perf_counter()
    for name, raw in messages.items():
        said[name] = _parse(parser_name, raw, truth[name][0]["kind"])
    score.seconds = time.perf_counter() - started
    score.messages = len(messages)
    for name, rows in truth.items():
        kind, answer = rows[0]["kind"], said[name]
        wanted = {str(r["recipient"]).casefold(): r for r in rows if r.get("recipient")}
        if kind == "bounce":
            score.bounces += 1
            score.recipients += len(wanted)
            unnamed = sum(1 for r in rows if not r.get("recipient"))
            named = answer.as_truth_names(set(wanted))
            if answer.kind == "bounce" and answer.recipients:
                score.recognised += 1
                score.exact_as_named += _exact(set(answer.recipients), set(wanted), unnamed)
                if _exact(set(named), set(wanted), unnamed):
                    score.exact += 1
                else:
                    score.misses.append(f"{name}: said {sorted(named)}, truth {sorted(wanted)}")
            else:
                score.unreadable_failures += answer.kind == "bounce"
                score.misses.append(f"{name}: said {answer.kind}, truth bounce {sorted(wanted)}")
            for address, row in wanted.items():
                if answer.kind == "bounce" and address in named:
                    score.named += 1
                    permanent = named[address]
                    if permanent is not None and row.get("status"):
                        score.graded += 1
                        score.agreed += permanent == str(row["status"]).startswith("5")
                        score.abandoned += bool(permanent) and str(row["status"]).startswith("4") and \
                            answer.statuses.get(address, "").startswith("4")
                    hard = {(a if a in wanted else answer.forwarded.get(a, a)): h for a, h in answer.hard.items()}
                    if address in hard and row.get("hard") is not None:
                        score.hard_graded += 1
                        score.hard_agreed += hard[address] == row["hard"]
        elif kind == "complaint":
            score.complaints += 1
            score.complaints_found += answer.kind == "complaint"
            known = {a for a in wanted if not a.endswith(PLACEHOLDER)}
            score.complaint_recipients += len(known)
            score.complaint_recipients_found += len(known & set(answer.recipients)) if answer.kind == "complaint" else 0
        elif kind == "not-bounce":
            score.negatives += 1
            if answer.kind in ("bounce", "complaint"):
                score.false_positives += 1
                score.misses.append(f"{name}: a {rows[0].get('subkind')} reported as {answer.kind}")
    return score


def _complaint_by_flufl(raw: bytes) -> Said:
    found = flufl(raw)
    return Said("complaint" if found.recipients else "none", found.recipients)


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"


LINES = [
    ("bounces recognised", lambda s: _pct(s.recognised, s.bounces)),
    ("bounces, exactly the right recipients", lambda s: _pct(s.exact, s.bounces)),
    ("  the same, only as the reader names them", lambda s: _pct(s.exact_as_named, s.bounces)),
    ("failed recipients named", lambda s: _pct(s.named, s.recipients)),
    ("permanent/temporary agreement", lambda s: _pct(s.agreed, s.graded)),
    ("  disagreeing: abandoned with a 4.x status", lambda s: str(s.abandoned) if s.graded else "n/a"),
    ("hard (suppress at once) agreement", lambda s: _pct(s.hard_agreed, s.hard_graded) if s.hard_graded else "n/a"),
    ("complaints recognised", lambda s: _pct(s.complaints_found, s.complaints)),
    ("complaint recipients named", lambda s: _pct(s.complaint_recipients_found, s.complaint_recipients)),
    ("false positives (non-bounces)", lambda s: _pct(s.false_positives, s.negatives)),
    ("bounces naming nobody: left for a person", lambda s: str(s.unreadable_failures)),
    ("messages per second", lambda s: f"{s.messages / s.seconds:,.0f}"),
]


def report(corpus: Path, misses: bool) -> None:
    rows = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    truth: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        if row["kind"] in ("bounce", "complaint", "not-bounce"):
            truth[row["file"]].append(row)
    messages = {name: (corpus / "eml" / name).read_bytes() for name in truth}
    scores = {name: measure(name, messages, truth) for name in PARSERS}
    print(f"{corpus} ({len(messages)} messages)")
    print(f"{'':<44}{'soc_bulletin':>20}{'without flufl':>20}{'flufl.bounce':>20}")
    for title, show in LINES:
        print(f"{title:<44}" + "".join(f"{show(scores[p]):>20}" for p in PARSERS))
    if misses:
        print("\n".join(["", "This project's misses:", *scores["ours"].misses]))
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpus", type=Path, nargs="+", metavar="CORPUS_DIR")
    parser.add_argument("--misses", action="store_true", help="list this project's wrong answers")
    args = parser.parse_args()
    for corpus in args.corpus:
        report(corpus, args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
