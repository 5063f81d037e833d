"""Benchmark: the bounce parser on a corpus of real messages, beside flufl.bounce alone.

Run with ``.venv/bin/python benchmarks/bounces.py CORPUS_DIR [--misses]``. The
folder holds ``eml/`` (one message a file) and ``truth.json`` (one row per
failed recipient: ``file``, ``kind`` = bounce, complaint or not-bounce,
``recipient``, ``status``). Prints, for this project and for flufl.bounce:

- bounces recognised (kind bounce with at least one recipient) and bounces whose
  recipients are exactly the right ones;
- failed recipients named, and of those, permanent/temporary agreement with the
  status class of the truth (5.x.x permanent, 4.x.x temporary), and agreement of
  this project's hard bounces (suppressed at once) with the truth's ``hard``
  (the address itself is gone: unknown user or host);
- complaints recognised (an opt-out report may also be read as an unsubscribe
  request: both suppress at once), with the right recipient where one is known;
- false positives: messages that are not bounces reported as bounces or complaints;
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

from soc_bulletin.loop.classify import classify
from soc_bulletin.loop.mime import Unreadable
from soc_bulletin.loop.policy import is_hard
from soc_bulletin.loop.verdict import Kind

PLACEHOLDER = ".invalid"  # the corpus's stand-in where a report names no recipient


@dataclass
class Said:
    """What a parser said about one message."""

    kind: str
    recipients: dict[str, bool | None] = field(default_factory=dict)  # address (casefolded) -> permanent
    hard: dict[str, bool] = field(default_factory=dict)  # address -> suppressed at once (this project's policy)


def ours(raw: bytes) -> Said:
    try:
        verdict = classify(raw)
    except Unreadable:
        return Said("none")
    kind = verdict.kind.value if verdict.kind is not Kind.UNSUBSCRIBE else "complaint"  # an opt-out by mail
    return Said(kind, {f.address.casefold(): f.permanent for f in verdict.recipients},
                {f.address.casefold(): is_hard(f) for f in verdict.recipients})


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
    recipients: int = 0
    named: int = 0
    graded: int = 0
    agreed: int = 0
    hard_graded: int = 0
    hard_agreed: int = 0
    complaints: int = 0
    complaints_found: int = 0
    complaint_recipients: int = 0
    complaint_recipients_found: int = 0
    negatives: int = 0
    false_positives: int = 0
    seconds: float = 0.0
    messages: int = 0
    misses: list[str] = field(default_factory=list)


def measure(parser_name: str, corpus: Path, truth: dict[str, list[dict[str, object]]]) -> Score:
    parse = ours if parser_name == "ours" else flufl
    score = Score()
    messages = {name: (corpus / "eml" / name).read_bytes() for name in truth}
    said: dict[str, Said] = {}
    started = time.perf_counter()
    for name, raw in messages.items():
        said[name] = parse(raw) if parser_name == "ours" or truth[name][0]["kind"] != "complaint" else _complaint_by_flufl(raw)
    score.seconds = time.perf_counter() - started
    score.messages = len(messages)
    for name, rows in truth.items():
        kind, answer = rows[0]["kind"], said[name]
        wanted = {str(r["recipient"]).casefold(): r for r in rows if r.get("recipient")}
        if kind == "bounce":
            score.bounces += 1
            score.recipients += len(wanted)
            if answer.kind == "bounce" and answer.recipients:
                score.recognised += 1
                if set(answer.recipients) == set(wanted):
                    score.exact += 1
                elif parser_name == "ours":
                    score.misses.append(f"{name}: said {sorted(answer.recipients)}, truth {sorted(wanted)}")
            elif parser_name == "ours":
                score.misses.append(f"{name}: said {answer.kind}, truth bounce {sorted(wanted)}")
            for address, row in wanted.items():
                if answer.kind == "bounce" and address in answer.recipients:
                    score.named += 1
                    permanent = answer.recipients[address]
                    if permanent is not None and row.get("status"):
                        score.graded += 1
                        score.agreed += permanent == str(row["status"]).startswith("5")
                    if address in answer.hard and row.get("hard") is not None:
                        score.hard_graded += 1
                        score.hard_agreed += answer.hard[address] == row["hard"]
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
                if parser_name == "ours":
                    score.misses.append(f"{name}: a {rows[0].get('subkind')} reported as {answer.kind}")
    return score


def _complaint_by_flufl(raw: bytes) -> Said:
    found = flufl(raw)
    return Said("complaint" if found.recipients else "none", found.recipients)


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpus", type=Path, metavar="CORPUS_DIR")
    parser.add_argument("--misses", action="store_true", help="list this project's wrong answers")
    args = parser.parse_args()
    rows = json.loads((args.corpus / "truth.json").read_text(encoding="utf-8"))
    truth: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        if row["kind"] in ("bounce", "complaint", "not-bounce"):
            truth[row["file"]].append(row)
    scores = {name: measure(name, args.corpus, truth) for name in ("ours", "flufl")}
    lines = [
        ("bounces recognised", lambda s: _pct(s.recognised, s.bounces)),
        ("bounces, exactly the right recipients", lambda s: _pct(s.exact, s.bounces)),
        ("failed recipients named", lambda s: _pct(s.named, s.recipients)),
        ("permanent/temporary agreement", lambda s: _pct(s.agreed, s.graded)),
        ("hard (suppress at once) agreement", lambda s: _pct(s.hard_agreed, s.hard_graded) if s.hard_graded else "n/a"),
        ("complaints recognised", lambda s: _pct(s.complaints_found, s.complaints)),
        ("complaint recipients named", lambda s: _pct(s.complaint_recipients_found, s.complaint_recipients)),
        ("false positives (non-bounces)", lambda s: _pct(s.false_positives, s.negatives)),
        ("messages per second", lambda s: f"{s.messages / s.seconds:,.0f}"),
    ]
    print(f"{'':<40}{'soc_bulletin':>22}{'flufl.bounce':>22}")
    for title, show in lines:
        print(f"{title:<40}{show(scores['ours']):>22}{show(scores['flufl']):>22}")
    if args.misses:
        print("\n".join(["", "This project's misses:", *scores["ours"].misses]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
