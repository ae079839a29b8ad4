"""Check that each artifact is the same model as the reference: its tokenizer gives the
reference tokenizer's ids on a mixed corpus (prose, code, digits, unicode), and its
next-token distribution agrees with the torch fp32 reference on a fixed text (top-1
agreement and mean KL divergence, reference || artifact).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.drift import exact_kl, log_softmax

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


def reference(prepared: Path, settings) -> Reference:
    """The torch fp32 reference, run through the same backend interface as every artifact."""
    from edge.backend import open_backend

    backend = open_backend("torch", prepared, settings)
    try:
        lines = corpus_lines()
        line_ids = [backend.tokenize(line) for line in lines]
        ids = backend.tokenize("\n".join(lines))
        log_probs = log_softmax(backend.logits(ids))
    finally:
        backend.close()
    return Reference(lines, line_ids, ids, log_probs)


def agreement(ref: Reference, logits: np.ndarray, tokenized: list[list[int]]) -> dict:
    """Tokenizer match per corpus line, top-1 agreement and KL (edge/drift.py's exact KL) over the corpus."""
    art = log_softmax(logits[: len(ref.ids)])
    vocab = min(ref.log_probs.shape[1], art.shape[1])
    kl = exact_kl(ref.log_probs, art)
    matches = sum(a == b for a, b in zip(tokenized, ref.line_ids))
    return {
        "tokenizer_match": matches / len(ref.line_ids),
        "tokenizer_mismatched_lines": [ref.lines[i][:40] for i, (a, b) in enumerate(zip(tokenized, ref.line_ids)) if a != b],
        "top1_agreement": float((ref.log_probs[:, :vocab].argmax(-1) == art[:, :vocab].argmax(-1)).mean()),
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
