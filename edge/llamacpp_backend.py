"""The llama.cpp backend (llama-cpp-python): GGUF on CPU, Metal or CUDA.

Generation runs its own token loop over llama-cpp-python's low-level calls (eval one
token, sample one token) rather than `create_chat_completion`, so that every token is
timed and its id kept, and the per-token cost stays close to llama.cpp's own.
The prompt is built with the chat template stored in the GGUF.

Weight repacking (llama.cpp's extra buffer types) follows `RuntimeSettings.repack`, decided
per host in edge/repack.py: it is off where llama.cpp's AMX path would crash.

Pinned to llama-cpp-python 0.3.36: `_init_sampler`, `_model.vocab` and the model parameter
defaults wrapped in `_repacking` are internals.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import llama_cpp
import numpy as np
from llama_cpp.llama_chat_format import Jinja2ChatFormatter
from llama_cpp.llama_grammar import LlamaGrammar

from edge.backend import Generation, Sampling, Timings, check_context, decode_loop, timed_steps
from edge.errors import EdgebenchError
from edge.gguf_inspect import inspect_gguf
from edge.profiles import RuntimeSettings
from edge.repack import choose_for_this_host


@contextmanager
def _repacking(enabled: bool):
    """Load with `use_extra_bufts = enabled`. `Llama()` has no argument for it: it takes its
    model parameters from `llama_model_default_params()` during the load, so that function is
    wrapped for the length of the load only."""
    module = llama_cpp.llama_cpp
    original = module.llama_model_default_params

    def params():
        value = original()
        value.use_extra_bufts = enabled
        return value

    module.llama_model_default_params = params
    try:
        yield
    finally:
        module.llama_model_default_params = original


class LlamaCppBackend:
    """One GGUF loaded in llama.cpp."""

    def __init__(self, model_path: Path, settings: RuntimeSettings) -> None:
        self.info = inspect_gguf(model_path)  # refuse damaged files before llama.cpp sees them
        if not self.info.chat_template:
            raise EdgebenchError(f"{model_path} has no chat template in its metadata; export it with tokenizer.chat_template")
        if settings.repack is None:  # settings not resolved against a profile: decide for this host
            choice = choose_for_this_host()
            self.repack, self.repack_why = choice.enabled, choice.why
        else:
            self.repack, self.repack_why = settings.repack, settings.repack_why
        start = time.perf_counter()
        try:
            with _repacking(self.repack):
                self.llm = llama_cpp.Llama(
                    model_path=str(model_path),
                    n_ctx=settings.n_ctx,
                    n_threads=settings.threads,
                    n_threads_batch=settings.threads,
                    n_gpu_layers=settings.gpu_layers,
                    flash_attn=True,  # llama-bench's default ("auto") turns it on wherever it is supported
                    verbose=False,
                )
        except ValueError as exc:
            raise EdgebenchError(f"llama.cpp could not load {model_path} ({exc}); check that the file is a whole GGUF")
        self.load_s = time.perf_counter() - start
        self.formatter = Jinja2ChatFormatter(
            template=self.info.chat_template,
            eos_token=self._token_text(self.llm.token_eos()),
            bos_token=self._token_text(self.llm.token_bos()),
        )
        self._first_generation = True

    def _token_text(self, token: int) -> str:
        return self.llm._model.token_get_text(token) if token != -1 else ""

    def prompt_tokens(self, messages: list[dict]) -> list[int]:
        """The chat-templated prompt as token ids (the template writes any BOS itself)."""
        prompt = self.formatter(messages=messages).prompt
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def generate(self, messages: list[dict], sampling: Sampling) -> Generation:
        prompt = self.prompt_tokens(messages)
        check_context(len(prompt), sampling.max_tokens, self.llm.n_ctx())
        timings = Timings(load_s=self.load_s if self._first_generation else 0.0)
        self._first_generation = False
        self.llm.reset()
        self.llm.set_seed(sampling.seed)
        grammar = LlamaGrammar.from_json_schema(sampling.json_schema, verbose=False) if sampling.json_schema else None
        sampler = self.llm._init_sampler(
            temp=sampling.temperature, top_k=sampling.top_k, top_p=sampling.top_p, grammar=grammar
        )
        start = time.perf_counter()
        self.llm.eval(prompt)
        timings.prompt_eval_s = time.perf_counter() - start

        vocab = self.llm._model.vocab
        tokens, stop_reason = decode_loop(lambda previous: self._step(previous, sampler), sampling.max_tokens,
                                          lambda token: llama_cpp.llama_vocab_is_eog(vocab, token), timings)
        return Generation(
            text=self.detokenize(tokens), token_ids=tokens, stop_reason=stop_reason,
            prompt_tokens=len(prompt), timings=timings,
        )

    def generate_many(self, items, parallel: int = 1, n_ctx_seq: int | None = None, on_start=None):
        """Batched generation (edge/llamacpp_batch.py): `items` are `BatchItem`s (id, messages or
        prompt tokens, sampling); yields a `BatchResult` (id, Generation or error) per item as
        each ends, `parallel` sequences at a time in one context; `on_start(id)` as each takes a
        slot. parallel=1 gives generate()'s tokens."""
        from edge.llamacpp_batch import generate_batched

        return generate_batched(self, items, parallel, n_ctx_seq, on_start=on_start)

    def detokenize(self, token_ids: list[int]) -> str:
        return self.llm.detokenize(token_ids).decode("utf-8", errors="replace")

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def logits(self, token_ids: list[int]) -> np.ndarray:
        """Decode in batches with every position's logits kept (the loaded context keeps only the last)."""
        self._check_context(len(token_ids))
        self.llm.reset()
        self.llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        vocab = self.llm.n_vocab()
        rows = []
        for start in range(0, len(token_ids), self.llm.n_batch):
            chunk = token_ids[start : start + self.llm.n_batch]
            self.llm._batch.set_batch(batch=chunk, n_past=start, logits_all=True)
            self.llm._ctx.decode(self.llm._batch)
            rows.append(np.ctypeslib.as_array(self.llm._ctx.get_logits(), shape=(len(chunk) * vocab,)).reshape(len(chunk), vocab).copy())
        self.llm.reset()
        return np.concatenate(rows)

    def last_hidden(self, token_ids: list[int]) -> np.ndarray:
        """The final-layer hidden state (after the output norm) at the last position, [n_embd] float32.
        llama.cpp's embeddings output with pooling "none" (a generative model's default) is that state;
        it is switched on for this decode only, so the same loaded context generates as before."""
        self._check_context(len(token_ids))
        self.llm.reset()
        self.llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        if llama_cpp.llama_pooling_type(self.llm._ctx.ctx) != llama_cpp.LLAMA_POOLING_TYPE_NONE:
            raise EdgebenchError("this GGUF pools its embeddings; the hidden state of one token needs pooling 'none'")
        llama_cpp.llama_set_embeddings(self.llm._ctx.ctx, True)
        try:
            for start in range(0, len(token_ids), self.llm.n_batch):
                chunk = token_ids[start : start + self.llm.n_batch]
                self.llm._batch.set_batch(batch=chunk, n_past=start, logits_all=True)  # embeddings need every output
                self.llm._ctx.decode(self.llm._batch)
            width = self.llm.n_embd()
            rows = np.ctypeslib.as_array(llama_cpp.llama_get_embeddings(self.llm._ctx.ctx), shape=(len(chunk) * width,))
            state = rows[(len(chunk) - 1) * width:].copy()
        finally:
            llama_cpp.llama_set_embeddings(self.llm._ctx.ctx, False)
            self.llm.reset()
        return state

    def timed_decode(self, prefix: list[int], n_steps: int) -> tuple[float, list[float]]:
        """The measured path is the one generate() uses: Llama.eval plus llama.cpp's own sampler."""
        self._check_context(len(prefix) + n_steps)
        self.llm.reset()
        sampler = self.llm._init_sampler(temp=0.0)
        start = time.perf_counter()
        self.llm.eval(prefix)
        token = sampler.sample(self.llm._ctx, -1)
        prefill_s = time.perf_counter() - start
        return prefill_s, timed_steps(lambda last: self._step(last, sampler), token, n_steps)

    def _step(self, previous: int | None, sampler) -> int:
        """Evaluate the token picked last (None: the prompt is already evaluated), then pick the next."""
        if previous is not None:
            self.llm.eval([previous])
        return sampler.sample(self.llm._ctx, -1)

    def _check_context(self, n_tokens: int) -> None:
        if n_tokens > self.llm.n_ctx():
            raise EdgebenchError(f"{n_tokens} tokens exceed the context of {self.llm.n_ctx()}; use shorter inputs")

    def close(self) -> None:
        self.llm.close()
