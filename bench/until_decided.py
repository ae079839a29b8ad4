"""`edgebench run --until-decided`: add items until every artifact's comparison with the reference is settled.

The items of the suites (every item of the splits run, or the first `--limit` of each split) are taken in one
seeded order, stratified: a round robin over the families, each family's items shuffled by the seed, so any
prefix holds the families in equal shares until one runs out (`decision_order`). They run in chunks. After each
chunk, every open artifact's paired differences with the reference (reference minus artifact, per item, at the
largest budget, on the scores bench/recommend.py tests: each suite's target and content score) update its
anytime-valid tests (bench/sequential.py: `SequentialPlan`, Bonferroni over the run's artifacts x scores, at
recommend.py's margin and alpha), item by item in the order. An artifact stops when its comparison is settled:
non-inferior within the margin on every score, or worse by the margin on one; the others go on, and the
reference generates only the chunks some open artifact needs. The order running out ends the rest as "bank
exhausted".

Why Bonferroni and not Holm: with alpha / k per test, an artifact's decision is a function of its own
differences and the order alone, so it settles at the same item whatever the chunk size (which can then follow
a parallel count) and whatever the other artifacts do. A resumed run replays the stored items in the same order,
generating nothing it holds, and reaches the same state.

The state goes to the run's metadata after every chunk (`until_decided`, see `record`); the report reads it
(`standings`) and stars the smallest artifact settled non-inferior, as recommend.py does for a fixed-size run.
Nothing here runs a model: the caller passes how to generate and read items (bench/execute.py).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Callable

from bench.recommend import (ALPHA, FLOOR_ONLY, MARGIN, QUALIFIES, WORSE as STANDING_WORSE, Candidate, Recommendation,
                             Standing, pick)
from bench.scoring import run_splits
from bench.sequential import EXHAUSTED, NON_INFERIOR, WORSE, SequentialPlan
from bench.suites.base import Item

META_KEY = "until_decided"
CRASHED, OPEN = "crashed", "open"
# why an artifact stopped, as the report says it (the record's `state` -> the words)
STOPPED = {NON_INFERIOR: "settled non-inferior", WORSE: "settled worse", EXHAUSTED: "bank exhausted",
           OPEN: "still open", CRASHED: "crashed"}
BANK_EXHAUSTED, STILL_OPEN = "bank exhausted", "still open"  # standings beside recommend.py's


@dataclass(frozen=True)
class Scored:
    """A score the decision tests: a suite's metric, named by its report key (as recommend.py's tests are)."""

    suite: str
    metric: str
    key: str


def decision_scores(loaded: dict[str, tuple]) -> list[Scored]:
    """Each suite's target and content score, less those no item of the run carries (the suite's score_counts
    say so where it keeps them): a test that could never get an item would keep its artifact open."""
    out = []
    for name, (suite, items) in loaded.items():
        spec = suite.spec
        names = {r.metric: r.key for r in spec.reported}
        splits = {i.split for i in items}
        for metric in dict.fromkeys((spec.target, spec.content)):
            key = names.get(metric, metric)
            counts = (spec.score_counts or {}).get(key)
            if counts is not None and not any(counts.get(s, [0])[-1] for s in splits):
                continue
            out.append(Scored(name, metric, key))
    return out


def pool_items(suite, splits: tuple[str, ...] | None, limit: int | None) -> list[Item]:
    """Every item of each split run (at most `limit` per split): what --until-decided may draw from."""
    held = suite.spec.items_per_split or {}
    return [item for split in run_splits(suite, splits)
            for item in suite.items(split, limit if limit is not None else held.get(split))]


def decision_order(items: list[Item], seed: int) -> list[Item]:
    """Every item once: a round robin over (suite, family), each family's items shuffled by the seed, so any
    prefix is balanced across families until the smallest runs out."""
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault((item.suite, item.family), []).append(item)
    for (suite, family), group in groups.items():
        random.Random(f"until-decided:{seed}:{suite}:{family}").shuffle(group)  # str seeds: the same on every host
    return [i for row in itertools.zip_longest(*groups.values()) for i in row if i is not None]


@dataclass
class Decider:
    """The sequential comparisons of one run: every non-reference artifact against the reference."""

    reference: str
    artifacts: list[str]
    scores: list[Scored]
    margin: float = MARGIN
    alpha: float = ALPHA
    plan: SequentialPlan = field(init=False)
    used: dict[str, int] = field(init=False)  # items each artifact's decision has taken, in the order
    crashed: dict[str, str] = field(init=False)

    def __post_init__(self):
        keys = [(a, s.key) for a in self.artifacts for s in self.scores]
        # stop="verdict": one score shown worse settles the artifact (it can no longer qualify)
        self.plan = SequentialPlan(keys, self.alpha, self.margin, correction="bonferroni", stop="verdict")
        self.used = {a: 0 for a in self.artifacts}
        self.crashed = {}

    def is_open(self, artifact: str) -> bool:
        return artifact not in self.crashed and not self.plan.artifact(artifact).settled

    def open_artifacts(self) -> list[str]:
        return [a for a in self.artifacts if self.is_open(a)]

    def feed(self, artifact: str, items: list[Item], ref: dict[str, dict], mine: dict[str, dict]) -> None:
        """The items in order, until the artifact is settled; ref and mine: item id -> its score row. An item
        either side lacks (its generation failed) is passed over."""
        for item in items:
            if not self.is_open(artifact):
                return
            r, a = ref.get(item.id), mine.get(item.id)
            if r is None or a is None:
                continue
            ds = {s.key: float(r[s.metric]) - float(a[s.metric]) for s in self.scores
                  if s.suite == item.suite and r.get(s.metric) is not None and a.get(s.metric) is not None}
            self.plan.update_item(artifact, ds)
            self.used[artifact] += 1

    def exhaust(self) -> None:
        for artifact in self.open_artifacts():
            self.plan.exhaust(artifact)

    def state(self, artifact: str) -> str:
        if artifact in self.crashed:
            return CRASHED
        found = self.plan.artifact(artifact)
        return found.verdict if found.verdict in (NON_INFERIOR, WORSE, EXHAUSTED) else OPEN

    def record(self, position: int, total: int, chunk: int, seed: int) -> dict:
        """What the run's metadata keeps after every chunk, and the report reads."""
        out = {"seed": seed, "chunk": chunk, "position": position, "items": total, "margin": self.margin,
               "alpha": self.alpha, "correction": "bonferroni", "tests": self.plan.k, "reference": self.reference,
               "artifacts": {}}
        for artifact in self.artifacts:
            found = self.plan.artifact(artifact)
            tests = {}
            for s in self.scores:
                t = self.plan.tests[(artifact, s.key)]
                tests[s.key] = {"decision": self.plan.decisions[(artifact, s.key)], "n": t.n,
                                "mean": round(t.mean, 6) if t.n else None, "upper": round(t.upper, 6),
                                "lower": round(t.lower, 6), "settled_at": self.plan.settled_at.get((artifact, s.key))}
            out["artifacts"][artifact] = {"state": self.state(artifact), "items": self.used[artifact],
                                          "why": self.crashed.get(artifact) or self._why(artifact, tests),
                                          "tests": tests}
        return out

    def _why(self, artifact: str, tests: dict[str, dict]) -> str:
        state, used = self.state(artifact), self.used[artifact]
        if state == NON_INFERIOR:
            bounds = ", ".join(f"{k} <= {t['upper']:+.3f}" for k, t in tests.items() if t["n"])
            return (f"within {self.margin:.0%} of the reference on every score after {used} items "
                    f"(reference - artifact: {bounds})")
        worse = [(k, t) for k, t in tests.items() if t["decision"] == WORSE]
        if worse:
            bounds = ", ".join(f"{k} >= {t['lower']:+.3f}" for k, t in worse)
            return f"worse than the reference by more than {self.margin:.0%} after {used} items ({bounds})"
        unsettled = ", ".join(k for k, t in tests.items() if t["decision"] not in (NON_INFERIOR, WORSE))
        if state == EXHAUSTED:
            return f"the items ran out after {used} with {unsettled} unsettled"
        return f"{unsettled} not settled yet after {used} items"


