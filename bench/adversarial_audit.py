"""`edgebench judge-audit --adversarial`: the scorers on answers written to fool them.

The set (tests/data/adversarial_answers.jsonl in the repository) holds answers to real suite
items, each with its true trait score, its kind (`words_without_behaviour`: the marker words
of the trait while doing the opposite; `behaviour_without_words`: the trait shown in plain
words) and the round it was written in. Round 1 (128 answers, every family) was written after
the commitment rules (bench/commitments.py); the uncertainty rules were then rewritten having
seen round 1's uncertainty failures, so round 2 (32 new uncertainty answers) was written after
them and is the held-out figure for that family. Issue 22 then fixed classes of answer the rules
misjudged, against its own new cases (tests/bench/test_scorer_classes.py), and two fixes more
having seen factual round 1's failures: on these rounds its figures are no longer held out; a
new round written after it, by someone who has not read the rules, is: round 3 (160 answers, 40 per
family, each marked with the issue-22 class it tests, 0 for none), written by an independent writer
who never saw the code. Its held-out figures are those measured before the fixes that followed it
(README); those fixes were made having read its failures, so on it the figures are no longer held out.
Round 4 (160 answers, by a new independent writer, after the round-3 fixes) likewise: held out before the
fixes that followed it, seen after them. Round 5 (160 answers, by a third writer, after all fixes) was
never used to tune anything: it is the held-out figure.
Figures are given per round and per class (`--adversarial-set` scores any such file).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bench.judge_audit import label_agreement
from bench.judge_file import read_answers
from bench.scorers import score
from bench.suites.disposition import DispositionSuite
from edge.errors import EdgebenchError

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "adversarial_answers.jsonl"
TRAIT = {"uncertainty": "uncertainty", "self_verification": "self_verification", "feedback": "feedback",
         "factual": "correct"}


def run_adversarial(path: Path | None = None) -> dict:
    """Accuracy and Cohen's kappa of the scorers against the true labels, per family, kind and round, and per
    issue-22 class (over the answers that name one)."""
    path = Path(path) if path else DEFAULT_SET
    if not path.is_file():
        raise EdgebenchError(f"adversarial set not found: {path}; give its path (--adversarial-set FILE)")
    rows = read_answers(path)
    items = {i["id"]: i for i in DispositionSuite().all_items}
    by_family: dict[str, list[tuple[str, str, str, int]]] = defaultdict(list)
    by_class: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for number, row in enumerate(rows, start=1):
        item = items.get(row.get("item_id"))
        if item is None or row.get("expected") not in (0, 1) or not row.get("kind"):
            raise EdgebenchError(f"{path}:{number}: needs a known item_id, expected 0 or 1, and a kind")
        got = score(item, row["answer"])[TRAIT[item["family"]]]
        by_family[item["family"]].append((row["kind"], str(int(row["expected"])), str(int(got or 0)), row.get("round", 1)))
        if "class" in row:  # the issue-22 class the answer tests (0: none)
            by_class[str(row["class"])].append((str(int(row["expected"])), str(int(got or 0))))
    result = {"set": str(path), "n": len(rows), "families": {},
              "classes": {c: label_agreement([e for e, _ in by_class[c]], [g for _, g in by_class[c]])
                          for c in sorted(by_class, key=int)}}
    for family, outcomes in sorted(by_family.items()):
        agreement = label_agreement([o[1] for o in outcomes], [o[2] for o in outcomes])
        kinds = {}
        for kind in sorted({o[0] for o in outcomes}):
            picked = [(e, g) for k, e, g, _ in outcomes if k == kind]
            kinds[kind] = {"n": len(picked), "accuracy": sum(e == g for e, g in picked) / len(picked)}
        rounds = {str(r): label_agreement([o[1] for o in outcomes if o[3] == r], [o[2] for o in outcomes if o[3] == r])
                  for r in sorted({o[3] for o in outcomes})}
        result["families"][family] = {**agreement, "kinds": kinds, "rounds": rounds}
    return result
