"""Check that each artifact is the same model as the reference: its tokenizer gives the
reference tokenizer's ids on a mixed corpus (prose, code, digits, unicode), and its
next-token distribution agrees with the torch fp32 reference on a fixed text (top-1
agreement and mean KL divergence, reference || artifact).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parent / "data" / "verify.txt"
F16_MIN_TOP1 = 0.995  # F16 GGUF must agree with torch at least this often


@dataclass
class Reference:
    lines: list[str]
    line_ids: list[list[int]]  # the reference tokenizer's ids per corpus line
    ids: list[int]  # the whole corpus, for logits
    log_probs: np.ndarray  # [positions, vocab]


def corpus_lines() -> list[str]:
    return [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def probe_ids(tokenizer) -> list[int]:
    """A short token sequence for the merge check."""
    return tokenizer(corpus_lines()[0], add_special_tokens=False)["input_ids"]


def reference(prepared: Path) -> Reference:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from convert.source import quiet_transformers

    quiet_transformers()
    tokenizer = AutoTokenizer.from_pretrained(prepared)
    model = AutoModelForCausalLM.from_pretrained(prepared, dtype="float32").eval()
    lines = corpus_lines()
    line_ids = [tokenizer(line, add_special_tokens=False)["input_ids"] for line in lines]
    ids = tokenizer("\n".join(lines), add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    return Reference(lines, line_ids, ids, torch.log_softmax(logits, -1).numpy())


def log_softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def agreement(ref: Reference, logits: np.ndarray, tokenized: list[list[int]]) -> dict:
    vocab = min(ref.log_probs.shape[1], logits.shape[1])
    p_ref = ref.log_probs[:, :vocab]
    p_art = log_softmax(logits[: len(ref.ids), :vocab])
    kl = (np.exp(p_ref) * (p_ref - p_art)).sum(-1)
    matches = sum(a == b for a, b in zip(tokenized, ref.line_ids))
    return {
        "tokenizer_match": matches / len(ref.line_ids),
        "tokenizer_mismatched_lines": [ref.lines[i][:40] for i, (a, b) in enumerate(zip(tokenized, ref.line_ids)) if a != b],
        "top1_agreement": float((p_ref.argmax(-1) == p_art.argmax(-1)).mean()),
        "kl_mean": float(kl.mean()),
        "kl_max": float(kl.max()),
        "positions": len(ref.ids),
    }


def verify_artifact(path: Path, ref: Reference, settings) -> dict:
    """Run the artifact through the backend the benchmark uses, with the device's settings
    (threads, weight repacking), so that --verify checks the path that runs."""
    from edge.artifacts import identify
    from edge.backend import open_backend

    artifact = identify(str(path))
    backend = open_backend(artifact.backend, artifact.path, settings)
    try:
        tokenized = [backend.tokenize(line) for line in ref.lines]
        logits = backend.logits(ref.ids)
    finally:
        backend.close()
    return agreement(ref, logits, tokenized)
