"""Memory fit: predict an artifact's peak resident memory before it runs, from its GGUF header.

Two children run a model in `edgebench run`, and each gets its own prediction (`CONFIGURATIONS`):
- the speed child (edge/speed.py): the backend's own context, one sequence at the plan's context;
- the suites' child (bench/generate.py) at `parallel` N > 1: llama.cpp's batched path
  (edge/llamacpp_batch.py) keeps the backend's own context and opens a second one of N x context
  cells beside it, so it holds both KV caches; only the batched context decodes.
`edgebench run` skips an artifact whose larger prediction exceeds the profile's `memory_budget_gb` (a
Pi with 4 GB must not be asked to swap), and the report sets each prediction beside the peak its own
child measured (edge/memory.py), so the prediction can be checked on every device.
`edgebench fit ARTIFACT...` prints the predictions (and, with --measure, both measurements).

The parts, as llama.cpp allocates them (llama-cpp-python, flash attention on, as edge/llamacpp_backend.py
loads):
- runtime: the child process before it loads anything (interpreter, llama.cpp's library), measured once
  per process by starting one (`runtime_baseline_bytes`); it differs between hosts, so it is not a constant;
- weights: every tensor's data, mmap'd and all touched by a decode step; tensors repacked into
  CPU_REPACK buffers (Q4_0, Q4_K, IQ4_NL) are copied, and the mapped pages stay resident too;
- KV cache: layers x cells x kv heads x (key + value length) x the cache type's bytes. llama.cpp clears
  the whole cache when it makes a context, so every cell is resident whether used or not: the
  backend's own context has `context` cells; the batched one (`batch_kv_bytes`) context x N;
- vocabulary: llama.cpp's token and merge tables, about 180 bytes per entry (fitted on this machine:
  a vocab-only load of the embedded model's 49152 tokens and 48900 merges adds 17 MiB);
- compute: the part of llama.cpp's compute buffer a prompt batch touches: a ubatch of activations
  (gate, up and their product per token, and two embedding rows) plus one row of logits per sequence,
  in the context that decodes (the batched one at N > 1: the backend's own context then only tokenizes,
  its buffer is reserved and never touched). llama.cpp reserves more (`compute_reserved_bytes`: logits
  for every position of a ubatch) and the untouched pages are never resident; only a pass that keeps
  every position's logits (drift) fills it.
Artifacts that are not GGUF files have no header to read: their prediction is their runtime's baseline and
their size, with what the runtime is known to add to it (`SIZE_PARTS`), and the basis says so:
- MLX: mlx-lm loads the weights into MLX's buffers and the folder's tokenizer through transformers, which
  imports far more than mlx-lm does (sympy and accelerate here, where torch is installed): the baseline
  child loads the artifact's tokenizer too (`LOADER_BASELINE`); its KV cache grows with use and is not
  estimated;
- ONNX: onnxruntime reads every initializer into its own memory (or maps it from model.onnx.data) and
  prepacks the constant weights of its MatMuls (MatMulNBits for int4) for MLAS: a second copy, counted as
  the weights' size again (an upper bound: the scales are not packed). Per generation onnxruntime-genai
  allocates a KV cache and a logits buffer, sized from the folder's genai_config.json at the lengths the
  child generates with (`onnx_generation_bytes`, `speed_lengths`: the speed child's tests): the KV cache
  (kv) holds max_length positions, the prompt + budget + 1 edge/onnx_backend.py sets, float32 (layers x 2 x
  kv heads x max_length x head size x 4; past and present apart where past_present_share_buffer is off:
  twice that), and the logits (compute) are [largest prompt, vocab] float32, the prompt appended in one
  go. The library code a session touches (`LIBRARY_PAGES`, library) is a fitted constant: it needs a
  session over the artifact's graph, which reads its weights, so the baseline child cannot measure it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from edge.errors import EdgebenchError

MIB = 2**20
N_UBATCH = 512  # llama-cpp-python's default n_batch and llama.cpp's n_ubatch
VOCAB_ENTRY_BYTES = 180  # see the module docstring: fitted on the embedded model
# bytes per element of the KV cache types llama.cpp offers (type_k / type_v)
CACHE_TYPE_BYTES = {"f32": 4.0, "f16": 2.0, "bf16": 2.0, "q8_0": 34 / 32, "q5_1": 24 / 32, "q5_0": 22 / 32,
                    "q4_1": 20 / 32, "q4_0": 18 / 32, "iq4_nl": 18 / 32}
# ggml types that llama.cpp's CPU backend repacks (ggml-cpu/repack.cpp), by GGMLQuantizationType name
REPACKED_TYPES = ("Q4_0", "Q4_K", "IQ4_NL")
# backends whose baseline child also loads the artifact's tokenizer (the backend module's `baseline_load`):
# what their loader holds besides the weights, measured as the runtime is
LOADER_BASELINE = {"mlx": "the folder's tokenizer (transformers', with what it imports)"}
# formats without a header: (what the runtime adds to the size, as a multiple of it, and what that is)
SIZE_PARTS = {"onnx": (1.0, "onnxruntime's prepacked copy of the MatMul weights")}
# library code pages a backend's session touches beyond what importing it maps (RssFile grows by them), by backend.
# ONNX, fitted on this machine (onnxruntime 1.32, onnxruntime-genai 0.18, the embedded model's onnx:int4, 1 thread):
# from import to after pp64 and tg64, libonnxruntime.so's resident pages grow 3.4 -> 19.9 MiB, libonnxruntime-genai.so's
# 2.3 -> 6.6 and libcrypto.so.3 (mapped after the load) adds 3.3: 24.1 MiB (/proc/self/smaps). RssFile grows 41.2
# MiB in all; the other 17.1 are model.onnx.data's mapped initializers, which the weights and repack parts count.
LIBRARY_PAGES = {"onnx": int(24.1 * MIB)}
ONNX_IO_BYTES = 4  # float32 KV cache and logits: the model builder's CPU int4 graphs (past_key_values.*, logits)
# which child each prediction is for, by name: what the report's memory columns and `edgebench fit` say
CONFIGURATIONS = {"speed": "the speed child, one sequence in the backend's context",
                  "suites": "the suites' child, the backend's context (kv) plus a batched one of N x the context (batch kv)"}


@dataclass(frozen=True)
class MemoryPrediction:
    """Predicted peak resident memory of one artifact in its own child process, by part."""

    basis: str  # "gguf header" or why only the size was used
    n_ctx: int
    parallel: int
    cache_type: str
    runtime_bytes: int
    weights_bytes: int
    repack_bytes: int
    kv_bytes: int
    vocab_bytes: int
    compute_bytes: int
    compute_reserved_bytes: int  # llama.cpp's compute buffer as it reserves it (not all resident)
    batch_kv_bytes: int = 0  # the batched context's KV cache (parallel x n_ctx cells); 0 at one sequence
    library_bytes: int = 0  # library code pages a session touches beyond the import (LIBRARY_PAGES)

    @property
    def total_bytes(self) -> int:
        return (self.runtime_bytes + self.library_bytes + self.weights_bytes + self.repack_bytes + self.kv_bytes
                + self.batch_kv_bytes + self.vocab_bytes + self.compute_bytes)

    @property
    def configuration(self) -> str:
        """Which child this predicts (a key of CONFIGURATIONS)."""
        return "suites" if self.parallel > 1 else "speed"

    def to_dict(self) -> dict:
        return {**asdict(self), "total_bytes": self.total_bytes}

    def fits(self, budget_gb: float) -> bool:
        return self.total_bytes <= budget_gb * 2**30


@dataclass(frozen=True)
class MemoryFit:
    """The predictions for one artifact's two children: the speed child (one sequence) and, where the plan
    runs its suites, the suites' child (at the count they run with). The larger decides whether it fits."""

    speed: MemoryPrediction
    suites: MemoryPrediction | None = None

    @property
    def larger(self) -> MemoryPrediction:
        return max((p for p in (self.speed, self.suites) if p is not None), key=lambda p: p.total_bytes)

    @property
    def total_bytes(self) -> int:
        return self.larger.total_bytes

    def fits(self, budget_gb: float) -> bool:
        return self.larger.fits(budget_gb)

    def to_dict(self) -> dict:
        """The store's "memory" measurement; bench/report_model.py reads this and the older single prediction."""
        return {"speed": self.speed.to_dict(), "suites": self.suites.to_dict() if self.suites else None,
                "decides": "suites" if self.larger is self.suites else "speed"}


