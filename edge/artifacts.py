"""What a model artifact is: which backend runs it, its format and quant level, its size,
parameters and bits per weight, and how many bytes of weights one decode step reads.

An artifact is a GGUF file (llamacpp), an MLX folder, an onnxruntime-genai folder, or a
Hugging Face folder (torch, the full-precision reference). Folders made by `edgebench
convert` carry a manifest.json, which is trusted for format and quant; other folders are
recognised by their files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from edge.backend_specs import FORMAT_BACKEND  # format -> its default backend
from edge.errors import EdgebenchError
from edge.gguf_inspect import inspect_gguf, resolve_model

WEIGHT_SUFFIXES = (".gguf", ".safetensors", ".onnx", ".onnx.data", ".data", ".bin")


@dataclass(frozen=True)
class Artifact:
    path: Path  # the file or folder a backend loads
    format: str  # gguf | mlx | onnx | hf
    quant: str
    size_bytes: int  # the weight files on disk
    n_params: int  # 0 when it cannot be known without loading
    name: str
    variant: str = ""  # a weight edit's tag from the manifest (head tempering: "t0.8x5"); "" for none


    @property
    def backend(self) -> str:
        return FORMAT_BACKEND[self.format]

    @property
    def bits_per_weight(self) -> float:
        return 8 * self.size_bytes / self.n_params if self.n_params else 0.0

    @property
    def label(self) -> str:
        return f"{self.format}:{self.quant}" + (f"+{self.variant}" if self.variant else "")

    def to_dict(self) -> dict:
        return {**asdict(self), "path": str(self.path), "backend": self.backend, "bits_per_weight": self.bits_per_weight}


def identify(spec: "str | Path | Artifact | None") -> Artifact:
    """The artifact at a path ('default' or None is the embedded GGUF); one clear error if it is none.
    An Artifact already identified is returned as it is: it travels typed, and is read once."""
    if isinstance(spec, Artifact):
        return spec
    path = resolve_model(str(spec)) if spec in (None, "", "default") else Path(spec).expanduser()
    if not path.exists():
        raise EdgebenchError(f"artifact not found: {path}")
    if path.is_dir():
        return _identify_folder(path)
    if path.name == "manifest.json" or path.suffix != ".gguf" and (path.parent / "manifest.json").is_file():
        return _identify_folder(path.parent)
    info = inspect_gguf(path)
    return Artifact(path=path, format="gguf", quant=info.file_type.lower(), size_bytes=info.size_bytes,
                    n_params=info.n_params, name=info.name, variant=_variant(_read_json(path.parent / "manifest.json")))


def _variant(manifest: dict | None) -> str:
    temper = (manifest or {}).get("temper")
    return str(temper.get("tag", "")) if isinstance(temper, dict) else ""


def _identify_folder(folder: Path) -> Artifact:
    manifest = _read_json(folder / "manifest.json")
    if manifest and manifest.get("format") == "gguf":
        ggufs = sorted(folder.glob("*.gguf"))
        if not ggufs:
            raise EdgebenchError(f"{folder} has a GGUF manifest but no .gguf file; convert it again")
        return identify(ggufs[0])
    files = {p.name for p in folder.iterdir()}
    if manifest and manifest.get("format") in FORMAT_BACKEND:
        fmt, quant = manifest["format"], manifest["quant"]
    elif "genai_config.json" in files:
        fmt, quant = "onnx", "unknown"
    elif "config.json" in files:
        quantization = (_read_json(folder / "config.json") or {}).get("quantization")
        fmt = "mlx" if quantization else "hf"
        quant = f"{quantization.get('bits')}bit" if quantization else "fp32"
    elif any(name.endswith(".gguf") for name in files):
        return identify(sorted(folder.glob("*.gguf"))[0])
    else:
        raise EdgebenchError(f"{folder} is not a model artifact (no manifest.json, genai_config.json, config.json or .gguf)")
    size = sum(p.stat().st_size for p in weight_files(folder))
    if manifest and manifest.get("bits_per_weight"):
        n_params = round(8 * int(manifest["size_bytes"]) / float(manifest["bits_per_weight"]))
    else:
        n_params = safetensors_params(folder) if fmt == "hf" else 0
    return Artifact(path=folder, format=fmt, quant=quant, size_bytes=size, n_params=n_params, name=folder.name,
                    variant=_variant(manifest))


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def weight_files(folder: Path) -> list[Path]:
    """The files of a folder that hold weights (what an artifact's size counts)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES))


def safetensors_params(folder: Path) -> int:
    """Parameter count from the safetensors headers (8-byte length, then JSON), without loading."""
    total = 0
    for file in folder.glob("*.safetensors"):
        with open(file, "rb") as handle:
            length = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(length))
        for name, entry in header.items():
            if name != "__metadata__":
                count = 1
                for dim in entry["shape"]:
                    count *= dim
                total += count
    return total


def artifact_identity(artifact: Artifact) -> str:
    """Stable identity (16 hex digits): a converted artifact's manifest inputs (target, source and adapter
    hashes, options), else the content hash of its files. Results are keyed by it."""
    import hashlib

    from edge.hashing import hash_path

    folder = artifact.path if artifact.path.is_dir() else artifact.path.parent
    manifest = folder / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        key = {k: data.get(k) for k in ("target", "source_hash", "adapter_hash", "options")}
        if data.get("temper_hash"):  # an edit is part of the identity; unedited artifacts keep theirs
            key["temper_hash"] = data["temper_hash"]
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return hash_path(artifact.path)[:16]
