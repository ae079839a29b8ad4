"""The MLX backend (mlx-lm): MLX model folders, fast on Apple Silicon, and on Linux
through `mlx[cpu]` (slow there: a correctness path, which is how the tests run it).

Generation is a token loop over the model with mlx-lm's KV cache and sampler, so every
token is timed and its id kept, like the llamacpp backend. MLX is lazy: each step calls
`mx.eval` on the picked token, so the time measured is the time the work really took.
"""

from __future__ import annotations

import time
from pathlib import Path

import mlx.core as mx
import numpy as np
from mlx_lm import load
from mlx_lm.models.cache import make_prompt_cache
from mlx_lm.sample_utils import make_sampler

from edge.backend import Generation, Sampling, Timings, check_context, decode_loop, timed_steps
from edge.errors import EdgebenchError
from edge.profiles import RuntimeSettings


def baseline_load(model_path: Path) -> None:
    """What loading a folder holds besides its weights: mlx-lm's tokenizer (transformers', with what that imports).
    edge/memfit.py measures it in a child as part of the runtime's baseline."""
    from mlx_lm.utils import load_tokenizer

    load_tokenizer(Path(model_path))


class MlxBackend:
    """One MLX model folder loaded with mlx-lm."""

    def __init__(self, model_path: Path, settings: RuntimeSettings) -> None:
        if not (Path(model_path) / "config.json").is_file():
            raise EdgebenchError(f"{model_path} is not an MLX model folder (no config.json); convert one with: edgebench convert SRC --to mlx:4bit")
        self.n_ctx = settings.n_ctx
        start = time.perf_counter()
        try:
            self.model, self.tokenizer = load(str(model_path))
        except (ValueError, FileNotFoundError, KeyError) as exc:
            raise EdgebenchError(f"mlx-lm could not load {model_path} ({exc}); convert it again")
        mx.eval(self.model.parameters())
        self.load_s = time.perf_counter() - start
        self.eos_ids = set(self.tokenizer.eos_token_ids)
        self._first_generation = True

    def prompt_tokens(self, messages: list[dict]) -> list[int]:
        return list(self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True))

    def tokenize(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def detokenize(self, token_ids: list[int]) -> str:
        return self.tokenizer.decode(token_ids)

    def _step(self, tokens: list[int], cache) -> mx.array:
        """Run tokens through the model with the cache; the last position's logits."""
        return self.model(mx.array([tokens]), cache=cache)[:, -1, :]

    def generate(self, messages: list[dict], sampling: Sampling) -> Generation:
        if sampling.json_schema:
            raise EdgebenchError("the mlx backend cannot constrain output to a JSON schema; use the llamacpp backend for a local judge")
        prompt = self.prompt_tokens(messages)
        check_context(len(prompt), sampling.max_tokens, self.n_ctx)
        timings = Timings(load_s=self.load_s if self._first_generation else 0.0)
        self._first_generation = False
        mx.random.seed(sampling.seed)
        sampler = make_sampler(temp=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k)
        cache = make_prompt_cache(self.model)
        start = time.perf_counter()
        logits = self._step(prompt, cache)
        mx.eval(logits)
        timings.prompt_eval_s = time.perf_counter() - start

        def step(previous: int | None) -> int:
            out = logits if previous is None else self._step([previous], cache)
            return int(sampler(out - mx.logsumexp(out, axis=-1, keepdims=True)).item())

        tokens, stop_reason = decode_loop(step, sampling.max_tokens, self.eos_ids.__contains__, timings)
        return Generation(text=self.detokenize(tokens), token_ids=tokens, stop_reason=stop_reason,
                          prompt_tokens=len(prompt), timings=timings)

    def logits(self, token_ids: list[int]) -> np.ndarray:
        out = self.model(mx.array([token_ids]))[0].astype(mx.float32)
        return np.array(out)

    def timed_decode(self, prefix: list[int], n_steps: int) -> tuple[float, list[float]]:
        cache = make_prompt_cache(self.model)
        start = time.perf_counter()
        token = int(mx.argmax(self._step(prefix, cache), axis=-1).item())
        prefill_s = time.perf_counter() - start
        return prefill_s, timed_steps(lambda last: int(mx.argmax(self._step([last], cache), axis=-1).item()), token, n_steps)

    def peak_memory_bytes(self) -> int:
        """MLX's own allocator peak (its buffers; the process RSS is measured separately)."""
        return int(mx.get_peak_memory())

    def close(self) -> None:
        self.model = None
        mx.clear_cache()
