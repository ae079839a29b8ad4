"""The device readings through the CLI: a run with --sustain stores the timeline and the memory prediction, the
report shows prediction against measurement and plots the sustained run; edgebench fit; bad flags as one line."""

from __future__ import annotations

import json

import pytest

from tests.conftest import needs_llama
from tests.edgebench.test_cli import assert_one_line_error, edgebench


def test_bad_sustain_flags_are_one_line():
    assert_one_line_error(edgebench("speed", "--html", "x.html"), "--html draws a sustained run")
    assert_one_line_error(edgebench("speed", "--sustain", "2"), "at least 3 seconds")
    assert_one_line_error(edgebench("run", "--sustain", "2", "--ladder", "source"), "at least 3 seconds")


@pytest.mark.embedded
@needs_llama
def test_fit_predicts_the_embedded_model(default_gguf):
    # at 4 sequences: the speed child (one sequence) and the suites' child (its own context and the batched one)
    result = edgebench("fit", str(default_gguf), "--threads", "1", "--parallel", "4", "--json")
    assert result.returncode == 0, result.stderr
    speed, suites = json.loads(result.stdout)
    assert (speed["configuration"], speed["parallel"], suites["configuration"], suites["parallel"]) == ("speed", 1, "suites", 4)
    assert speed["basis"] == "gguf header" and speed["fits"] and speed["kv_bytes"] == suites["kv_bytes"] == 90 * 2**20
    assert speed["batch_kv_bytes"] == 0 and suites["batch_kv_bytes"] == 360 * 2**20
    for row in (speed, suites):
        assert row["total_bytes"] == sum(row[f"{part}_bytes"] for part in ("runtime", "weights", "repack", "kv",
                                                                              "batch_kv", "vocab", "compute"))
    # without --parallel, the count a run here would use: the profile's (rpi5: 2 sequences, each a whole context)
    pi = edgebench("fit", str(default_gguf), "--threads", "1", "--profile", "rpi5", "--json", env={"EDGEBENCH_PARALLEL": ""})
    assert pi.returncode == 0, pi.stderr
    assert json.loads(pi.stdout)[-1]["batch_kv_bytes"] == 2 * 90 * 2**20


@pytest.mark.embedded
@needs_llama
def test_a_run_with_sustain_reports_memory_and_plots_the_run(tmp_path, default_gguf):
    pytest.importorskip("matplotlib")
    run = tmp_path / "run"
    result = edgebench("run", "--ladder", "source", "--suite", "none", "--no-drift", "--sustain", "4", "--threads", "1",
                       "--out", str(run))
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(edgebench("report", str(run), "--format", "json").stdout)
    assert row["peak_rss_mib"] > 0 and row["predicted_rss_mib"] > 0
    assert abs(row["prediction_error_pct"]) < 15
    assert row["energy_method"]  # the method that measured, or why none could
    page = tmp_path / "report.html"
    assert edgebench("report", str(run), "--html", str(page)).returncode == 0
    html = page.read_text()
    assert 'id="plot-sustain"' in html and "last 1 s over first 1 s" in html
