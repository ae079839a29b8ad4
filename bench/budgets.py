"""Truncation: score every n_predict budget from one generation at the largest budget.

With greedy decoding the answer under a smaller budget is a prefix of the answer under
the largest one, so cutting the token list reproduces what a separate run would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from edge.backend import Generation


@dataclass(frozen=True)
class BudgetView:
    """A generation as it would have ended under `budget` tokens."""

    budget: int
    text: str
    n_tokens: int
    stop_reason: str
    token_s: list[float]

    @property
    def generation_tps(self) -> float:
        total = sum(self.token_s)
        return len(self.token_s) / total if total > 0 else 0.0


def at_budget(generation: Generation, budget: int, detokenize: Callable[[list[int]], str]) -> BudgetView:
    """Cut a generation made with max_tokens >= budget down to `budget` tokens."""
    tokens = generation.token_ids
    if len(tokens) >= budget:
        kept = tokens[:budget]
        return BudgetView(budget, detokenize(kept), budget, "length", generation.timings.token_s[:budget])
    return BudgetView(budget, generation.text, len(tokens), generation.stop_reason, generation.timings.token_s)


def cap_hit_rate(stop_reasons: list[str]) -> float:
    """Share of answers cut off by the budget (stop reason "length"); 0 when there are none."""
    return sum(s == "length" for s in stop_reasons) / len(stop_reasons) if stop_reasons else 0.0
