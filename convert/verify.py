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


def gguf_outputs(path: Path, ref: Reference, threads: int) -> tuple[np.ndarray, list[list[int]]]:
    from llama_cpp import Llama

    llm = Llama(str(path), n_ctx=max(512, len(ref.ids) + 8), logits_all=True, n_threads=threads, verbose=False)
    try:
        tokenized = [llm.tokenize(line.encode("utf-8"), add_bos=False, special=False) for line in ref.lines]
        llm.eval(ref.ids)
        return np.array(llm.scores[: len(ref.ids)]), tokenized
    finally:
        llm.close()


def mlx_outputs(path: Path, ref: Reference) -> tuple[np.ndarray, list[list[int]]]:
    import mlx.core as mx
    from mlx_lm import load

    model, tokenizer = load(str(path))
    tokenized = [tokenizer.encode(line, add_special_tokens=False) for line in ref.lines]
    logits = model(mx.array([ref.ids]))[0].astype(mx.float32)
    return np.array(logits), tokenized


def onnx_outputs(path: Path, ref: Reference) -> tuple[np.ndarray, list[list[int]]]:
    import onnxruntime_genai as og

    model = og.Model(str(path))
    tokenizer = og.Tokenizer(model)
    tokenized = [list(tokenizer.encode(line)) for line in ref.lines]
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=len(ref.ids) + 8)
    generator = og.Generator(model, params)
    generator.append_tokens(ref.ids)
    return np.array(generator.get_output("logits"))[0], tokenized


def verify_artifact(fmt: str, artifact: Path, ref: Reference, threads: int) -> dict:
    if fmt == "gguf":
        logits, tokenized = gguf_outputs(artifact, ref, threads)
    elif fmt == "mlx":
        logits, tokenized = mlx_outputs(artifact, ref)
    else:
        logits, tokenized = onnx_outputs(artifact, ref)
    return agreement(ref, logits, tokenized)
