"""Every backend described once: the formats it runs, where its class lives, its runtime.

One `BackendSpec` per backend holds everything edgebench knows about it: its short name
("llamacpp"), the module and class that implement edge/backend.py's interface, the artifact
formats it runs, the import that proves its runtime is installed and the line that installs
it, what users call the runtime (crash messages), the distributions whose versions every
result records, the hosts where it is only a slow correctness path (bench/execute.py gives
those a reduced plan), and the function of convert/exporters.py that makes its artifacts.
Every other table (a format's backends, runtime names, versions, slow paths, exporters) is
derived from `SPECS`. A format may have several backends: the first listed is its default.
Nothing here imports a runtime.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackendSpec:
    name: str  # the short name: --backend, the results store, artifact specs
    module: str  # the module with the backend class (edge/<name>_backend.py)
    cls: str
    formats: tuple[str, ...]  # the artifact formats it runs (gguf, mlx, onnx, hf)
    requires: str  # the import that proves the runtime is installed
    install: str  # what to tell the user when it is not
    display: str  # what users call the runtime, e.g. in "llama.cpp crashed: SIGSEGV"
    distributions: tuple[str, ...]  # installed versions recorded with every result (edge/host.py)
    slow_on: tuple[tuple[str, str], ...] = ()  # (os, why) where it is a slow correctness path, not a fast one
    exporter: str = ""  # convert/exporters.py's function that makes artifacts of its formats ("": none)
    # Its class has `generate_many(items, parallel, on_start=...)`: several sequences in one context. A backend without
    # it generates suite items one at a time whatever --parallel says (mlx-lm 0.32 has a BatchGenerator and
    # onnxruntime-genai a batch size, neither driven here yet).
    batched: bool = False


SPECS: tuple[BackendSpec, ...] = (
    BackendSpec("llamacpp", "edge.llamacpp_backend", "LlamaCppBackend", ("gguf",), "llama_cpp",
                "pip install 'edgebench[edge]'", "llama.cpp", ("llama-cpp-python", "gguf"), exporter="export_gguf",
                batched=True),
    BackendSpec("mlx", "edge.mlx_backend", "MlxBackend", ("mlx",), "mlx_lm", "pip install 'edgebench[mlx]'", "MLX",
                ("mlx", "mlx-lm"),
                slow_on=(("linux", "MLX on a Linux CPU is a slow correctness path (the fast path is Apple Silicon): "
                                   "speed only, no drift or suites"),), exporter="export_mlx"),
    BackendSpec("onnx", "edge.onnx_backend", "OnnxBackend", ("onnx",), "onnxruntime_genai",
                "pip install 'edgebench[onnx]'", "onnxruntime", ("onnxruntime", "onnxruntime-genai"),
                exporter="export_onnx"),
    BackendSpec("torch", "edge.torch_backend", "TorchBackend", ("hf",), "transformers",
                "pip install 'edgebench[convert]'", "PyTorch", ("torch", "transformers", "peft")),
)


def _by_name(specs: tuple[BackendSpec, ...]) -> dict[str, BackendSpec]:
    out: dict[str, BackendSpec] = {}
    for spec in specs:
        if spec.name in out:
            raise ValueError(f"backend {spec.name!r} is described twice")
        out[spec.name] = spec
    return out


BACKENDS: dict[str, BackendSpec] = _by_name(SPECS)


def format_backends(fmt: str) -> tuple[str, ...]:
    """The backends that run a format, its default first."""
    return tuple(spec.name for spec in BACKENDS.values() if fmt in spec.formats)


# format -> its default backend
FORMAT_BACKEND: dict[str, str] = {fmt: format_backends(fmt)[0] for spec in SPECS for fmt in spec.formats}


def format_spec(fmt: str) -> BackendSpec:
    """The default backend of a format (the one whose exporter makes its artifacts)."""
    return BACKENDS[FORMAT_BACKEND[fmt]]


def runtime_name(backend: str) -> str:
    """What users call a backend's runtime ("llama.cpp"); an unknown name as it is."""
    spec = BACKENDS.get(backend)
    return spec.display if spec else backend


def batches(backend: str) -> bool:
    """Whether the backend has a batched generation path (`generate_many`)."""
    spec = BACKENDS.get(backend)
    return bool(spec and spec.batched)


def slow_paths() -> dict[tuple[str, str], str]:
    """(backend, os) -> why it is only a slow correctness path there."""
    return {(spec.name, os): why for spec in SPECS for os, why in spec.slow_on}


def runtime_distributions() -> tuple[str, ...]:
    """Every backend's distributions, once each, in table order."""
    return tuple(dict.fromkeys(d for spec in SPECS for d in spec.distributions))
