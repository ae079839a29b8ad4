"""Run one prompt item through a backend at several n_predict budgets.

One generation per item at the largest budget; smaller budgets are cut from it (see
bench/budgets.py: with greedy decoding the answer at a small budget is a prefix of the
answer at the largest). The plan (bench/plan.py) stores and scores the views.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.budgets import BudgetView, at_budget
from bench.items import Item
from edge.backend import Backend, Generation, Sampling


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
