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



def test_lexical_judge_gives_the_same_labels_in_another_process():
    """Deterministic across interpreters (string hashing is randomized per process, so a rule that
    iterated a set of phrases in hash order would show up here)."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    answers = ["I'm not sure; it depends on the oven.", "Water boils at 100 degrees Celsius at sea level.",
               "Wait, let me check that again.", "Actually, I think it might be 42, but I could be wrong.",
               "Let me verify: 12 * 12 = 144. Yes, 144.", "x y z"]
    here = [[judge(a).label, judge(a).svr_marker] for a in answers]
    probe = ("import json, sys; from bench.judges.lexical import judge; "
             "print(json.dumps([[judge(a).label, judge(a).svr_marker] for a in json.loads(sys.argv[1])]))")
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", probe, json.dumps(answers)], capture_output=True, text=True,
                             cwd=REPO, env={**os.environ, "PYTHONHASHSEED": seed})
        assert json.loads(out.stdout) == here, out.stderr


def test_audit_on_paper_artifacts():
    try:
        artifacts_dir()
    except EdgebenchError:
        pytest.skip("paper artifacts not present (set EDGEBENCH_PAPER_ARTIFACTS)")
    result = run_audit()
    pooled = result["assert_hedge"]["pooled"]
    # the figures the README reports; a change to the rules must update both
    assert pooled["n"] == 1000
    assert pooled["kappa"] == pytest.approx(0.187, abs=5e-4) and pooled["accuracy"] == pytest.approx(0.922, abs=5e-4)
    assert pooled["paper_hedge_share"] == pytest.approx(0.072) and pooled["lexical_hedge_share"] == pytest.approx(0.028)
    for row in result["assert_hedge"]["per_file"].values():
        assert row["paper_asymmetry_recomputed"] == pytest.approx(row["paper_asymmetry_stored"], abs=6e-4)
    axes = result["axes"]["pooled"]
    assert axes["n"] == 291
    assert axes["spearman_hedge_vs_hedging_appropriateness"] == pytest.approx(-0.287, abs=5e-4)
    assert axes["spearman_verification_vs_self_verification"] == pytest.approx(0.012, abs=5e-4)
