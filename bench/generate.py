"""Run prompt items through a backend at several n_predict budgets.

One generation per item at the largest budget; smaller budgets are cut from it (see
bench/budgets.py: with greedy decoding the answer at a small budget is a prefix of the
answer at the largest). The executor (bench/execute.py) stores and scores the views.

`generate_isolated` does the generating in a child process (edge/isolation.py): each
finished item comes back at once, so a runtime that crashes on item X loses item X only,
and the crash names the item and budget it was on.

With `settings.parallel` > 1 and a backend that batches (edge/backend_specs.py `batched`:
llama.cpp), the child hands the whole queue to `backend.generate_many` (continuous
batching, edge/llamacpp_batch.py) and each item comes back as its sequence ends, in
completion order. A crash then names every item that was in flight, since one decode step
carried them all. Other backends stay one item at a time.

The child ends by reporting its peak resident memory (edge/memory.py) and the peak before it loaded
the model, which `generate_isolated` returns: the measurement of the suites' own configuration
(one context, or the backend's and the batched one at parallel N) that edge/memfit.py predicts.
`measure_suites_peak` runs that child on a few short items only (`edgebench fit --measure`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench.budgets import BudgetView, at_budget
from bench.suites.base import Item
from edge.backend import Backend, BatchItem, Generation, Sampling, open_backend
from edge.backend_specs import batches
from edge.errors import EdgebenchError
from edge.isolation import run_isolated, runtime_name
from edge.memory import peak_rss_bytes


@dataclass
class ItemResult:
    item: Item
    views: list[BudgetView]
    prompt_tokens: int
    prompt_eval_s: float
    ttft_s: float


def with_system(messages: list[dict], system_prompt: str | None) -> list[dict]:
    """The chat with `system_prompt` in place of any system message it had."""
    if not system_prompt:
        return messages
    return [{"role": "system", "content": system_prompt}, *(m for m in messages if m["role"] != "system")]


def generate_item(backend: Backend, item: Item, sampling: Sampling, budgets: tuple[int, ...],
                  system_prompt: str | None = None) -> tuple[ItemResult, Generation]:
    """Generate at sampling.max_tokens (the largest budget) and cut a view for every budget."""
    generation = backend.generate(with_system(item.messages, system_prompt), sampling)
    return cut(backend, item, generation, budgets), generation


def cut(backend: Backend, item: Item, generation: Generation, budgets: tuple[int, ...]) -> ItemResult:
    """The item's one generation (at the largest budget) as a view per budget."""
    views = [at_budget(generation, b, backend.detokenize) for b in sorted(budgets)]
    return ItemResult(item, views, generation.prompt_tokens, generation.timings.prompt_eval_s, generation.timings.ttft_s)


def generate_batched(backend, items: list[Item], sampling: Sampling, budgets: tuple[int, ...], system_prompt: str | None,
                     parallel: int, emit) -> None:
    """Every item through backend.generate_many, `parallel` at a time; emits each result as it ends and, as the
    set in flight changes, which items a crash would have cut short."""
    by_id = {item.id: item for item in items}
    live: list = []

    def doing() -> None:
        noun = "item" if len(live) == 1 else "items"
        emit({"doing": f"generating {noun} {', '.join(map(str, live))} ({len(live)} in one batch, parallel {parallel}) "
                       f"at budget {sampling.max_tokens}"})

    def started(item_id) -> None:
        live.append(item_id)
        doing()

    queue = [BatchItem(item.id, with_system(item.messages, system_prompt), sampling) for item in items]
    for result in backend.generate_many(queue, parallel=parallel, on_start=started):
        live.remove(result.id)
        if not result.ok:  # as generate() would raise it for this item (the prompt does not fit the context)
            raise EdgebenchError(result.error)
        emit({"result": cut(backend, by_id[result.id], result.generation, budgets), "generation": result.generation})
        if live:
            doing()


def generate_isolated(backend_name: str, model_path: Path, settings, items: list[Item], sampling: Sampling,
                      budgets: tuple[int, ...], system_prompt: str | None,
                      on_item: Callable[[ItemResult, Generation], None]) -> dict | None:
    """generate_item for every item in one child process (batched where settings.parallel > 1 and the backend
    batches); on_item(result, generation) as each finishes, in the order they finish. Returns the child's
    memory: {"peak_rss_bytes", "runtime_bytes" (its peak before loading the model), "parallel"}."""
    memory = {}

    def handle(event: dict) -> None:
        if "result" in event:
            on_item(event["result"], event["generation"])
        elif "memory" in event:
            memory.update(event["memory"])

    run_isolated(_generate_worker, (backend_name, str(model_path), settings, items, sampling, budgets, system_prompt),
                 handle, runtime=runtime_name(backend_name))
    return memory or None


def _generate_worker(backend_name: str, model_path: str, settings, items: list[Item], sampling: Sampling,
                     budgets: tuple[int, ...], system_prompt: str | None, emit) -> None:
    emit({"doing": f"loading {Path(model_path).name}"})
    before = peak_rss_bytes()  # what this child holds before the model: its runtime's baseline
    backend = open_backend(backend_name, Path(model_path), settings)
    parallel = getattr(settings, "parallel", 1) if batches(backend_name) else 1
    try:
        if parallel > 1:
            generate_batched(backend, items, sampling, budgets, system_prompt, parallel, emit)
        else:
            for item in items:
                emit({"doing": f"generating item {item.id} at budget {sampling.max_tokens}"})
                result, generation = generate_item(backend, item, sampling, budgets, system_prompt)
                emit({"result": result, "generation": generation})
    finally:
        backend.close()
    # the high-water mark: the peak of the loaded model and every context it made, whatever close freed
    emit({"memory": {"peak_rss_bytes": peak_rss_bytes(), "runtime_bytes": before, "parallel": parallel}})


# the prompt of `measure_suites_peak`'s items: about 64 tokens of the drift corpus, like the speed child's pp64
PEAK_PROMPT_CHARS = 280


def measure_suites_peak(backend_name: str, model_path: Path, settings, parallel: int, max_tokens: int = 8) -> dict | None:
    """The suites' child on `parallel` short items of `max_tokens` each, all in flight at once: its memory
    (generate_isolated's), for `edgebench fit --measure` to set beside the prediction at that count."""
    from dataclasses import replace

    from edge.drift import corpus_text

    text = corpus_text()[:PEAK_PROMPT_CHARS]
    items = [Item(f"fit-{n}", "fit", [{"role": "user", "content": text}], "fit", "fit") for n in range(parallel)]
    return generate_isolated(backend_name, model_path, replace(settings, parallel=parallel), items,
                             Sampling(max_tokens=max_tokens), (max_tokens,), None, lambda result, generation: None)
