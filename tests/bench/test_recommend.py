"""The recommendation by non-inferiority on constructed pairs: identical answers at identical_n
qualify and one item fewer does not, one pooled test per score (splits are strata), Holm over the
family, a constant 8-point loss reported worse, each no-star case reached, floor and ceiling, drift
breaking ties."""

from __future__ import annotations

import random
import re

import pytest

from bench.recommend import (FLOOR_ONLY, MARGIN, MORE_ITEMS, QUALIFIES, TOO_SMALL, WORSE, Candidate, SplitSize,
                             Stratum, bound, holm, identical_n, items_needed, limit_for, moments, non_inferiority,
                             recommend, strata_of)


def pairs(n: int, ref_only: int = 0, art_only: int = 0, both: int | None = None):
    """n items: ref_only passed by the reference alone, art_only by the artifact alone, the rest agreeing
    (half of them passed by both, unless `both` says how many)."""
    both = (n - ref_only - art_only) // 2 if both is None else both
    out = [(1.0, 0.0)] * ref_only + [(0.0, 1.0)] * art_only
    out += [(1.0, 1.0)] * min(both, n - len(out))
    return out + [(0.0, 0.0)] * (n - len(out))


def candidate(label, size, kl, scores, sizes=None):
    """scores: (score, split) -> pairs, all at budget 1024."""
    return Candidate(label, size, kl, {(m, s, 1024): p for (m, s), p in scores.items()}, sizes or {})


