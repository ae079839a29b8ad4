"""train/heads.py: per-head norms read from the right slice and window, Cohen's d ranking with
bootstrap intervals on synthetic cohorts, the cohorts' definition, and one-line refusals."""

from __future__ import annotations

import numpy as np
import pytest

from edge.attention_layout import HeadShape, LAYOUTS, head_shape
from edge.errors import EdgebenchError
from tests.edgebench.test_cli import assert_one_line_error, edgebench
from train.heads import HeadsConfig, check_suite, cohens_d, cohort_of, rank_heads


def test_a_shifted_head_ranks_first_with_an_interval_above_zero():
    rng = np.random.default_rng(0)
    shape = HeadShape(n_layers=3, n_heads=4, head_dim=8)
    right, wrong = rng.normal(1.0, 0.1, (30, 12)), rng.normal(1.0, 0.1, (25, 12))
    wrong[:, 6] += 0.15  # layer 1, head 2: more active when confidently wrong
    right[:, 11] += 0.15  # layer 2, head 3: more active when right, so last
    ranks = rank_heads(right, wrong, shape, bootstrap=300)
    assert (ranks[0].layer, ranks[0].head) == (1, 2) and ranks[0].ci_low > 0.5
    assert (ranks[-1].layer, ranks[-1].head) == (2, 3) and ranks[-1].ci_high < 0
    middle = [r for r in ranks if (r.layer, r.head) not in ((1, 2), (2, 3))]
    assert sum(r.ci_low < 0 < r.ci_high for r in middle) >= 8  # null heads' intervals mostly cover 0
    assert [r.d for r in ranks] == sorted((r.d for r in ranks), reverse=True)


def test_cohens_d_is_the_pooled_standardized_difference():
    wrong, right = np.array([[2.0], [4.0]]), np.array([[1.0], [3.0]])
    assert cohens_d(wrong, right)[0] == pytest.approx(1 / np.sqrt(2))
    assert cohens_d(np.ones((3, 1)), np.ones((3, 1)))[0] == 0.0


def test_too_few_confident_answers_is_refused():
    with pytest.raises(EdgebenchError, match="2 right and 9 wrong"):
        rank_heads(np.ones((2, 4)), np.ones((9, 4)), HeadShape(1, 4, 2))


@pytest.mark.parametrize("scores, cohort", [({"asserts": 1, "correct": 1}, "right"), ({"asserts": 1, "correct": 0}, "wrong"),
                                            ({"asserts": 0, "correct": 1}, None), ({"asserts": 1, "correct": None}, None)])
def test_cohorts_are_asserted_answers_with_a_verdict(scores, cohort):
    assert cohort_of(scores) == cohort


def test_a_suite_without_assertion_and_correctness_is_refused():
    with pytest.raises(EdgebenchError, match="does not score both"):
        check_suite(HeadsConfig(suite="humaneval", split="test"))
    assert_one_line_error(edgebench("heads", "default", "--suite", "humaneval", "--split", "test"), "does not score both")


def test_every_layout_names_the_same_modules():
    assert {"llama", "qwen2", "gemma", "gemma2", "gemma3_text"} <= set(LAYOUTS)
    assert all(layout.o.endswith("o_proj") for layout in LAYOUTS.values())


def test_norms_read_each_heads_slice_over_the_last_answer_tokens(tmp_path):
    torch = pytest.importorskip("torch")
    from edge.attention_layout import o_proj
    from edge.torch_backend import load_hf
    from tests.models import tiny_llama
    from train.heads import head_norms

    model, _ = load_hf(tiny_llama(tmp_path / "m", hidden=64))
    shape = head_shape(model.config)
    with torch.no_grad():  # kv head 0 serves query heads 0 and 1 (4 heads, 2 kv heads): their outputs vanish
        model.model.layers[1].self_attn.v_proj.weight[: shape.head_dim] = 0
    prompt, answer = [1, 300, 400, 500], [600, 700, 800, 900, 1000, 1100]
    norms = head_norms(model, prompt, answer, last_tokens=3)
    assert norms.shape == (2, 4)
    assert np.allclose(norms[1, :2], 0) and (norms[1, 2:] > 0).all() and (norms[0] > 0).all()
    seen = {}
    handle = o_proj(model, 0).register_forward_pre_hook(lambda m, a: seen.setdefault("x", a[0]))
    with torch.no_grad():
        model(torch.tensor([prompt + answer]))
    handle.remove()
    window = seen["x"][0, -3:].reshape(3, 4, shape.head_dim)
    assert np.allclose(norms[0], window.norm(dim=-1).mean(0).numpy(), atol=1e-6)
