"""The backend interface: registry lookup, lazy import errors, and the Generation contract."""

import pytest

from edge import backend as backend_mod
from edge.backend import BackendSpec, Generation, Sampling, Timings, backend_class
from edge.errors import EdgebenchError, MissingRuntime


def test_unknown_backend_lists_available():
    with pytest.raises(EdgebenchError, match="unknown backend 'nope'; available: llamacpp"):
        backend_class("nope")


def test_missing_runtime_says_what_to_install(monkeypatch):
    spec = BackendSpec("ghost", "edge.nothing", "Nothing", ("ghost",), "surely_not_installed_runtime",
                       "pip install 'edgebench[x]'", "Ghost", ())
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


def test_every_table_about_backends_is_derived_from_one_spec_each():
    from bench.execute import SLOW_PATHS
    from edge.artifacts import FORMAT_BACKEND
    from edge.backend_specs import BACKENDS, SPECS, _by_name, format_backends
    from edge.host import RUNTIME_DISTRIBUTIONS
    from edge.isolation import runtime_name

    assert FORMAT_BACKEND == {"gguf": "llamacpp", "mlx": "mlx", "onnx": "onnx", "hf": "torch"}
    assert runtime_name("llamacpp") == "llama.cpp" and runtime_name("other") == "other"
    assert set(SLOW_PATHS) == {("mlx", "linux")} and "llama-cpp-python" in RUNTIME_DISTRIBUTIONS
    with pytest.raises(ValueError, match="described twice"):
        _by_name((*SPECS, SPECS[0]))
    for spec in BACKENDS.values():  # the class each spec names exists (its module imports no runtime at top level)
        assert spec.module == f"edge.{spec.name}_backend" and all(spec.name in format_backends(f) for f in spec.formats)
    # a second backend for a format: listed after the first, it is not the default
    import dataclasses

    other = dataclasses.replace(SPECS[0], name="gguf2", module="edge.gguf2_backend")
    assert [s.name for s in _by_name((*SPECS, other)).values() if "gguf" in s.formats] == ["llamacpp", "gguf2"]
