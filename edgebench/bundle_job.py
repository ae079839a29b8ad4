"""Bundles from the command line's side: `edgebench bundle` makes one here, `edgebench run --bundle` runs one.

`make_bundle` converts the ladder (or takes the GGUFs and artifact folders given in it), picks
the drift reference, and writes the bundle (bench/bundle.py). `run_bundle` runs a bundle's plan
with this device's profile into a normal run folder, the same store `edgebench run` writes, so
`edgebench report laptop-run/ pi-run/` merges them. It imports nothing of convert/ or train/:
a device with only `pip install 'edgebench[edge]'` runs it. For a fleet worker: `read_bundle`
once, then `run_bundle(bundle, out=..., labels=[...])` for the artifacts of a cell.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

from bench.bundle import Bundle, JudgeSettings, read_bundle, write_bundle
from bench.execute import REFERENCE_FILE, PlanConfig, check_budgets, check_config, run_plan
from bench.store import Store
from edge.artifacts import Artifact, identify
from edge.errors import EdgebenchError
from edge.profiles import device_settings
from edgebench.progress_view import RichProgress
from edgebench.run_job import (SOURCE, check_inputs, print_line, build_artifacts, closing_report, default_out,
                               ladder_targets, record_device, record_finish)

REFERENCE_QUANTS = ("f32", "f16", "bf16")  # a given file at one of these is the ladder's reference when none is named


def make_bundle(model: str, config: PlanConfig, judge: JudgeSettings, *, out: Path, adapter: Path | None = None,
                ladder: list[str] | None = None, reference: str | None = None, profile_name: str | None = None,
                threads: int | None = None, repack: str | None = None, parallel: int | None = None, say=print_line) -> Bundle:
    """Convert (or take) the ladder and write its bundle at `out`. A ladder entry is a target (gguf:q4_k_m),
    'source' (the model as given), or the path of a .gguf file or an artifact folder, taken as it is."""
    host, profile, settings = device_settings(profile_name, threads, repack, parallel=parallel)
    check_config(config, settings)  # suites, splits and budgets, before any work
    if judge.judge not in ("lexical", "llm"):
        raise EdgebenchError(f"unknown judge '{judge.judge}'; choose lexical or llm")
    out = Path(out)
    if out.exists():
        raise EdgebenchError(f"{out} exists; give a new folder to --out")
    entries = ladder if ladder is not None else list(profile.ladder)
    given = {e: identify(e) for e in entries if _is_path(e)}  # a missing file is refused here, before converting
    targets = ladder_targets([e for e in entries if e not in given], say)
    if targets:
        check_inputs(model, adapter, targets)
    if not targets and not given:
        raise EdgebenchError("the ladder is empty after leaving out targets whose runtime is missing; give --ladder")
    chosen = identify(reference) if reference else None
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.convert-", dir=out.parent))  # conversions, removed at the end
    try:
        with RichProgress() as progress:
            built, converted_ref = build_artifacts(model, adapter, targets, work, settings.threads, progress) if targets else ([], None)
            by_entry = {**given, **dict(zip([t for t in targets if t == SOURCE] + [t for t in targets if t != SOURCE], built))}
            artifacts = [by_entry[e] for e in entries if e in by_entry]
            ref = chosen or converted_ref or next((a for a in artifacts if a.quant in REFERENCE_QUANTS), None)
            if config.drift and ref is None:
                say("[yellow]no drift: the ladder has no full-precision artifact to be the reference; give --reference[/]")
                config = dataclasses.replace(config, drift=False)
            origin = {"model": model, "adapter": str(adapter) if adapter else None, "ladder": entries,
                      "profile": profile.name, "host": {k: host.get(k) for k in ("hostname", "os", "arch", "cpu")}}
            bundle = write_bundle(out, artifacts, ref, config, judge, settings, origin, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = sum(f["size"] for f in bundle.manifest["files"].values())
    items = sum(s["items"] for s in bundle.suites.values())
    say(f"bundle in {out}: {len(artifacts)} artifact(s), {items} item(s), {size / 2**20:.1f} MiB; on the device run: "
        f"edgebench run --bundle {out} [--profile NAME]")
    return bundle


def _is_path(entry: str) -> bool:
    return entry.endswith(".gguf") or "/" in entry or Path(entry).exists()


def run_bundle(bundle: Path | Bundle, *, out: Path | None = None, resume: bool = False, profile_name: str | None = None,
               threads: int | None = None, repack: str | None = None, labels: list[str] | None = None, say=print_line,
               show_report: bool = True, parallel: int | None = None) -> Path:
    """Run a bundle's plan on this device into a run folder (`out`, default a new one under runs/); `labels`
    runs only those artifacts. A path is read and every file checked against its hash first."""
    from edgebench.judge_flags import llm_judge_from_flags

    bundle = bundle if isinstance(bundle, Bundle) else read_bundle(Path(bundle))
    host, profile, settings = device_settings(profile_name, threads, repack)
    settings = bundle.device_settings(settings)  # the plan's own runtime settings (bench/bundle.py:PLAN_SETTINGS)
    if parallel is not None:  # this device's --parallel over the plan's count
        settings = dataclasses.replace(settings, parallel=parallel)
    check_budgets(bundle.config, settings, advice="make the bundle with lower --budgets")  # not a --bundle flag
    loaded = bundle.loaded()
    artifacts = _runnable(_chosen(bundle.artifact_list(), labels), say)
    reference = bundle.reference_artifact() if bundle.config.drift else None
    out = out or default_out(resume=resume)
    record = {**bundle.plan_record(), "labels": labels}
    created = not out.exists()
    try:
        with Store.open(out, write=True, resume=resume) as store:  # refuses a second writer before any work
            if resume and store.meta("plan") not in (None, record):
                raise EdgebenchError(f"{out} holds a run of another plan or bundle; resume it with the same bundle or choose another --out")
            store.set_meta("plan", record)
            record_device(store, host, profile, settings)
            if reference is not None:
                _place_reference(bundle.folder / REFERENCE_FILE, out / REFERENCE_FILE)
            judge = bundle.judge
            local = judge.judge == "llm" and not judge.endpoint
            with llm_judge_from_flags(judge.judge, judge.model, judge.endpoint, judge.api_key_env,
                                      settings if local else None) as llm_judge, RichProgress() as progress:
                run_plan(store, artifacts, reference, bundle.config, settings, host, llm_judge, progress, loaded)
            record_finish(store, progress)
    except BaseException:
        if created:
            _remove_if_empty(out)
        raise
    closing_report(out, progress, say, show_report, again=f"--bundle {bundle.folder}")
    return out


def _chosen(artifacts: list[Artifact], labels: list[str] | None) -> list[Artifact]:
    if labels is None:
        return artifacts
    known = [a.label for a in artifacts]
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise EdgebenchError(f"the bundle has no artifact {', '.join(unknown)}; it has {', '.join(known)}")
    return [a for a in artifacts if a.label in labels]


def _runnable(artifacts: list[Artifact], say) -> list[Artifact]:
    """The artifacts whose runtime this device has; the others are said and left out (an MLX rung on a Pi)."""
    from edge.backend import BACKENDS, runtime_installed

    kept = []
    for artifact in artifacts:
        if runtime_installed(artifact.backend):
            kept.append(artifact)
        else:
            say(f"[yellow]{artifact.label}: left out, its runtime is not installed here ({BACKENDS[artifact.backend].install})[/]")
    if not kept:
        raise EdgebenchError("no artifact of the bundle has its runtime installed here: pip install 'edgebench[edge]'")
    return kept


def _remove_if_empty(out: Path) -> None:
    """A run folder this call made that holds no result yet (a refusal or a failure before the first row): removed,
    so nothing half-written is left. One with rows stays, for --resume."""
    try:
        with Store.open(out, write=False) as store:
            keep = store.holds_results()
    except Exception:  # noqa: BLE001 - no store (it failed before one existed) or a broken one: nothing worth keeping
        keep = False
    if not keep:
        shutil.rmtree(out, ignore_errors=True)


def _place_reference(source: Path, dest: Path) -> None:
    """The bundle's drift reference in the run folder, where bench/execute.py finds it instead of building one."""
    if dest.is_file():
        return
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.copy2(source, tmp)
    tmp.replace(dest)
