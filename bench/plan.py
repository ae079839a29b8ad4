"""The plan that `edgebench run` executes: artifacts x backends x suites x budgets on this
device, written to the run folder's SQLite store as it goes, resumable at any point.

For each artifact, in ladder order: refuse it if it exceeds the profile's memory budget
(and say so), measure speed, measure drift against the reference, then run every suite
item that the store does not hold yet: one generation at the largest budget, cut to each
budget, scored, and written with all its budgets in one transaction. The runtimes run in
child processes; a crash there is recorded for that artifact and the run goes on.

Some runtimes are far slower on some hosts than where they are meant to run (MLX on a
Linux CPU: about 8 tok/s generating and 9 tok/s on prompts for the 135M model at 4-bit, against
100-500 for llama.cpp). SLOW_PATHS gives those a reduced plan, printed and recorded.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bench.runner import generate_isolated
from bench.store import Store, params_hash
from bench.suite_run import score_results, suite_items
from edge.artifacts import Artifact
from edge.backend import Sampling
from edge.drift import build_reference_isolated, run_drift_isolated
from edge.errors import EdgebenchError
from edge.isolation import RuntimeCrash
from edge.speed import SpeedConfig, run_speed

JUDGES = {"disposition": "lexical", "humaneval": "sandbox-exec"}
REFERENCE_FILE = "reference.npz"
CRASH = "crash"  # measurement kind: the artifact's runtime crashed; removed when a resumed run gets through


@dataclass(frozen=True)
class PlanConfig:
    """What a run does to every artifact; each default lives here only."""

    suites: tuple[str, ...] = ("disposition", "humaneval")
    split: str = "dev"
    # items per suite: sized so that the default run (8 artifacts, budgets to 1024) ends within 10 minutes on 2 cores
    limits: dict = field(default_factory=lambda: {"disposition": 4, "humaneval": 1})
    budgets: tuple[int, ...] = (256, 512, 1024)
    temperature: float = 0.0
    seed: int = 0
    system_prompt: str | None = None
    # pp64 gives the TTFT of a chat-sized prompt and tg64 the generation speed; `edgebench speed` does the full set
    speed: SpeedConfig | None = SpeedConfig(prompt_sizes=(64,), gen_tokens=64, depths=(0,), repetitions=2, warmup=1,
                                            load_repetitions=1)
    drift: bool = True
    drift_windows: int | None = 2  # windows of 512 tokens; None: the whole corpus


@dataclass(frozen=True)
class SlowPath:
    why: str
    suites: bool
    drift_windows: int  # 0: no drift
    speed: SpeedConfig


SLOW_PATHS = {
    ("mlx", "linux"): SlowPath(
        "MLX on a Linux CPU is a slow correctness path (the fast path is Apple Silicon): speed only, no drift or suites",
        suites=False, drift_windows=0,
        speed=SpeedConfig(prompt_sizes=(16,), gen_tokens=8, depths=(0,), repetitions=2, warmup=0, load_repetitions=1)),
}


def check_config(config: PlanConfig, settings) -> None:
    """Refuse a bad plan before any work starts: unknown suites or splits, budgets that do not fit."""
    if not config.budgets or min(config.budgets) <= 0:
        raise EdgebenchError("budgets must be positive integers, e.g. --budgets 256,512,1024")
    if max(config.budgets) + 512 > settings.n_ctx:
        raise EdgebenchError(f"the largest budget ({max(config.budgets)}) leaves no room for prompts in a "
                             f"{settings.n_ctx}-token context; lower --budgets")
    for name in config.suites:
        suite_items(name, config.split if name == "disposition" else None, 1)  # raises on an unknown suite or split


def artifact_hash(artifact: Artifact) -> str:
    """Stable identity: a converted artifact's manifest inputs, else the bytes of the file."""
    folder = artifact.path if artifact.path.is_dir() else artifact.path.parent
    manifest = folder / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        key = {k: data.get(k) for k in ("target", "source_hash", "adapter_hash", "options")}
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    digest = hashlib.sha256()
    files = sorted(artifact.path.iterdir()) if artifact.path.is_dir() else [artifact.path]
    for file in files:
        if file.is_file():
            with open(file, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[tps]:>6.1f} tok/s"), TimeRemainingColumn(), transient=True,
                    console=Console(stderr=True))


