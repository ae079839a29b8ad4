"""Execute the plan of `edgebench run`: artifacts x backends x suites x budgets on this
device, written to the run folder's SQLite store as it goes, resumable at any point.

For each artifact, in ladder order: predict the peak resident memory of its children (edge/memfit.py:
weights, KV cache, compute buffer; the speed child at one sequence, the suites' child at the count its
suites run with), skip it with a note if the larger exceeds the profile's memory budget, store both
predictions (the report sets each beside the peak its own child measured; the suites' child's peak is
kept as the "suites_memory" measurement), measure speed, measure drift against the reference, then run every suite
item that the store does not hold yet: one generation at the largest budget, cut to each
budget, scored, and written with all its budgets in one transaction. The runtimes run in
child processes; a crash there is recorded for that artifact and the run goes on.
Progress goes to a `bench.progress.Progress` listener; nothing here draws. With --until-decided the suites
run after every artifact's speed and drift, all artifacts together, chunk by chunk, until each comparison with
the reference is settled (bench/until_decided.py decides; `_until_decided` here generates and reads).

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
from bench.until_decided import META_KEY, Decider, decision_order, decision_scores, pool_items, run_until_decided
from edge.artifacts import Artifact, artifact_identity
from edge.backend import Sampling
from edge.drift import build_reference_isolated, run_drift_isolated
from edge.errors import EdgebenchError
from edge.memfit import MemoryFit, predict, speed_lengths
from edge.isolation import RuntimeCrash
from edge.backend_specs import batches, slow_paths
from edge.speed import SpeedConfig, run_speed
from edge.sustain import SustainConfig, run_sustain

REFERENCE_FILE = "reference.npz"
MEMORY = "memory"  # measurement kind: the memory predictions made before the artifact ran (edge/memfit.py)
SUITES_MEMORY = "suites_memory"  # measurement kind: the suites' child's peak (the largest over its children)
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
    # --until-decided: every item of the splits run (--limit: a cap per split), in chunks, until each artifact's
    # comparison with the reference is settled (bench/until_decided.py); the verdicts do not depend on the chunk
    until_decided: bool = False
    decide_chunk: int = 32  # items per chunk: each chunk is one child process per open artifact
    sustain_s: int = 0  # seconds of sustained generation per artifact after its speed tests (edge/sustain.py); 0: none


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
    check_budgets(config, settings)
    if 0 < config.sustain_s < 3:
        raise EdgebenchError(f"--sustain needs at least 3 seconds to compare a first and a last window (got {config.sustain_s})")
    return load_items(config)


def check_budgets(config: PlanConfig, settings, advice: str = "lower --budgets") -> None:
    """Refuse budgets that are not positive or leave no room for prompts in the device's context. `advice` is what
    the user can do about the second (a bundle's budgets are changed where it is made, not with --budgets)."""
    if not config.budgets or min(config.budgets) <= 0:
        raise EdgebenchError("budgets must be positive integers, e.g. --budgets 256,512,1024")
    if max(config.budgets) + 512 > settings.n_ctx:
        raise EdgebenchError(f"the largest budget ({max(config.budgets)}) leaves no room for prompts in a "
                             f"{settings.n_ctx}-token context; {advice}")


def load_items(config: PlanConfig) -> dict[str, tuple]:
    """suite name -> (suite, its items for this run); refuses unknown suites and splits, shared item ids."""
    suites = [get_suite(name) for name in config.suites]
    check_splits(suites, config.splits)
    loaded = {s.spec.name: (s, pool_items(s, config.splits, config.limit) if config.until_decided else
                            suite_items(s, config.splits, config.limit or config.limits.get(s.spec.name)))
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
        if config.sustain_s and not slow:
            stages.append((artifact.label, "sustain"))
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
    # the suites' child at each artifact's own parallel count, where its suites run
    predictions = predict_memory(artifacts, settings, lambda a: runs_suites(config, a, host),
                                 lambda a: speed_config(config, a, host.get("os")))
    fitting = [a for a in artifacts if predictions[a.path].fits(settings.memory_budget_gb)]
    if artifacts and not fitting:
        smallest = min(artifacts, key=lambda a: predictions[a.path].total_bytes)
        larger = predictions[smallest.path].larger
        raise EdgebenchError(f"every artifact exceeds the profile's memory budget: the smallest, {smallest.label}, needs "
                             f"{larger.total_bytes / 2**30:.2f} GiB in its {larger.configuration} child (predicted, at "
                             f"{larger.parallel} sequence(s)) and the profile allows "
                             f"{settings.memory_budget_gb:g} GiB; add smaller quant levels to --ladder, lower the context "
                             "or pick another --profile")
    stages = planned_stages(artifacts, reference, config, host)
    progress.plan(stages)
    ref_path = None
    if config.drift and reference is not None:
        ref_path = _reference(store, reference, settings, progress, notes, config.drift_windows)
    run = _Run(store, config, settings, loaded, progress, llm_judge, ref_path)
    measured = []  # (digest, artifact) that got through speed and drift: what --until-decided compares
    for artifact in artifacts:
        digest = artifact_identity(artifact)
        store.add_artifact(digest, artifact, is_reference=reference is not None and artifact.path == reference.path)
        prediction = predictions[artifact.path]
        store.add_measurement(digest, artifact.backend, MEMORY, prediction.to_dict())
        if not prediction.fits(settings.memory_budget_gb):
            larger = prediction.larger
            notes[artifact.label] = (f"skipped: predicted to need {larger.total_bytes / 2**30:.2f} GiB in its "
                                     f"{larger.configuration} child (weights, KV cache at {larger.n_ctx} x "
                                     f"{larger.parallel}, compute), the profile allows {settings.memory_budget_gb:g} GiB")
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
            measured.append((digest, artifact))
        seconds = store.meta("seconds", {})  # wall time per artifact in this session (a resumed one adds)
        seconds[artifact.label] = round(seconds.get(artifact.label, 0) + time.perf_counter() - started, 1)
        store.set_meta("seconds", seconds)
    if config.until_decided and config.suites:
        _until_decided(run, measured, reference)


def _until_decided(run: _Run, measured: list[tuple[str, Artifact]], reference: Artifact | None) -> None:
    """Hand bench/until_decided.py the run's items and how to generate and read them: a runtime crash costs
    that artifact (recorded as any crash, --resume retries it), never the run."""
    by_label = {a.label: (digest, a) for digest, a in measured}
    ref = next((a.label for _, a in measured if reference is not None and a.path == reference.path), None)
    if ref is None:
        raise EdgebenchError("--until-decided compares every artifact with the reference, which did not run here "
                             "(add gguf:f16 to --ladder, or see why it was skipped above)")
    _, _, p_hash = sample_params(run.config)

    def generate(label: str, items: list) -> bool:
        digest, artifact = by_label[label]
        try:
            _run_suites(run, digest, artifact, items)
        except RuntimeCrash as crash:
            run.store.add_measurement(digest, artifact.backend, CRASH, {"message": str(crash), "signal": crash.signal_name,
                                                                        "doing": crash.doing})
            run.progress.say(f"{label}: {crash}; the run goes on, --resume retries it", "red")
            return False
        return True

    def read(label: str, items: list) -> dict[str, dict]:
        digest, artifact = by_label[label]
        return run.store.item_scores(digest, artifact.backend, max(run.config.budgets), run.config.seed, p_hash,
                                     [i.id for i in items])

    items = [i for _, suite_list in run.loaded.values() for i in suite_list]
    decider = Decider(ref, [label for label in by_label if label != ref], decision_scores(run.loaded))
    run_until_decided(decider, decision_order(items, run.config.seed), run.config.decide_chunk, generate, read,
                      lambda record: run.store.set_meta(META_KEY, record), run.config.seed)


def predict_memory(artifacts: list[Artifact], settings, with_suites=lambda artifact: True,
                   speed_for=lambda artifact: PlanConfig().speed) -> dict[Path, MemoryFit]:
    """Each artifact's predicted peak resident memory at the run's context: its speed child (one sequence) and,
    where `with_suites(artifact)`, its suites' child at the count they run with (suite_parallel). `speed_for(artifact)`:
    the speed tests its speed child runs (their lengths size ONNX's per-generation KV cache and logits; None: none)."""
    repack = settings.repack
    if repack is None and any(a.format == "gguf" for a in artifacts):  # not resolved against a profile
        from edge.repack import choose_for_this_host

        repack = choose_for_this_host().enabled

    def at(artifact: Artifact, parallel: int):
        speed = speed_for(artifact)
        return predict(artifact, settings.n_ctx, parallel, repack=bool(repack), gpu_offload=settings.gpu_layers != 0,
                       lengths=speed_lengths(speed) if speed else None)

    return {a.path: MemoryFit(at(a, 1), at(a, suite_parallel(settings, a.backend)) if with_suites(a) else None)
            for a in artifacts}


def fit_rows(specs: list, settings, measure: bool = False) -> list[dict]:
    """`edgebench fit`: one row per artifact and child configuration it would run here (the speed child; the
    suites' child too where they batch at parallel > 1), each prediction's parts and, with `measure`, the peak
    of that same configuration measured in its own child."""
    import platform

    from bench.generate import measure_suites_peak
    from edge.artifacts import identify

    found = [identify(a) for a in specs]
    batched = {a.path: suite_parallel(settings, a.backend) > 1 for a in found}
    host_os = platform.system().lower()  # as edge/host.py names it
    speeds = {a.path: speed_config(PlanConfig(), a, host_os) for a in found}  # MLX on Linux: the short tests of a run
    predictions = predict_memory(found, settings, lambda a: batched[a.path], lambda a: speeds[a.path])
    rows = []
    for artifact in found:
        fit = predictions[artifact.path]
        for prediction in filter(None, (fit.speed, fit.suites)):
            row = {"artifact": str(artifact.path), "label": artifact.label, "configuration": prediction.configuration,
                   **prediction.to_dict(), "budget_gb": settings.memory_budget_gb, "fits": fit.fits(settings.memory_budget_gb)}
            if measure and prediction is fit.speed:
                row["measured_peak_bytes"] = run_speed(artifact, settings, speeds[artifact.path])["peak_rss_bytes"]
            elif measure:
                memory = measure_suites_peak(artifact.backend, artifact.path, settings, prediction.parallel) or {}
                row["measured_peak_bytes"] = memory.get("peak_rss_bytes")
            rows.append(row)
    return rows


def speed_config(config: PlanConfig, artifact: Artifact, host_os: str | None) -> SpeedConfig | None:
    """The speed tests the plan runs for this artifact on this host: a slow path's short ones, or the plan's."""
    slow = SLOW_PATHS.get((artifact.backend, host_os))
    return slow.speed if slow and config.speed else config.speed


def runs_suites(config: PlanConfig, artifact: Artifact, host: dict) -> bool:
    """Whether the plan runs this artifact's suites on this host (a slow path may leave them out)."""
    slow = SLOW_PATHS.get((artifact.backend, host.get("os")))
    return bool(config.suites) and (not slow or slow.suites)


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
    if config.sustain_s and not slow:
        if store.has_measurement(digest, artifact.backend, "sustain"):
            progress.skip(artifact.label, "sustain")
        else:
            with _Stage(progress, artifact.label, "sustain", config.sustain_s) as stage:
                result = run_sustain(artifact, settings, SustainConfig(seconds=config.sustain_s),
                                     on_progress=lambda done, total, _: stage.update(done, total))
            store.add_measurement(digest, artifact.backend, "sustain", result)
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
    if config.suites and (not slow or slow.suites) and not config.until_decided:  # that one runs all artifacts at once
        _run_suites(run, digest, artifact)


def _reference(store: Store, reference: Artifact, settings, progress: Progress, notes: dict, windows: int | None):
    """The saved drift reference (built in a child process the first time, of the `windows` the plan scores: no
    artifact is measured further), or None if its runtime crashed."""
    path = store.folder / REFERENCE_FILE
    if path.is_file():
        progress.skip(reference.label, "drift reference")
        return path
    try:
        with _Stage(progress, reference.label, "drift reference") as stage:
            build_reference_isolated(reference, settings, path, reference.backend,
                                     lambda done, total: stage.update(done, total), reference.label, max_windows=windows)
    except RuntimeCrash as crash:
        notes["drift"] = f"no drift: building the reference from {reference.label} failed ({crash}); --resume retries it"
        store.set_meta("notes", notes)
        progress.say(notes["drift"], "red")
        return None
    if notes.pop("drift", None) is not None:
        store.set_meta("notes", notes)
    return path


def sample_params(config: PlanConfig) -> tuple[Sampling, dict, str]:
    """The suites' sampling, its record in every sample row, and that record's hash (part of a row's key)."""
    sampling = Sampling(max_tokens=max(config.budgets), temperature=config.temperature, seed=config.seed)
    params = {"temperature": config.temperature, "top_k": sampling.top_k, "top_p": sampling.top_p,
              "max_tokens": sampling.max_tokens, "system_prompt": config.system_prompt}
    return sampling, params, params_hash(params)


def missing_items(store: Store, digest: str, backend: str, items, config: PlanConfig) -> list:
    """The items whose rows (every budget) the store does not hold yet for this artifact."""
    p_hash = sample_params(config)[2]
    return [i for i in items if not store.has_item(digest, backend, i.id, config.budgets, config.seed, p_hash)]


def _run_suites(run: _Run, digest: str, artifact: Artifact, chunk: list | None = None) -> None:
    """Every item of the run not stored yet for this artifact (or of one chunk of them: --until-decided)."""
    store, config, loaded, progress, llm_judge = run.store, run.config, run.loaded, run.progress, run.llm_judge
    sampling, params, p_hash = sample_params(config)
    wanted = chunk if chunk is not None else [i for _, items in loaded.values() for i in items]
    todo = missing_items(store, digest, artifact.backend, wanted, config)
    total = len(wanted)
    if not todo:
        if chunk is None:  # a stored chunk is replayed, not a skipped stage
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
        memory = generate_isolated(artifact.backend, artifact.path, run.settings, todo, sampling, config.budgets,
                                   config.system_prompt, store_item)
    _record_suites_memory(store, digest, artifact.backend, memory)


def _record_suites_memory(store: Store, digest: str, backend: str, memory: dict | None) -> None:
    """Keep the suites' child's peak, the largest over its children (a resumed run, --until-decided's chunks)."""
    if not memory:
        return
    kept = store.measurement(digest, backend, SUITES_MEMORY)
    if kept is None or memory["peak_rss_bytes"] > kept["peak_rss_bytes"]:
        store.add_measurement(digest, backend, SUITES_MEMORY, memory)
