"""The anytime-valid tests of bench/sequential.py: the object and its vectorized twin agree, bounds and decisions
are one thing, the plan corrects and stops artifacts, and simulations under the null keep the false-settle rate
(the running maximum over time of the crossing indicator) at or below alpha; a 15-point loss and identical
answers report the items they use."""

from __future__ import annotations

import math
import random
import time

import numpy as np
import pytest

from bench.recommend import ALPHA, MARGIN, identical_n
from bench.sequential import (CONTINUE, EXHAUSTED, NON_INFERIOR, WORSE, SequentialPlan, SequentialTest, _holm,
                              log_capitals, simulate)
from bench.sequential_sim import Scenario, draw, first_settled, run_scenario, scenarios, table


def run(ds, **kw) -> SequentialTest:
    t = SequentialTest(**kw)
    for d in ds:
        t.update(float(d))
    return t


# ---- the object ------------------------------------------------------------------------------------------

def test_identical_answers_settle_non_inferior_and_the_bound_agrees_at_every_step():
    t = SequentialTest()
    while t.decision == CONTINUE:
        t.update(0.0)
        assert (t.upper <= MARGIN) == (t.decision == NON_INFERIOR)
    assert t.decision == NON_INFERIOR and t.settled_at == t.n == 85
    assert t.upper <= MARGIN and t.p_non_inferior <= ALPHA
    assert t.e_non_inferior >= 1 / ALPHA
    assert identical_n(1) < t.n  # the price of looking after every item (fixed size: 31)


def test_a_constant_loss_settles_worse_and_the_lower_bound_agrees():
    t = SequentialTest()
    for d in [1.0, 0.0, 0.0, 0.0] * 200:  # mean 0.25
        t.update(d)
        if t.n % 7 == 0 or t.decision != CONTINUE:
            assert (t.lower >= MARGIN) == (t.decision == WORSE)
        if t.decision != CONTINUE:
            break
    assert t.decision == WORSE and t.lower >= MARGIN and t.p_worse <= ALPHA


def test_the_object_and_the_vectorized_twin_agree_on_random_sequences():
    rng = np.random.default_rng(7)
    d = np.concatenate([rng.choice([-1.0, 0.0, 1.0], p=[0.08, 0.8, 0.12], size=(20, 300)),
                        np.clip(rng.normal(0.05, 0.4, size=(20, 300)), -1, 1)])
    lo, hi = simulate(d)
    log_lo, log_hi = log_capitals(d)
    for i, row in enumerate(d):
        t = run(row)
        assert math.isclose(t.log_lo, log_lo[i, -1], abs_tol=1e-9)
        assert math.isclose(t.log_hi, log_hi[i, -1], abs_tol=1e-9)
        want = lo[i] if t.decision == NON_INFERIOR else hi[i] if t.decision == WORSE else 0
        assert (t.settled_at or 0) == want


def test_the_first_verdict_stands_and_items_run_out():
    t = run([0.0] * 100)
    assert t.decision == NON_INFERIOR
    for _ in range(50):
        t.update(1.0)
    assert t.decision == NON_INFERIOR and t.settled_at == 85
    u = run([0.0, 1.0, -1.0, 0.0] * 5)
    assert u.decision == CONTINUE and u.exhaust() == EXHAUSTED
    assert u.lower < u.mean < MARGIN <= u.upper


def test_the_bounds_cover_the_mean_at_every_look_in_most_runs():
    """The running-intersection bounds of 150 runs looked at 4 times each: the true mean outside either bound
    at any look in at most 2 alpha of the runs (together a two-sided 1 - 2 alpha sequence)."""
    rng = np.random.default_rng(3)
    misses = 0
    for _ in range(150):
        t = SequentialTest()
        missed = False
        for j, d in enumerate(rng.choice([-1.0, 0.0, 1.0], p=[0.05, 0.8, 0.15], size=240), 1):  # mean 0.10
            t.update(float(d))
            if j % 60 == 0:
                missed |= not (t.lower <= 0.10 <= t.upper)
        misses += missed
    assert misses / 150 <= 2 * ALPHA


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        SequentialTest().update(1.5)
    with pytest.raises(ValueError):
        SequentialTest(alpha=0)
    with pytest.raises(ValueError):
        SequentialPlan([("A", "s")], correction="e-bh")


def test_an_update_takes_microseconds():
    rng = random.Random(1)
    xs = [rng.choice((-1.0, 0.0, 0.0, 1.0)) for _ in range(20_000)]
    t = SequentialTest()
    start = time.perf_counter()
    for x in xs:
        t.update(x)
    assert (time.perf_counter() - start) / len(xs) < 30e-6  # about 3-4 us on one core here


# ---- the plan ----------------------------------------------------------------------------------------------

def test_the_plan_splits_alpha_and_stops_each_artifact_when_its_tests_are_settled():
    plan = SequentialPlan([(a, s) for a in ("Q8_0", "Q4_K_M", "Q2_K") for s in ("correct", "uncertainty")])
    assert plan.k == 6 and all(math.isclose(t.alpha, ALPHA / 6) for t in plan.tests.values())
    i = 0
    while not plan.done and i < 2000:
        i += 1
        for a in plan.open_artifacts():
            if a == "Q8_0":
                ds = {"correct": 0.0, "uncertainty": 0.0}
            elif a == "Q4_K_M":
                ds = {"correct": 0.0, "uncertainty": 1.0 if i % 4 == 0 else 0.0}  # 25 points worse
            else:
                ds = {"correct": 1.0 if i % 2 else 0.0, "uncertainty": 0.0}  # 50 points worse
            plan.update_item(a, ds)
    q8, q4, q2 = (plan.artifact(a) for a in ("Q8_0", "Q4_K_M", "Q2_K"))
    alone = run([0.0] * 500, alpha=ALPHA / 6)
    assert q8.settled and q8.verdict == NON_INFERIOR and q8.items == alone.settled_at == 132
    assert q4.verdict == WORSE and plan.decisions[("Q4_K_M", "correct")] == NON_INFERIOR
    assert q2.verdict == WORSE and "correct" in q2.why
    assert plan.settled_artifacts() == ["Q8_0", "Q4_K_M", "Q2_K"] and not plan.open_artifacts()
    with pytest.raises(ValueError):
        plan.update("Q8_0", "correct", 0.0)  # settled: no more items