def run_plan(store: Store, artifacts: list[Artifact], reference: Artifact | None, config: PlanConfig, settings,
             host: dict, llm_judge=None) -> None:
    """Execute the plan; everything already in the store is skipped.

    Native work runs in child processes (speed, the drift reference, drift, generation): a
    runtime that crashes is recorded as that artifact's result ("crash" in the store, shown in
    the report), the run goes on with the next artifact, and --resume retries it."""
    items = {name: suite_items(name, config.split if name == "disposition" else None, config.limits.get(name))
             for name in config.suites}
    notes = store.meta("notes", {})
    fitting = [a for a in artifacts if a.size_bytes / 2**30 <= settings.memory_budget_gb]
    if artifacts and not fitting:
        smallest = min(artifacts, key=lambda a: a.size_bytes)
        raise EdgebenchError(f"every artifact exceeds the profile's memory budget: the smallest, {smallest.label}, needs "
                             f"{smallest.size_bytes / 2**30:.2f} GiB and the profile allows {settings.memory_budget_gb:g} GiB; "
                             "add smaller quant levels to --ladder or pick another --profile")
    with _progress() as progress:
        ref_path = None
        if config.drift and reference is not None:
            ref_path = _reference(store, reference, settings, progress, notes)
        for artifact in artifacts:
            digest = artifact_hash(artifact)
            store.add_artifact(digest, artifact, is_reference=reference is not None and artifact.path == reference.path)
            need_gb = artifact.size_bytes / 2**30
            if need_gb > settings.memory_budget_gb:
                notes[artifact.label] = (f"skipped: needs {need_gb:.2f} GiB, the profile allows {settings.memory_budget_gb:g} GiB")
                store.set_meta("notes", notes)
                progress.console.print(f"[yellow]{artifact.label}: {notes[artifact.label]}[/]")
                continue
            slow = SLOW_PATHS.get((artifact.backend, host.get("os")))
            if slow:
                notes[artifact.label] = slow.why
                store.set_meta("notes", notes)
                progress.console.print(f"[yellow]{artifact.label}: {slow.why}[/]")
            started = time.perf_counter()
            try:
                _measure_artifact(store, digest, artifact, ref_path, slow, items, config, settings, progress, llm_judge)
            except RuntimeCrash as crash:
                store.add_measurement(digest, artifact.backend, CRASH, {"message": str(crash), "signal": crash.signal_name,
                                                                        "doing": crash.doing})
                progress.console.print(f"[red]{artifact.label}: {crash}; the run goes on, --resume retries it[/]")
            else:
                store.remove_measurement(digest, artifact.backend, CRASH)  # a retry that got through
            seconds = store.meta("seconds", {})  # wall time per artifact in this session (a resumed one adds)
            seconds[artifact.label] = round(seconds.get(artifact.label, 0) + time.perf_counter() - started, 1)
            store.set_meta("seconds", seconds)


def _measure_artifact(store: Store, digest: str, artifact: Artifact, ref_path, slow: SlowPath | None, items: dict,
                      config: PlanConfig, settings, progress, llm_judge) -> None:
    """Speed, drift and suites of one artifact, each skipped when the store holds it already."""
    speed = slow.speed if slow and config.speed else config.speed
    if speed and not store.has_measurement(digest, artifact.backend, "speed"):
        task = progress.add_task(f"{artifact.label} speed", total=None, tps=0.0)
        try:
            result = run_speed(str(artifact.path), settings, speed,
                               on_progress=lambda done, total, test: progress.update(task, completed=done, total=total))
        finally:
            progress.remove_task(task)
        store.add_measurement(digest, artifact.backend, "speed", result)
    windows = slow.drift_windows if slow else config.drift_windows
    if ref_path is not None and windows != 0 and not store.has_measurement(digest, artifact.backend, "drift"):
        store.add_measurement(digest, artifact.backend, "drift", _drift(artifact, ref_path, settings, windows, progress))
    if not slow or slow.suites:
        _run_suites(store, digest, artifact, items, config, settings, progress, llm_judge)


