"""Batched generation on llama.cpp: several sequences in one context, continuous batching.

A `BatchedGenerator` opens a second llama.cpp context on the model a `LlamaCppBackend`
already loaded, with `n_seq_max = parallel` and one KV stream per sequence
(`kv_unified = False`: a sequence attends only to its own cells, so eight answers cost
eight short attentions, not one long one). Each decode step is one `llama_batch` that
carries the pending token of every live sequence (its own `seq_id` and position); each
sequence samples from its own row of logits with its own sampler chain, built exactly as
the sequential path builds it (`Llama._init_sampler`, seeded from `Sampling.seed`).
When a sequence ends (an end-of-generation token: "stop"; its `max_tokens`: "length"),
its KV cells are cleared (`llama_memory_seq_rm`) and the next queued item's prompt takes
its slot: continuous batching.

Samples are the sequential path's `Generation`, so nothing downstream knows how a
backend batches. Timings, per sample:
- `prompt_eval_s`: the item's own prompt decode (a prompt is decoded alone, in the
  sequential path's chunks, while the other sequences wait; the wait is not charged to them);
- `token_s[0]`: picking the first token from the prompt's logits (as sequentially);
- `token_s[k]`, k > 0: the sequence's share of the step that produced it: the step's
  decode time divided by the number of sequences in that step, plus its own sampling.
  So the token times of all samples add up to the time the steps took, and
  `Timings.generation_tps` of a sample is its share of the aggregate throughput;
  the wall-clock latency a sequence saw is in `BatchStats`, not in the sample.

With parallel = 1 the batches are the sequential path's batches (same chunks, same KV
cells, same sampler), so the tokens are identical to `LlamaCppBackend.generate`.
With parallel > 1 a step's matrix products have several rows, and llama.cpp may pick
other kernels for them: greedy answers can then differ in the last bits of the logits
(`python -m bench.batch_identity` measures how often).

An item whose prompt plus budget does not fit the per-sequence context fails alone: its
result carries the error message and no generation; the other items go on.
"""

from __future__ import annotations

import ctypes
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable, Iterator

import llama_cpp
from llama_cpp import _internals
from llama_cpp.llama_grammar import LlamaGrammar

from edge.backend import BatchItem, BatchResult, Generation, Sampling, Timings, check_context  # noqa: F401 (re-exported)
from edge.errors import EdgebenchError


@dataclass
class BatchStats:
    """Totals of one `run`: where the time went, and how full the slots were."""

    parallel: int
    items: int = 0
    failed: int = 0
    prompts: int = 0
    prompt_tokens: int = 0
    prompt_s: float = 0.0  # prompt decodes (plus the first token's sampling)
    steps: int = 0  # batched decode steps
    step_tokens: int = 0  # tokens produced by those steps (sum over steps of live sequences)
    decode_s: float = 0.0  # the steps' wall time: batch build, llama_decode, every sequence's sampling
    wall_s: float = 0.0

    @property
    def generated(self) -> int:
        return self.step_tokens

    @property
    def decode_tps(self) -> float:
        """Aggregate generation throughput: tokens of the batched steps per second of those steps
        (the analogue of llama-batched-bench's S_TG)."""
        return self.step_tokens / self.decode_s if self.decode_s > 0 else 0.0

    @property
    def mean_live(self) -> float:
        return self.step_tokens / self.steps if self.steps else 0.0


@dataclass
class _Sequence:
    item: BatchItem
    slot: int
    prompt: list[int]
    sampler: _internals.LlamaSampler
    timings: Timings
    started: float
    tokens: list[int] = field(default_factory=list)
    pos: int = 0  # position of the next token to evaluate
    pending: int | None = None  # the last picked token, not yet evaluated
    stop_reason: str = ""


def build_sampler(llm: llama_cpp.Llama, sampling: Sampling) -> _internals.LlamaSampler:
    """The sampler chain of `LlamaCppBackend.generate`, for one sequence. Keep the two in step:
    tests/edge/test_llamacpp_batch.py checks that parallel=1 gives the sequential tokens."""
    llm.set_seed(sampling.seed)
    grammar = LlamaGrammar.from_json_schema(sampling.json_schema, verbose=False) if sampling.json_schema else None
    return llm._init_sampler(temp=sampling.temperature, top_k=sampling.top_k, top_p=sampling.top_p, grammar=grammar)


