"""`edgebench run`: from a source model (plus adapter) to a report on this device.

Converts the ladder (convert/; artifacts already built are reused), opens the run
folder's results store, executes the plan (bench/execute.py) and prints the report
(bench/report_tables.py). Lives beside the CLI because it is the one place that joins convert
and bench, which do not import each other.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.execute import PlanConfig, check_config, run_plan
from bench.harness_tax import harness_tax
from bench.operators import keep_ranking
from bench.report import load_report
from bench.report_tables import print_report
from bench.store import DB_NAME, Store
from edge.artifacts import Artifact, identify
from edge.errors import EdgebenchError
from edge.profiles import device_settings
from edgebench.progress_view import RichProgress

SOURCE = "source"  # a ladder entry: run the model as given, without converting it


def print_line(text: str) -> None:
    """A line (or a rich table) for the person watching a run, on stdout."""
    from rich.console import Console

    Console().print(text)


def default_out(root: Path = Path("runs"), resume: bool = False) -> Path:
    """A new time-stamped folder under runs/, or with --resume the most recent one there."""
    if resume:
        runs = sorted(p for p in root.glob("*") if (p / DB_NAME).is_file()) if root.is_dir() else []
        if not runs:
            raise EdgebenchError(f"nothing to resume: no run folder under {root}/; give --out RUN_DIR")
        return runs[-1]
    return root / time.strftime("%Y%m%d-%H%M%S")


def ladder_targets(ladder: list[str], say) -> list[str]:
    """The ladder less the targets whose runtime is not installed here (a profile may list MLX or ONNX), each said."""
    from edge.artifacts import FORMAT_BACKEND
    from edge.backend import BACKENDS, runtime_installed

    kept = []
    for name in ladder:
        backend = FORMAT_BACKEND.get(name.split(":")[0])
        if backend and not runtime_installed(backend):
            say(f"[yellow]{name}: left out, its runtime is not installed ({BACKENDS[backend].install})[/]")
            continue
        kept.append(name)
    return kept


def build_artifacts(model: str, adapter: Path | None, targets: list[str], out: Path, threads: int,
                    progress=None, edits: list | None = None) -> tuple[list[Artifact], Artifact | None]:
    """(artifacts in ladder order, the drift reference). The reference is the F16 GGUF when the
    ladder has one (the embedded model's reference, see DESIGN), else the prepared fp32 folder.
    `edits` (convert/temper.py, None = unedited) give one ladder each, in their order, each in a folder
    of its own; the reference is the first ladder's (a sweep that lists lambda 1 first: the unedited model's)."""
    artifacts: list[Artifact] = []
    convert_targets = [t for t in targets if t != SOURCE]
    reference = None
    edits = edits or [None]
    if SOURCE in targets:
        if adapter is not None or edits != [None]:
            raise EdgebenchError("--adapter and --temper need conversion: the 'source' ladder entry runs the model as given")
        artifacts.append(identify(model))
    if convert_targets:
        from convert.pipeline import ConvertOptions, convert
        from convert.targets import parse_targets

        for edit in edits:
            folder = out / "artifacts" if edit is None else out / "artifacts" / f"temper-{edit.tag}"
            result = convert(model, ConvertOptions(targets=tuple(parse_targets(",".join(convert_targets))), out=folder,
                                                   adapter=adapter, threads=threads, temper=edit,
                                                   work=out / "artifacts" / ".work"), progress)
            built = {a["target"]: identify(a["path"]) for a in result["artifacts"]}
            artifacts += [built[t] for t in convert_targets]
            reference = reference or built.get("gguf:f16") or identify(result["prepared"])
    return artifacts, reference


def run(model: str, config: PlanConfig, *, adapter: Path | None = None, ladder: list[str] | None = None,
        profile_name: str | None = None, out: Path | None = None, resume: bool = False, threads: int | None = None,
        llm_judge=None, say=print_line, repack: str | None = None, show_report: bool = True, edits: list | None = None,
        parallel: int | None = None, started: float | None = None, ranking: Path | None = None) -> Path:
    """Convert the ladder, run the plan into the run folder (`out`, default a new one under runs/), print the report.
    `started` (perf_counter) is when the command began, for the harness tax; default: when edgebench was imported.
    `ranking`: the head ranking the edits came from (--temper-from), kept in the run folder as heads.json."""
    host, profile, settings = device_settings(profile_name, threads, repack, parallel=parallel)  # edge/profiles.py:Device
    loaded = check_config(config, settings)  # every option is checked before any work or any folder
    if adapter is not None:
        _warn_if_trained_on(adapter, loaded, say)
    targets = ladder_targets(ladder if ladder is not None else list(profile.ladder), say)
    if config.until_decided and config.suites and "gguf:f16" not in targets:  # the comparisons' reference
        raise EdgebenchError("--until-decided compares every artifact with the reference, the F16 GGUF: add gguf:f16 "
                             "to --ladder")
    check_inputs(model, adapter, targets)  # before the run folder exists: a bad input leaves nothing behind
    out = out or default_out(resume=resume)
    plan = plan_record(model, adapter, targets, config, settings.parallel, edits)
    with Store.open(out, write=True, resume=resume) as store:  # refuses a second writer before any work
        if resume:
            _check_resumable(out, store.meta("plan"), plan)
        store.set_meta("plan", plan)
        record_device(store, host, profile, settings)
        if ranking is not None:  # what the run tempered by, for its report (bench/operators.py)
            keep_ranking(ranking, out)
        with RichProgress() as progress:
            artifacts, reference = build_artifacts(model, adapter, targets, out, settings.threads, progress, edits)
            run_plan(store, artifacts, reference, config, settings, host, llm_judge, progress, loaded)
        record_finish(store, progress)
    closing_report(out, progress, say, show_report, started=started)
    return out


def record_device(store: Store, host: dict, profile, settings) -> None:
    """The device a run measured on, stored with it: host facts, profile name, the settings resolved."""
    store.set_meta("host", host)
    store.set_meta("profile", profile.name)
    store.set_meta("settings", {"threads": settings.threads, "gpu_layers": settings.gpu_layers,
                                "memory_budget_gb": settings.memory_budget_gb, "repack": settings.repack,
                                "repack_why": settings.repack_why, "parallel": settings.parallel})


def record_finish(store: Store, progress: RichProgress) -> None:
    store.set_meta("finished", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    spent = store.meta("stage_seconds", {})  # wall time per stage, summed over resumed sessions
    for stage, seconds in progress.clock.by_stage().items():
        spent[stage] = round(spent.get(stage, 0) + seconds, 1)
    store.set_meta("stage_seconds", spent)


def closing_report(out: Path, progress: RichProgress, say, show_report: bool = True,
                   again: str = "(and the same options)", started: float | None = None) -> None:
    """The report of a finished run, its wall time and harness tax, crashes to retry, and where the results are.
    `started` (perf_counter): when the command began; default: when edgebench was imported."""
    from edgebench import STARTED

    started = started if started is not None else STARTED
    rows = load_report([out])
    if show_report:
        print_report(rows)
    say(progress.summary())
    say(_record_tax(out, started))
    crashed = [r.label for r in rows if r.crash]
    if crashed:
        say(f"[red]{len(crashed)} artifact(s) crashed ({', '.join(crashed)}); the rest are complete. Retry them with: "
            f"edgebench run --resume --out {out} {again}[/]")
    say(f"results in {out}/{DB_NAME}; report again with: edgebench report {out}")


def _record_tax(out: Path, started: float) -> str:
    """The harness tax (bench/harness_tax.py) of the run so far, kept in its metadata; its one line."""
    with Store.open(out, write=True, resume=True) as store:
        sessions = store.meta("run_seconds", 0.0) + time.perf_counter() - started  # a resumed run adds its sessions
        store.set_meta("run_seconds", round(sessions, 1))
        tax = harness_tax(store, sessions)
        store.set_meta("harness_tax", tax.as_dict())
    return tax.line()


def _check_resumable(out: Path, stored: dict | None, plan: dict) -> None:
    """--resume continues only the same plan; a different parallel count is named, since it is a flag (or the profile,
    or $EDGEBENCH_PARALLEL) that changes between sessions unnoticed."""
    if stored is None:
        return
    stored = {"parallel": 1, **stored}  # runs made before batching generated one item at a time
    if stored["parallel"] != plan["parallel"]:
        raise EdgebenchError(f"{out} was run with --parallel {stored['parallel']} and this session has {plan['parallel']} "
                             f"(batched greedy answers can differ in the last bits); resume with --parallel "
                             f"{stored['parallel']} or choose another --out")
    if stored != plan:
        raise EdgebenchError(f"{out} holds a run with another plan; resume it with the same options or choose another --out")


def _warn_if_trained_on(adapter: Path, loaded: dict, say) -> None:
    """An adapter made by edgebench train names the items it saw: scoring those is not a test, and the run says so."""
    import json

    from train.contamination import overlap_warning

    try:
        manifest = json.loads((Path(adapter) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    scored = {i.id for _, items in loaded.values() for i in items}
    warning = overlap_warning(manifest, scored) if isinstance(manifest, dict) else None
    if warning:
        say(f"[yellow]warning: {warning}[/]")


def check_inputs(model: str, adapter: Path | None, targets: list[str]) -> None:
    """Refuse a ladder, model or adapter that cannot be run, before the run folder exists."""
    if not targets:
        raise EdgebenchError("the ladder is empty after leaving out targets whose runtime is missing; give --ladder")
    if SOURCE in targets:
        identify(model)
    converted = [t for t in targets if t != SOURCE]
    if converted:
        from convert.source import resolve_source
        from convert.targets import parse_targets

        parse_targets(",".join(converted))
        resolve_source(model)
        if adapter is not None and not adapter.is_dir():
            raise EdgebenchError(f"adapter folder {adapter} does not exist")


def plan_record(model: str, adapter: Path | None, targets: list[str], config: PlanConfig, parallel: int | None,
                edits: list | None = None) -> dict:
    """What a run folder keeps of its plan, so that --resume continues only the same one."""
    # an unedited run's plan keeps the record it always had (a stored run resumes with the same options)
    tempered = {"temper": [e.as_dict() if e else None for e in edits]} if edits and edits != [None] else {}
    return {**tempered, "parallel": parallel, "model": model, "adapter": str(adapter) if adapter else None,
            "ladder": targets, "suites": list(config.suites),
            "splits": list(config.splits) if config.splits else None,
            "limits": {n: config.limit for n in config.suites} if config.limit else config.limits,
            "budgets": list(config.budgets), "seed": config.seed,
            "temperature": config.temperature, "system_prompt": config.system_prompt,
            "speed": config.speed is not None, "drift": config.drift, "drift_windows": config.drift_windows,
            # only when set: a run made before the flag existed resumes under the same plan
            **({"until_decided": True} if config.until_decided else {})}
