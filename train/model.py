"""The base model a stage trains on, and its tokenizer: a Hugging Face folder, a GGUF file
(dequantized to fp32 through transformers) or `default` (the embedded SmolLM2-135M-Instruct).

Loading goes through edge/torch_backend.py:load_hf, the one place edgebench loads a model
through transformers. The base's identity is the content hash of its files, which the
adapter's manifest records so that an adapter is never merged into another base.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edge.errors import EdgebenchError


@dataclass(frozen=True)
class Base:
    spec: str  # as the user gave it
    path: Path
    gguf: bool
    hash: str


def resolve_base(spec: str) -> Base:
    from edge.gguf_inspect import resolve_model
    from edge.hashing import hash_path

    path = resolve_model(spec) if spec in ("", "default") else Path(spec).expanduser()
    if not path.exists():
        raise EdgebenchError(f"base model {spec} not found; give a Hugging Face folder, a .gguf file or 'default'")
    gguf = path.is_file() and path.suffix == ".gguf"
    if not gguf and not (path / "config.json").is_file():
        raise EdgebenchError(f"{path} is neither a .gguf file nor a Hugging Face folder (no config.json)")
    return Base(spec, path, gguf, hash_path(path))


def load_base(base: Base, threads: int | None = None):
    """(fp32 model, tokenizer with a pad token), with torch's threads set (default: one per physical core)."""
    import torch

    from edge.host import physical_cores
    from edge.torch_backend import load_hf

    torch.set_num_threads(threads or physical_cores())
    model, tokenizer = load_hf(base.path, gguf=base.gguf)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def same_tokenizer(a, b) -> bool:
    """Logit distillation compares distributions token by token: both must use one vocabulary."""
    return a.get_vocab() == b.get_vocab()


def chat_ids(tokenizer, messages: list[dict]) -> list[int]:
    """The prompt's token ids with the assistant's turn opened (the model's own chat template)."""
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    return list(ids["input_ids"] if hasattr(ids, "keys") else ids)


def answer_ids(tokenizer, answer: str) -> list[int]:
    """The answer's tokens and the end-of-turn token the model must learn to stop with."""
    return tokenizer(answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
