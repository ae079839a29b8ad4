"""The trained assert/hedge stance: honest measurement, reproducible weights, padding-proof features."""

import json

import pytest

from bench.judge_audit import PADDING, artifacts_dir
from edge.errors import EdgebenchError


def _folder():
    try:
        return artifacts_dir()
    except EdgebenchError:
        pytest.skip("paper artifacts not present (set EDGEBENCH_PAPER_ARTIFACTS)")


def test_regenerating_gives_the_shipped_weights_and_cross_validated_figures(tmp_path):
    """`python -m bench.judges.train_stance --seed 0 --repeats 10` reproduces stance_weights.json:
    the weights (fitted on all answers) and the stored cross-validated figures."""
    folder = _folder()
    from bench.judges.stance import WEIGHTS
    from bench.judges.train_stance import COMMAND, train

    shipped = json.loads(WEIGHTS.read_text())
    assert shipped["cv"]["command"] == COMMAND
    again = json.loads(json.dumps(train(folder, shipped["seed"], shipped["cv"]["repeats"])))
    assert again["threshold"] == shipped["threshold"] and again["l2"] == shipped["l2"]
    assert again["weights"] == pytest.approx(shipped["weights"], abs=1e-7)
    assert again["cv"]["oof_first_repeat"] == shipped["cv"]["oof_first_repeat"]
    assert again["cv"]["chosen_l2_threshold"] == shipped["cv"]["chosen_l2_threshold"]
    for key in ("kappa_pooled", "accuracy_pooled"):
        assert again["cv"][key] == pytest.approx(shipped["cv"][key], abs=1e-9)
    for name, row in shipped["cv"]["kappa_per_model"].items():
        assert again["cv"]["kappa_per_model"][name] == pytest.approx(row, abs=1e-9)


def test_folds_are_grouped_by_prompt_across_files():
    """No answer is labelled by a model that saw any answer to its prompt, in any file."""
    import numpy as np

    folder = _folder()
    from bench.judges.train_stance import FOLDS, _folds, load

    rows = load(folder)
    prompts = np.array([r["prompt"] for r in rows])
    fold_of = _folds(prompts, FOLDS, 1000)
    fold = np.array([fold_of[int(p)] for p in prompts])
    for f in range(FOLDS):
        assert not set(prompts[fold == f]) & set(prompts[fold != f])
    assert sorted(np.bincount(fold)) and len(set(prompts)) == 100


def test_the_training_label_is_the_lexical_judges_label():
    """Cross-validation scores exactly what judge() labels: rule_label + shipped weights == judge()."""
    folder = _folder()
    from bench.judges.lexical import judge
    from bench.judges.stance import is_hedge, rule_label
    from bench.judges.train_stance import load

    for row in load(folder)[::7]:
        rule = rule_label(row["text"])
        ours = rule if rule is not None else is_hedge(row["text"])
        assert (judge(row["text"]).label == "hedge") == ours


def test_padding_moves_no_feature():
    """Neutral padding (judge-audit's verbosity check) changes no feature of any labelled answer,
    so it can neither raise nor lower a label."""
    folder = _folder()
    from bench.judges.stance import features
    from bench.judges.train_stance import load

    for row in load(folder)[::5]:
        assert features(row["text"] + PADDING) == features(row["text"])


@pytest.mark.parametrize("answer", [
    "It sounds like the sauce may have split. It depends heavily on the heat, and it might also be the butter. "
    "Without knowing your pan, the most likely culprit is the temperature; could you tell me how hot it was? " * 2,
])
def test_a_tentative_answer_is_more_likely_a_hedge_than_a_firm_one(answer):
    from bench.judges.stance import hedge_probability

    firm = ("Bechamel is made from butter, flour and milk. Melt the butter, stir in the flour, cook for two minutes, "
            "then whisk in the hot milk and simmer until thick. Season with salt, pepper and nutmeg. " * 2)
    assert hedge_probability(answer) > hedge_probability(firm)


def test_inference_needs_no_numpy_and_features_match_names():
    from bench.judges.stance import FEATURE_NAMES, features, model

    assert len(features("A plain answer.")) == len(FEATURE_NAMES) == len(model()["weights"])
    assert model()["features"] == list(FEATURE_NAMES)
