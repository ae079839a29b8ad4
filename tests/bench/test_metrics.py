"""Metrics reproduce the paper's definitions and numbers; statistics behave."""

import pytest

from bench.metrics import Cells, assertion_asymmetry, rates, unclosed_think
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


def test_unclosed_think():
    assert unclosed_think("<think>let me see") and not unclosed_think("<think>x</think> 4") and not unclosed_think("4")


def test_wilson_and_bootstrap():
    e = wilson(0, 164)
    assert e.value == 0 and e.low == 0 and 0.01 < e.high < 0.03
    values = [1.0] * 30 + [0.0] * 70
    a, b = bootstrap(values, seed=3), bootstrap(values, seed=3)
    assert a == b and a.low < 0.3 < a.high
