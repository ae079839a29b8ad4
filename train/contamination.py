"""The contamination guard: training data come from the train split only.

A training example is refused, with a line naming it, when its item is not a train item, or
when its prompt or its answer is a near copy (character 6-shingle Jaccard of 0.35 or more,
bench/overlap.py) of a dev or fresh item: a teacher that quotes a held-out question would
otherwise leak it into the adapter. The data's hash and the ids of the items it came from go
into the adapter's manifest, so `edgebench run --adapter` can warn when it scores items the
adapter saw.
For the generated bank (bench/suites/bank) the guard first checks that its splits share no entity,
number block or template instance (bench/suites/bank/disjoint.py): ids alone would not show a leak.
"""

from __future__ import annotations

import hashlib
import json

from bench.overlap import NEAR_COPY, item_text, jaccard, shingles
from bench.suites.disposition import DispositionSuite
from edge.errors import EdgebenchError

TRAIN_SPLIT = "train"
HELD_OUT = ("dev", "fresh")


class Guard:
    """The held-out items' shingles, computed once; `problem(example)` says why an example may not be trained on."""

    def __init__(self, suite: DispositionSuite | None = None) -> None:
        suite = suite or DispositionSuite()
        if getattr(suite, "selectable", False):  # a generated bank: its splits must also share no entity or number
            from bench.suites.bank.disjoint import check

            check(suite)
        self.split_of = {r["id"]: r["split"] for r in suite.all_items}
        self.held_out = [(r["id"], shingles(item_text(r))) for r in suite.all_items if r["split"] in HELD_OUT]

    def problem(self, example: dict) -> str | None:
        """None for a clean example; else the reason, naming the item (and the held-out item it copies)."""
        item_id = example["item_id"]
        split = self.split_of.get(item_id)
        if split != TRAIN_SPLIT:
            where = f"the {split} split" if split else "no split of the disposition suite"
            return (f"training example for item {item_id} is from {where}; only the train split may be trained on "
                    "(dev and fresh are what the benchmark scores)")
        for field in ("prompt_text", "answer"):
            grams = shingles(example.get(field, ""))
            for held_id, held in self.held_out:
                similarity = jaccard(grams, held)
                if similarity >= NEAR_COPY:
                    return (f"training example for item {item_id}: its {field.replace('_text', '')} is a near copy of "
                            f"held-out item {held_id} (6-shingle Jaccard {similarity:.2f} >= {NEAR_COPY}); drop it from "
                            "the training data")
        return None


def check_examples(examples: list[dict], suite: DispositionSuite | None = None) -> None:
    """Refuse any example whose item is held out, or whose texts nearly copy a held-out item.
    Each example has `item_id` and the texts to check under `prompt_text` and `answer`."""
    guard = Guard(suite)
    for example in examples:
        problem = guard.problem(example)
        if problem:
            raise EdgebenchError(problem)


def data_hash(examples: list[dict]) -> str:
    """sha256 of the examples as canonical JSON: what the adapter's manifest records."""
    return hashlib.sha256(json.dumps(examples, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def overlap_warning(manifest: dict, scored_ids: set[str]) -> str | None:
    """A warning when an adapter was trained on items the run scores (an adapter from elsewhere may say so)."""
    seen = set(manifest.get("item_ids", []))
    both = sorted(seen & scored_ids)
    if not both:
        return None
    return (f"the adapter was trained on {len(both)} of the items this run scores ({', '.join(both[:5])}"
            f"{' ...' if len(both) > 5 else ''}); its scores on them are not a test")
