"""The backend interface: registry lookup, lazy import errors, and the Generation contract."""

import pytest

from edge import backend as backend_mod
from edge.backend import BackendSpec, Generation, Sampling, Timings, backend_class
from edge.errors import EdgebenchError, MissingRuntime


def test_unknown_backend_lists_available():
    with pytest.raises(EdgebenchError, match="unknown backend 'nope'; available: llamacpp"):
        backend_class("nope")


def test_missing_runtime_says_what_to_install(monkeypatch):
    spec = BackendSpec("edge.nothing", "Nothing", "surely_not_installed_runtime", "pip install 'edgebench[x]'")
    monkeypatch.setitem(backend_mod.BACKENDS, "ghost", spec)
    with pytest.raises(MissingRuntime, match=r"needs surely_not_installed_runtime.*pip install 'edgebench\[x\]'"):
        backend_class("ghost")


def test_generation_rejects_unknown_stop_reason():
    with pytest.raises(ValueError):
        Generation("x", [1], "eos", 1, Timings())


def test_timings_derive_ttft_and_speed():
    t = Timings(load_s=1.0, prompt_eval_s=0.5, token_s=[0.1, 0.1, 0.2, 0.1])
    assert t.ttft_s == pytest.approx(0.6)
    assert t.generation_tps == pytest.approx(4 / 0.5)


def test_fake_backend_honours_interface(fake_backend):
    b = fake_backend(length=20)
    g = b.generate([{"role": "user", "content": "hi"}], Sampling(max_tokens=10))
    assert g.stop_reason == "length" and len(g.token_ids) == 10
    g = b.generate([{"role": "user", "content": "hi"}], Sampling(max_tokens=50))
    assert g.stop_reason == "stop" and len(g.token_ids) == 20
    assert Sampling().greedy and not Sampling(temperature=0.7).greedy
