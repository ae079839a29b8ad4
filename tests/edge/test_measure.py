"""Backends, speed and drift: one tiny model through all four backends, llama-bench-style
speed in a child process, drift against a compact reference, and the embedded model's
Q8_0 vs Q4_K_M drift ordering."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("llama_cpp")
pytest.importorskip("mlx_lm")
pytest.importorskip("onnxruntime_genai")

from convert.pipeline import ConvertOptions, convert  # noqa: E402
from convert.targets import parse_targets  # noqa: E402
from edge import bandwidth, thermal  # noqa: E402
from edge.artifacts import identify  # noqa: E402
from edge.backend import Sampling, open_backend  # noqa: E402
from edge.drift import Reference, build_reference, kl_topk, reference_for, run_drift  # noqa: E402
from edge.errors import EdgebenchError  # noqa: E402
from edge.profiles import RuntimeSettings  # noqa: E402
from edge.speed import SpeedConfig, run_speed  # noqa: E402
from tests.edgebench.test_cli import assert_one_line_error, edgebench  # noqa: E402
from tests.models import tiny_llama  # noqa: E402

SETTINGS = RuntimeSettings(threads=2, n_ctx=1024)
TARGETS = "gguf:f16,gguf:q8_0,gguf:q2_k,mlx:bf16,onnx:fp32"


@pytest.fixture(scope="module")
def ladder(tmp_path_factory) -> dict[str, Path]:
    """The tiny model as a Hugging Face folder (torch) and converted to each target."""
    root = tmp_path_factory.mktemp("measure")
    hf = tiny_llama(root / "hf", hidden=256)
    convert(str(hf), ConvertOptions(targets=tuple(parse_targets(TARGETS)), out=root / "out", threads=2))
    paths = {"hf": hf}
    for target in TARGETS.split(","):
        paths[target] = root / "out" / target.replace(":", "-")
    return paths


BACKEND_OF = {"hf": "torch", "gguf:f16": "llamacpp", "onnx:fp32": "onnx", "mlx:bf16": "mlx"}


def test_four_backends_answer_alike(ladder):
    """Same greedy prompt through torch, llama.cpp, onnxruntime-genai and MLX: same fields, and the
    full-precision ones agree token for token with torch; bf16 MLX agrees on the logits' top-1."""
    messages = [{"role": "user", "content": "Name three colours."}]
    sampling = Sampling(max_tokens=8)
    text = "def add(a, b):\n    return a + b\n\nThe ferry left the landing at seven."
    outputs, top1 = {}, {}
    for target, backend_name in BACKEND_OF.items():
        artifact = identify(ladder[target])
        assert artifact.backend == backend_name
        backend = open_backend(backend_name, artifact.path, SETTINGS)
        try:
            gen = backend.generate(messages, sampling)
            assert gen.stop_reason in ("stop", "length") and gen.prompt_tokens > 0
            assert len(gen.timings.token_s) >= len(gen.token_ids) and gen.timings.load_s > 0
            assert gen.text == backend.detokenize(gen.token_ids)
            outputs[target] = gen
            logits = backend.logits(backend.tokenize(text))
            assert logits.ndim == 2 and logits.dtype == np.float32
            top1[target] = logits.argmax(-1)
        finally:
            backend.close()
    reference = outputs["hf"]
    for target in ("gguf:f16", "onnx:fp32"):
        assert outputs[target].prompt_tokens == reference.prompt_tokens, target
        assert outputs[target].token_ids == reference.token_ids, target
        assert (top1[target] == top1["hf"]).mean() == 1.0, target
    assert (top1["mlx:bf16"] == top1["hf"]).mean() >= 0.9


