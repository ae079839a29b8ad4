"""Execute the plan of `edgebench run`: artifacts x backends x suites x budgets on this
device, written to the run folder's SQLite store as it goes, resumable at any point.

For each artifact, in ladder order: refuse it if it exceeds the profile's memory budget
(and say so), measure speed, measure drift against the reference, then run every suite
item that the store does not hold yet: one generation at the largest budget, cut to each
budget, scored, and written with all its budgets in one transaction. The runtimes run in
child processes; a crash there is recorded for that artifact and the run goes on.
Progress goes to a `bench.progress.Progress` listener; nothing here draws.

The suites of a backend that batches (llama.cpp) run `settings.parallel` items at a time in
one context (bench/generate.py); the count each artifact really ran with is kept in the
store's "parallel" meta (compare refuses to pair different counts), and an artifact whose
backend cannot batch runs one at a time with a note saying so.

Some runtimes are far slower on some hosts than where they are meant to run (MLX on a
Linux CPU: about 8 tok/s generating and 9 tok/s on prompts for the 135M model at 4-bit, against
100-500 for llama.cpp). SLOW_PATHS gives those a reduced plan, printed and recorded.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass, field

from bench.generate import generate_isolated
from edge.progress import Progress
from bench.scoring import check_splits, check_unique_ids, judge_name, score_views, suite_items
from bench.store import Store, params_hash
from bench.suites import get_suite
from edge.artifacts import Artifact, artifact_identity
from edge.backend import Sampling
from edge.drift import build_reference_isolated, run_drift_isolated
from edge.errors import EdgebenchError
from edge.isolation import RuntimeCrash
from edge.backend_specs import batches, slow_paths
from edge.speed import SpeedConfig, run_speed

REFERENCE_FILE = "reference.npz"
CRASH = "crash"  # measurement kind: the artifact's runtime crashed; removed when a resumed run gets through


@dataclass(frozen=True)
class PlanConfig:
    """What a run does to every artifact; each default lives here only."""

    suites: tuple[str, ...] = ("disposition", "humaneval")  # registered names or files (bench/suites)
    splits: tuple[str, ...] | None = None  # None: each suite's default split
    # items per suite and split (a suite not named: all): sized so that the default run (8 artifacts, budgets
    # to 1024) ends within 10 minutes on 2 cores
    limits: dict = field(default_factory=lambda: {"disposition": 4, "humaneval": 1})
    limit: int | None = None  # --limit: items per split for every suite, over `limits`
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


# A backend that is only a slow correctness path on a host (edge/backend_specs.py says where and why): speed only,
# on a few tokens.
SLOW_PATHS = {key: SlowPath(why, suites=False, drift_windows=0,
                            speed=SpeedConfig(prompt_sizes=(16,), gen_tokens=8, depths=(0,), repetitions=2, warmup=0,
                                              load_repetitions=1))
              for key, why in slow_paths().items()}


def check_config(config: PlanConfig, settings) -> dict[str, tuple]:
    """Refuse a bad plan before any work starts: unknown suites or splits, budgets that do not fit. Returns the
    suites and their items (load_items), built once for the run."""
    if not config.budgets or min(config.budgets) <= 0:
        raise EdgebenchError("budgets must be positive integers, e.g. --budgets 256,512,1024")
    if max(config.budgets) + 512 > settings.n_ctx:
        raise EdgebenchError(f"the largest budget ({max(config.budgets)}) leaves no room for prompts in a "
                             f"{settings.n_ctx}-token context; lower --budgets")
    return load_items(config)


def load_items(config: PlanConfig) -> dict[str, tuple]:
    """suite name -> (suite, its items for this run); refuses unknown suites and splits, shared item ids."""
    suites = [get_suite(name) for name in config.suites]
    check_splits(suites, config.splits)
    loaded = {s.spec.name: (s, suite_items(s, config.splits, config.limit or config.limits.get(s.spec.name)))
              for s in suites}
    if len(loaded) < len(suites):
        raise EdgebenchError("two suites of this run have one name; rename your file")
    check_unique_ids({name: items for name, (_, items) in loaded.items()})
    return loaded


def planned_stages(artifacts: list[Artifact], reference: Artifact | None, config: PlanConfig, host: dict) -> list[tuple[str, str]]:
    """Every (artifact label, stage) the plan will run, in order, for the progress view's ETA."""
    stages = [(reference.label, "drift reference")] if config.drift and reference is not None else []
    for artifact in artifacts:
        slow = SLOW_PATHS.get((artifact.backend, host.get("os")))
        if config.speed:
            stages.append((artifact.label, "speed"))
        if config.drift and reference is not None and (slow.drift_windows if slow else config.drift_windows) != 0:
            stages.append((artifact.label, "drift"))
        if config.suites and (not slow or slow.suites):
            stages.append((artifact.label, "suites"))
    return stages


