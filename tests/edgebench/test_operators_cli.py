"""The operator commands' user errors: one line on stderr and a non-zero exit, before any work."""

from __future__ import annotations

import pytest

from tests.edgebench.test_cli import assert_one_line_error, edgebench


@pytest.mark.parametrize("args, fragment", [
    (["run", "--temper-lambda", "0.8", "--out", "{tmp}/r"], "go together"),
    (["run", "--temper-top", "2", "--temper-lambda", "1,x", "--temper-from", "{tmp}/h.json", "--out", "{tmp}/r"],
     "--temper-lambda takes numbers"),
    (["probe", "{tmp}"], "is not a run folder"),
])
def test_operator_flags_refuse_in_one_line(args, fragment, tmp_path):
    result = edgebench(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert_one_line_error(result, fragment)
    assert not (tmp_path / "r").exists()


def test_a_tempered_run_keeps_the_ranking_it_came_from(tmp_path, monkeypatch):
    """edgebench run --temper-from FILE: the run folder holds a copy of FILE as heads.json (conversion and the
    plan faked: no model)."""
    import json

    from bench.execute import PlanConfig
    from edgebench import run_job

    ranking = tmp_path / "heads.json"
    ranking.write_text(json.dumps({"heads": [{"layer": 2, "head": 3, "d": 1.0}], "cohorts": {"right": 3, "wrong": 4}}))
    monkeypatch.setattr(run_job, "check_inputs", lambda *args: None)
    monkeypatch.setattr(run_job, "build_artifacts", lambda *args, **kw: ([], None))
    monkeypatch.setattr(run_job, "run_plan", lambda *args, **kw: None)
    monkeypatch.setattr(run_job, "closing_report", lambda *args, **kw: None)
    out = run_job.run("default", PlanConfig(suites=(), speed=None, drift=False), ladder=["gguf:f16"], out=tmp_path / "run",
                      ranking=ranking, say=lambda text: None)
    assert json.loads((out / "heads.json").read_text()) == json.loads(ranking.read_text())
    assert not list(out.glob("*.tmp"))
