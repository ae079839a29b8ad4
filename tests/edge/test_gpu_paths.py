"""The CUDA and Metal paths, with each runtime mocked at its boundary (no GPU here): what a GPU profile hands the
runtime. llama.cpp gets the profile's layers to offload (Metal and CUDA alike: its build decides which); ONNX runs
on the GPU build of onnxruntime-genai when one is installed and the profile offloads, else on the CPU, saying so."""

from __future__ import annotations

import json

import pytest

from edge.profiles import RuntimeSettings, load_profiles, resolve_settings
from tests.conftest import needs_llama

GPU_HOSTS = {"cuda-gpu": {"os": "linux", "arch": "x86_64", "gpu": "cuda", "physical_cores": 8, "ram_gb": 64},
             "apple-silicon": {"os": "darwin", "arch": "arm64", "gpu": "metal", "physical_cores": 8, "ram_gb": 32}}


class RecordingLlama:
    """llama_cpp.Llama's constructor and the two token calls the backend makes after it."""

    made: list[dict] = []

    def __init__(self, **kwargs) -> None:
        RecordingLlama.made.append(kwargs)

    def token_eos(self) -> int:
        return -1

    def token_bos(self) -> int:
        return -1


@needs_llama
@pytest.mark.parametrize("profile, layers", [("cuda-gpu", -1), ("apple-silicon", -1), ("laptop-cpu", 0), ("rpi5", 0)])
def test_llamacpp_gets_the_profiles_layers_to_offload(default_gguf, monkeypatch, profile, layers):
    import llama_cpp

    from edge.llamacpp_backend import LlamaCppBackend

    host = GPU_HOSTS.get(profile, {"os": "linux", "arch": "x86_64", "gpu": "none", "physical_cores": 2, "ram_gb": 16})
    settings = resolve_settings(load_profiles()[profile], host)
    RecordingLlama.made = []
    monkeypatch.setattr(llama_cpp, "Llama", RecordingLlama)
    LlamaCppBackend(default_gguf, settings)
    (made,) = RecordingLlama.made
    assert made["n_gpu_layers"] == layers and made["n_threads"] == settings.threads


class FakeConfig:
    """onnxruntime_genai.Config: records the provider calls; the model and tokenizer after it are fakes too."""

    def __init__(self, folder: str) -> None:
        self.calls = [("config", folder)]
        FakeOg.configs.append(self)

    def overlay(self, text: str) -> None:
        self.calls.append(("overlay", json.loads(text)))

    def clear_providers(self) -> None:
        self.calls.append(("clear_providers",))

    def append_provider(self, name: str) -> None:
        self.calls.append(("append_provider", name))


class FakeOg:
    configs: list[FakeConfig] = []
    Config = FakeConfig

    class Model:
        def __init__(self, config) -> None:
            self.config = config

    class Tokenizer:
        eos_token_ids = [2]

        def __init__(self, model) -> None:
            pass


@pytest.fixture
def onnx_folder(tmp_path):
    pytest.importorskip("onnxruntime_genai")
    (tmp_path / "genai_config.json").write_text("{}")
    return tmp_path


@pytest.mark.parametrize("gpu_layers, builds, provider", [
    (-1, {"onnxruntime-genai-cuda"}, "cuda"),
    (-1, {"onnxruntime-genai-directml"}, "dml"),
    (-1, set(), None),  # a GPU profile with the CPU build: the CPU, said
    (0, {"onnxruntime-genai-cuda"}, None),  # a CPU profile stays on the CPU whatever is installed
])
def test_onnx_runs_on_the_gpu_build_when_the_profile_offloads(onnx_folder, monkeypatch, gpu_layers, builds, provider):
    import edge.onnx_backend as onnx_backend

    FakeOg.configs = []
    monkeypatch.setattr(onnx_backend, "og", FakeOg)
    real = onnx_backend.gpu_provider
    monkeypatch.setattr(onnx_backend, "gpu_provider", lambda: real(builds.__contains__))  # these builds installed
    backend = onnx_backend.OnnxBackend(onnx_folder, RuntimeSettings(threads=4, gpu_layers=gpu_layers))
    (config,) = FakeOg.configs
    appended = [c[1] for c in config.calls if c[0] == "append_provider"]
    assert appended == ([provider] if provider else [])
    assert backend.provider == provider
    if provider:
        assert ("clear_providers",) in config.calls and backend.provider_why.startswith(provider)
    elif gpu_layers:
        assert backend.provider_why.startswith("cpu: no GPU build of onnxruntime-genai installed")
    else:
        assert backend.provider_why == "cpu"


def test_the_onnx_gpu_build_is_found_by_its_distribution():
    from edge.onnx_backend import gpu_provider

    assert gpu_provider(lambda dist: dist == "onnxruntime-genai-cuda") == "cuda"
    assert gpu_provider(lambda dist: False) is None
    assert gpu_provider() is None  # this machine has the CPU build only