def test_speed_in_a_child_process(ladder):
    config = SpeedConfig(prompt_sizes=(16, 64), gen_tokens=8, depths=(0, 32), repetitions=3, warmup=1, load_repetitions=2)
    seen = []
    result = run_speed(str(ladder["gguf:q8_0"]), SETTINGS, config, on_progress=lambda d, t, name: seen.append(name))
    tests = {t["test"]: t for t in result["tests"]}
    assert list(tests) == ["pp16", "pp64", "tg8", "tg8 @ d32", "ttft", "load"]
    assert seen == ["load", "pp16", "pp64", "tg8", "tg8 @ d32"]
    for name in ("pp16", "pp64", "tg8", "tg8 @ d32"):
        t = tests[name]
        assert len(t["samples_ts"]) == len(t["samples_ns"]) == 3 and t["avg_ts"] > 0
        assert abs(t["avg_ts"] - np.mean(t["samples_ts"])) < 1e-6 and t["stddev_ts"] >= 0
    assert tests["tg8 @ d32"]["n_depth"] == 32 and tests["pp64"]["n_prompt"] == 64
    assert len(tests["load"]["samples_ns"]) == 2
    assert result["n_threads"] == 2 and result["model_type"] == "gguf:q8_0"
    # the child's peak RSS: the model and runtime, more than an idle interpreter
    assert result["peak_rss_bytes"] > 50 * 2**20
    roof = result["roofline"]
    assert roof["bandwidth_gbs"] > 0 and roof["bytes_per_token"] == result["model_size"] and roof["efficiency"] > 0
    assert set(result["thermal_before"]) == {"temperature_c", "clock_mhz"}


@pytest.mark.parametrize("target", ["mlx:bf16", "onnx:fp32"])
def test_speed_on_other_runtimes(ladder, target):
    config = SpeedConfig(prompt_sizes=(16,), gen_tokens=4, depths=(0,), repetitions=2, warmup=0, load_repetitions=1)
    result = run_speed(str(ladder[target]), SETTINGS, config)
    assert {t["test"] for t in result["tests"]} == {"pp16", "tg4", "ttft", "load"}
    assert result["backend"] == BACKEND_OF[target]
    if target.startswith("mlx"):
        assert result["mlx_peak_bytes"] > 0


def test_speed_failure_in_the_child_is_one_line(tmp_path):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    result = edgebench("speed", str(bad))
    assert_one_line_error(result, "damaged GGUF")