class BatchedGenerator:
    """`parallel` sequences of one loaded GGUF in one llama.cpp context; `backend` is the
    edge.llamacpp_backend.LlamaCppBackend that loaded it (its model, chat template, settings).

    `n_ctx_seq` is each sequence's context (default: the backend's own n_ctx, so an item fits
    here exactly when it fits the sequential path); the KV cache holds parallel x n_ctx_seq cells.
    """

    def __init__(self, backend, parallel: int, n_ctx_seq: int | None = None) -> None:
        if parallel < 1:
            raise EdgebenchError(f"parallel must be at least 1 (got {parallel})")
        limit = llama_cpp.llama_max_parallel_sequences()
        if parallel > limit:
            raise EdgebenchError(f"parallel {parallel} exceeds llama.cpp's limit of {limit} sequences")
        self.backend = backend
        self.llm = backend.llm
        self.parallel = parallel
        n_ctx_seq = n_ctx_seq or self.llm.n_ctx()
        params = type(self.llm.context_params).from_buffer_copy(self.llm.context_params)  # same threads, FA, batch, KV types
        params.n_ctx = n_ctx_seq * parallel
        params.n_seq_max = parallel
        params.kv_unified = False
        params.n_batch = max(self.llm.n_batch, parallel)
        params.n_ubatch = max(params.n_ubatch, parallel)
        try:
            self.ctx = _internals.LlamaContext(model=self.llm._model, params=params, verbose=False)
        except ValueError as exc:
            raise EdgebenchError(f"llama.cpp could not make a context for {parallel} sequences of {n_ctx_seq} tokens "
                                 f"({exc}); lower --parallel or the context")
        self.n_ctx_seq = llama_cpp.llama_n_ctx_seq(self.ctx.ctx)
        self.chunk = self.llm.n_batch  # prompt chunks: Llama.eval's
        self.batch = _internals.LlamaBatch(n_tokens=params.n_batch, embd=0, n_seq_max=1, verbose=False)
        self.vocab = self.llm._model.vocab
        self.stats = BatchStats(parallel)

    # -- the queue -------------------------------------------------------------------------

    def run(self, items: Iterable[BatchItem], ignore_eog: bool = False,
            on_start: Callable[[Hashable], None] | None = None) -> Iterator[BatchResult]:
        """Generate every item, `parallel` at a time; yields each result as its sequence ends
        (so in completion order, not queue order). `ignore_eog` keeps generating past
        end-of-generation tokens (benchmarks only: every item then runs to its budget).
        `on_start(item id)` is called as an item takes a slot, before its prompt is decoded
        (a caller that reports what is in flight, e.g. for a crash message, needs it).
        `self.stats` holds this run's totals once the iterator is exhausted."""
        self.stats = stats = BatchStats(self.parallel)
        queue = deque(items)
        slots: list[_Sequence | None] = [None] * self.parallel
        run_start = time.perf_counter()
        try:
            while True:
                for slot in range(self.parallel):  # refill free slots, one prompt at a time
                    while slots[slot] is None and queue:
                        item = queue.popleft()
                        stats.items += 1
                        if on_start is not None:
                            on_start(item.id)
                        seq, done = self._start(item, slot, ignore_eog)
                        if done is not None:
                            yield done
                        slots[slot] = seq
                live = [s for s in slots if s is not None]
                if not live:
                    break
                for seq in self._step(live, ignore_eog):
                    slots[seq.slot] = None
                    yield self._finish(seq)
        finally:
            stats.wall_s = time.perf_counter() - run_start

    def _start(self, item: BatchItem, slot: int, ignore_eog: bool) -> tuple[_Sequence | None, BatchResult | None]:
        """Decode the item's prompt in `slot` and pick its first token. Returns (the live
        sequence, None), or (None, its result) when it failed or ended at once."""
        stats = self.stats
        try:
            prompt = list(item.prompt_tokens) if item.prompt_tokens is not None else self.backend.prompt_tokens(item.messages)
            if not prompt:
                raise EdgebenchError("the prompt is empty")
            check_context(len(prompt), item.sampling.max_tokens, self.n_ctx_seq)
            sampler = build_sampler(self.llm, item.sampling)
        except (EdgebenchError, ValueError) as exc:
            stats.failed += 1
            return None, BatchResult(item.id, None, f"item {item.id!r}: {exc}", slot)
        timings = Timings(load_s=self.backend.load_s if self.backend._first_generation else 0.0)
        self.backend._first_generation = False
        started = time.perf_counter()
        llama_cpp.llama_memory_seq_rm(self.ctx.memory, slot, -1, -1)  # the previous item's cells
        batch = self.batch.batch
        for start in range(0, len(prompt), self.chunk):
            chunk = prompt[start : start + self.chunk]
            batch.n_tokens = len(chunk)
            for i, token in enumerate(chunk):
                batch.token[i] = token
                batch.pos[i] = start + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = slot
                batch.logits[i] = False
            batch.logits[len(chunk) - 1] = True
            code = llama_cpp.llama_decode(self.ctx.ctx, batch)
            if code != 0:
                llama_cpp.llama_memory_seq_rm(self.ctx.memory, slot, -1, -1)
                stats.failed += 1
                return None, BatchResult(item.id, None, f"item {item.id!r}: llama_decode of its prompt returned {code} "
                                                        f"({len(prompt)} tokens in a context of {self.n_ctx_seq} per sequence)", slot)
        timings.prompt_eval_s = time.perf_counter() - started
        stats.prompts += 1
        stats.prompt_tokens += len(prompt)
        seq = _Sequence(item, slot, prompt, sampler, timings, started, pos=len(prompt))
        if item.sampling.max_tokens <= 0:
            stats.prompt_s += timings.prompt_eval_s
            return None, self._finish(seq, "length")
        t0 = time.perf_counter()
        token = sampler.sample(self.ctx, len(chunk) - 1)
        timings.token_s.append(time.perf_counter() - t0)
        stats.prompt_s += time.perf_counter() - started
        if self._take(seq, token, ignore_eog):
            return None, self._finish(seq)
        return seq, None

    def _take(self, seq: _Sequence, token: int, ignore_eog: bool) -> bool:
        """Record a picked token; True when the sequence has ended (its stop reason set)."""
        if not ignore_eog and llama_cpp.llama_vocab_is_eog(self.vocab, token):
            seq.stop_reason = "stop"
            return True
        seq.tokens.append(token)
        seq.pending = token
        if len(seq.tokens) >= seq.item.sampling.max_tokens:
            seq.stop_reason = "length"
            return True
        return False

    def _step(self, live: list[_Sequence], ignore_eog: bool) -> list[_Sequence]:
        """One llama_decode with the pending token of every live sequence, then each samples its
        next token from its own row. Returns the sequences that ended."""
        start = time.perf_counter()
        batch = self.batch.batch
        batch.n_tokens = len(live)
        for i, seq in enumerate(live):
            batch.token[i] = seq.pending
            batch.pos[i] = seq.pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq.slot
            batch.logits[i] = True
        code = llama_cpp.llama_decode(self.ctx.ctx, batch)
        if code != 0:
            raise EdgebenchError(f"llama_decode of a batch of {len(live)} sequences returned {code}; "
                                 f"lower --parallel or the budget")
        share = (time.perf_counter() - start) / len(live)
        ended = []
        for i, seq in enumerate(live):
            t0 = time.perf_counter()
            token = seq.sampler.sample(self.ctx, i)
            seq.timings.token_s.append(share + time.perf_counter() - t0)
            seq.pos += 1
            if self._take(seq, token, ignore_eog):
                ended.append(seq)
        stats = self.stats
        stats.steps += 1
        stats.step_tokens += len(live)
        stats.decode_s += time.perf_counter() - start
        return ended

    def _finish(self, seq: _Sequence, stop_reason: str | None = None) -> BatchResult:
        stop_reason = stop_reason or seq.stop_reason
        seq.sampler.close()
        generation = Generation(text=self.backend.detokenize(seq.tokens), token_ids=seq.tokens, stop_reason=stop_reason,
                                prompt_tokens=len(seq.prompt), timings=seq.timings)
        return BatchResult(seq.item.id, generation, None, seq.slot, time.perf_counter() - seq.started)

    def close(self) -> None:
        self.batch.close()
        self.ctx.close()


def generate_batched(backend, items: Iterable[BatchItem], parallel: int, n_ctx_seq: int | None = None,
                     ignore_eog: bool = False, on_start: Callable[[Hashable], None] | None = None) -> Iterator[BatchResult]:
    """Run `items` through a fresh BatchedGenerator of `parallel` slots and close it at the end."""
    generator = BatchedGenerator(backend, parallel, n_ctx_seq)
    try:
        yield from generator.run(items, ignore_eog=ignore_eog, on_start=on_start)
    finally:
        generator.close()