def _field(fields: dict, arch: str, key: str, default=None):
    value = fields.get(f"{arch}.{key}", default)
    if value is None:
        raise EdgebenchError(f"the GGUF header has no {arch}.{key}; cannot predict its KV cache")
    return int(value)


def kv_cache_bytes(fields: dict, cells: int, cache_type: str = "f16") -> int:
    """The KV cache llama.cpp allocates for `cells` positions, from the header's layers, heads and head sizes."""
    if cache_type not in CACHE_TYPE_BYTES:
        raise EdgebenchError(f"unknown KV cache type {cache_type!r}; one of {', '.join(CACHE_TYPE_BYTES)}")
    arch = fields.get("general.architecture", "llama")
    n_layer = _field(fields, arch, "block_count")
    n_head = _field(fields, arch, "attention.head_count")
    n_head_kv = _field(fields, arch, "attention.head_count_kv", n_head)
    head_dim = _field(fields, arch, "embedding_length") // n_head
    k_len = _field(fields, arch, "attention.key_length", head_dim)
    v_len = _field(fields, arch, "attention.value_length", head_dim)
    return int(n_layer * cells * n_head_kv * (k_len + v_len) * CACHE_TYPE_BYTES[cache_type])


def compute_bytes(fields: dict, n_ctx: int, parallel: int) -> tuple[int, int]:
    """(touched by a prompt batch, reserved by llama.cpp) compute buffer bytes, float32 activations."""
    arch = fields.get("general.architecture", "llama")
    n_embd = _field(fields, arch, "embedding_length")
    n_ff = _field(fields, arch, "feed_forward_length", 4 * n_embd)
    n_vocab = int(fields.get(f"{arch}.vocab_size") or fields.get("tokenizer.ggml.tokens") or 0)
    n_ub = min(N_UBATCH, n_ctx)
    touched = 4 * n_ub * (3 * n_ff + 2 * n_embd) + 4 * n_vocab * parallel
    reserved = 4 * n_ub * (n_vocab + 2 * n_embd)  # what llama.cpp's sched_reserve printed for the embedded model
    return touched, reserved


