"""The verdict rule table (bench/verdict.py): every row reached by a constructed case, the README
table equal to the code's, and properties that hold for any cells (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.compare import Cell, compare_runs
from bench.stats import PairedResult
from bench.verdict import RULES, VERDICTS, decide, facts, rules_markdown
from tests.bench.test_compare import baseline, make, scores
from tests.conftest import REPO

ALPHA, CAP = 0.05, 0.05
REQUIRED = ("dev", "fresh")


def test_readme_table_is_the_code_table():
    assert rules_markdown() in (REPO / "README.md").read_text()
    assert VERDICTS == ("content damaged", "survives", "truncation artifact", "style only", "not significant")


def test_clean_gain_on_dev_only_plus_a_cut_gain_is_not_significant(tmp_path):
    """The case the old code called a truncation artifact against its own table."""
    def a(s, i, b):
        return scores(i < 10), "length" if b == 64 else "stop"

    def b(s, i, b_):
        better = i < 35 if (s == "dev" or b_ == 64) else i < 10
        return scores(better), "length" if b_ == 64 else "stop"
    result = compare_runs(make(tmp_path, "a", a), make(tmp_path, "b", b))
    assert result.verdict == "not significant", result.reason
    assert "fresh" in result.reason and "some clean budgets" in result.reason


def test_fresh_cut_off_everywhere_is_said_so_not_called_missing(tmp_path):
    run_a = make(tmp_path, "a", lambda s, i, b: (scores(i < 10), "length" if s == "fresh" else "stop"))
    run_b = make(tmp_path, "b", lambda s, i, b: (scores(i < 35), "length" if s == "fresh" else "stop"))
    result = compare_runs(run_a, run_b)
    assert result.verdict == "not significant", result.reason
    assert "fresh split was cut off at every budget" in result.reason and "not run" not in result.reason


def test_style_with_better_content_is_not_style_only(tmp_path):
    base = baseline()
    run_a = make(tmp_path, "a", lambda s, i, b: (scores(base(s, i, b)[0]["disposition"], correct=i < 10), "stop"))
    run_b = make(tmp_path, "b", lambda s, i, b: (scores(base(s, i, b)[0]["disposition"], correct=i < 35, svr=i < 30),
                                                 "stop"))
    result = compare_runs(run_a, run_b)
    assert result.verdict == "not significant", result.reason


# ---- properties over any cells ---------------------------------------------------------

def _test_result():
    return st.builds(lambda d, p: PairedResult(d, d - 0.1, d + 0.1, p, 40),
                     st.sampled_from([-0.3, -0.1, 0.0, 0.1, 0.3]), st.sampled_from([0.001, 0.04, 0.2, 1.0]))


def _cells():
    cell = st.builds(lambda split, budget, cap_a, cap_b, target, content, style: Cell(
        split, budget, 40, cap_a, cap_b, 0.5, 0.5, target, content, style),
        st.sampled_from(["dev", "fresh"]), st.sampled_from([64, 256, 1024]), st.sampled_from([0.0, 0.05, 0.3, 1.0]),
        st.sampled_from([0.0, 0.02, 0.5]), _test_result(), st.one_of(st.none(), _test_result()),
        st.one_of(st.none(), _test_result()))
    return st.lists(cell, min_size=1, max_size=6, unique_by=lambda c: (c.split, c.budget))


def _sig_up(r):
    return r is not None and r.p_value < ALPHA and r.difference > 0


def _sig_down(r):
    return r is not None and r.p_value < ALPHA and r.difference < 0


@settings(max_examples=400, deadline=None)
@given(_cells())
def test_every_verdict_means_what_its_row_says(cells):
    verdict, reason = decide(cells, ALPHA, CAP, REQUIRED)
    clean = [c for c in cells if max(c.cap_hit_a, c.cap_hit_b) <= CAP]
    judged = clean or cells
    assert reason
    if verdict == "content damaged":
        assert any(_sig_down(c.content) for c in judged)
        return
    assert not any(_sig_down(c.content) for c in judged)  # no other verdict hides lost content
    if verdict == "survives":
        assert clean and all(_sig_up(c.target) for c in clean)
        assert {c.split for c in clean} >= set(REQUIRED)
    elif verdict == "truncation artifact":
        assert not any(_sig_up(c.target) for c in clean)
        assert any(_sig_up(c.target) for c in cells if c not in clean)
    elif verdict == "style only":
        assert any(_sig_up(c.style) for c in judged)
        assert not any(_sig_up(c.target) or _sig_up(c.content) for c in judged)
    else:
        assert verdict == "not significant"
        f = facts(cells, ALPHA, CAP, REQUIRED)
        assert not any(rule.holds(f) for rule in RULES[:-1])


@settings(max_examples=200, deadline=None)
@given(_cells())
def test_a_gain_seen_only_on_cut_budgets_never_survives(cells):
    cut_only = [Cell(c.split, c.budget, c.n, 0.5, 0.5, c.mean_a, c.mean_b, c.target, c.content, c.style) for c in cells]
    assert decide(cut_only, ALPHA, CAP, REQUIRED)[0] != "survives"
