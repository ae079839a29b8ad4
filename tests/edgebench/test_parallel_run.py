"""`edgebench run --parallel` end to end on the embedded model (llama.cpp, a few items at tiny budgets): the
sequential and the batched path store every item at every budget, record their parallel count and harness
tax; --resume with another count, and compare across counts, are one clear line; a crash in a batch names
the items in flight and costs only what was unfinished."""

from __future__ import annotations

import json
import os

import pytest

from bench.store import Store
from tests.conftest import REPO, needs_llama
from tests.edgebench.test_cli import assert_one_line_error, edgebench

pytestmark = needs_llama

ITEMS = 3
RUN = ["--ladder", "source", "--suite", "disposition", "--limit", str(ITEMS), "--budgets", "16,32", "--no-speed",
       "--no-drift", "--threads", "1"]
LABEL = "gguf:q4_1"  # the embedded model as given


@pytest.fixture(scope="module")
def parallel_runs(tmp_path_factory, default_gguf) -> dict[int, tuple]:
    """parallel -> (run folder, the command's result), for a sequential and a batched run."""
    out = {}
    for parallel in (1, 3):
        folder = tmp_path_factory.mktemp("parallel") / f"p{parallel}"
        result = edgebench("run", *RUN, "--parallel", str(parallel), "--out", str(folder))
        assert result.returncode == 0, result.stderr
        out[parallel] = (folder, result)
    return out


def _meta(folder, key):
    with Store.open(folder, write=False) as store:
        return store.meta(key)


def _samples(folder) -> list[dict]:
    with Store.open(folder, write=False) as store:
        return store.samples()


@pytest.mark.parametrize("parallel", [1, 3])
def test_every_item_at_every_budget_with_its_parallel_count_and_tax(parallel_runs, parallel):
    folder, result = parallel_runs[parallel]
    rows = _samples(folder)
    ids = {r["item_id"] for r in rows}
    assert len(ids) == ITEMS and sorted((r["item_id"], r["budget"]) for r in rows) == sorted((i, b) for i in ids for b in (16, 32))
    for r in rows:
        assert r["n_tokens"] <= r["budget"] and r["stop_reason"] in ("stop", "length") and r["scores"]
        assert len(r["timings"]["token_s"]) >= r["n_tokens"] and r["timings"]["prompt_eval_s"] > 0
    assert _meta(folder, "parallel") == {LABEL: parallel}
    assert _meta(folder, "plan")["parallel"] == parallel and _meta(folder, "settings")["parallel"] == parallel
    tax = _meta(folder, "harness_tax")
    assert tax["items"] == ITEMS and tax["runtime_s"] > 0 and tax["suites_s"] >= tax["runtime_s"] * 0.9
    assert tax["run_s"] >= tax["suites_s"] and tax["suites_tax"] is not None
    said = " ".join((result.stdout + result.stderr).split())
    assert "harness tax: suites" in said and f"({ITEMS} generations)" in said
    report = edgebench("report", str(folder))
    assert f"parallel {parallel}" in report.stdout


def test_resume_with_another_parallel_count_is_refused(parallel_runs):
    folder, _ = parallel_runs[3]
    assert_one_line_error(edgebench("run", *RUN, "--parallel", "2", "--out", str(folder), "--resume"),
                          "was run with --parallel 3 and this session has 2")
    before = _samples(folder)
    # the count may come from the environment too; the same count resumes (a finished run changes nothing)
    again = edgebench("run", *RUN, "--out", str(folder), "--resume", env={"EDGEBENCH_PARALLEL": "3"})
    assert again.returncode == 0, again.stderr
    assert _samples(folder) == before


def test_compare_refuses_runs_of_different_parallel_counts_unless_allowed(parallel_runs):
    sequential, batched = str(parallel_runs[1][0]), str(parallel_runs[3][0])
    assert_one_line_error(edgebench("compare", sequential, batched), "--allow-mixed-batching")
    allowed = edgebench("compare", sequential, batched, "--allow-mixed-batching", "--json")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["verdict"]


def test_a_crash_in_a_batch_names_the_items_in_flight_and_resume_finishes(tmp_path, default_gguf):
    """A real SIGSEGV (tests/crash_hook) as the batch hands back its second item."""
    out = tmp_path / "crashy"
    # REPO after the hook: the hook imports edge at start-up, before `python -m` puts the working folder on the path
    path = [str(REPO / "tests" / "crash_hook"), str(REPO), os.environ.get("PYTHONPATH")]
    hook = {"PYTHONPATH": os.pathsep.join(filter(None, path)),
            "EDGEBENCH_TEST_CRASH": f"{default_gguf.name}:2"}
    result = edgebench("run", *RUN, "--parallel", "3", "--out", str(out), env=hook)
    assert result.returncode == 0, result.stderr
    said = " ".join((result.stdout + result.stderr).split())
    assert "llama.cpp crashed: SIGSEGV while generating item" in said and "in one batch, parallel 3" in said
    rows = _samples(out)
    assert len(rows) == 2 and len({r["item_id"] for r in rows}) == 1  # the item finished before the crash, both budgets
    crash = json.loads(edgebench("report", str(out), "--format", "json").stdout)[0]["crash"]
    in_flight = crash.split("generating ")[1].split(" (")[0].removeprefix("items ").removeprefix("item ").split(", ")
    assert rows[0]["item_id"] not in in_flight and 1 <= len(in_flight) <= 3
    resumed = edgebench("run", *RUN, "--parallel", "3", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert len(_samples(out)) == ITEMS * 2
