"""The recommendation by non-inferiority: no star from too few items, a star from enough agreeing
items, the margin respected, Holm over the family, and drift breaking ties."""

from __future__ import annotations

import random

from bench.recommend import MARGIN, bound, holm, items_needed, non_inferiority, recommend


def pairs(n: int, ref_only: int, art_only: int, both: int | None = None):
    """n items: ref_only passed by the reference alone, art_only by the artifact alone, the rest agreeing."""
    both = n // 2 if both is None else both
    out = [(1.0, 0.0)] * ref_only + [(0.0, 1.0)] * art_only
    out += [(1.0, 1.0)] * min(both, n - len(out))
    return out + [(0.0, 0.0)] * (n - len(out))


def candidate(label, size, kl, data):
    return {"label": label, "size_bytes": size, "kl_mean": kl, "pairs": {("pass@1", "test", 1024): data}}


def test_four_identical_answers_cannot_earn_a_star():
    rec = recommend([candidate("q4", 100, 0.05, pairs(4, 0, 0))])
    assert rec.label is None and not rec.qualifies["q4"]
    assert rec.items_needed is not None and rec.items_needed > 4 and "raise --limit" in rec.why


def test_many_agreeing_items_earn_the_smallest_a_star():
    rec = recommend([candidate("q8", 200, 0.01, pairs(400, 6, 5)), candidate("q4", 100, 0.05, pairs(400, 8, 6))])
    assert rec.label == "q4" and rec.qualifies == {"q8": True, "q4": True}


def test_an_artifact_worse_by_the_margin_never_qualifies_however_many_items():
    worse = pairs(2000, 200, 40)  # 8 points worse
    test = non_inferiority("pass@1", "test", 1024, worse)
    assert test.difference > MARGIN and test.upper > MARGIN
    rec = recommend([candidate("q2", 50, 0.5, worse)])
    assert rec.label is None and "already worse" in rec.why


def test_a_real_loss_smaller_than_the_margin_qualifies_with_enough_items():
    slightly_worse = pairs(3000, 60, 0)  # 2 points worse, every time
    assert recommend([candidate("q3", 60, 0.2, slightly_worse)]).label == "q3"


def test_drift_breaks_a_tie_in_size():
    good = pairs(500, 3, 3)
    rec = recommend([candidate("mlx:4bit", 1000, 0.5, good), candidate("gguf:q4_k_m", 1010, 0.05, good),
                     candidate("gguf:q8_0", 2000, 0.004, good)])
    assert rec.label == "gguf:q4_k_m" and "lowest KL" in rec.why


def test_holm_is_step_down():
    assert holm([0.01, 0.04, 0.03]) == [True, False, False]  # 0.01 < .05/3, then 0.03 > .05/2 stops
    assert holm([0.001, 0.02, 0.04]) == [True, True, True]


def test_bound_covers_the_truth_about_95_percent_of_the_time():
    rng = random.Random(0)
    covered, trials = 0, 400
    for _ in range(trials):  # true difference 0.03 with 20 % discordance
        data = []
        for _ in range(120):
            u = rng.random()
            data.append((1.0, 0.0) if u < 0.115 else (0.0, 1.0) if u < 0.2 else (1.0, 1.0))
        covered += non_inferiority("m", "s", 1, data).upper >= 0.03
    assert 0.92 <= covered / trials <= 0.99


def test_items_needed_is_enough_when_the_observation_holds():
    test = non_inferiority("pass@1", "test", 1024, pairs(10, 1, 1))
    n = items_needed([test], family_size=1)
    rate = test.sum_d2 / test.n
    assert bound(0.0, rate * n, n, 0.05)[1] < MARGIN <= bound(0.0, rate * (n // 2), n // 2, 0.05)[1]
