"""Memory fit (edge/memfit.py): the parts from the header, the budget check, the speed and the suites' children, and
the prediction against a real peak."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.artifacts import Artifact, identify
from edge.errors import EdgebenchError
from edge.memfit import (LIBRARY_PAGES, MemoryFit, compute_bytes, error_pct, kv_cache_bytes, onnx_generation_bytes,
                         predict, speed_lengths)
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
    mlx = predict(Artifact(tmp_path, "mlx", "4bit", 300 * MIB, 0, "m"), 4096, runtime_bytes=40 * MIB)
    assert mlx.basis.startswith("size only") and "tokenizer" in mlx.basis
    assert mlx.total_bytes == 340 * MIB
    assert mlx.fits(0.5) and not mlx.fits(0.3)
    # onnxruntime keeps the initializers it read and prepacks the MatMul weights: the size twice
    # (and its session touches LIBRARY_PAGES of library code); no genai_config.json: no KV cache or logits
    onnx = predict(Artifact(tmp_path, "onnx", "int4", 300 * MIB, 0, "m"), 4096, runtime_bytes=40 * MIB,
                   lengths=(64, 66))
    assert onnx.repack_bytes == 300 * MIB and "prepacked" in onnx.basis
    assert onnx.library_bytes == LIBRARY_PAGES["onnx"] and onnx.total_bytes == 640 * MIB + onnx.library_bytes
    assert onnx.kv_bytes == onnx.compute_bytes == 0 and onnx.basis.startswith("size only")


def _genai_folder(folder: Path, share_buffer: bool = True) -> Path:
    """A fake onnxruntime-genai folder: the embedded SmolLM2-135M's genai_config.json fields that the prediction reads."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "genai_config.json").write_text(json.dumps({
        "model": {"vocab_size": 49152, "decoder": {"num_hidden_layers": 30, "num_key_value_heads": 3, "head_size": 64,
                                                   "num_attention_heads": 9, "hidden_size": 576}},
        "search": {"past_present_share_buffer": share_buffer, "max_length": 8192}}))
    return folder


def test_onnx_kv_cache_and_logits_come_from_genai_config(tmp_path):
    folder = _genai_folder(tmp_path / "onnx")
    kv, logits = onnx_generation_bytes(folder, 64, 66)
    assert kv == 30 * 2 * 3 * 66 * 64 * 4  # float32 keys and values for max_length positions: 2.9 MiB
    assert logits == 64 * 49152 * 4 == 12 * MIB  # [prompt, vocab] float32
    # past and present apart: both held at once
    assert onnx_generation_bytes(_genai_folder(tmp_path / "apart", share_buffer=False), 64, 66)[0] == 2 * kv
    onnx = predict(Artifact(folder, "onnx", "int4", 80 * MIB, 0, "m"), 4096, runtime_bytes=40 * MIB, lengths=(64, 66))
    assert onnx.kv_bytes == kv and onnx.compute_bytes == logits and onnx.batch_kv_bytes == 0
    assert onnx.total_bytes == 40 * MIB + LIBRARY_PAGES["onnx"] + 2 * 80 * MIB + kv + logits
    assert onnx.basis.startswith("size and genai_config.json") and "64-token prompt and max_length 66" in onnx.basis
    # no lengths (no speed tests): the per-generation buffers are not estimated
    assert predict(Artifact(folder, "onnx", "int4", 80 * MIB, 0, "m"), 4096, runtime_bytes=0).kv_bytes == 0
    (folder / "genai_config.json").write_text('{"model": {"decoder": {}}}')
    with pytest.raises(EdgebenchError, match="genai_config.json lacks"):
        onnx_generation_bytes(folder, 64, 66)


def test_speed_lengths_are_the_largest_prompt_and_max_length_of_the_speed_tests():
    from bench.execute import PlanConfig
    from edge.speed import SpeedConfig

    assert speed_lengths(PlanConfig().speed) == (64, 66)  # pp64 appends 64 (max_length 65); tg64 at d0: 1 + 64 + 1
    assert speed_lengths(SpeedConfig()) == (512, 641)  # pp512; tg128 @ d512: 512 + 128 + 1


def test_predict_memory_sizes_onnx_buffers_by_the_speed_tests(tmp_path, monkeypatch):
    from bench.execute import predict_memory
    from edge import memfit
    from edge.speed import SpeedConfig

    monkeypatch.setattr(memfit, "runtime_baseline_bytes", lambda *args: 0)  # no baseline child: the parts only
    artifact = Artifact(_genai_folder(tmp_path / "onnx"), "onnx", "int4", 80 * MIB, 0, "m")
    settings = RuntimeSettings(threads=1, gpu_layers=0, repack=False)
    short = predict_memory([artifact], settings, speed_for=lambda a: SpeedConfig(prompt_sizes=(16,), depths=(0,)))
    none = predict_memory([artifact], settings, speed_for=lambda a: None)
    assert short[artifact.path].speed.compute_bytes == 16 * 49152 * 4 and none[artifact.path].speed.compute_bytes == 0


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
    two = predict(artifact, 4096, parallel=2, runtime_bytes=0)
    assert two.kv_bytes == large.kv_bytes and two.batch_kv_bytes == 2 * large.kv_bytes  # its own context, and the batch's
    assert "upper bound" in predict(artifact, 4096, runtime_bytes=0, gpu_offload=True).basis


