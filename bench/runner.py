"""Run prompt items through one backend at several n_predict budgets and keep every sample.

One greedy generation per item at the largest budget; smaller budgets are cut from it
(see bench/budgets.py). Samples go to `RUN_DIR/samples.jsonl`, one line per item and
budget, written as they come; `host.json` and `summary.json` describe the run.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bench.budgets import BudgetView, at_budget, cap_hit_rate
from bench.items import Item
from edge.backend import Backend, Sampling
from edge.memory import peak_rss_bytes


@dataclass(frozen=True)
class RunConfig:
    """What one run does; each default lives here only."""

    budgets: tuple[int, ...] = (256, 512)
    temperature: float = 0.0
    seed: int = 0
    system_prompt: str | None = None  # prepended to every chat, e.g. to compare two prompts


@dataclass
class ItemResult:
    item: Item
    views: list[BudgetView]
    prompt_tokens: int
    prompt_eval_s: float
    ttft_s: float


def new_run_dir(root: Path) -> Path:
    """A fresh, time-stamped folder under root (never reuses an existing one)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        path = root / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise RuntimeError("could not create a run folder")


def run_items(backend: Backend, items: list[Item], config: RunConfig, run_dir: Path) -> list[ItemResult]:
    """Generate every item once at the largest budget; write and return per-budget views."""
    sampling = Sampling(max_tokens=max(config.budgets), temperature=config.temperature, seed=config.seed)
    results = []
    with open(run_dir / "samples.jsonl", "a", encoding="utf-8") as out, _progress() as progress:
        task = progress.add_task("generating", total=len(items), tps=0.0)
        for item in items:
            generation = backend.generate(_with_system(item.messages, config.system_prompt), sampling)
            views = [at_budget(generation, b, backend.detokenize) for b in sorted(config.budgets)]
            result = ItemResult(item, views, generation.prompt_tokens, generation.timings.prompt_eval_s, generation.timings.ttft_s)
            for view in views:
                out.write(json.dumps(_sample_row(result, view, generation.token_ids[: view.n_tokens])) + "\n")
            out.flush()
            results.append(result)
            progress.update(task, advance=1, tps=generation.timings.generation_tps)
    return results


def _with_system(messages: list[dict], system_prompt: str | None) -> list[dict]:
    if not system_prompt:
        return messages
    return [{"role": "system", "content": system_prompt}, *(m for m in messages if m["role"] != "system")]


def _sample_row(result: ItemResult, view: BudgetView, token_ids: list[int]) -> dict:
    return {
        "suite": result.item.suite,
        "id": result.item.id,
        "family": result.item.family,
        "budget": view.budget,
        "text": view.text,
        "token_ids": token_ids,
        "n_tokens": view.n_tokens,
        "stop_reason": view.stop_reason,
        "prompt_tokens": result.prompt_tokens,
        "prompt_eval_s": result.prompt_eval_s,
        "ttft_s": result.ttft_s,
        "token_s": view.token_s,
    }


def summarize(results: list[ItemResult], config: RunConfig, load_s: float) -> dict:
    """Cap-hit rate per budget, generation tok/s over all tokens, load time and peak RSS."""
    largest = [r.views[-1] for r in results]
    token_s = [t for v in largest for t in v.token_s]
    return {
        "items": len(results),
        "budgets": list(config.budgets),
        "cap_hit_rate": {str(b): cap_hit_rate([r.views[i] for r in results]) for i, b in enumerate(sorted(config.budgets))},
        "generation_tps": len(token_s) / sum(token_s) if token_s else 0.0,
        "mean_ttft_s": sum(r.ttft_s for r in results) / len(results) if results else 0.0,
        "load_s": load_s,
        "peak_rss_bytes": peak_rss_bytes(),
        "config": asdict(config),
    }


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[tps]:.1f} tok/s"), TimeRemainingColumn(), transient=True,
    )
