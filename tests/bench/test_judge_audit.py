"""The lexical judge is deterministic, and its audit against the paper artifacts runs."""

import pytest

from bench.judge_audit import artifacts_dir, cohen_kappa, run_audit, spearman
from bench.judges.lexical import judge
from edge.errors import EdgebenchError

# the cross-validated assert/hedge figures in the README (bench/judges/stance_weights.json, "cv")
KAPPA_CV = 0.455
KAPPA_CV_RANGE = [0.402, 0.493]
KAPPA_CV_PER_MODEL = [0.362, 0.514, 0.321]


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
    labels = result["assert_hedge"]
    pooled = labels["pooled"]
    # the figures the README reports; a change to the rules or the weights must update both.
    # The pooled figure is cross-validated (grouped by prompt), never the shipped weights on their own training answers.
    assert pooled["cross_validated"] and pooled["n"] == 1000
    assert pooled["kappa"] == pytest.approx(KAPPA_CV, abs=5e-4)
    assert pooled["kappa_range"] == pytest.approx(KAPPA_CV_RANGE, abs=5e-4)
    assert pooled["kappa"] > 0.4 and pooled["above_target"]
    assert pooled["above_target_every_repeat"] == (pooled["kappa_range"][0] > 0.4)
    assert (pooled["why_not"] is None) == pooled["above_target_every_repeat"]
    assert pooled["models_below_target"] == ["Gemma 4 E2B", "Qwen3.5-0.8B"] and "inter-rater" in pooled["limits"]
    assert "grouped by prompt" in pooled["note"] and "train_stance" in pooled["note"]
    assert pooled["paper_hedge_share"] == pytest.approx(0.072)
    everything = labels["all_answers"]
    assert not everything["cross_validated"] and everything["n"] == 1000 and "not a test" in everything["note"]
    names = [name.removesuffix(" (cross-validated)") for name in labels["per_file"]]
    assert names == ["Gemma 4 E2B", "SmolLM2-1.7B", "Qwen3.5-0.8B"]
    for name, row in labels["per_file"].items():
        assert name.endswith("(cross-validated)") and row["cross_validated"]
        assert row["kappa_range"][0] <= row["kappa"] <= row["kappa_range"][1]
        assert row["paper_asymmetry_recomputed"] == pytest.approx(row["paper_asymmetry_stored"], abs=6e-4)
    assert [round(row["kappa"], 3) for row in labels["per_file"].values()] == KAPPA_CV_PER_MODEL
    axes = result["axes"]["pooled"]
    assert axes["n"] == 291
    assert axes["spearman_hedge_vs_hedging_appropriateness"] == pytest.approx(-0.287, abs=5e-4)
    assert axes["spearman_verification_vs_self_verification"] == pytest.approx(0.012, abs=5e-4)
    # padding an answer moves no label, either way
    assert result["verbosity_bias"]["asserts"]["mean_delta"] == 0.0


def test_audit_table_shows_the_cross_validated_figure():
    try:
        artifacts_dir()
    except EdgebenchError:
        pytest.skip("paper artifacts not present (set EDGEBENCH_PAPER_ARTIFACTS)")
    from rich.console import Console

    from edgebench.console import audit_table

    console = Console(width=250, record=True)
    console.print(audit_table(run_audit()))
    text = console.export_text()
    assert "pooled (assert/hedge, cross-validated)" in text and "range over repeats" in text
    assert "Qwen3.5-0.8B (cross-validated)" in text and "trained on them: not a test" in text


def test_the_stance_runs_without_numpy():
    """Inference is plain Python (a Pi has no room for more)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    probe = ("import sys; sys.modules['numpy'] = None; from bench.judges.lexical import judge; "
             "print(judge('It is often debated, and it may depend on the region. ' * 10).label)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and out.stdout.strip() in ("assert", "hedge"), out.stderr
