"""The terminal report fits: at 80, 100 and 160 columns no cell is cut and no line is wider
than the terminal, with long labels, long verdicts, crashes and missing figures."""

from __future__ import annotations

import pytest
from rich.console import Console

from bench.report_model import Decision, DriftResult, Measured, ReportRow, SpeedResult
from bench.report_tables import print_report
from bench.suites.base import CONTENT, Reported
from bench.suites.disposition import SPEC as DISPOSITION
from bench.suites.humaneval import SPEC as HUMANEVAL

# the built-in suites' scores and a user file's (bench/suites/user_file.py)
REPORTED = [*HUMANEVAL.reported, *DISPOSITION.reported, Reported("correct", "my_prompts:correct", "my_prompts", CONTENT)]

SPEED = {"tests": [{"test": "pp64", "n_depth": 0, "avg_ts": 512.3, "avg_ns": 1.2e8, "samples_ts": [1, 2]},
                   {"test": "tg64", "n_depth": 0, "avg_ts": 93.31, "avg_ns": 6.9e8, "samples_ts": [1, 2]},
                   {"test": "ttft", "n_depth": 0, "avg_ts": 9.0, "avg_ns": 1.03e8, "samples_ts": [1, 2]}],
         "peak_rss_bytes": 499 * 2**20}
DRIFT = {"kl_mean": 0.41312, "top1_agreement": 0.6403, "top1_stderr": 0.0171, "ppl_ratio": 1.3531}


def est(v, lo, hi, n=64):
    return {"value": v, "ci95": [lo, hi], "n": n}


def rows() -> list[ReportRow]:
    full = {m: est(0.33, 0.06, 0.79) for m in ("disposition", "uncertainty", "self_verification", "feedback", "correct")}
    full["pass@1"] = est(1.0, 0.21, 1.0)
    full["my_prompts:correct"] = est(0.5, 0.3, 0.7)
    run, device = "runs/20261123-081200", "laptop-cpu: Intel(R) Xeon(R) Processor, 2 threads, llama.cpp repacking off"
    speed, drift = SpeedResult.parse(SPEED), DriftResult.parse(DRIFT)
    ceiling = {"pass@1": "ceiling"}  # the reference passes it all: no room to show a loss
    flipped = {key: est(0.12, 0.05, 0.25) for key in full}
    measured = [Measured(run, device, "gguf:f16", "h0", True, 258 * 2**20, 16.11, speed, drift, scores=dict(full),
                         reported=tuple(REPORTED))]
    decisions = [Decision(verdict="reference", floor_ceiling=ceiling)]
    crash = "llama.cpp crashed: SIGSEGV while generating item fact-003 at budget 1024"
    for n, label in enumerate(("gguf:q4_k_m", "mlx:mixed_3_6", "onnx:int4_cuda"), start=1):
        measured.append(Measured(run, device, label, label, False, 84 * 2**20, 5.25, None if n == 3 else speed,
                                 None if n == 3 else drift, scores={} if n == 3 else dict(full), reported=tuple(REPORTED),
                                 assertion_asymmetry=-0.1333, svr=0.25, cap_hit=0.4, cap_budget=512,
                                 crash=crash if n == 2 else None,
                                 note="skipped: needs 9.20 GiB, the profile allows 3 GiB" if n == 3 else ""))
        decisions.append(Decision(verdict="disposition: truncation artifact; humaneval: content damaged",
                                  recommended=n == 1, non_inferior=n == 1,
                                  recommendation="no artifact is shown within 5% of the reference",
                                  standing_short={1: "yes", 2: "--limit 1200"}.get(n, ""), floor_ceiling=ceiling,
                                  flips=flipped if n in (1, 2) else {}))
    return [ReportRow(m, d) for m, d in zip(measured, decisions)]


@pytest.mark.parametrize("width", [80, 100, 160])
def test_nothing_is_cut_at_any_width(width):
    console = Console(width=width, record=True, force_terminal=False)
    print_report(rows(), console)
    text = console.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    for fragment in ("Ship gguf:q4_k_m", "mlx:mixed_3_6 crashed: llama.cpp crashed: SIGSEGV", "onnx:int4_cuda ",
                     "truncation artifact", "content damaged", "0.33 (.06-.79)", "1.00 (.21-1.00)", "93.3", "0.4131",
                     "0.12 (.05-.25)", "(ceiling)", "--limit 1200"):
        assert fragment in text, fragment


def test_markdown_opens_with_the_answer_and_has_llama_bench_shaped_speed():
    from bench.render import to_markdown

    md = to_markdown(rows())
    lines = md.splitlines()
    assert lines[2].startswith("**Ship gguf:q4_k_m.")  # the answer first, after the heading
    head = "| model | size | params | backend | threads | test | t/s |"
    assert head in lines
    speed = lines[lines.index(head):]
    speed = speed[:next(i for i, line in enumerate(speed) if not line.startswith("|"))]
    assert len(speed) == 2 + 3 * 2  # header, alignment, (pp64, tg64) for the three artifacts with speed
    assert all(line.count("|") == 8 for line in speed) and "| tg64 | 93.31 ± " in md.replace("gguf:f16 (ref)", "x")
    quality = [line for line in lines if line.startswith("| artifact |")]
    assert len(quality) == 1 and "my_prompts" in quality[0] and "pooled" in quality[0]
    assert "pass@1 (ceiling)" in quality[0] and "within 5 pts" in quality[0]
    flips = [line for line in lines if line.startswith("| flips vs the reference |")]
    assert len(flips) == 1 and "pass@1 (ceiling)" in flips[0]
    assert "| gguf:q4_k_m ★ | 0.12 [0.05, 0.25] |" in md  # flips: only the artifacts, not the reference
    assert "Ceiling: pass@1 (the reference scores below 10% or above 90%" in md