class _Stage:
    """One stage of one artifact, told to the progress listener; it always ends."""

    def __init__(self, progress: Progress, artifact: str, stage: str, total: int | None = None):
        self.progress, self.key, self.total = progress, (artifact, stage), total

    def __enter__(self) -> "_Stage":
        self.progress.start(*self.key, total=self.total)
        return self

    def update(self, done: int, total: int | None = None, tps: float | None = None) -> None:
        self.progress.update(done, total, tps)

    def __exit__(self, *exc) -> None:
        self.progress.end()


@dataclass(frozen=True)
class _Run:
    """What every artifact of one run is measured with."""

    store: Store
    config: PlanConfig
    settings: object  # edge/profiles.py:RuntimeSettings
    loaded: dict  # suite name -> (suite, its items): built once per run
    progress: Progress
    llm_judge: object | None
    ref_path: Path | None  # the saved drift reference, None without drift


def run_plan(store: Store, artifacts: list[Artifact], reference: Artifact | None, config: PlanConfig, settings,
             host: dict, llm_judge=None, progress: Progress | None = None, loaded: dict | None = None) -> None:
    """Execute the plan; everything already in the store is skipped.

    Native work runs in child processes (speed, the drift reference, drift, generation): a
    runtime that crashes is recorded as that artifact's result ("crash" in the store, shown in
    the report), the run goes on with the next artifact, and --resume retries it."""
    progress = progress or Progress()
    loaded = loaded if loaded is not None else load_items(config)  # the suites, built once (check_config's)
    specs = store.meta("suites", {})
    specs.update({name: suite.spec.as_dict() for name, (suite, _) in loaded.items()})
    store.set_meta("suites", specs)  # reports and comparisons read the suites' facts from here
    notes = store.meta("notes", {})
    fitting = [a for a in artifacts if a.size_bytes / 2**30 <= settings.memory_budget_gb]
    if artifacts and not fitting:
        smallest = min(artifacts, key=lambda a: a.size_bytes)
        raise EdgebenchError(f"every artifact exceeds the profile's memory budget: the smallest, {smallest.label}, needs "
                             f"{smallest.size_bytes / 2**30:.2f} GiB and the profile allows {settings.memory_budget_gb:g} GiB; "
                             "add smaller quant levels to --ladder or pick another --profile")
    stages = planned_stages(artifacts, reference, config, host)
    progress.plan(stages)
    ref_path = None
    if config.drift and reference is not None:
        ref_path = _reference(store, reference, settings, progress, notes)
    run = _Run(store, config, settings, loaded, progress, llm_judge, ref_path)
    for artifact in artifacts:
        digest = artifact_identity(artifact)
        store.add_artifact(digest, artifact, is_reference=reference is not None and artifact.path == reference.path)
        need_gb = artifact.size_bytes / 2**30
        if need_gb > settings.memory_budget_gb:
            notes[artifact.label] = (f"skipped: needs {need_gb:.2f} GiB, the profile allows {settings.memory_budget_gb:g} GiB")
            store.set_meta("notes", notes)
            _skip_rest(progress, stages, artifact.label)
            progress.say(f"{artifact.label}: {notes[artifact.label]}", "yellow")
            continue
        slow = SLOW_PATHS.get((artifact.backend, host.get("os")))
        if slow:
            notes[artifact.label] = slow.why
            store.set_meta("notes", notes)
            progress.say(f"{artifact.label}: {slow.why}", "yellow")
        elif config.suites:
            _record_parallel(store, notes, artifact, settings, progress)
        started = time.perf_counter()
        try:
            _measure_artifact(run, digest, artifact, slow)
        except RuntimeCrash as crash:
            store.add_measurement(digest, artifact.backend, CRASH, {"message": str(crash), "signal": crash.signal_name,
                                                                    "doing": crash.doing})
            _skip_rest(progress, stages, artifact.label)
            progress.say(f"{artifact.label}: {crash}; the run goes on, --resume retries it", "red")
        else:
            store.remove_measurement(digest, artifact.backend, CRASH)  # a retry that got through
        seconds = store.meta("seconds", {})  # wall time per artifact in this session (a resumed one adds)
        seconds[artifact.label] = round(seconds.get(artifact.label, 0) + time.perf_counter() - started, 1)
        store.set_meta("seconds", seconds)


def suite_parallel(settings, backend: str) -> int:
    """The sequences per batch an artifact's suites really run with: the settings' count where the backend batches."""
    return getattr(settings, "parallel", 1) if batches(backend) else 1


