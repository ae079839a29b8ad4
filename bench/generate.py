"""Run prompt items through a backend at several n_predict budgets.

One generation per item at the largest budget; smaller budgets are cut from it (see
bench/budgets.py: with greedy decoding the answer at a small budget is a prefix of the
answer at the largest). The executor (bench/execute.py) stores and scores the views.

`generate_isolated` does the generating in a child process (edge/isolation.py): each
finished item comes back at once, so a runtime that crashes on item X loses item X only,
and the crash names the item and budget it was on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench.budgets import BudgetView, at_budget
from bench.suites.base import Item
from edge.backend import Backend, Generation, Sampling, open_backend
from edge.isolation import run_isolated, runtime_name


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
    views = [at_budget(generation, b, backend.detokenize) for b in sorted(budgets)]
    result = ItemResult(item, views, generation.prompt_tokens, generation.timings.prompt_eval_s, generation.timings.ttft_s)
    return result, generation


def generate_isolated(backend_name: str, model_path: Path, settings, items: list[Item], sampling: Sampling,
                      budgets: tuple[int, ...], system_prompt: str | None,
                      on_item: Callable[[ItemResult, Generation], None]) -> None:
    """generate_item for every item in one child process; on_item(result, generation) as each finishes."""
    def handle(event: dict) -> None:
        if "result" in event:
            on_item(event["result"], event["generation"])

    run_isolated(_generate_worker, (backend_name, str(model_path), settings, items, sampling, budgets, system_prompt),
                 handle, runtime=runtime_name(backend_name))


def _generate_worker(backend_name: str, model_path: str, settings, items: list[Item], sampling: Sampling,
                     budgets: tuple[int, ...], system_prompt: str | None, emit) -> None:
    emit({"doing": f"loading {Path(model_path).name}"})
    backend = open_backend(backend_name, Path(model_path), settings)
    try:
        for item in items:
            emit({"doing": f"generating item {item.id} at budget {sampling.max_tokens}"})
            result, generation = generate_item(backend, item, sampling, budgets, system_prompt)
            emit({"result": result, "generation": generation})
    finally:
        backend.close()