def test_n_sequences_add_the_batched_context_beside_the_backends_own(default_gguf):
    # edge/llamacpp_batch.py keeps the backend's context and opens one of N x n_ctx cells: both KV caches are
    # resident (llama.cpp clears them), only the batched one decodes (N rows of logits)
    artifact = identify(default_gguf)
    one, four = predict(artifact, 4096, 1, runtime_bytes=0), predict(artifact, 4096, 4, runtime_bytes=0)
    assert (one.configuration, four.configuration) == ("speed", "suites")
    assert one.batch_kv_bytes == 0 and four.kv_bytes == one.kv_bytes == 90 * MIB and four.batch_kv_bytes == 360 * MIB
    n_vocab = 49152
    assert four.compute_bytes - one.compute_bytes == 3 * 4 * n_vocab
    assert four.total_bytes - one.total_bytes == 360 * MIB + 3 * 4 * n_vocab


def test_the_larger_prediction_decides_the_fit(tmp_path):
    speed = predict(Artifact(tmp_path, "mlx", "4bit", 300 * MIB, 0, "m"), 4096, runtime_bytes=0)
    suites = MemoryFit(speed, predict(Artifact(tmp_path, "mlx", "4bit", 700 * MIB, 0, "m"), 4096, runtime_bytes=0))
    assert suites.larger is suites.suites and suites.total_bytes == 700 * MIB
    assert speed.fits(0.5) and not suites.fits(0.5)
    assert suites.to_dict()["decides"] == "suites" and MemoryFit(speed).to_dict() == {
        "speed": speed.to_dict(), "suites": None, "decides": "speed"}


def test_run_plan_skips_what_would_not_fit(default_gguf):
    from bench.execute import predict_memory

    artifact = identify(default_gguf)
    settings = RuntimeSettings(threads=1, gpu_layers=0, memory_budget_gb=0.2, repack=False)
    prediction = predict_memory([artifact], settings)[artifact.path]
    assert prediction.total_bytes > artifact.size_bytes  # not the size-only check any more
    assert not prediction.fits(settings.memory_budget_gb) and prediction.fits(1.0)


def test_the_skip_uses_the_suites_prediction_at_n(tmp_path, default_gguf):
    from bench.execute import PlanConfig, predict_memory, run_plan
    from bench.store import Store

    artifact = identify(default_gguf)
    # 0.5 GiB holds the speed child (about 250 MiB) but not 4 sequences of 4096 tokens beside it (about 610)
    settings = RuntimeSettings(threads=1, gpu_layers=0, memory_budget_gb=0.5, repack=False, parallel=4)
    fit = predict_memory([artifact], settings)[artifact.path]
    assert fit.speed.fits(0.5) and fit.suites.parallel == 4 and not fit.fits(0.5)
    assert predict_memory([artifact], settings, lambda a: False)[artifact.path].fits(0.5)  # no suites: speed alone
    config = PlanConfig(suites=("disposition",), limits={"disposition": 1}, speed=None, drift=False)
    with Store.open(tmp_path / "run", write=True) as store, pytest.raises(
            EdgebenchError, match=r"needs 0\.\d+ GiB in its suites child \(predicted, at 4 sequence"):
        run_plan(store, [artifact], None, config, settings, {"os": "linux"})


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



def test_the_suites_childs_peak_is_kept_at_its_largest(tmp_path):
    from bench.execute import SUITES_MEMORY, _record_suites_memory
    from bench.store import Store

    with Store.open(tmp_path / "run", write=True) as store:
        for peak in (300, 500, 400, None):  # three children (a resumed run, --until-decided's chunks), one that said nothing
            _record_suites_memory(store, "h", "llamacpp", peak and {"peak_rss_bytes": peak, "runtime_bytes": 40, "parallel": 4})
        assert store.measurement("h", "llamacpp", SUITES_MEMORY)["peak_rss_bytes"] == 500


@pytest.mark.embedded
@needs_llama
def test_prediction_at_n_is_within_15_percent_of_the_batched_childs_peak(default_gguf):
    from bench.generate import measure_suites_peak

    settings = RuntimeSettings(threads=1, gpu_layers=0, n_ctx=1024, repack=False)
    artifact = identify(default_gguf)
    prediction = predict(artifact, settings.n_ctx, parallel=3, repack=False)
    measured = measure_suites_peak("llamacpp", artifact.path, settings, 3, max_tokens=2)
    assert measured["parallel"] == 3 and 0 < measured["runtime_bytes"] < measured["peak_rss_bytes"]
    assert abs(error_pct(prediction.total_bytes, measured["peak_rss_bytes"])) < 15, (prediction.to_dict(), measured)
