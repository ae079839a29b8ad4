"""The `edgebench run` job: load one GGUF on this device, run the prompt items at each
budget, print the tables and leave the samples in a run folder."""

from __future__ import annotations

import json
from pathlib import Path

from bench.console import budget_table, print_tables, results_table, summary_table
from bench.items import SMOKE_SET, load_items
from bench.runner import RunConfig, new_run_dir, run_items, summarize
from bench.suite_run import assertion_rates, mimicry_gap, score_results, suite_items, summarize_scores
from edge.backend import open_backend
from edge.errors import EdgebenchError
from edge.host import detect_host
from edge.models import check_fits, inspect_gguf, resolve_model
from edge.profiles import get_profile, load_profiles, resolve_settings


# Which judge scored each suite; `compare` refuses to pair runs scored by different judges.
JUDGES = {"disposition": "lexical", "humaneval": "sandbox-exec"}


def run(model: str | None, profile_name: str | None, config: RunConfig, out_root: Path,
        suites: tuple[str, ...] = (), split: str | None = None, limit: int | None = None,
        threads: int | None = None, llm_judge=None) -> Path:
    """Run and report; returns the run folder. No suites: the dozen smoke prompts."""
    if not config.budgets or min(config.budgets) <= 0:
        raise EdgebenchError("budgets must be positive integers, e.g. --budgets 256,512")
    host = detect_host()
    profile = get_profile(load_profiles(), profile_name, host)
    settings = resolve_settings(profile, host, threads=threads)
    path = resolve_model(model)
    info = inspect_gguf(path)
    check_fits(info, settings.memory_budget_gb, profile.name)
    item_sets = {name: suite_items(name, split, limit) for name in suites} or {"smoke": load_items(SMOKE_SET)[:limit]}
    backend_name = "llamacpp"  # the only backend so far; profiles list others for later
    backend = open_backend(backend_name, path, settings)
    try:
        run_dir = new_run_dir(out_root)
        _write_json(run_dir / "host.json", {"host": host, "profile": profile.name, "backend": backend_name,
                                            "model": str(path), "model_file_type": info.file_type,
                                            "model_size_bytes": info.size_bytes,
                                            "bits_per_weight": info.bits_per_weight})
        results = run_items(backend, [i for items in item_sets.values() for i in items], config, run_dir)
    finally:
        backend.close()
    summary = summarize(results, config, backend.load_s)
    tables = [results_table(results)]
    summary["scores"] = {}
    for name in suites:
        suite_results = [r for r in results if r.item.suite == name]
        scores = score_results(name, suite_results, llm_judge if name == "disposition" else None)
        judge = llm_judge.name if llm_judge is not None and name == "disposition" else JUDGES[name]
        _write_scores(run_dir / "scores.jsonl", name, scores, {r.item.id: _split_of(r.item) for r in suite_results}, judge)
        by_budget = summarize_scores(name, scores)
        summary["scores"][name] = {str(b): {m: e.as_dict() for m, e in ms.items()} for b, ms in by_budget.items()}
        extra = {}
        if name == "disposition":
            extra = {"mimicry_gap": mimicry_gap(by_budget)}
            by_rate = assertion_rates(scores)
            for rate in ("assertion_asymmetry", "hallucination_rate", "over_hedging_rate"):
                extra[rate] = {b: r[rate] for b, r in by_rate.items()}
        for key, per_budget in extra.items():
            for budget, value in per_budget.items():
                summary["scores"][name][str(budget)][key] = value
        tables.append(budget_table(name, by_budget, results, config.budgets, extra))
    _write_json(run_dir / "summary.json", summary)
    label = f"{info.name} ({info.file_type}, {info.size_bytes / 2**20:.0f} MiB) on {profile.name}, {settings.threads} threads"
    print_tables(*tables, summary_table(summary, label))
    print(f"samples written to {run_dir}/samples.jsonl")
    return run_dir


def _split_of(item) -> str:
    return item.source.get("split", "test") if isinstance(item.source, dict) else "test"


def _write_scores(path: Path, suite: str, scores: dict, splits: dict[str, str], judge: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        for (item_id, budget), row in scores.items():
            out.write(json.dumps({"suite": suite, "id": item_id, "split": splits[item_id], "budget": budget,
                                  "judge": judge, "scores": row}) + "\n")


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(path)