Generate = Callable[[str, list[Item]], bool]  # (artifact, items) -> False when its runtime crashed
Read = Callable[[str, list[Item]], dict[str, dict]]  # (artifact, items) -> item id -> score row (largest budget)


def run_until_decided(decider: Decider, order: list[Item], chunk: int, generate: Generate, read: Read,
                      save: Callable[[dict], None], seed: int = 0) -> Decider:
    """Chunks of the order until no artifact is open; save(record) after each chunk and at the end."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    position = 0
    save(decider.record(position, len(order), chunk, seed))  # a report made before the first chunk ends: all open
    while position < len(order) and decider.open_artifacts():
        items = order[position:position + chunk]
        if not generate(decider.reference, items):
            for artifact in decider.open_artifacts():  # nothing can be compared without the reference
                decider.crashed[artifact] = f"the reference {decider.reference} crashed; --resume retries it"
            break
        ref = read(decider.reference, items)
        for artifact in decider.open_artifacts():
            if not generate(artifact, items):
                decider.crashed[artifact] = "its runtime crashed; --resume retries it"
                continue
            decider.feed(artifact, items, ref, read(artifact, items))
        position += len(items)
        save(decider.record(position, len(order), chunk, seed))
    if position >= len(order):
        decider.exhaust()
    save(decider.record(position, len(order), chunk, seed))
    return decider


# ---- the report's side: the recommendation from the stored record -------------------------------------

def stopped(record: dict | None, label: str, is_reference: bool) -> tuple[int | None, str | None]:
    """(items the decision used, why it stopped) for one artifact of a run; (None, None) for a fixed-size run.
    The reference used as many items as the longest comparison."""
    if not record:
        return None, None
    if is_reference:
        return max((a["items"] for a in record["artifacts"].values()), default=0), "reference"
    found = record["artifacts"].get(label)
    return (found["items"], STOPPED[found["state"]]) if found else (None, None)


def standing_of(label: str, found: dict, levels: dict[str, str]) -> Standing:
    """recommend.py's standing from the sequential state: non-inferior qualifies unless every score it was
    tested on sits at the floor or ceiling (no number of items there earns the star)."""
    state, why = found["state"], f"{label}: {found['why']}"
    if state == NON_INFERIOR:
        tested = [key for key, t in found["tests"].items() if t["n"]]
        if tested and all(levels.get(key) for key in tested):
            return Standing(label, FLOOR_ONLY, why + "; every score it passed sits at the floor or ceiling, "
                            "which earns no star")
        return Standing(label, QUALIFIES, why)
    if state == WORSE:
        return Standing(label, STANDING_WORSE, why)
    return Standing(label, {EXHAUSTED: BANK_EXHAUSTED, OPEN: STILL_OPEN}.get(state, state), why)


def short(standing: Standing) -> str:
    """A few characters for the report's `within` cell."""
    return {QUALIFIES: "yes", STANDING_WORSE: "worse", FLOOR_ONLY: "floor/ceiling only"}.get(standing.state,
                                                                                            standing.state)


