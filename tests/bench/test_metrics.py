"""Metrics reproduce the paper's definitions and numbers; statistics behave."""

import pytest

from bench.metrics import Cells, assertion_asymmetry, rates
from bench.stats import bootstrap, wilson


def test_asymmetry_reproduces_the_papers_gemma_figure():
    # Gemma 4 E2B, n=100: correct 53 assert / 5 hedge, wrong 38 assert / 4 hedge.
    cells = Cells(confident_right=53, hedged_right=5, confident_wrong=38, hedged_wrong=4)
    assert assertion_asymmetry(cells) == pytest.approx(38 / 42 - 53 / 58)
    assert round(assertion_asymmetry(cells), 3) == -0.009


@pytest.mark.parametrize("cells, stored", [
    ((174, 4, 594, 28), {"assertion_asymmetry": -0.0225, "hallucination_rate": 0.955, "over_hedging_rate": 0.0225}),
    ((45, 11, 33, 11), {"assertion_asymmetry": -0.0536, "accuracy": 0.56, "assertion_rate": 0.78}),
    ((64, 11, 18, 7), {"assertion_asymmetry": -0.1333, "over_hedging_rate": 0.1467, "hallucination_rate": 0.72}),
])
def test_rates_match_the_summaries_stored_in_the_artifacts(cells, stored):
    ours = rates(Cells(*cells))
    for key, value in stored.items():
        assert ours[key] == pytest.approx(value, abs=6e-4), key


def test_cells_from_pairs():
    cells = Cells.from_pairs([(True, True), (True, False), (False, True), (False, False), (True, False)])
    assert cells == Cells(1, 1, 2, 1)


def test_wilson_and_bootstrap():
    e = wilson(0, 164)
    assert e.value == 0 and e.low == 0 and 0.01 < e.high < 0.03
    values = [1.0] * 30 + [0.0] * 70
    a, b = bootstrap(values, seed=3), bootstrap(values, seed=3)
    assert a == b and a.low < 0.3 < a.high


def test_mcnemar_exact():
    from bench.stats import mcnemar

    a = [True] * 50 + [False] * 50
    same = mcnemar(a, a)
    assert same.difference == 0 and same.p_value == 1.0
    # 12 items fixed by B, 2 broken: exact two-sided p = 2 * P(X <= 2 | n=14, 0.5)
    b = [True] * 48 + [False] * 2 + [True] * 12 + [False] * 38
    result = mcnemar(a, b)
    assert result.difference == pytest.approx(10 / 100)
    assert result.p_value == pytest.approx(2 * (1 + 14 + 91) / 2**14)
    assert result.p_value < 0.05 and result.low > 0


def test_paired_bootstrap_sees_a_shift_and_not_noise():
    from bench.stats import paired_bootstrap

    a = [0.2, 0.4, 0.5, 0.3, 0.6, 0.1, 0.4, 0.5] * 5
    assert paired_bootstrap(a, [x + 0.2 for x in a]).p_value < 0.01
    assert paired_bootstrap(a, a).p_value == 1.0
    assert paired_bootstrap(a, [x + 0.2 for x in a], seed=1) == paired_bootstrap(a, [x + 0.2 for x in a], seed=1)