def weight_bytes(header) -> tuple[int, int]:
    """(all tensor data, the part of it in types the CPU backend repacks)."""
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    total = repackable = 0
    for tensor in header.tensors:
        kind = GGMLQuantizationType(tensor.ggml_type)
        block, type_size = GGML_QUANT_SIZES[kind]
        size = tensor.n_elements // block * type_size
        total += size
        # the token embedding is only read row by row (get_rows): llama.cpp never repacks it
        if kind.name in REPACKED_TYPES and tensor.name != "token_embd.weight":
            repackable += size
    return total, repackable


def speed_lengths(config) -> tuple[int, int]:
    """(largest prompt appended in one go, longest max_length) of the speed child's tests (an edge/speed.py
    SpeedConfig), as edge/onnx_backend.py's timed_decode runs them: a pp<N> test appends N tokens and sets
    max_length N + 1; a tg<N> test at depth D appends max(D, 1) tokens and sets max_length max(D, 1) + N + 1."""
    from edge.speed import speed_tests

    prompts = [(n_prompt, n_prompt + 1) if not n_gen else (max(n_depth, 1), max(n_depth, 1) + n_gen + 1)
               for _, n_prompt, n_gen, n_depth in speed_tests(config)]
    return max((p for p, _ in prompts), default=0), max((m for _, m in prompts), default=0)