def _record_parallel(store: Store, notes: dict, artifact: Artifact, settings, progress: Progress) -> None:
    """Keep the parallel count of the artifact's suites; say so where --parallel cannot apply."""
    parallel = store.meta("parallel", {})
    parallel[artifact.label] = suite_parallel(settings, artifact.backend)
    store.set_meta("parallel", parallel)
    if getattr(settings, "parallel", 1) > 1 and parallel[artifact.label] == 1:
        notes[artifact.label] = f"sequential: {artifact.backend} has no batched path here"
        store.set_meta("notes", notes)
        progress.say(f"{artifact.label}: {notes[artifact.label]}", "yellow")


def _skip_rest(progress: Progress, stages: list[tuple[str, str]], label: str) -> None:
    for artifact, stage in stages:
        if artifact == label:
            progress.skip(artifact, stage)


def _measure_artifact(run: _Run, digest: str, artifact: Artifact, slow: SlowPath | None) -> None:
    """Speed, drift and suites of one artifact, each skipped when the store holds it already."""
    store, config, settings, progress = run.store, run.config, run.settings, run.progress
    speed = slow.speed if slow and config.speed else config.speed
    if speed:
        if store.has_measurement(digest, artifact.backend, "speed"):
            progress.skip(artifact.label, "speed")
        else:
            with _Stage(progress, artifact.label, "speed") as stage:
                result = run_speed(artifact, settings, speed,
                                   on_progress=lambda done, total, test: stage.update(done, total))
            store.add_measurement(digest, artifact.backend, "speed", result)
    windows = slow.drift_windows if slow else config.drift_windows
    if run.ref_path is not None and windows != 0:
        if store.has_measurement(digest, artifact.backend, "drift"):
            progress.skip(artifact.label, "drift")
        else:
            with _Stage(progress, artifact.label, "drift") as stage:
                result = run_drift_isolated(artifact, run.ref_path, settings, artifact.backend,
                                            lambda done, total: stage.update(done, total), windows)
            result.pop("artifact", None)  # the store's artifacts table holds the identity
            store.add_measurement(digest, artifact.backend, "drift", result)
    if config.suites and (not slow or slow.suites):
        _run_suites(run, digest, artifact)


def _reference(store: Store, reference: Artifact, settings, progress: Progress, notes: dict):
    """The saved drift reference (built in a child process the first time), or None if its runtime crashed."""
    path = store.folder / REFERENCE_FILE
    if path.is_file():
        progress.skip(reference.label, "drift reference")
        return path
    try:
        with _Stage(progress, reference.label, "drift reference") as stage:
            build_reference_isolated(reference, settings, path, reference.backend,
                                     lambda done, total: stage.update(done, total), reference.label)
    except RuntimeCrash as crash:
        notes["drift"] = f"no drift: building the reference from {reference.label} failed ({crash}); --resume retries it"
        store.set_meta("notes", notes)
        progress.say(notes["drift"], "red")
        return None
    if notes.pop("drift", None) is not None:
        store.set_meta("notes", notes)
    return path


def _run_suites(run: _Run, digest: str, artifact: Artifact) -> None:
    store, config, loaded, progress, llm_judge = run.store, run.config, run.loaded, run.progress, run.llm_judge
    sampling = Sampling(max_tokens=max(config.budgets), temperature=config.temperature, seed=config.seed)
    params = {"temperature": config.temperature, "top_k": sampling.top_k, "top_p": sampling.top_p,
              "max_tokens": sampling.max_tokens, "system_prompt": config.system_prompt}
    p_hash = params_hash(params)
    todo = [i for _, items in loaded.values() for i in items
            if not store.has_item(digest, artifact.backend, i.id, config.budgets, config.seed, p_hash)]
    total = sum(len(items) for _, items in loaded.values())
    if not todo:
        progress.skip(artifact.label, "suites")
        return
    done = total - len(todo)

    def store_item(result, generation) -> None:
        nonlocal done
        item = result.item
        suite = loaded[item.suite][0]
        scores = score_views(suite, [result], llm_judge)
        store.add_item([{
            "artifact_hash": digest, "backend": artifact.backend, "suite": item.suite, "item_id": item.id,
            "split": item.split, "family": item.family, "budget": v.budget, "seed": config.seed,
            "params_hash": p_hash, "params": params, "text": v.text,
            "token_ids": generation.token_ids[: v.n_tokens], "n_tokens": v.n_tokens,
            "stop_reason": v.stop_reason, "prompt_tokens": generation.prompt_tokens,
            "timings": {"load_s": generation.timings.load_s, "prompt_eval_s": generation.timings.prompt_eval_s,
                        "ttft_s": generation.timings.ttft_s, "token_s": v.token_s},
            "judge": judge_name(suite, llm_judge), "scores": scores[(item.id, v.budget)],
        } for v in result.views])
        done += 1
        stage.update(done, total, generation.timings.generation_tps)

    with _Stage(progress, artifact.label, "suites", total) as stage:
        stage.update(done, total)
        generate_isolated(artifact.backend, artifact.path, run.settings, todo, sampling, config.budgets,
                          config.system_prompt, store_item)
