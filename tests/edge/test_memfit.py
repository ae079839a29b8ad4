"""Memory fit (edge/memfit.py): the parts from the header, the budget check, and the prediction against a real peak."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.artifacts import Artifact, identify
from edge.errors import EdgebenchError
from edge.memfit import compute_bytes, error_pct, kv_cache_bytes, predict
from edge.profiles import RuntimeSettings
from tests.conftest import needs_llama

MIB = 2**20
# the embedded SmolLM2-135M's header fields that the prediction reads
SMOLLM2 = {"general.architecture": "llama", "llama.block_count": 30, "llama.embedding_length": 576,
           "llama.feed_forward_length": 1536, "llama.attention.head_count": 9, "llama.attention.head_count_kv": 3,
           "llama.attention.key_length": 64, "llama.attention.value_length": 64, "llama.vocab_size": 49152}


def test_kv_cache_matches_what_llama_cpp_allocates():
    # llama.cpp printed "KV buffer size = 90.00 MiB (4096 cells, 30 layers, 1/1 seqs), K (f16): 45.00 MiB"
    assert kv_cache_bytes(SMOLLM2, 4096) == 90 * MIB
    assert kv_cache_bytes(SMOLLM2, 4096 * 2) == 180 * MIB  # two sequences with the whole context each
    assert kv_cache_bytes(SMOLLM2, 4096, "q8_0") == pytest.approx(90 * MIB * 34 / 64)


def test_kv_cache_without_explicit_head_sizes_uses_embedding_over_heads():
    fields = {k: v for k, v in SMOLLM2.items() if "key_length" not in k and "value_length" not in k}
    assert kv_cache_bytes(fields, 4096) == 90 * MIB  # 576 / 9 = 64


def test_unknown_cache_type_and_missing_fields_are_one_error():
    with pytest.raises(EdgebenchError, match="unknown KV cache type 'q3'"):
        kv_cache_bytes(SMOLLM2, 4096, "q3")
    with pytest.raises(EdgebenchError, match="llama.block_count"):
        kv_cache_bytes({"general.architecture": "llama"}, 4096)


def test_reserved_compute_buffer_matches_llama_cpp():
    touched, reserved = compute_bytes(SMOLLM2, 4096, 1)
    assert reserved / MIB == pytest.approx(98.25, abs=0.01)  # "CPU compute buffer size = 98.25 MiB"
    assert touched < reserved
    assert compute_bytes(SMOLLM2, 256, 1)[1] < reserved  # a ubatch is never larger than the context


def test_a_folder_artifact_is_predicted_from_its_size_and_says_so(tmp_path):
    artifact = Artifact(tmp_path, "onnx", "int4", 300 * MIB, 0, "m")
    prediction = predict(artifact, 4096, runtime_bytes=40 * MIB)
    assert prediction.basis.startswith("size only")
    assert prediction.total_bytes == 340 * MIB
    assert prediction.fits(0.5) and not prediction.fits(0.3)


def test_parallel_below_one_is_refused(tmp_path):
    with pytest.raises(EdgebenchError, match="at least 1"):
        predict(Artifact(tmp_path, "onnx", "int4", 1, 0, "m"), 4096, parallel=0, runtime_bytes=0)


def test_error_is_signed_against_the_measurement():
    assert error_pct(110, 100) == pytest.approx(10.0)
    assert error_pct(90, 100) == pytest.approx(-10.0)
    assert error_pct(90, None) is None


def test_prediction_from_the_embedded_header(default_gguf):
    artifact = identify(default_gguf)
    small, large = predict(artifact, 1024, runtime_bytes=0), predict(artifact, 4096, runtime_bytes=0)
    assert large.kv_bytes == 4 * small.kv_bytes == 90 * MIB
    assert small.weights_bytes <= artifact.size_bytes  # tensor data, without the header
    assert large.weights_bytes > 0.9 * artifact.size_bytes
    assert large.repack_bytes == 0  # Q4_1 is not a type llama.cpp repacks
    assert predict(artifact, 4096, parallel=2, runtime_bytes=0).kv_bytes == 2 * large.kv_bytes
    assert "upper bound" in predict(artifact, 4096, runtime_bytes=0, gpu_offload=True).basis


def test_run_plan_skips_what_would_not_fit(default_gguf):
    from bench.execute import predict_memory

    artifact = identify(default_gguf)
    settings = RuntimeSettings(threads=1, gpu_layers=0, memory_budget_gb=0.2, repack=False)
    prediction = predict_memory([artifact], settings)[artifact.path]
    assert prediction.total_bytes > artifact.size_bytes  # not the size-only check any more
    assert not prediction.fits(settings.memory_budget_gb) and prediction.fits(1.0)


@pytest.mark.embedded
@needs_llama
def test_prediction_is_within_15_percent_of_the_measured_peak(default_gguf):
    from edge.speed import SpeedConfig, run_speed

    settings = RuntimeSettings(threads=1, gpu_layers=0, n_ctx=2048, repack=False)
    artifact = identify(default_gguf)
    prediction = predict(artifact, settings.n_ctx, repack=False)
    config = SpeedConfig(prompt_sizes=(64,), gen_tokens=8, depths=(0,), repetitions=1, warmup=0, load_repetitions=1)
    measured = run_speed(artifact, settings, config)["peak_rss_bytes"]
    assert abs(error_pct(prediction.total_bytes, measured)) < 15, (prediction.to_dict(), measured)