def recommend_sequential(candidates: list[Candidate], record: dict, levels: dict[str, str]) -> Recommendation:
    """The smallest artifact settled non-inferior (ties as recommend.py), every artifact's standing; candidates
    the record does not name (added after the run) stay unsettled."""
    rec = Recommendation(None, "", record["margin"])
    how = (f"anytime-valid sequential tests, one per score, Bonferroni over {record['tests']} tests, "
           f"items in a seeded order stratified by family")
    for c in candidates:
        found = record["artifacts"].get(c.label)
        rec.standings[c.label] = (standing_of(c.label, found, levels) if found else
                                  Standing(c.label, STILL_OPEN, f"{c.label} was not in the sequential comparison"))
        rec.qualifies[c.label] = rec.standings[c.label].state == QUALIFIES
    picked = pick([c for c in candidates if rec.qualifies[c.label]])
    if picked is None:
        rec.why = (f"no artifact was settled within {record['margin']:.0%} of the reference on every score ({how}); "
                   + "; ".join(s.why for s in rec.standings.values()))
        return rec
    best, tied = picked
    rec.label = best.label
    rec.why = (f"{best.label} is the smallest artifact settled within {record['margin']:.0%} of the reference on "
               f"every score ({how}); {rec.standings[best.label].why}"
               + (" and the lowest KL among those of its size" if len(tied) > 1 else ""))
    return rec
