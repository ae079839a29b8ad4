"""Check that the bank's splits cannot leak into each other: no shared id, question, template instance,
entity or number, and every item's numbers and entities in its own split's partition (common.py).

`problems(records_by_split)` lists what is wrong (empty when the splits are clean); `check(suite)`
raises the first as one EdgebenchError line. The contamination guard (train/contamination.py) runs it
before training on bank items; tests/bench/test_bank.py runs it on every difficulty.
"""

from __future__ import annotations

import itertools

from bench.judges.lexical import normalize
from bench.suites.bank.common import SPLITS, entity_split, number_split
from edge.errors import EdgebenchError


def _instance(r: dict) -> tuple:
    """What makes an item the item it is, whatever its id: its template and every text it shows."""
    return (r["template"], normalize(r["question"]), normalize(r.get("proposed", "")),
            normalize(r.get("first_answer", "")), normalize(r.get("feedback", "")))


def problems(by_split: dict[str, list[dict]], limit: int = 10) -> list[str]:
    found: list[str] = []
    for split, records in by_split.items():
        for r in records:
            bad_n = [n for n in r["keys"]["numbers"] if number_split(n) != split]
            bad_e = [e for e in r["keys"]["entities"] if entity_split(e) != split]
            if r["split"] != split or bad_n or bad_e:
                found.append(f"item {r['id']} of the {split} split holds numbers {bad_n} / entities {bad_e} of "
                             "another split")
    views = {
        "id": lambda r: [r["id"]],
        "question": lambda r: [normalize(r["question"])],
        "template instance": lambda r: [_instance(r)],
        "entity": lambda r: r["keys"]["entities"],
        "number": lambda r: r["keys"]["numbers"],
    }
    for what, keys in views.items():
        seen = {split: {k for r in records for k in keys(r)} for split, records in by_split.items()}
        for a, b in itertools.combinations(seen, 2):
            shared = seen[a] & seen[b]
            if shared:
                found.append(f"the {a} and {b} splits share {len(shared)} {what} value(s), e.g. {sorted(map(str, shared))[:3]}")
    return found[:limit]


def check(suite) -> None:
    """Raise when the splits of a bank suite (bench.suites.bank.BankSuite) are not disjoint."""
    found = problems({split: suite.records(split) for split in SPLITS})
    if found:
        raise EdgebenchError(f"bank suite {suite.spec.name}: {found[0]}")
