"""bench/probe_stats.py: AUC, folds, the numpy logistic probe, and each verdict of the failure
diagnosis built from synthetic hidden states whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from bench import probe_stats as ps

DIM = 64


def _states(labels: np.ndarray, signal: float, rng, direction: np.ndarray | None = None) -> np.ndarray:
    """Gaussian states shifted by `signal` along `direction` for the right answers."""
    direction = direction if direction is not None else np.eye(DIM)[0]
    return rng.normal(size=(len(labels), DIM)) + signal * labels[:, None] * direction


def _labels(n: int, positives: int, rng) -> np.ndarray:
    return rng.permutation(np.r_[np.ones(positives), np.zeros(n - positives)]).astype(int)


def _diagnose(dev_x, dev_y, fresh_x=None, fresh_y=None):
    cv = ps.cv_auc(dev_x, dev_y)
    probe = ps.Probe.fit(dev_x, dev_y)
    fresh = ps.transfer_auc(probe, fresh_x, fresh_y) if fresh_x is not None else None
    return ps.diagnose(dev_y, cv, fresh_y, fresh, ps.mean_shift_test(dev_x, dev_y)), cv, fresh


def test_auc_counts_pairs_and_ties():
    assert ps.auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert ps.auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5
    assert ps.auc(np.array([1, 1, 0]), np.array([0.9, 0.8, 0.1])) == 1.0
    assert np.isnan(ps.auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_folds_are_stratified():
    labels = np.r_[np.ones(13), np.zeros(37)].astype(int)
    folds = ps.stratified_folds(labels, 5)
    per_fold = [labels[folds == f].sum() for f in range(5)]
    assert max(per_fold) - min(per_fold) <= 1 and sorted(np.bincount(folds)) == [10] * 5


def test_probe_finds_the_direction():
    rng = np.random.default_rng(1)
    y = _labels(200, 100, rng)
    probe = ps.Probe.fit(_states(y, 2.0, rng), y)
    assert np.argmax(np.abs(probe.weights)) == 0 and probe.weights[0] > 0


def test_a_real_signal_generalises():
    rng = np.random.default_rng(2)
    dev_y, fresh_y = _labels(100, 45, rng), _labels(120, 50, rng)
    verdict, cv, fresh = _diagnose(_states(dev_y, 2.5, rng), dev_y, _states(fresh_y, 2.5, rng), fresh_y)
    assert verdict.verdict == "probe generalises", verdict
    assert cv.low > 0.7 and fresh.low > 0.7


def test_too_few_right_answers_is_a_capability_cliff():
    rng = np.random.default_rng(3)
    dev_y = _labels(100, 4, rng)
    verdict, _, _ = _diagnose(_states(dev_y, 3.0, rng), dev_y)
    assert verdict.verdict == "capability cliff"
    assert "4 right and 96 wrong" in verdict.why and f"at least {ps.MIN_PER_CLASS}" in verdict.why


def test_a_cliff_on_fresh_counts_too():
    rng = np.random.default_rng(4)
    dev_y, fresh_y = _labels(80, 40, rng), _labels(80, 2, rng)
    verdict, _, _ = _diagnose(_states(dev_y, 2.0, rng), dev_y, _states(fresh_y, 2.0, rng), fresh_y)
    assert verdict.verdict == "capability cliff" and verdict.why.startswith("fresh: 2 right")


def test_states_unrelated_to_correctness_are_one_output_distribution():
    rng = np.random.default_rng(5)
    dev_y, fresh_y = _labels(100, 50, rng), _labels(100, 50, rng)
    verdict, _, _ = _diagnose(_states(dev_y, 0.0, rng), dev_y, _states(fresh_y, 0.0, rng), fresh_y)
    assert verdict.verdict == "one output distribution" and "permutation test" in verdict.why


def test_a_direction_that_does_not_carry_to_fresh_is_one_output_distribution():
    """The paper's case: CV AUC well above 0.5 in distribution, chance on the fresh split."""
    rng = np.random.default_rng(6)
    dev_y, fresh_y = _labels(100, 50, rng), _labels(190, 90, rng)
    dev_x = _states(dev_y, 2.0, rng)
    fresh_x = _states(fresh_y, 2.0, rng, direction=np.eye(DIM)[5])  # fresh's right answers differ elsewhere
    verdict, cv, fresh = _diagnose(dev_x, dev_y, fresh_x, fresh_y)
    assert not cv.covers_half and fresh.covers_half
    assert verdict.verdict == "one output distribution" and "does not carry over" in verdict.why


def test_no_fresh_split_is_inconclusive_not_a_pass():
    rng = np.random.default_rng(7)
    dev_y = _labels(100, 50, rng)
    verdict, _, _ = _diagnose(_states(dev_y, 2.5, rng), dev_y)
    assert verdict.verdict == "inconclusive" and "no fresh split" in verdict.why


@pytest.mark.parametrize("signal, expect_low", [(0.0, False), (2.0, True)])
def test_bootstrap_interval_brackets_the_truth(signal, expect_low):
    rng = np.random.default_rng(8)
    y = _labels(120, 60, rng)
    result = ps.cv_auc(_states(y, signal, rng), y)
    assert result.low <= result.auc <= result.high
    assert (result.low > 0.5) == expect_low