def test_drift_against_a_compact_reference(ladder, tmp_path):
    ref = reference_for(str(ladder["hf"]), SETTINGS)
    assert ref.top_ids.shape[1] == 256 and len(ref.lse) == len(ref.target_logprob) == ref.top_ids.shape[0]
    path = tmp_path / "ref.npz"
    ref.save(path)
    full_logits_bytes = len(ref.lse) * ref.slice_logprobs.shape[1] * 4
    assert path.stat().st_size < 0.02 * full_logits_bytes  # compact: nothing like [positions, vocab]
    ref = Reference.load(path)
    results = {t: run_drift(str(ladder[t]), ref, SETTINGS) for t in ("gguf:f16", "gguf:q8_0", "gguf:q2_k")}
    f16, q8, q2 = results["gguf:f16"], results["gguf:q8_0"], results["gguf:q2_k"]
    assert f16["top1_agreement"] >= 0.99 and f16["kl_mean"] < 1e-3 and abs(f16["ppl_ratio"] - 1) < 0.01
    for metric in ("kl_mean", "kl_median", "kl_p99"):
        assert f16[metric] < q8[metric] < q2[metric], metric
    assert f16["top1_agreement"] >= q8["top1_agreement"] > q2["top1_agreement"]
    assert q2["ppl_ratio"] > q8["ppl_ratio"]
    # the block bootstrap's SE is wider than the binomial one would be when disagreements cluster, never absurd
    binomial = np.sqrt(q2["top1_agreement"] * (1 - q2["top1_agreement"]) / q2["positions"])
    assert 0.5 * binomial < q2["top1_stderr"] < 4 * binomial
    approx = q2["kl_approximation"]
    # top-K plus a rest bucket is a lower bound of the exact KL; the exact slice spans every window
    windows_scored = -(-q2["positions"] // 511)
    assert approx["slice_positions"] == 4 * windows_scored and approx["approx_kl_mean"] <= approx["exact_kl_mean"] + 1e-9
    assert ref.slice_positions.max() > 0.9 * len(ref.lse) and ref.slice_positions.min() < 0.1 * len(ref.lse)
    # llama.cpp's tokenizer splits long runs of spaces (in the Python part) differently from Hugging Face
    # tokenizers; the drift above is still computed on the reference's ids, and the difference is reported.
    assert q2["tokenizer_difference"]["token_index"] == f16["tokenizer_difference"]["token_index"] > 1000
    one_window = run_drift(str(ladder["gguf:q2_k"]), ref, SETTINGS, max_windows=1)
    assert one_window["positions"] == 511 and one_window["corpus_positions"] == q2["positions"]
    assert one_window["kl_approximation"]["slice_positions"] == 4


def test_block_bootstrap_widens_for_clustered_disagreement():
    from edge.drift import block_bootstrap_se

    scattered = np.tile([1.0, 1.0, 1.0, 0.0], 256)  # 75 % agreement, disagreements spread out
    clustered = np.sort(scattered)  # the same values, disagreements in one run
    assert block_bootstrap_se(scattered) < 0.01 < block_bootstrap_se(clustered)
    assert np.isnan(block_bootstrap_se(np.ones(10)))  # one block: no honest estimate


def test_kl_topk_is_exact_when_k_covers_the_vocabulary():
    rng = np.random.default_rng(0)
    p = np.log(rng.dirichlet(np.ones(50), size=4))
    q = np.log(rng.dirichlet(np.ones(50), size=4))
    exact = (np.exp(p) * (p - q)).sum(-1)
    assert np.allclose(kl_topk(p, q), exact)
    order = np.argsort(-p, -1)[:, :10]
    partial = kl_topk(np.take_along_axis(p, order, -1), np.take_along_axis(q, order, -1))
    assert np.all(partial <= exact + 1e-12)


def test_reference_files_are_checked(ladder, tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(EdgebenchError, match="not a drift reference"):
        Reference.load(junk)
    backend = open_backend("llamacpp", identify(ladder["gguf:f16"]).path, SETTINGS)
    try:
        ref = build_reference(backend, "f16")
        ref.meta["corpus_sha256"] = "0" * 64
        stale = tmp_path / "stale.npz"
        ref.save(stale)
        with pytest.raises(EdgebenchError, match="another corpus"):
            Reference.load(stale)
    finally:
        backend.close()
    result = edgebench("drift", str(ladder["gguf:q8_0"]), "--reference", str(tmp_path / "missing.npz"))
    assert_one_line_error(result, "drift reference not found")


def test_drift_cli_json(ladder):
    result = edgebench("drift", str(ladder["gguf:q2_k"]), "--reference", str(ladder["gguf:f16"]), "--windows", "1", "--json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["artifact"]["quant"] == "q2_k" and row["positions"] == 511 and row["kl_mean"] > 0


def test_thermal_readings_and_unavailable(tmp_path):
    zone = tmp_path / "thermal" / "thermal_zone0"
    zone.mkdir(parents=True)
    (zone / "temp").write_text("48500\n")
    (zone / "type").write_text("x86_pkg_temp\n")
    cpu = tmp_path / "cpu" / "cpu0" / "cpufreq"
    cpu.mkdir(parents=True)
    (cpu / "scaling_cur_freq").write_text("2400000\n")
    assert thermal.temperatures_c(tmp_path / "thermal") == {"thermal_zone0:x86_pkg_temp": 48.5}
    assert thermal.clocks_mhz(tmp_path / "cpu") == {"cpu0": 2400.0}
    assert thermal.temperatures_c(tmp_path / "none") == thermal.UNAVAILABLE
    assert thermal.clocks_mhz(tmp_path / "none") == thermal.UNAVAILABLE


def test_roofline_arithmetic():
    roof = bandwidth.roofline(generation_tps=50.0, bytes_per_token=100 * 10**6, bandwidth_gbs=10.0)
    assert roof["roofline_tps"] == 100.0 and roof["efficiency"] == 0.5
    assert bandwidth.measure_bandwidth_gbs(size_bytes=8 * 2**20, repetitions=2) > 0.1


@pytest.mark.embedded
def test_embedded_q4_k_m_drifts_more_than_q8_0(embedded_ladder):
    out, _ = embedded_ladder
    ref = reference_for(str(out / "gguf-f16"), SETTINGS)
    q8, q4 = (run_drift(str(out / name), ref, SETTINGS, max_windows=3) for name in ("gguf-q8_0", "gguf-q4_k_m"))
    for metric in ("kl_mean", "kl_median", "kl_p99", "ppl_ratio"):
        assert q4[metric] > q8[metric], metric
    assert q4["top1_agreement"] < q8["top1_agreement"]
