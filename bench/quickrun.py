"""The `edgebench run` job: load one GGUF on this device, run the prompt items at each
budget, print the tables and leave the samples in a run folder."""

from __future__ import annotations

import json
from pathlib import Path

from bench.console import print_tables, results_table, summary_table
from bench.items import SMOKE_SET, load_items
from bench.runner import RunConfig, new_run_dir, run_items, summarize
from edge.backend import open_backend
from edge.errors import EdgebenchError
from edge.host import detect_host
from edge.models import check_fits, inspect_gguf, resolve_model
from edge.profiles import get_profile, load_profiles, resolve_settings


def run(model: str | None, profile_name: str | None, config: RunConfig, out_root: Path,
        items_path: Path = SMOKE_SET, limit: int | None = None, threads: int | None = None) -> Path:
    """Run and report; returns the run folder."""
    if not config.budgets or min(config.budgets) <= 0:
        raise EdgebenchError("budgets must be positive integers, e.g. --budgets 256,512")
    host = detect_host()
    profile = get_profile(load_profiles(), profile_name, host)
    settings = resolve_settings(profile, host, threads=threads)
    path = resolve_model(model)
    info = inspect_gguf(path)
    check_fits(info, settings.memory_budget_gb, profile.name)
    items = load_items(items_path)[:limit]
    backend_name = "llamacpp"  # the only backend so far; profiles list others for later
    backend = open_backend(backend_name, path, settings)
    try:
        run_dir = new_run_dir(out_root)
        _write_json(run_dir / "host.json", {"host": host, "profile": profile.name, "backend": backend_name,
                                            "model": str(path), "model_file_type": info.file_type,
                                            "model_size_bytes": info.size_bytes,
                                            "bits_per_weight": info.bits_per_weight})
        results = run_items(backend, items, config, run_dir)
        summary = summarize(results, config, backend.load_s)
        _write_json(run_dir / "summary.json", summary)
    finally:
        backend.close()
    label = f"{info.name} ({info.file_type}, {info.size_bytes / 2**20:.0f} MiB) on {profile.name}, {settings.threads} threads"
    print_tables(results_table(results), summary_table(summary, label))
    print(f"samples written to {run_dir}/samples.jsonl")
    return run_dir


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(path)
