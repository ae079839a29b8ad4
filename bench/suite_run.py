"""Suites inside `edgebench run`: turn suite items into prompt items, and score every
budget view of every answer (disposition through the scorers, HumanEval in the sandbox)."""

from __future__ import annotations

from collections import defaultdict

from bench.items import Item
from bench.metrics import Cells, rates
from bench.runner import ItemResult
from bench.stats import Estimate, wilson
from bench.suites import get_suite

# Metrics reported per suite, in table order (each a mean of 0/1 scores).
SUITE_METRICS = {
    "disposition": ("disposition", "uncertainty", "over_hedge", "self_verification", "feedback", "correct",
                    "asserts", "svr"),
    "humaneval": ("pass@1",),
}


def suite_items(name: str, splits: str | None, limit: int | None) -> list[Item]:
    """Items of one suite; `splits` is comma-separated (disposition only), `limit` applies per split."""
    suite = get_suite(name)
    if name == "disposition":
        raw = [r for split in (splits or "dev").split(",") for r in suite.items(split=split.strip(), limit=limit)]
        return [Item(r["id"], r["family"], suite.messages(r), r["domain"], r["gold"], name, r) for r in raw]
    return [Item(p.task_id, "humaneval", suite.messages(p), "code", {}, name, p) for p in suite.items(limit)]


def score_results(name: str, results: list[ItemResult], llm_judge=None) -> dict[tuple[str, int], dict]:
    """Scores for each (item id, budget). With `llm_judge`, it scores the disposition traits and
    assert/hedge; gold accuracy and SVR stay rule-based, so the mimicry gap compares the two."""
    suite = get_suite(name)
    if name == "disposition":
        scores = {(r.item.id, v.budget): suite.evaluate(r.item.source, v.text) for r in results for v in r.views}
        if llm_judge is not None:
            _rescore_with_llm(llm_judge, results, scores)
        return scores
    # An answer that ended before a budget is the same text at every larger one: run it once.
    unique: dict[tuple[str, str], int] = {}
    pairs, keys = [], []
    for r in results:
        for v in r.views:
            slot = unique.setdefault((r.item.id, v.text), len(pairs))
            if slot == len(pairs):
                pairs.append((r.item.source, v.text))
            keys.append(((r.item.id, v.budget), slot))
    outcomes = suite.evaluate(pairs)
    return {k: {"pass@1": float(outcomes[i].status == "passed"), "exec_status": outcomes[i].status,
                "isolation": outcomes[i].isolation} for k, i in keys}


def summarize_scores(name: str, scores: dict[tuple[str, int], dict]) -> dict[int, dict[str, Estimate]]:
    """Per budget, each metric's mean over the items where it applies, with a Wilson 95% CI."""
    per_budget: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (_, budget), row in scores.items():
        for metric in SUITE_METRICS[name]:
            if row.get(metric) is not None:
                per_budget[budget][metric].append(row[metric])
    return {b: {m: wilson(sum(v), len(v)) for m, v in metrics.items()} for b, metrics in sorted(per_budget.items())}


def mimicry_gap(by_budget: dict[int, dict[str, Estimate]]) -> dict[int, float]:
    """Per budget, SVR minus the judged disposition score: style markers the behaviour does not back."""
    return {b: m["svr"].value - m["disposition"].value for b, m in by_budget.items() if "svr" in m and "disposition" in m}


def _rescore_with_llm(llm_judge, results: list[ItemResult], scores: dict) -> None:
    from rich.progress import track

    from bench.judges.llm import JudgeFailure, trait_scores

    views = [(r, v) for r in results for v in r.views]
    for r, v in track(views, description=f"judging with {llm_judge.name}", transient=True):
        row = scores[(r.item.id, v.budget)]
        try:
            row.update(trait_scores(llm_judge.judge(r.item.messages, v.text), r.item.family))
        except JudgeFailure:
            # Unscored rather than guessed: the row drops out of the trait's mean and of paired tests.
            for key in ("disposition", r.item.family, "asserts"):
                row[key] = None
            row["judge_failed"] = True


def assertion_rates(scores: dict[tuple[str, int], dict]) -> dict[int, dict[str, float]]:
    """Per budget, the paper's 2x2 rates (assertion asymmetry, hallucination, over-hedging)
    over the items with both a gold verdict and an assert/hedge label."""
    pairs: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    for (_, budget), row in scores.items():
        if row.get("correct") is not None and row.get("asserts") is not None:
            pairs[budget].append((row["asserts"] == 1.0, row["correct"] == 1.0))
    return {b: {**rates(Cells.from_pairs(p)), "n": len(p)} for b, p in sorted(pairs.items())}