def _reference(store: Store, reference: Artifact, settings, progress, notes: dict):
    """The saved drift reference (built in a child process the first time), or None if its runtime crashed."""
    path = store.folder / REFERENCE_FILE
    if path.is_file():
        return path
    task = progress.add_task(f"drift reference {reference.label}", total=None, tps=0.0)
    try:
        build_reference_isolated(str(reference.path), settings, path, reference.backend,
                                 lambda done, total: progress.update(task, completed=done, total=total), reference.label)
    except RuntimeCrash as crash:
        notes["drift"] = f"no drift: building the reference from {reference.label} failed ({crash}); --resume retries it"
        store.set_meta("notes", notes)
        progress.console.print(f"[red]{notes['drift']}[/]")
        return None
    finally:
        progress.remove_task(task)
    if notes.pop("drift", None) is not None:
        store.set_meta("notes", notes)
    return path


def _drift(artifact: Artifact, ref_path, settings, windows: int | None, progress) -> dict:
    task = progress.add_task(f"{artifact.label} drift", total=None, tps=0.0)
    try:
        result = run_drift_isolated(str(artifact.path), ref_path, settings, artifact.backend,
                                    lambda done, total: progress.update(task, completed=done, total=total), windows)
    finally:
        progress.remove_task(task)
    result.pop("artifact", None)  # the store's artifacts table holds the identity
    return result


def _run_suites(store: Store, digest: str, artifact: Artifact, items: dict, config: PlanConfig, settings, progress,
                llm_judge) -> None:
    sampling = Sampling(max_tokens=max(config.budgets), temperature=config.temperature, seed=config.seed)
    params = {"temperature": config.temperature, "top_k": sampling.top_k, "top_p": sampling.top_p,
              "max_tokens": sampling.max_tokens, "system_prompt": config.system_prompt}
    p_hash = params_hash(params)
    todo, tasks = [], {}
    for suite, suite_list in items.items():
        missing = [i for i in suite_list
                   if not store.has_item(digest, artifact.backend, i.id, config.budgets, config.seed, p_hash)]
        tasks[suite] = progress.add_task(f"{artifact.label} {suite}", total=len(suite_list),
                                         completed=len(suite_list) - len(missing), tps=0.0)
        todo += missing

    def store_item(result, generation) -> None:
        item, suite = result.item, result.item.suite
        judge = llm_judge.name if llm_judge is not None and suite == "disposition" else JUDGES[suite]
        scores = score_results(suite, [result], llm_judge if suite == "disposition" else None)
        split = item.source.get("split", "test") if isinstance(item.source, dict) else "test"
        store.add_item([{
            "artifact_hash": digest, "backend": artifact.backend, "suite": suite, "item_id": item.id,
            "split": split, "family": item.family, "budget": v.budget, "seed": config.seed,
            "params_hash": p_hash, "params": params, "text": v.text,
            "token_ids": generation.token_ids[: v.n_tokens], "n_tokens": v.n_tokens,
            "stop_reason": v.stop_reason, "prompt_tokens": generation.prompt_tokens,
            "timings": {"load_s": generation.timings.load_s, "prompt_eval_s": generation.timings.prompt_eval_s,
                        "ttft_s": generation.timings.ttft_s, "token_s": v.token_s},
            "judge": judge, "scores": scores[(item.id, v.budget)],
        } for v in result.views])
        progress.update(tasks[suite], advance=1, tps=generation.timings.generation_tps)

    try:
        if todo:
            generate_isolated(artifact.backend, artifact.path, settings, todo, sampling, config.budgets,
                              config.system_prompt, store_item)
    finally:
        for task in tasks.values():
            progress.remove_task(task)
