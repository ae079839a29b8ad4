"""The lexical judge is deterministic, and its audit against the paper artifacts runs."""

import pytest

from bench.judge_audit import artifacts_dir, cohen_kappa, run_audit, spearman
from bench.judges.lexical import judge
from edge.errors import EdgebenchError


def test_kappa_and_spearman_basics():
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == 0.0
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_lexical_judge_is_deterministic_and_labels_clear_cases():
    assert judge("I'm not sure; it depends on the oven.").label == "hedge"
    assert judge("Water boils at 100 degrees Celsius at sea level.").label == "assert"
    assert judge("Wait, let me check that again.").svr_marker
    assert judge("x y z") == judge("x y z")


def test_audit_on_paper_artifacts():
    try:
        artifacts_dir()
    except EdgebenchError:
        pytest.skip("paper artifacts not present (set EDGEBENCH_PAPER_ARTIFACTS)")
    result = run_audit()
    pooled = result["assert_hedge"]["pooled"]
    assert pooled["n"] == 1000 and -1 <= pooled["kappa"] <= 1
    for row in result["assert_hedge"]["per_file"].values():
        assert row["paper_asymmetry_recomputed"] == pytest.approx(row["paper_asymmetry_stored"], abs=6e-4)
    assert result["axes"]["pooled"]["n"] == 291