def onnx_generation_bytes(folder: Path, prompt_tokens: int, max_length: int) -> tuple[int, int]:
    """(KV cache, logits) bytes onnxruntime-genai allocates for one generation of `max_length` positions whose
    prompt of `prompt_tokens` is appended in one go, from the folder's genai_config.json (see the module docstring)."""
    try:
        config = json.loads((Path(folder) / "genai_config.json").read_text(encoding="utf-8"))
        model, decoder = config["model"], config["model"]["decoder"]
        n_layer, n_head_kv = int(decoder["num_hidden_layers"]), int(decoder["num_key_value_heads"])
        head_size, n_vocab = int(decoder["head_size"]), int(model["vocab_size"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EdgebenchError(f"cannot predict the KV cache and logits of {folder}: its genai_config.json lacks "
                             f"layers, kv heads, head size or vocab size ({exc})")
    shared = config.get("search", {}).get("past_present_share_buffer", True)
    kv = n_layer * 2 * n_head_kv * max_length * head_size * ONNX_IO_BYTES * (1 if shared else 2)
    return kv, prompt_tokens * n_vocab * ONNX_IO_BYTES


def predict(artifact, n_ctx: int, parallel: int = 1, cache_type: str = "f16", repack: bool = False,
            runtime_bytes: int | None = None, gpu_offload: bool = False,
            lengths: tuple[int, int] | None = None) -> MemoryPrediction:
    """The prediction for one artifact (an edge/artifacts.py Artifact) at this context and parallel count:
    parallel 1 is one context (the speed child, a sequential suites child), parallel N > 1 the batched path
    (the backend's own context and a batched one of N x n_ctx cells). `runtime_bytes` None: measured here
    once (`runtime_baseline_bytes`). With layers offloaded to a GPU the same total is given, as an upper
    bound of what the host holds (the basis says so). `lengths`: (largest prompt, longest max_length) the
    child generates with (`speed_lengths`), for backends that size their buffers per generation (ONNX);
    None: those buffers are not estimated."""
    if parallel < 1:
        raise EdgebenchError(f"the parallel count must be at least 1 (got {parallel})")
    if artifact.format != "gguf":
        return _predict_from_size(artifact, n_ctx, parallel, cache_type, runtime_bytes, lengths)
    runtime = runtime_baseline_bytes(artifact.backend) if runtime_bytes is None else runtime_bytes
    from edge.gguf_header import read_header

    header = read_header(Path(artifact.path))
    weights, repackable = weight_bytes(header)
    touched, reserved = compute_bytes(header.fields, n_ctx, parallel)
    vocab = VOCAB_ENTRY_BYTES * (int(header.fields.get("tokenizer.ggml.tokens", 0))
                                 + int(header.fields.get("tokenizer.ggml.merges", 0)))
    basis = "gguf header" + (", all on the host: an upper bound where layers are offloaded to a GPU" if gpu_offload else "")
    own_kv = kv_cache_bytes(header.fields, n_ctx, cache_type)
    # at N > 1 the batched context holds N x n_ctx cells beside the backend's own (edge/llamacpp_batch.py)
    batch_kv = kv_cache_bytes(header.fields, n_ctx * parallel, cache_type) if parallel > 1 else 0
    return MemoryPrediction(basis, n_ctx, parallel, cache_type, runtime, weights, repackable if repack else 0,
                            own_kv, vocab, touched, reserved, batch_kv)


def _predict_from_size(artifact, n_ctx: int, parallel: int, cache_type: str, runtime_bytes: int | None,
                       lengths: tuple[int, int] | None = None) -> MemoryPrediction:
    """A format without a header: the runtime's baseline (with its loader's tokenizer where LOADER_BASELINE names
    the backend), the size, what SIZE_PARTS says the runtime adds to it, the library pages its session touches
    (LIBRARY_PAGES) and, for an onnxruntime-genai folder at known lengths, its KV cache and logits."""
    loads = artifact.backend in LOADER_BASELINE
    if runtime_bytes is None:
        runtime_bytes = runtime_baseline_bytes(artifact.backend, str(artifact.path) if loads else None)
    factor, added = SIZE_PARTS.get(artifact.format, (0.0, ""))
    library = LIBRARY_PAGES.get(artifact.backend, 0)
    kv = logits = 0
    per_generation = (artifact.format == "onnx" and lengths is not None
                      and (Path(artifact.path) / "genai_config.json").is_file())
    if per_generation:
        kv, logits = onnx_generation_bytes(Path(artifact.path), *lengths)
    estimate = (f"KV cache and logits from genai_config.json at a {lengths[0]}-token prompt and max_length {lengths[1]}"
                if per_generation else "no KV or compute estimate")
    basis = (f"{'size and genai_config.json' if per_generation else 'size only'} ({artifact.format} is not a GGUF: {estimate}"
             + (f"; runtime includes {LOADER_BASELINE[artifact.backend]}" if loads else "")
             + (f"; repack is {added}" if factor else "")
             + ("; library is the library code a session touches, fitted" if library else "") + ")")
    return MemoryPrediction(basis, n_ctx, parallel, cache_type, runtime_bytes, artifact.size_bytes,
                            int(factor * artifact.size_bytes), kv, 0, logits, 0, library_bytes=library)


# what the speed child imports before it loads a model: its resident memory then is the runtime's baseline; with a
# path, what the backend's loader holds besides the weights too (its module's `baseline_load`, LOADER_BASELINE)
_BASELINE_CHILD = """
import importlib, json, sys
from pathlib import Path
import edge.speed
from edge.backend_specs import BACKENDS
from edge.memory import peak_rss_bytes
try:
    module = importlib.import_module(BACKENDS[sys.argv[1]].module)
    if len(sys.argv) > 2:
        module.baseline_load(Path(sys.argv[2]))
except ImportError:  # the runtime is missing: opening the backend will say so
    pass
print(json.dumps(peak_rss_bytes()))
"""


@lru_cache(maxsize=None)
def runtime_baseline_bytes(backend: str, artifact_path: str | None = None) -> int:
    """Peak resident memory of a fresh child that imports what the speed child imports, and the runtime (and, with
    `artifact_path`, loads what the backend's loader holds besides the weights: its tokenizer)."""
    result = subprocess.run([sys.executable, "-c", _BASELINE_CHILD, backend, *filter(None, [artifact_path])],
                            capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parent.parent)
    if result.returncode != 0:
        raise EdgebenchError(f"could not measure the {backend} runtime's baseline memory: "
                             f"{(result.stderr.strip().splitlines() or ['no output'])[-1]}")
    return int(json.loads(result.stdout.strip().splitlines()[-1]))


def error_pct(prediction_bytes: int, measured_bytes: int | None) -> float | None:
    """Prediction over measurement, as a signed percentage (+10: predicted 10 % more than measured)."""
    if not measured_bytes:
        return None
    return 100.0 * (prediction_bytes - measured_bytes) / measured_bytes
