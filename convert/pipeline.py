"""`edgebench convert`: source (+ adapter) -> prepared fp32 folder -> one artifact per target,
each built in a staging folder, moved into place, then given its manifest (last, atomically).
An artifact whose manifest matches the inputs is reused; a folder without one is rebuilt.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from convert import exporters
from convert.manifest import Manifest, key_of, read_manifest, write_manifest
from convert.source import check_adapter_base, prepare, resolve_source
from convert.targets import TARGETS, Target
from edge.artifacts import safetensors_params, weight_files
from edge.errors import EdgebenchError
from edge.progress import Progress

# fp32 sums in another order: a trained adapter's merged logits differ from base+adapter by ~1e-4
# (1.4e-4 measured on SmolLM2-135M after SFT and DPO); a wrong merge differs by whole units.
MERGE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class ConvertOptions:
    targets: tuple[Target, ...]
    out: Path
    adapter: Path | None = None
    verify: bool = False
    allow_pickle: bool = False
    group_size: int = 64
    threads: int = max(1, (os.cpu_count() or 2))
    temper: object | None = None  # convert/temper.py:Temper, a head-tempering edit of the merged weights
    work: Path | None = None  # prepared models; default OUT/.work (a sweep shares one, so the merged model is made once)


@dataclass
class ArtifactResult:
    target: str
    path: str
    size_bytes: int
    bits_per_weight: float
    reused: bool
    requested: bool
    seconds: float
    verification: dict | None = None


def convert(source_spec: str, options: ConvertOptions, progress: Progress | None = None) -> dict:
    """Build (or reuse) every target; returns the artifacts and, with verify, the checks. Every input is
    checked before anything is written. Each target is a "convert" stage for the progress listener."""
    progress = progress or Progress()
    targets = list(options.targets)
    if any(t.format == "gguf" and t.quant != "f16" for t in targets) and TARGETS["gguf:f16"] not in targets:
        targets.insert(0, TARGETS["gguf:f16"])  # the quantizer starts from F16
    targets.sort(key=lambda t: (t.format != "gguf" or t.quant != "f16"))
    for t in targets:
        exporters.check_available(t)
    if options.adapter is not None and not options.adapter.is_dir():
        raise EdgebenchError(f"adapter folder {options.adapter} does not exist")
    source = resolve_source(source_spec, options.allow_pickle)
    if options.adapter is not None:
        check_adapter_base(options.adapter, source)
    _check_writable(options.out)
    results: list[ArtifactResult] = []
    from convert.verify import probe_ids

    progress.start("source", "convert")
    try:
        prepared = prepare(source, options.adapter, options.work or options.out / ".work", probe_ids, options.allow_pickle,
                           options.temper)
    finally:
        progress.end()
    n_params = safetensors_params(prepared.folder)
    f16_path = None
    for target in targets:
        progress.start(target.name, "convert")
        try:
            result = _build(target, prepared, options, f16_path, n_params)
        finally:
            progress.end()
        result.requested = target in options.targets
        if target.name == "gguf:f16":
            f16_path = Path(result.path)
        results.append(result)
    checks = {}
    if options.verify:
        progress.start("all", "verify", total=len(results) + 1)
        try:
            checks = _verify(prepared, results, options, progress)
        finally:
            progress.end()
    return {
        "source": source_spec, "source_hash": source.hash, "adapter": str(options.adapter) if options.adapter else None,
        "adapter_hash": prepared.adapter_hash, "temper": prepared.temper, "prepared": str(prepared.folder),
        "artifacts": [asdict(r) for r in results], "checks": checks,
    }


def _check_writable(out: Path) -> None:
    """Called once every input has been checked: make the folder and prove it takes a file."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise EdgebenchError(f"cannot write to output folder {out} ({exc.strerror or exc}); choose another --out") from None


def _build(target: Target, prepared, options: ConvertOptions, f16_path: Path | None, n_params: int) -> ArtifactResult:
    final = options.out / target.name.replace(":", "-")
    opts = {"group_size": options.group_size} if target.format == "mlx" else {}
    existing = read_manifest(final)
    wanted = key_of(target.name, prepared.source.hash, prepared.adapter_hash, opts, prepared.temper_hash)
    if existing is not None and existing.key == wanted:
        return ArtifactResult(target.name, str(_artifact_path(target, final)), existing.size_bytes,
                              existing.bits_per_weight, True, True, 0.0)
    if final.exists():
        shutil.rmtree(final)  # no manifest or other inputs: not an artifact we can trust
    staging = options.out / f".{final.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    start = time.perf_counter()
    try:
        job = exporters.ExportJob(options.threads, options.group_size, options.out / ".work" / "onnx-cache", f16_path)
        exporters.exporter(target.format)(target, prepared.folder, staging, job)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds = time.perf_counter() - start
    path = _artifact_path(target, final)
    size = sum(f.stat().st_size for f in weight_files(final))
    bits = _bits_per_weight(target, path, size, n_params)
    write_manifest(final, Manifest(
        target=target.name, format=target.format, quant=target.quant, source=prepared.source.spec,
        source_hash=prepared.source.hash, adapter_hash=prepared.adapter_hash, options=opts, bits_per_weight=bits,
        size_bytes=size, files=sorted(str(f.relative_to(final)) for f in final.rglob("*") if f.is_file()),
        tool_versions=exporters.tool_versions(target), temper_hash=prepared.temper_hash, temper=prepared.temper,
    ))
    return ArtifactResult(target.name, str(path), size, bits, False, True, seconds)


def _artifact_path(target: Target, final: Path) -> Path:
    return final / f"model-{target.quant}.gguf" if target.format == "gguf" else final


def _bits_per_weight(target: Target, path: Path, size: int, n_params: int) -> float:
    if target.format == "gguf":
        from edge.gguf_inspect import inspect_gguf

        return inspect_gguf(path).bits_per_weight
    return size * 8 / n_params if n_params else float("nan")


def _verify(prepared, results: list[ArtifactResult], options: ConvertOptions, progress: Progress) -> dict:
    from convert.verify import F16_MIN_TOP1, reference, verify_artifact
    from edge.profiles import RuntimeSettings

    settings = RuntimeSettings(threads=options.threads)  # repacking: decided for this host (edge/repack.py)
    ref = reference(prepared.folder, settings)
    progress.update(1)
    failures = []
    for done, r in enumerate(results, start=2):
        r.verification = verify_artifact(Path(r.path), ref, settings)
        if r.verification["tokenizer_match"] < 1.0:
            failures.append(f"{r.target} tokenizer differs on {len(r.verification['tokenizer_mismatched_lines'])} lines")
        if r.target == "gguf:f16" and r.verification["top1_agreement"] < F16_MIN_TOP1:
            failures.append(f"gguf:f16 top-1 agreement {r.verification['top1_agreement']:.4f} < {F16_MIN_TOP1}")
        progress.update(done)
    if prepared.merge_max_abs_diff is not None and prepared.merge_max_abs_diff > MERGE_TOLERANCE:
        failures.append(f"merged logits differ from base+adapter by {prepared.merge_max_abs_diff:.2e} > {MERGE_TOLERANCE}")
    return {"f16_min_top1": F16_MIN_TOP1, "merge_max_abs_diff": prepared.merge_max_abs_diff,
            "merge_tolerance": MERGE_TOLERANCE, "positions": len(ref.ids), "failures": failures, "passed": not failures}
