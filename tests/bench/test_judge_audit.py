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
    # the figures the README reports; a change to the rules or the weights must update both.
    # The pooled figure counts only the prompts the stance weights were not fitted on.
    assert pooled["held_out"] and pooled["n"] == 500
    assert pooled["kappa"] == pytest.approx(0.453, abs=5e-4) and pooled["accuracy"] == pytest.approx(0.944, abs=5e-4)
    assert pooled["kappa"] > 0.4
    assert pooled["paper_hedge_share"] == pytest.approx(0.062) and pooled["lexical_hedge_share"] == pytest.approx(0.046)
    everything = result["assert_hedge"]["all_answers"]
    assert not everything["held_out"] and everything["n"] == 1000
    assert everything["kappa"] == pytest.approx(0.444, abs=5e-4)
    for name, row in result["assert_hedge"]["per_file"].items():
        assert name.endswith("(held-out prompts)") and row["held_out"]
        assert row["paper_asymmetry_recomputed"] == pytest.approx(row["paper_asymmetry_stored"], abs=6e-4)
    axes = result["axes"]["pooled"]
    assert axes["n"] == 291
    assert axes["spearman_hedge_vs_hedging_appropriateness"] == pytest.approx(-0.287, abs=5e-4)
    assert axes["spearman_verification_vs_self_verification"] == pytest.approx(0.012, abs=5e-4)


def test_stance_weights_are_reproducible_and_never_scored_on_their_training_prompts():
    """Training again with the recorded seed gives the shipped weights; the held-out prompts are
    disjoint from the training ones."""
    try:
        folder = artifacts_dir()
    except EdgebenchError:
        pytest.skip("paper artifacts not present (set EDGEBENCH_PAPER_ARTIFACTS)")
    from bench.judges.stance import model
    from bench.judges.train_stance import load, train

    shipped = model()
    again = train(folder, shipped["seed"])
    assert again["train_prompts"] == shipped["train_prompts"] and again["threshold"] == shipped["threshold"]
    assert again["weights"] == pytest.approx(shipped["weights"], abs=1e-9)
    trained = {tuple(p) for p in shipped["train_prompts"]}
    rows = load(folder)
    held = [r for r in rows if (r["file"], r["prompt"]) not in trained]
    assert len(held) == 500 and all((r["file"], r["prompt"]) not in trained for r in held)


def test_the_stance_runs_without_numpy():
    """Inference is plain Python (a Pi has no room for more)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    probe = ("import sys; sys.modules['numpy'] = None; from bench.judges.lexical import judge; "
             "print(judge('It is often debated, and it may depend on the region. ' * 10).label)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and out.stdout.strip() in ("assert", "hedge"), out.stderr