def split_in_two(n: int, score: str = "correct", **kw) -> dict:
    """n identical-or-constructed items of one score over dev and fresh."""
    return {(score, "dev"): pairs(n // 2, **kw), (score, "fresh"): pairs(n - n // 2, **kw)}


# ---- identical answers: the N the README gives --------------------------------------------------------

@pytest.mark.parametrize("artifacts, scores", [(1, 1), (2, 2), (2, 3), (6, 3)])
def test_identical_answers_clear_the_margin_at_identical_n_and_not_one_item_fewer(artifacts, scores):
    tests = artifacts * scores
    n = identical_n(tests)

    def run(items):
        return recommend([candidate(f"q{i}", 100 + i, 0.1, {k: v for s in range(scores)
                                                              for k, v in split_in_two(items, f"score{s}").items()})
                          for i in range(artifacts)])

    assert all(run(n).qualifies.values()) and run(n).label == "q0"
    short = run(n - 1)
    assert short.label is None and not any(short.qualifies.values())
    assert all(s.state == MORE_ITEMS for s in short.standings.values())


def test_identical_n_is_the_bound_s_own_threshold():
    for tests in (1, 3, 4, 6, 18):
        n = identical_n(tests)
        assert bound(0.0, 0.0, n, 0.05 / tests)[1] < MARGIN <= bound(0.0, 0.0, n - 1, 0.05 / tests)[1]
    assert identical_n(3) == 41 and identical_n(18) == 54  # the 3 to 18 tests


def test_twenty_one_identical_items_per_split_pool_to_a_star():
    """The issue's case: 21 items on dev and 21 on fresh, 3 tests. Per split the bound was 0.09; pooled it clears."""
    per_split = bound(0.0, 0.0, 21, 0.05 / 3)[1]
    assert per_split > 0.09
    scores = {("disposition", "dev"): pairs(21), ("disposition", "fresh"): pairs(21), ("correct", "dev"): pairs(21),
              ("correct", "fresh"): pairs(21), ("pass@1", "test"): pairs(42)}
    rec = recommend([candidate("q8", 100, 0.01, {k: v for k, v in scores.items() if k[0] != "pass@1"}),
                     candidate("q4", 50, 0.05, {("pass@1", "test"): pairs(42)})])
    assert rec.family_size == 3 and rec.qualifies == {"q8": True, "q4": True} and rec.label == "q4"
    assert all(len(t.strata) == 2 for t in rec.tests["q8"])  # one test per score, its splits strata


# ---- the stratified bound ----------------------------------------------------------------------------

def test_one_split_is_the_plain_adjusted_interval():
    data = pairs(30, 4, 1)
    t = non_inferiority("m", 1024, {"dev": data})
    d = [r - a for r, a in data]
    mean, upper = bound(sum(d), sum(x * x for x in d), len(d), 0.05)
    assert t.difference == pytest.approx(mean) and t.upper == pytest.approx(upper)


def test_a_split_harder_for_both_does_not_widen_the_bound():
    """dev: the artifact loses 6 items; fresh: it gains none and loses none. The between-split part of the
    variance is left out, so the stratified bound is below the unstratified one."""
    dev, fresh = pairs(40, 6, 0), pairs(40, 0, 0)
    stratified = moments(strata_of({"dev": dev, "fresh": fresh}))[1]
    unstratified = moments(strata_of({"all": dev + fresh}))[1]
    assert stratified < unstratified
    same_splits = moments(strata_of({"dev": pairs(40, 3, 0), "fresh": pairs(40, 3, 0)}))[1]
    assert same_splits == pytest.approx(moments(strata_of({"all": pairs(80, 6, 0)}))[1])


def test_bound_covers_the_truth_about_95_percent_of_the_time():
    rng = random.Random(0)
    covered, trials = 0, 400
    for _ in range(trials):  # true difference 0.03 with 20 % discordance, over two splits
        data = {}
        for split in ("dev", "fresh"):
            data[split] = []
            for _ in range(60):
                u = rng.random()
                data[split].append((1.0, 0.0) if u < 0.115 else (0.0, 1.0) if u < 0.2 else (1.0, 1.0))
        covered += non_inferiority("m", 1, data).upper >= 0.03
    assert 0.92 <= covered / trials <= 0.99


def test_holm_is_step_down():
    assert holm([0.01, 0.04, 0.03]) == [True, False, False]  # 0.01 < .05/3, then 0.03 > .05/2 stops
    assert holm([0.001, 0.02, 0.04]) == [True, True, True]


# ---- the three no-star cases ------------------------------------------------------------------------

def sizes_for(score: str, items_run: int, holds: int | None, splits=("dev", "fresh"), suite="bank"):
    return {(score, s): SplitSize(suite, items_run, holds) for s in splits}


def test_a_constant_8_point_loss_is_worse_with_its_bound():
    worse = split_in_two(2000, ref_only=80)  # 8 points worse on every split (80 of 1000 each)
    rec = recommend([candidate("q2", 50, 0.5, worse)])
    standing = rec.standings["q2"]
    assert rec.label is None and standing.state == WORSE
    (test, low), = standing.worse
    assert low > MARGIN and test.raw_difference == pytest.approx(0.08)
    assert "q2 is worse than the reference by more than the margin" in rec.why and f"{low:+.3f}" in rec.why
    assert standing.short == "worse"


def test_an_8_point_loss_on_few_items_asks_for_the_items_that_would_show_it():
    rec = recommend([candidate("q2", 50, 0.5, split_in_two(100, ref_only=4), sizes_for("correct", 50, 5000))])
    standing = rec.standings["q2"]
    assert standing.state == MORE_ITEMS and standing.towards_worse and "show whether it is worse" in standing.why
    # the limit it gives is enough: at that many items per split, the same loss is shown worse
    n = standing.advice.limit
    bigger = recommend([candidate("q2", 50, 0.5, {("correct", s): pairs(n, ref_only=round(n * 0.08)) for s in
                                                  ("dev", "fresh")})])
    assert bigger.standings["q2"].state == WORSE


def test_more_items_would_settle_it_and_the_limit_it_gives_does():
    """Case (a): identical answers on 3 of 4 items per split (the score covers 3 families of 4)."""
    sizes = sizes_for("disposition", 4, 5000)
    rec = recommend([candidate("q8", 100, 0.01, split_in_two(6, "disposition"), sizes)])
    standing = rec.standings["q8"]
    assert standing.state == MORE_ITEMS and not standing.towards_worse
    limit = standing.advice.limit
    assert rec.limit_needed == limit and f"--limit {limit} (items per split" in rec.why
    assert "items per score would settle it" in rec.why
    per_split = limit * 3 // 4  # what that limit gives the score, per split
    assert 2 * ((limit - 1) * 3 // 4) < identical_n(1) <= 2 * per_split
    assert recommend([candidate("q8", 100, 0.01, split_in_two(2 * per_split, "disposition"))]).label == "q8"


def test_a_suite_too_small_for_the_discordance_says_so():
    """Case (b): 21 items per family per split hold 84 per split; a 3-point loss with 10 % discordance needs
    far more."""
    sizes = sizes_for("correct", 84, 84)
    rec = recommend([candidate("q4", 100, 0.05, split_in_two(168, ref_only=8, art_only=6), sizes)])
    standing = rec.standings["q4"]
    assert standing.state == TOO_SMALL and standing.advice.limit is None and standing.advice.holds == 84
    assert "the suite is too small for this discordance" in rec.why and "bank holds (84 items per split)" in rec.why
    assert standing.advice.needed > 168


def test_without_recorded_sizes_the_items_are_given_without_a_limit():
    rec = recommend([candidate("q4", 100, 0.05, split_in_two(4))])
    assert rec.standings["q4"].state == MORE_ITEMS and "raise --limit" in rec.why and rec.limit_needed is None


def test_every_case_is_said_when_several_artifacts_differ():
    held = sizes_for("correct", 40, 1000)
    rec = recommend([candidate("q8", 200, 0.01, split_in_two(20), held),
                     candidate("q2", 50, 0.5, split_in_two(4000, ref_only=400), held)])
    assert rec.standings["q8"].state == MORE_ITEMS and rec.standings["q2"].state == WORSE
    assert rec.why.startswith("no artifact is shown within 5% of the reference")
    assert "for q8" in rec.why and "q2 is worse" in rec.why


def test_limit_for_counts_items_per_split_over_every_family():
    # 3 of 4 items per split carry the score; fresh holds only 30: dev must give the rest
    test = non_inferiority("disposition", 1024, {"dev": pairs(3), "fresh": pairs(3)})
    sizes = {"dev": SplitSize("disposition", 4, 84), "fresh": SplitSize("disposition", 4, 30)}
    advice = limit_for(80, test, sizes)  # at most 63 from dev and 22 from fresh
    assert advice.limit * 3 // 4 + 22 >= 80 > (advice.limit - 1) * 3 // 4 + 22
    assert limit_for(200, test, sizes).limit is None  # 0.75 * (84 + 30) < 200


# ---- floor and ceiling --------------------------------------------------------------------------------

def test_floor_and_ceiling_are_detected_from_the_reference():
    def level(ref_right: int) -> str:
        data = [(1.0, 1.0)] * ref_right + [(0.0, 0.0)] * (100 - ref_right)
        return non_inferiority("m", 1, {"dev": data}).level

    assert [level(k) for k in (0, 9, 10, 50, 90, 91, 100)] == ["floor", "floor", "", "", "", "ceiling", "ceiling"]


def test_a_star_never_rests_on_floor_and_ceiling_scores_alone():
    n = identical_n(2)
    floor = {("correct", s): pairs(n // 2 + 1, both=0) for s in ("dev", "fresh")}  # the reference scores 0
    ceiling = {("pass@1", s): [(1.0, 1.0)] * (n // 2 + 1) for s in ("dev", "fresh")}
    rec = recommend([candidate("q4", 100, 0.05, {**floor, **ceiling})])
    assert rec.label is None and rec.standings["q4"].state == FLOOR_ONLY
    assert "floor" in rec.why and "ceiling" in rec.why
    # the same, with one score the reference answers half right: now the star is earned
    n3 = identical_n(3)
    informative = {("disposition", s): pairs(n3 // 2 + 1) for s in ("dev", "fresh")}
    floor3 = {k: pairs(n3 // 2 + 1, both=0) for k in floor}
    ceiling3 = {k: [(1.0, 1.0)] * (n3 // 2 + 1) for k in ceiling}
    rec = recommend([candidate("q4", 100, 0.05, {**floor3, **ceiling3, **informative})])
    assert rec.label == "q4" and rec.standings["q4"].state == QUALIFIES


def test_few_items_at_the_floor_are_told_that_more_items_would_not_earn_a_star():
    rec = recommend([candidate("q4", 100, 0.05, {("correct", s): pairs(2, both=0) for s in ("dev", "fresh")},
                               sizes_for("correct", 4, 84))])
    standing = rec.standings["q4"]
    assert standing.state == FLOOR_ONLY and standing.advice.needed == identical_n(1)
    assert "items per score would settle it" in standing.why and "earns no star" in standing.why


def test_a_loss_on_a_ceiling_score_still_counts():
    lost = {("pass@1", s): [(1.0, 0.0)] * 200 + [(1.0, 1.0)] * 1800 for s in ("dev", "fresh")}  # 10 points
    assert recommend([candidate("q2", 50, 0.5, lost)]).standings["q2"].state == WORSE


# ---- what was there before, still true -------------------------------------------------------------

def test_an_artifact_without_shared_scores_is_said_so_beside_the_others():
    rec = recommend([candidate("q8", 200, 0.01, split_in_two(200)), candidate("q4", 100, 0.05, {})])
    assert rec.label == "q8" and rec.standings["q4"].state == "unsettled" and not rec.qualifies["q4"]


def test_four_identical_answers_cannot_earn_a_star():
    rec = recommend([candidate("q4", 100, 0.05, {("pass@1", "test"): pairs(4)})])
    assert rec.label is None and not rec.qualifies["q4"]
    assert rec.items_needed == identical_n(1) and "items per score would settle it" in rec.why


def test_a_real_loss_smaller_than_the_margin_qualifies_with_enough_items():
    slightly_worse = split_in_two(3000, ref_only=30)  # 2 points worse on each split
    assert recommend([candidate("q3", 60, 0.2, slightly_worse)]).label == "q3"


def test_drift_breaks_a_tie_in_size():
    good = split_in_two(500, ref_only=3, art_only=3)
    rec = recommend([candidate("mlx:4bit", 1000, 0.5, good), candidate("gguf:q4_k_m", 1010, 0.05, good),
                     candidate("gguf:q8_0", 2000, 0.004, good)])
    assert rec.label == "gguf:q4_k_m" and "lowest KL" in rec.why


def test_items_needed_is_enough_when_the_observation_holds():
    test = non_inferiority("pass@1", 1024, {"test": pairs(10, 1, 1)})
    n = items_needed(test, family_size=1)
    rate = test.strata[0].sum_d2 / test.n
    assert bound(0.0, rate * n, n, 0.05)[1] < MARGIN <= bound(0.0, rate * (n - 1), n - 1, 0.05)[1]


def test_a_projection_keeps_the_mean_and_the_discordance():
    s = Stratum("dev", 10, 2, 4, 5).scaled(3)
    assert (s.n, s.sum_d, s.sum_d2, s.sum_ref) == (30, 6, 12, 15)


def test_the_readme_gives_the_function_s_figures():
    from tests.conftest import REPO

    found = re.findall(r"`identical_n\((\d+)\)` = (\d+) items", (REPO / "README.md").read_text())
    assert len(found) >= 4 and all(identical_n(int(tests)) == int(n) for tests, n in found), found