def test_stop_on_verdict_saves_items_on_a_losing_artifact_and_the_bank_can_run_out():
    keys = [("A", "s1"), ("A", "s2")]
    both, early = SequentialPlan(keys), SequentialPlan(keys, stop="verdict")
    for plan in (both, early):
        for i in range(1000):
            if plan.artifact("A").settled:
                break
            plan.update_item("A", {"s1": 1.0 if i % 2 else 0.0, "s2": 1.0 if i % 12 == 0 else 0.0})
    assert both.artifact("A").verdict == early.artifact("A").verdict == WORSE
    assert early.artifact("A").items < both.artifact("A").items
    short = SequentialPlan(keys)
    for i in range(30):
        short.update_item("A", {"s1": 0.0, "s2": 1.0 if i % 10 == 0 else 0.0})
    assert not short.artifact("A").settled
    state = short.exhaust("A")
    assert state.settled and state.verdict == EXHAUSTED and "ran out" in state.why


def test_holm_settles_no_later_than_bonferroni_and_sometimes_sooner():
    keys = [("A", "s"), ("B", "s"), ("C", "s")]
    first: dict[tuple[str, str], int] = {}
    for name in ("bonferroni", "holm"):
        plan = SequentialPlan(keys, correction=name)
        rng = random.Random(5)  # the same items for both corrections
        for i in range(1, 1500):
            draws = {"A": 0.0, "B": 1.0 if rng.random() < 0.03 else 0.0, "C": -1.0 if rng.random() < 0.1 else 0.0}
            for a in plan.open_artifacts():
                plan.update(a, "s", draws[a])
                if plan.artifact(a).settled:
                    first.setdefault((name, a), i)
    assert all((name, a) in first for name in ("bonferroni", "holm") for a in "ABC")
    assert all(first[("holm", a)] <= first[("bonferroni", a)] for a in "ABC")
    assert any(first[("holm", a)] < first[("bonferroni", a)] for a in "ABC")


def test_holm_on_anytime_p_values_keeps_the_family_wise_rate_with_false_nulls_around():
    """Two true nulls (mean at the margin) beside two clearly non-inferior tests, which free Holm's level for
    the nulls: the share of replicates with a false non-inferior claim, ever, stays at or below alpha. Holm's
    rejections only grow as the p-values (1 / running max of K) fall, so "ever rejected" is Holm on the final ones."""
    rng = np.random.default_rng(11)
    reps, horizon = 2000, 500
    null = Scenario("", MARGIN, 0.2, NON_INFERIOR, True)
    p = np.ones((reps, 4))
    for col in range(4):
        d = draw(null, rng, reps, horizon) if col < 2 else np.zeros((reps, horizon))
        p[:, col] = np.exp(-np.maximum(log_capitals(d)[0].max(axis=1), 0.0))
    false = sum(any(_holm(list(row), ALPHA)[:2]) for row in p)
    assert false / reps <= ALPHA


# ---- simulations under the null ------------------------------------------------------------------------------

NULLS = [s for s in scenarios() if s.null and not s.peek]


@pytest.mark.parametrize("s", NULLS, ids=[s.name.replace(" ", "_") for s in NULLS])
def test_false_settle_rate_under_the_null_stays_at_or_below_alpha_at_every_time(s):
    """2,000 comparisons (a family row of k tests: 2,000 / k families), 1,000 items each, the true mean of d at
    the margin: the share that ever settled the verdict the null forbids, i.e. the running maximum over time of
    the crossing indicator (for a family: of any of its tests)."""
    first = first_settled(s, reps=2000 // s.k, horizon=1000, seed=sum(map(ord, s.name)))
    rate = (first > 0).any(axis=1).mean()
    assert rate <= ALPHA, (s.name, rate)


def test_peeking_at_the_fixed_size_bound_does_not_keep_alpha():
    """Why the sequential test exists: recommend.py's bound checked after every item settles falsely far more
    often than alpha."""
    s = next(s for s in scenarios() if s.peek)
    first = first_settled(s, reps=1000, horizon=1000, seed=2)
    assert (first > 0).mean() > 3 * ALPHA


# ---- power: the items used ----------------------------------------------------------------------------------

def test_a_15_point_loss_is_shown_worse_and_the_items_used_are_reported(capsys):
    rows = [run_scenario(s, reps=500, horizon=2000, seed=i) for i, s in enumerate(scenarios())
            if not s.null and s.seek == WORSE and s.k == 1]
    assert len(rows) == 3
    with capsys.disabled():
        print("\n" + table(rows))
    for r in rows:
        assert r["rate"] >= 0.99  # settled worse within 2,000 items
        assert r["fixed_n"] < r["mean_items"] < 5 * r["fixed_n"]  # the price of anytime validity, bounded


def test_identical_answers_reach_non_inferiority_in_a_fixed_number_of_items():
    for k, want in ((1, 85), (6, 132)):
        r = run_scenario(Scenario("", 0.0, 0.0, NON_INFERIOR, False, k=k), reps=1, horizon=400)
        assert r["rate"] == 1.0 and r["mean_items"] == want and r["fixed_n"] == identical_n(k)
