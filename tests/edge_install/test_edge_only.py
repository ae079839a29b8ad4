"""The device install: edgebench built as an sdist, installed from it (not editable), and run
where torch, transformers, onnxruntime and mlx cannot be imported, as on a Raspberry Pi with
`pip install 'edgebench[edge]'`. Every command a device user runs must work there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs_llama

BLOCKER = Path(__file__).resolve().parent / "blocker"


def device(installed: Path, *args: str, cwd: Path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BLOCKER), str(installed)])}
    env.pop("EDGEBENCH_DEVICES", None)
    return subprocess.run([sys.executable, "-m", "edgebench", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_the_blocker_blocks_and_the_install_is_used(installed, tmp_path):
    probe = "import edge, importlib.util as u; print(edge.__file__); import torch"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BLOCKER), str(installed)])}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.stdout.startswith(str(installed)) and "simulates an edge-only install" in result.stderr


@needs_llama
def test_every_device_command_runs_without_torch(installed, default_gguf, tmp_path):
    ok = lambda r: r.returncode == 0 and "Traceback" not in r.stderr  # noqa: E731
    devices = device(installed, "devices", "--json", cwd=tmp_path)
    assert ok(devices), devices.stderr
    assert json.loads(devices.stdout)["detected"] == "laptop-cpu"

    speed = device(installed, "speed", str(default_gguf), "--pp", "16", "--tg", "8", "--depths", "0", "--reps", "1",
                   "--warmup", "0", "--json", cwd=tmp_path)
    assert ok(speed), speed.stderr
    record = json.loads(speed.stdout)
    assert record["tests"][0]["avg_ts"] > 0 and isinstance(record["repack"], bool) and record["repack_why"]

    fit = device(installed, "fit", str(default_gguf), "--profile", "rpi5", "--json", cwd=tmp_path)
    assert ok(fit), fit.stderr
    assert {(r["configuration"], r["fits"]) for r in json.loads(fit.stdout)} == {("speed", True), ("suites", True)}

    other = tmp_path / "other.gguf"
    shutil.copy(default_gguf, other)
    drift = device(installed, "drift", str(default_gguf), str(other), "--reference", str(default_gguf), "--windows", "1",
                   "--json", cwd=tmp_path)
    assert ok(drift), drift.stderr
    assert [round(r["kl_mean"], 6) for r in json.loads(drift.stdout)] == [0.0, 0.0]

    out = tmp_path / "run"
    run = device(installed, "run", "--model", str(default_gguf), "--ladder", "source", "--suite", "disposition,humaneval",
                 "--limit", "1", "--budgets", "16,32", "--out", str(out), cwd=tmp_path)
    assert ok(run), run.stderr
    report = device(installed, "report", str(out), "--format", "json", cwd=tmp_path)
    assert ok(report), report.stderr
    (row,) = json.loads(report.stdout)
    assert row["pass@1"] is not None and row["disposition"] is not None and row["gen_tok_s"] > 0

    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": "HumanEval/0", "completion": "    return False\n"}) + "\n")
    score = device(installed, "score", "humaneval", str(samples), "--json", cwd=tmp_path)
    assert ok(score), score.stderr
    assert json.loads(score.stdout)["samples"] == 1
