"""--until-decided (bench/until_decided.py): the stratified order, the chunked loop against fake generation
(who generates what, chunk-size independence, resume), and the report's star from the sequential record."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest

from bench.report import decide_run
from bench.report_model import Measured
from bench.render import to_csv, to_json, to_markdown
from bench.results import RunScores
from bench.report_model import ScoreKey
from bench.sequential import EXHAUSTED, NON_INFERIOR, WORSE
from bench.suites import get_suite
from bench.suites.base import Item
from bench.until_decided import (OPEN, Decider, Scored, decision_order, decision_scores, pool_items,
                                 run_until_decided)

FAMILIES = {"a": 300, "b": 120, "c": 40}
SCORES = [Scored("s", "target", "s:target"), Scored("s", "correct", "s:correct")]


def bank(sizes=FAMILIES) -> list[Item]:
    return [Item(f"{f}{i}", f, [], "dev", "s") for f, n in sizes.items() for i in range(n)]


class FakeRun:
    """A store of score rows and a generator whose answers are a function of (artifact, item): `truth` gives
    the artifact's (target, correct) per item; the reference scores by `truth['ref']`."""

    def __init__(self, truth: dict, crash_after: int | None = None):
        self.truth, self.stored, self.generated = truth, {a: {} for a in truth}, Counter()
        self.crash_after, self.calls = crash_after, 0
        self.records = []

    def generate(self, artifact: str, items: list[Item]) -> bool:
        self.calls += 1
        if self.crash_after is not None and self.calls > self.crash_after:
            raise KeyboardInterrupt  # the run killed here
        for item in items:
            if item.id not in self.stored[artifact]:
                target, correct = self.truth[artifact](item)
                self.stored[artifact][item.id] = {"target": target, "correct": correct}
                self.generated[artifact] += 1
        return True

    def read(self, artifact: str, items: list[Item]) -> dict:
        return {i.id: self.stored[artifact][i.id] for i in items if i.id in self.stored[artifact]}

    def go(self, order, chunk=16, artifacts=("same", "loss", "noisy")) -> Decider:
        decider = Decider("ref", list(artifacts), SCORES)
        return run_until_decided(decider, order, chunk, self.generate, self.read, self.records.append)


def _coin(item: Item, salt: str, p: float) -> float:
    return float(random.Random(f"{salt}:{item.id}").random() < p)


TRUTH = {
    "ref": lambda i: (_coin(i, "r", 0.5), _coin(i, "rc", 0.5) if i.family != "a" else None),
    "same": lambda i: TRUTH["ref"](i),
    # a 30-point loss on the target: wrong where the reference is right, 60 % of the time
    "loss": lambda i: (TRUTH["ref"](i)[0] * (1 - _coin(i, "l", 0.6)), TRUTH["ref"](i)[1]),
    # many flips both ways, no loss: stays open on this small bank
    "noisy": lambda i: (1 - TRUTH["ref"](i)[0] if _coin(i, "n", 0.4) else TRUTH["ref"](i)[0], TRUTH["ref"](i)[1]),
}


