"""The backend interface: one small class per runtime, found by name, imported lazily.

A backend loads one model artifact with `RuntimeSettings` and turns chat messages into a
`Generation`: the text, the token ids, why it stopped, and timings (load, prompt
evaluation, and every generated token). For measurement every backend also gives the
full-vocabulary logits of a token sequence (drift) and a timed greedy decode from a
given prefix (speed). The llamacpp and torch backends also give `last_hidden(token_ids)`, the
final-layer hidden state at the last position (the h_last probe, bench/probe.py); a backend
without it is refused there by name. Backends are addressed by short names ("llamacpp", "mlx",
"onnx", "torch"); edge/backend_specs.py says where each lives and what to install for it.

A backend that batches (its spec says `batched`) also has `generate_many(items, parallel,
on_start=None)`: a queue of `BatchItem`s in, a `BatchResult` per item out as each ends, in
any order, each with its own Generation (edge/llamacpp_batch.py for llama.cpp).
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Hashable, Protocol

from edge.backend_specs import BACKENDS, BackendSpec  # noqa: F401 (the registry, re-exported)
from edge.errors import EdgebenchError, MissingRuntime
from edge.profiles import RuntimeSettings

if TYPE_CHECKING:
    import numpy as np

STOP_REASONS = ("stop", "length")


@dataclass(frozen=True)
class Sampling:
    """How to pick tokens. temperature 0 is greedy; otherwise `seed` makes it repeatable."""

    max_tokens: int = 512
    temperature: float = 0.0
    top_k: int = 40
    top_p: float = 0.95
    seed: int = 0
    json_schema: str | None = None  # constrain the output to this JSON schema, where the runtime can

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0


@dataclass
class Timings:
    """Seconds spent: loading the model, evaluating the prompt, and per generated token."""

    load_s: float = 0.0
    prompt_eval_s: float = 0.0
    token_s: list[float] = field(default_factory=list)

    @property
    def ttft_s(self) -> float:
        """Time to first token: prompt evaluation plus the first decode step."""
        return self.prompt_eval_s + (self.token_s[0] if self.token_s else 0.0)

    @property
    def generation_tps(self) -> float:
        """Generated tokens per second, excluding prompt evaluation."""
        total = sum(self.token_s)
        return len(self.token_s) / total if total > 0 else 0.0


@dataclass
class Generation:
    """One answer from a backend."""

    text: str
    token_ids: list[int]
    stop_reason: str  # "stop" (end-of-generation token) or "length" (hit max_tokens)
    prompt_tokens: int
    timings: Timings

    def __post_init__(self) -> None:
        if self.stop_reason not in STOP_REASONS:
            raise ValueError(f"stop_reason must be one of {STOP_REASONS}, got {self.stop_reason!r}")


@dataclass(frozen=True)
class BatchItem:
    """One queued request of a batched backend (`generate_many`, edge/llamacpp_batch.py): chat `messages` (templated like the sequential path) or
    ready `prompt_tokens`, and its own sampling (budget, temperature, seed, schema)."""

    id: Hashable
    messages: list[dict] | None = None
    sampling: Sampling = field(default_factory=Sampling)
    prompt_tokens: list[int] | None = None

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt_tokens is None):
            raise ValueError("a BatchItem takes either messages or prompt_tokens")


@dataclass
class BatchResult:
    """What came of one item: its generation, or why it failed (the batch went on)."""

    id: Hashable
    generation: Generation | None
    error: str | None = None
    slot: int = -1  # the sequence slot (seq_id) it ran in
    latency_s: float = 0.0  # wall time from its prompt decode to its last token

    @property
    def ok(self) -> bool:
        return self.error is None


class Backend(Protocol):
    """What every runtime module exports as its backend class."""

    load_s: float

    def __init__(self, model_path: Path, settings: RuntimeSettings) -> None: ...

    def generate(self, messages: list[dict], sampling: Sampling) -> Generation: ...

    def detokenize(self, token_ids: list[int]) -> str: ...

    def tokenize(self, text: str) -> list[int]:
        """Plain text to ids, with no special tokens added."""

    def logits(self, token_ids: list[int]) -> "np.ndarray":
        """Raw next-token logits at every position of token_ids, [len, vocab], float32."""

    def timed_decode(self, prefix: list[int], n_steps: int) -> tuple[float, list[float]]:
        """From an empty cache: evaluate prefix and pick the first token greedily (the
        first returned value, in seconds), then n_steps times feed the last token and
        pick the next (seconds per step). End-of-generation tokens do not stop it."""

    def close(self) -> None: ...


def runtime_installed(name: str) -> bool:
    """Whether the backend's runtime can be imported here (without importing it)."""
    return importlib.util.find_spec(BACKENDS[name].requires) is not None


def require_runtime(name: str) -> None:
    """Refuse, with the install line, when the backend's runtime is missing."""
    if not runtime_installed(name):
        spec = BACKENDS[name]
        raise MissingRuntime(f"backend '{name}' needs {spec.requires}, which is not installed: {spec.install}")


def backend_class(name: str) -> type:
    """The backend class for a short name, importing its runtime only now."""
    spec = BACKENDS.get(name)
    if spec is None:
        raise EdgebenchError(f"unknown backend '{name}'; available: {', '.join(BACKENDS)}")
    require_runtime(name)
    return getattr(importlib.import_module(spec.module), spec.cls)


def open_backend(name: str, model_path: Path, settings: RuntimeSettings) -> Backend:
    """Load a model file with the named backend."""
    return backend_class(name)(Path(model_path), settings)


def check_context(prompt_tokens: int, max_tokens: int, n_ctx: int) -> None:
    if prompt_tokens + max_tokens > n_ctx:
        raise EdgebenchError(f"prompt ({prompt_tokens} tokens) plus max_tokens ({max_tokens}) exceeds the context of {n_ctx}; lower the budget")


def decode_loop(step: Callable[[int | None], int], max_tokens: int, is_end: Callable[[int], bool],
                timings: Timings) -> tuple[list[int], str]:
    """The token loop every backend shares: `step(previous token, or None first)` runs the model
    as needed and returns the next token; each step is timed. Returns (tokens, stop reason)."""
    tokens: list[int] = []
    while len(tokens) < max_tokens:
        start = time.perf_counter()
        token = step(tokens[-1] if tokens else None)
        timings.token_s.append(time.perf_counter() - start)
        if is_end(token):
            return tokens, "stop"
        tokens.append(token)
    return tokens, "length"


def timed_steps(step: Callable[[int], int], token: int, n_steps: int) -> list[float]:
    """Seconds for each of n_steps calls of `step(last token) -> next token` (speed: EOS does not stop it)."""
    seconds = []
    for _ in range(n_steps):
        start = time.perf_counter()
        token = step(token)
        seconds.append(time.perf_counter() - start)
    return seconds
