"""The falsification verdict on constructed run folders, where the right answer is known."""

from __future__ import annotations

import random

import pytest

from bench.compare import compare_runs
from bench.report_model import ScoreKey, StopKey
from bench.results import RunScores, load_run
from bench.suites.disposition import SPEC
from edge.errors import EdgebenchError

N = 40  # items per split


def write_run(folder, rows, judge="lexical"):
    """rows: (split, id, budget, scores, stop_reason) -> the scores of one run's artifact, as compare reads them."""
    return RunScores(folder, {ScoreKey("disposition", split, item, budget): row for split, item, budget, row, _ in rows},
                     {StopKey("disposition", item, budget): stop for _, item, budget, _, stop in rows}, {"disposition": judge},
                     {"disposition": SPEC})


def scores(disposition, correct=1.0, svr=0.0):
    return {"disposition": float(disposition), "correct": float(correct), "svr": float(svr)}


def make(tmp_path, name, fn, splits=("dev", "fresh"), budgets=(64, 512), **kw):
    """fn(split, index, budget) -> (scores, stop)."""
    rows = [(s, f"{s}-{i}", b, *fn(s, i, b)) for s in splits for i in range(N) for b in budgets]
    return write_run(tmp_path / name, rows, **kw)


def baseline(seed=1):
    rng = random.Random(seed)
    outcome = {(s, i): rng.random() < 0.5 for s in ("dev", "fresh") for i in range(N)}
    return lambda s, i, b: (scores(outcome[(s, i)]), "stop")


def test_only_the_small_budget_differs_is_a_truncation_artifact(tmp_path):
    base = baseline()
    # A rambles: at 64 tokens most of its answers are cut off and score 0; at 512 it equals B.
    def a(s, i, b):
        if b == 64 and i < 32:
            return scores(0), "length"
        return base(s, i, b)
    run_a, run_b = make(tmp_path, "a", a), make(tmp_path, "b", base)
    result = compare_runs(run_a, run_b)
    assert result.verdict == "truncation artifact", result.reason
    assert "n_predict=64" in result.reason and "n_predict=512" in result.reason


def test_a_real_difference_survives(tmp_path):
    run_a = make(tmp_path, "a", lambda s, i, b: (scores(i < 10), "stop"))
    run_b = make(tmp_path, "b", lambda s, i, b: (scores(i < 35), "stop"))
    result = compare_runs(run_a, run_b)
    assert result.verdict == "survives", result.reason
    assert {c.split for c in result.cells} == {"dev", "fresh"}
    assert all(c.target.p_value < 0.05 and c.target.difference == pytest.approx(25 / N) for c in result.cells)


def test_a_gain_on_dev_only_is_not_enough(tmp_path):
    run_a = make(tmp_path, "a", lambda s, i, b: (scores(i < 10), "stop"), splits=("dev",))
    run_b = make(tmp_path, "b", lambda s, i, b: (scores(i < 35), "stop"), splits=("dev",))
    result = compare_runs(run_a, run_b)
    assert result.verdict == "not significant"
    assert "fresh" in result.reason


def test_gain_that_vanishes_on_fresh_is_not_significant(tmp_path):
    run_a = make(tmp_path, "a", lambda s, i, b: (scores(i < 10), "stop"))
    run_b = make(tmp_path, "b", lambda s, i, b: (scores(i < (35 if s == "dev" else 11)), "stop"))
    result = compare_runs(run_a, run_b)
    assert result.verdict == "not significant"
    assert "fresh" in result.reason


def test_markers_without_behaviour_are_style_only(tmp_path):
    base = baseline()
    run_a = make(tmp_path, "a", base)
    run_b = make(tmp_path, "b", lambda s, i, b: (scores(base(s, i, b)[0]["disposition"], svr=i < 30), "stop"))
    result = compare_runs(run_a, run_b)
    assert result.verdict == "style only", result.reason


def test_lost_content_is_content_damaged(tmp_path):
    run_a = make(tmp_path, "a", lambda s, i, b: (scores(i < 10, correct=1), "stop"))
    run_b = make(tmp_path, "b", lambda s, i, b: (scores(i < 35, correct=i >= 20), "stop"))
    result = compare_runs(run_a, run_b)
    assert result.verdict == "content damaged", result.reason


def test_identical_runs_are_not_significant(tmp_path):
    run_a, run_b = make(tmp_path, "a", baseline()), make(tmp_path, "b", baseline())
    result = compare_runs(run_a, run_b)
    assert result.verdict == "not significant"
    assert all(c.target.difference == 0 and c.target.p_value == 1.0 for c in result.cells)


def test_every_budget_truncated_cannot_survive(tmp_path):
    run_a = make(tmp_path, "a", lambda s, i, b: (scores(i < 10), "length"))
    run_b = make(tmp_path, "b", lambda s, i, b: (scores(i < 35), "length"))
    assert compare_runs(run_a, run_b).verdict == "truncation artifact"


def test_different_judges_are_refused(tmp_path):
    run_a = make(tmp_path, "a", baseline())
    run_b = make(tmp_path, "b", baseline(), judge="llm:some-model")
    with pytest.raises(EdgebenchError, match="different judges"):
        compare_runs(run_a, run_b)


def test_runs_without_shared_items_are_refused(tmp_path):
    run_a = make(tmp_path, "a", baseline(), splits=("dev",))
    run_b = make(tmp_path, "b", baseline(), splits=("fresh",))
    with pytest.raises(EdgebenchError, match="share no"):
        compare_runs(run_a, run_b)


def test_a_folder_that_is_not_a_run_is_one_clear_error(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "samples.jsonl").write_text("")  # what an old edgebench left: not read any more
    with pytest.raises(EdgebenchError, match="not a run folder"):
        load_run(tmp_path / "run")
    with pytest.raises(EdgebenchError, match="does not exist"):
        load_run(tmp_path / "nowhere")


def test_runs_generated_with_different_parallel_counts_are_refused_unless_allowed(tmp_path):
    from dataclasses import replace

    base = baseline()
    run_a, run_b = make(tmp_path, "a", base), replace(make(tmp_path, "b", base), parallel=4)
    with pytest.raises(EdgebenchError, match=r"different parallel counts \(A: 1, B: 4 .*--allow-mixed-batching"):
        compare_runs(run_a, run_b)
    assert compare_runs(run_a, run_b, allow_mixed_batching=True).verdict
    assert compare_runs(replace(run_a, parallel=4), run_b).verdict  # one count on both sides: no question