def test_the_order_is_seeded_stratified_and_complete():
    items = bank()
    order = decision_order(items, 0)
    assert sorted(i.id for i in order) == sorted(i.id for i in items) and len(order) == len(items)
    assert [i.id for i in decision_order(items, 0)] == [i.id for i in order]  # the same seed, the same order
    assert [i.id for i in decision_order(items, 1)] != [i.id for i in order]
    for n in range(3, 3 * 40 + 1, 3):  # every prefix balanced while every family has items left
        assert set(Counter(i.family for i in order[:n]).values()) == {n // 3}
    tail = Counter(i.family for i in order[3 * 40:3 * 40 + 2 * 80])  # then the two left, in turn
    assert tail == {"a": 80, "b": 80}
    within = [i.id for i in order if i.family == "a"][:20]
    assert within != [f"a{k}" for k in range(20)]  # shuffled within a family


def test_an_identical_artifact_settles_non_inferior_a_loss_worse_and_the_noisy_one_exhausts_the_bank():
    run = FakeRun(TRUTH)
    decider = run.go(decision_order(bank(), 0))
    state = {a: decider.state(a) for a in decider.artifacts}
    assert state == {"same": NON_INFERIOR, "loss": WORSE, "noisy": EXHAUSTED}
    record = run.records[-1]
    assert record["position"] == record["items"] == 460
    same, loss = record["artifacts"]["same"], record["artifacts"]["loss"]
    assert same["items"] < loss["items"] < 460 or loss["items"] < same["items"] < 460
    assert same["tests"]["s:target"]["upper"] <= 0.05 and same["tests"]["s:correct"]["upper"] <= 0.05
    assert loss["tests"]["s:target"]["decision"] == WORSE and loss["tests"]["s:target"]["lower"] >= 0.05
    assert "worse than the reference by more than 5% after" in loss["why"]
    assert "within 5% of the reference on every score after" in same["why"]
    # a settled artifact stops generating; the reference generates what the open ones need, no more
    assert run.generated["same"] == -(-same["items"] // 16) * 16
    assert run.generated["loss"] == -(-loss["items"] // 16) * 16
    assert run.generated["ref"] == run.generated["noisy"] == 460


def test_the_reference_stops_when_every_artifact_is_settled():
    run = FakeRun(TRUTH)
    decider = run.go(decision_order(bank(), 0), artifacts=("same", "loss"))
    assert not decider.open_artifacts()
    used = max(a["items"] for a in run.records[-1]["artifacts"].values())
    assert run.generated["ref"] == -(-used // 16) * 16 < 460
    assert run.records[-1]["position"] == run.generated["ref"]


@pytest.mark.parametrize("chunk", [3, 7, 64])
def test_the_verdicts_and_items_used_do_not_depend_on_the_chunk(chunk):
    order = decision_order(bank(), 3)
    want = FakeRun(TRUTH).go(order, chunk=16).record(0, 0, 0, 0)["artifacts"]
    got = FakeRun(TRUTH).go(order, chunk=chunk).record(0, 0, 0, 0)["artifacts"]
    assert got == want


def test_a_killed_run_resumed_replays_the_stored_items_and_reaches_the_same_state():
    order = decision_order(bank(), 0)
    complete = FakeRun(TRUTH)
    complete.go(order)
    killed = FakeRun(TRUTH, crash_after=9)
    with pytest.raises(KeyboardInterrupt):
        killed.go(order)
    assert killed.records[0]["position"] == 0  # saved before the first chunk: a report then says "still open"
    assert {a["state"] for a in killed.records[0]["artifacts"].values()} == {OPEN}
    assert killed.records and killed.records[-1]["position"] < 460
    assert any(a["state"] == OPEN for a in killed.records[-1]["artifacts"].values())
    before = dict(killed.generated)
    killed.crash_after = None
    killed.go(order)
    assert killed.records[-1] == complete.records[-1]
    assert killed.stored == complete.stored  # nothing generated twice, nothing lost
    assert sum(killed.generated.values()) == sum(complete.generated.values()) >= sum(before.values())


def test_a_crashed_artifact_stops_alone_and_a_crashed_reference_stops_all():
    run = FakeRun(TRUTH)
    real = run.generate
    run.generate = lambda a, items: a != "loss" and real(a, items)
    decider = run.go(decision_order(bank(), 0))
    assert decider.state("loss") == "crashed" and decider.state("same") == NON_INFERIOR
    run = FakeRun(TRUTH)
    run.generate = lambda a, items: a != "ref"
    decider = run.go(decision_order(bank(), 0))
    assert {decider.state(a) for a in decider.artifacts} == {"crashed"}
    assert "the reference ref crashed" in run.records[-1]["artifacts"]["same"]["why"]


def test_the_bank_pool_is_every_item_of_the_splits_and_limit_caps_it():
    suite = get_suite("bank:factual")
    every = pool_items(suite, ("dev",), None)
    assert len(every) == suite.spec.items_per_split["dev"]
    assert len(pool_items(suite, ("dev", "fresh"), 10)) == 20
    # the bank's selection of factual alone has no disposition score: only gold accuracy is tested
    assert [s.key for s in decision_scores({suite.spec.name: (suite, every)})] == ["bank:factual:correct"]
    full = get_suite("bank")
    assert [s.key for s in decision_scores({"bank": (full, pool_items(full, ("dev",), 8))})] == [
        "bank:disposition", "bank:correct"]


# ---- the report ------------------------------------------------------------------------------------------

def _measured(label: str, size: int, ref: bool = False) -> Measured:
    return Measured("run", "dev", label, label, ref, size, 8.0)


def _scores(rows: dict[str, tuple]) -> RunScores:
    from bench.suites.disposition import SPEC

    return RunScores(None, {ScoreKey("disposition", "dev", i, 256): {"disposition": t, "correct": c}
                            for i, (t, c) in rows.items()}, {}, {"disposition": "lexical"}, {"disposition": SPEC})


def _report(state: str | None = None, fixed: bool = True):
    """A run of 160 items: q8 answers as the reference does, q2 loses every point; the sequential record made
    by the Decider itself (state: overwrite q8's, to see the other cases)."""
    items = [Item(f"i{k}", f"f{k % 3}", [], "dev", "disposition") for k in range(160)]
    ref = {i.id: (_coin(i, "t", 0.5), _coin(i, "c", 0.5)) for i in items}
    scored = {"f16": _scores(ref), "q8": _scores(ref), "q2": _scores({k: (0.0, 0.0 if c is not None else None)
                                                                      for k, (_, c) in ref.items()})}
    rows = [_measured("f16", 300, True), _measured("q8", 160), _measured("q2", 60)]
    scores = [Scored("disposition", "disposition", "disposition"), Scored("disposition", "correct", "correct")]
    decider = Decider("f16", ["q8", "q2"], scores)
    table = {label: {k: s.scores[ScoreKey("disposition", "dev", k, 256)] for k in ref} for label, s in scored.items()}
    records = []
    run_until_decided(decider, decision_order(items, 0), 32, lambda a, chunk: True,
                      lambda a, chunk: {i.id: table[a][i.id] for i in chunk}, records.append)
    record = records[-1]
    if state:
        record["artifacts"]["q8"]["state"] = state
    return (decide_run(rows, scored, "f16", sequential=record), decide_run(rows, scored, "f16") if fixed else None,
            record)


def test_the_star_goes_to_the_artifact_settled_non_inferior_and_every_view_says_why_each_stopped():
    rows, fixed, record = _report()
    by = {r.label: r for r in rows}
    assert record["artifacts"]["q8"]["state"] == NON_INFERIOR  # identical answers earn the star
    assert by["q8"].recommended and not by["q2"].recommended
    used = record["artifacts"]["q8"]["items"]
    assert by["q8"].stopped == "settled non-inferior" and by["q8"].items_used == used < 160
    assert by["q2"].stopped == "settled worse" and by["q2"].standing == "worse" and by["q2"].items_used < used
    assert by["f16"].stopped == "reference" and by["f16"].items_used == used
    assert "settled within 5% of the reference" in by["q8"].recommendation
    md, csv, js = to_markdown(rows), to_csv(rows), to_json(rows)
    assert "| items used | stopped |" in md and "settled worse" in md
    assert csv.splitlines()[0].count("items_used") == 1 and "settled non-inferior" in csv
    assert '"stopped": "settled worse"' in js
    from bench.html_report import group_html
    from bench.report_tables import report_renderables
    from rich.console import Console

    assert "settled non-inferior" in group_html("run", "dev", rows) and "items used" in group_html("run", "dev", rows)
    console = Console(record=True, width=240, file=io.StringIO())
    for renderable in report_renderables(rows):
        console.print(renderable)
    text = console.export_text()
    assert "settled worse" in text and "items used" in text
    # a fixed-size run of the same items shows none of it
    assert "items used" not in to_markdown(fixed) and "items_used" not in to_csv(fixed)
    assert all(r.stopped is None for r in fixed)


def test_an_open_or_exhausted_comparison_earns_no_star_and_says_so():
    for state, said in ((OPEN, "still open"), (EXHAUSTED, "bank exhausted")):
        rows, _, _ = _report(state, fixed=False)
        by = {r.label: r for r in rows}
        assert not any(r.recommended for r in rows)
        assert by["q8"].stopped == said and by["q8"].standing == said and by["q8"].standing_short == said
        assert "no artifact was settled within 5%" in by["q8"].recommendation


def test_each_artifact_settles_where_the_simulated_test_at_alpha_over_k_does():
    """The loop's decision is the simulation's statistic (bench/sequential.simulate, whose error rates
    bench.sequential_sim measures): one score, three artifacts, so each test runs at alpha / 3. Fractional
    scores against a reference at 0.5 give each artifact its own differences d in [-0.5, 0.5]."""
    import numpy as np

    from bench.sequential import simulate

    rng = np.random.default_rng(5)
    items = [Item(f"i{k}", "f", [], "dev", "s") for k in range(800)]
    d = {name: np.clip(rng.normal(mean, 0.2, len(items)), -0.5, 0.5)
         for name, mean in (("a", 0.0), ("b", 0.15), ("c", 0.04))}
    store = {"ref": {i.id: {"target": 0.5} for i in items},
             **{name: {i.id: {"target": 0.5 - v} for i, v in zip(items, d[name])} for name in d}}
    decider = Decider("ref", list(d), [Scored("s", "target", "s:target")])
    run_until_decided(decider, items, 32, lambda a, chunk: True,
                      lambda a, chunk: {i.id: store[a][i.id] for i in chunk}, lambda record: None)
    for name in d:
        lo, hi = simulate(np.asarray([0.5 - (0.5 - d[name])]), alpha=0.05 / 3)
        first = [int(x) for x in (lo[0], hi[0]) if x]
        if not first:  # near the margin: the 800 items ran out first
            assert decider.used[name] == 800 and decider.state(name) == EXHAUSTED, name
            continue
        assert decider.used[name] == min(first), name
        assert decider.state(name) == (NON_INFERIOR if lo[0] and (not hi[0] or lo[0] < hi[0]) else WORSE)
    assert {decider.state(n) for n in d} == {NON_INFERIOR, WORSE, EXHAUSTED}
