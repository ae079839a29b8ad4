"""The bundle round trip: made here (the laptop), run where torch, transformers and the converter cannot be
imported (the device, as tests/edge_install/test_edge_only.py simulates it), and both runs merged into one
report with the device named on every row. Kept fast: the embedded GGUF taken as it is, one item per
suite, budgets of 16 and 32 tokens, one drift window, no speed test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, needs_llama
from tests.edge_install.test_edge_only import device


def laptop(*args: str, cwd: Path):
    return subprocess.run([sys.executable, "-m", "edgebench", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)


def ok(result) -> bool:
    return result.returncode == 0 and "Traceback" not in result.stderr


def one_line_error(result, fragment: str) -> bool:
    lines = result.stderr.strip().splitlines()
    return result.returncode != 0 and len(lines) == 1 and lines[0].startswith("edgebench: error:") and fragment in lines[0]


@needs_llama
def test_bundle_made_here_runs_on_an_edge_only_device_and_merges(installed, default_gguf, tmp_path):
    bundle = tmp_path / "bundle"
    made = laptop("bundle", "--out", str(bundle), "--ladder", str(default_gguf), "--reference", str(default_gguf),
                  "--suite", "disposition,humaneval", "--limit", "1", "--budgets", "16,32", "--drift-windows", "1",
                  "--no-speed", "--threads", "1", cwd=tmp_path)
    assert ok(made), made.stderr
    manifest = json.loads((bundle / "bundle.json").read_text())
    assert {"plan.json", "items.jsonl", "reference.npz"} <= set(manifest["files"])

    pi = device(installed, "run", "--bundle", str(bundle), "--profile", "rpi5", "--threads", "1", "--out",
                str(tmp_path / "pi-run"), cwd=tmp_path)
    assert ok(pi), pi.stderr
    home = laptop("run", "--bundle", str(bundle), "--threads", "1", "--out", str(tmp_path / "laptop-run"), cwd=tmp_path)
    assert ok(home), home.stderr

    html = tmp_path / "both.html"
    report = device(installed, "report", str(tmp_path / "laptop-run"), str(tmp_path / "pi-run"), "--format", "json",
                    "--html", str(html), cwd=tmp_path)
    if "matplotlib" in report.stderr:  # the device has no plotting library: the table alone
        report = device(installed, "report", str(tmp_path / "laptop-run"), str(tmp_path / "pi-run"), "--format", "json",
                        cwd=tmp_path)
        html = None
    assert ok(report), report.stderr
    rows = json.loads(report.stdout)
    assert [r["run"].split("/")[-1] for r in rows] == ["laptop-run", "pi-run"]
    assert rows[0]["device"].startswith("laptop-cpu on ") and rows[1]["device"].startswith("rpi5 on ")
    for row in rows:  # the same plan on both: the same items, the drift reference carried, not rebuilt
        assert row["artifact"] == "gguf:q4_1" and row["reference"] and row["disposition"] is not None
        assert row["pass@1"] is not None and abs(row["kl_mean"]) < 1e-4
    markdown = laptop("report", str(tmp_path / "laptop-run"), str(tmp_path / "pi-run"), "--format", "md", cwd=tmp_path)
    assert "2 runs merged" in markdown.stdout and "| rpi5 on " in markdown.stdout and "| laptop-cpu on " in markdown.stdout
    if html is not None:
        page = html.read_text()
        assert page.count("<table") == 1 and "rpi5 on " in page and "laptop-cpu on " in page

    # a bundle changed after it was made is refused in one line naming the file; nothing is run
    items = bundle / "items.jsonl"
    items.write_text(items.read_text().replace("?", "!", 1))
    refused = device(installed, "run", "--bundle", str(bundle), "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert one_line_error(refused, "items.jsonl does not match its sha256"), refused.stderr
    assert not (tmp_path / "again").exists()
    foreign = device(installed, "run", "--bundle", str(tmp_path / "pi-run"), cwd=tmp_path)
    assert one_line_error(foreign, "is not an edgebench bundle"), foreign.stderr
    missing = device(installed, "run", "--bundle", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert one_line_error(missing, "does not exist"), missing.stderr
    planned = device(installed, "run", "--bundle", str(bundle), "--suite", "humaneval", cwd=tmp_path)
    assert one_line_error(planned, "--bundle carries the plan: drop --suite"), planned.stderr

