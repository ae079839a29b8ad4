"""`edgebench drift`: how far an artifact's next-token distribution moves from the
full-precision reference, on a fixed corpus shipped with edgebench (edge/data).

The corpus is cut into windows of WINDOW tokens; in each window every position but the
last predicts the next token (llama-perplexity scores the same way, per chunk).

The reference is stored compactly: per position its top-K logits and their token ids,
the log-sum-exp over the whole vocabulary, and the log-probability of the true next
token (for perplexity). KL(reference || artifact) is then computed over the top-K plus
one bucket holding all other tokens: by the data-processing inequality that is a lower
bound on the exact KL, and the gap is small when the top-K hold most of the mass. To
show how small, the reference also keeps full log-probabilities at SLICE_PER_WINDOW
positions spread evenly through every window (so through the whole corpus, early and late
context, prose and code alike), where the exact KL is computed beside the approximation.

Neighbouring positions are not independent, so the top-1 agreement's standard error comes
from a block bootstrap: blocks of BLOCK consecutive positions, resampled with replacement.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from edge.errors import EdgebenchError

if TYPE_CHECKING:
    from edge.artifacts import Artifact

CORPUS = Path(__file__).resolve().parent / "data" / "drift_corpus.txt"
WINDOW = 512
TOP_K = 256  # the approximation's error is measured and reported with every result (kl_approximation)
SLICE_PER_WINDOW = 4  # positions per window kept exact: 36 over the whole corpus, about 7 MB
BLOCK = 64  # positions per bootstrap block for the top-1 standard error
BOOTSTRAP = 1000
FORMAT_VERSION = 2  # 2: exact slice spread through every window (with its positions)


def corpus_text() -> str:
    return CORPUS.read_text(encoding="utf-8")


def corpus_sha256() -> str:
    return hashlib.sha256(CORPUS.read_bytes()).hexdigest()


def windows(ids: list[int], window: int = WINDOW) -> list[list[int]]:
    """Consecutive windows; a last window shorter than 2 tokens predicts nothing and is dropped."""
    return [ids[i : i + window] for i in range(0, len(ids), window) if len(ids[i : i + window]) >= 2]


@dataclass
class Reference:
    """The compact reference: per scored position, top-K (ids, logits), logsumexp, true-token log-prob."""

    token_ids: np.ndarray  # the corpus as the reference tokenized it
    top_ids: np.ndarray  # [positions, K] int32, most likely first
    top_logits: np.ndarray  # [positions, K] float32
    lse: np.ndarray  # [positions] float64
    target_logprob: np.ndarray  # [positions] float64
    slice_logprobs: np.ndarray  # [slice positions, vocab] float32, exact
    slice_positions: np.ndarray  # [slice positions] int, their index among the scored positions
    meta: dict

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, token_ids=self.token_ids, top_ids=self.top_ids, top_logits=self.top_logits,
                            lse=self.lse, target_logprob=self.target_logprob, slice_logprobs=self.slice_logprobs,
                            slice_positions=self.slice_positions, meta=np.array(json.dumps(self.meta)))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Reference":
        try:
            with np.load(path) as data:  # allow_pickle stays False: a reference holds arrays, never objects
                fields = {k: data[k] for k in data.files}
            meta = json.loads(str(fields.pop("meta")))
            if not isinstance(meta, dict):
                raise ValueError("its meta is not a JSON object")
            reference = cls(meta=meta, **fields)
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise EdgebenchError(f"{path} is not a drift reference ({exc.__class__.__name__}: {str(exc)[:120]}); "
                                 "make one with: edgebench drift REF --save-reference FILE") from None
        if meta.get("format_version") != FORMAT_VERSION or meta.get("corpus_sha256") != corpus_sha256():
            raise EdgebenchError(f"{path} was made for another corpus or format version; make it again with --save-reference")
        return reference


def _scored(backend, ids: list[int]):
    """Per window: (logits float32, their log-sum-exp float64, the true next tokens), for the predicting positions.
    The vocabulary-wide work stays in float32 (it is most of the time); the log-sum-exp is summed in float64."""
    for window in windows(ids):
        logits = np.asarray(backend.logits(window)[:-1], dtype=np.float32)
        top = logits.max(-1, keepdims=True)
        lse = top[:, 0].astype(np.float64) + np.log(np.exp(logits - top).sum(-1, dtype=np.float64))
        yield logits, lse, np.asarray(window[1:])


def build_reference(backend, label: str, on_window=None, max_windows: int | None = None) -> Reference:
    """The reference of the whole corpus, or of its first `max_windows` windows (what a plan that measures only
    those needs: a bundle carries no more); the token ids are always the whole corpus's (the tokenizer check)."""
    ids = backend.tokenize(corpus_text())
    scored = ids[: max_windows * WINDOW] if max_windows else ids
    total = len(windows(scored))
    top_ids, top_logits, lse, target, slice_rows, slice_at = [], [], [], [], [], []
    offset = 0
    for logits, window_lse, targets in _scored(backend, scored):
        rows = np.arange(len(targets))[:, None]
        part = np.argpartition(-logits, TOP_K, axis=-1)[:, :TOP_K]
        order = np.take_along_axis(part, np.argsort(-logits[rows, part], axis=-1), -1)  # most likely first
        top_ids.append(order.astype(np.int32))
        top_logits.append(logits[rows, order])
        lse.append(window_lse)
        target.append(logits[rows[:, 0], targets] - window_lse)
        picked = slice_offsets(len(targets))
        slice_rows.append((logits[picked] - window_lse[picked, None]).astype(np.float32))
        slice_at.append(offset + picked)
        offset += len(targets)
        if on_window:
            on_window(len(lse), total)
    meta = {"format_version": FORMAT_VERSION, "corpus_sha256": corpus_sha256(), "reference": label,
            "window": WINDOW, "top_k": TOP_K, **({"windows": total} if max_windows else {})}
    return Reference(np.asarray(ids, dtype=np.int32), np.concatenate(top_ids), np.concatenate(top_logits),
                     np.concatenate(lse), np.concatenate(target), np.concatenate(slice_rows),
                     np.concatenate(slice_at), meta)


def slice_offsets(n: int) -> np.ndarray:
    """SLICE_PER_WINDOW positions spread evenly through a window of n scored positions."""
    return np.unique(((np.arange(SLICE_PER_WINDOW) + 0.5) * n / SLICE_PER_WINDOW).astype(int).clip(0, n - 1))


def block_bootstrap_se(values: np.ndarray, block: int = BLOCK, rounds: int = BOOTSTRAP, seed: int = 0) -> float:
    """Standard error of the mean of correlated values: resample blocks of consecutive values."""
    blocks = [values[i : i + block] for i in range(0, len(values), block)]
    if len(blocks) < 2:
        return float("nan")
    sums = np.array([b.sum() for b in blocks], dtype=np.float64)
    sizes = np.array([len(b) for b in blocks], dtype=np.float64)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(blocks), size=(rounds, len(blocks)))
    return float((sums[picks].sum(1) / sizes[picks].sum(1)).std(ddof=1))


def first_difference(backend, ref_ids: list[int]) -> dict | None:
    """Where the artifact's own tokenizer first splits the corpus differently from the reference's, if it does."""
    ids = backend.tokenize(corpus_text())
    if ids == ref_ids:
        return None
    at = next((i for i, (a, b) in enumerate(zip(ids, ref_ids)) if a != b), min(len(ids), len(ref_ids)))
    return {"token_index": at, "reference_tokens": len(ref_ids), "artifact_tokens": len(ids),
            "text_before": backend.detokenize(ref_ids[max(0, at - 8) : at])[-40:]}


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities over the last axis, in float64."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def exact_kl(ref_logp: np.ndarray, art_logp: np.ndarray) -> np.ndarray:
    """KL(reference || artifact) per position over the whole (shared) vocabulary."""
    vocab = min(ref_logp.shape[-1], art_logp.shape[-1])
    ref_logp, art_logp = ref_logp[..., :vocab], art_logp[..., :vocab]
    return (np.exp(ref_logp) * (ref_logp - art_logp)).sum(-1)


def kl_topk(ref_logp_top: np.ndarray, art_logp_top: np.ndarray) -> np.ndarray:
    """KL over the top-K tokens plus one bucket for the rest (a lower bound on the exact KL)."""
    p = np.exp(ref_logp_top)
    kl = (p * (ref_logp_top - art_logp_top)).sum(-1)
    p_rest = np.clip(1.0 - p.sum(-1), 0.0, 1.0)
    q_rest = np.clip(1.0 - np.exp(art_logp_top).sum(-1), 1e-12, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        bucket = np.where(p_rest > 0, p_rest * (np.log(np.maximum(p_rest, 1e-300)) - np.log(q_rest)), 0.0)
    return kl + bucket


def measure_drift(backend, ref: Reference, on_window=None, max_windows: int | None = None) -> dict:
    """Drift on the reference's own token ids, so both models see exactly the same input; whether the
    artifact's tokenizer would have produced those ids is reported beside (a separate failure).
    max_windows scores only the first windows (for runtimes too slow for the whole corpus, such as
    MLX on a Linux CPU); the figures say how many positions they cover."""
    all_ids = ref.token_ids.tolist()
    held = ref.meta.get("windows")  # a reference of the first windows only (a bundle's) scores no further
    max_windows = min(max_windows or held, held) if held else max_windows
    ids = all_ids[: max_windows * WINDOW] if max_windows else all_ids
    total = len(windows(ids))
    kl, agree, art_target, exact, approx_on_slice = [], [], [], [], []
    offset = 0
    for logits, window_lse, targets in _scored(backend, ids):
        n = len(targets)
        rows = np.arange(n)
        top_ids = ref.top_ids[offset : offset + n]
        ref_top = ref.top_logits[offset : offset + n].astype(np.float64) - ref.lse[offset : offset + n, None]
        art_top = logits[rows[:, None], top_ids].astype(np.float64) - window_lse[:, None]
        window_kl = kl_topk(ref_top, art_top)
        kl.append(window_kl)
        agree.append(logits.argmax(-1) == top_ids[:, 0])
        art_target.append(logits[rows, targets] - window_lse)
        here = np.flatnonzero((ref.slice_positions >= offset) & (ref.slice_positions < offset + n))
        if len(here):
            local = ref.slice_positions[here] - offset
            art_rows = logits[local].astype(np.float64) - window_lse[local, None]
            exact.append(exact_kl(ref.slice_logprobs[here].astype(np.float64), art_rows))
            approx_on_slice.append(window_kl[local])
        offset += n
        if on_window:
            on_window(len(kl), total)
    kl, agree = np.concatenate(kl), np.concatenate(agree)
    exact, approx = np.concatenate(exact), np.concatenate(approx_on_slice)
    top1 = float(agree.mean())
    ref_nll, art_nll = -ref.target_logprob[: len(kl)].mean(), -np.concatenate(art_target).mean()
    return {
        "reference": ref.meta["reference"],
        "positions": int(len(kl)),
        "kl_mean": float(kl.mean()),
        "kl_median": float(np.median(kl)),
        "kl_p99": float(np.percentile(kl, 99)),
        "top1_agreement": top1,
        "top1_stderr": block_bootstrap_se(agree.astype(np.float64)),  # blocks of BLOCK positions
        "top1_stderr_method": f"block bootstrap, blocks of {BLOCK} positions, {BOOTSTRAP} rounds",
        "ppl_reference": float(np.exp(ref_nll)),
        "ppl_artifact": float(np.exp(art_nll)),
        "ppl_ratio": float(np.exp(art_nll - ref_nll)),
        "corpus_positions": int(len(ref.target_logprob)),
        "tokenizer_difference": first_difference(backend, all_ids),
        "kl_approximation": {
            "top_k": int(ref.meta["top_k"]),
            "slice_positions": int(len(exact)),
            "exact_kl_mean": float(exact.mean()),
            "approx_kl_mean": float(approx.mean()),
            "max_abs_error": float(np.abs(exact - approx).max()),
            "relative_error_of_mean": float(abs(exact.mean() - approx.mean()) / exact.mean()) if exact.mean() > 1e-9 else 0.0,
        },
    }


def reference_for(spec: "str | Artifact", settings, backend_name: str | None = None, on_window=None,
                  label: str | None = None, max_windows: int | None = None) -> Reference:
    """A stored reference (.npz), or one built now by running the reference artifact (named `label`,
    by default its format, quant and path)."""
    from edge.artifacts import Artifact, identify
    from edge.backend import open_backend

    if not isinstance(spec, Artifact) and str(spec).endswith(".npz"):
        if not Path(spec).is_file():
            raise EdgebenchError(f"drift reference not found: {spec}")
        return Reference.load(Path(spec))
    artifact = identify(spec)
    backend = open_backend(backend_name or artifact.backend, artifact.path, settings)
    try:
        return build_reference(backend, label or f"{artifact.label} {artifact.path}", on_window, max_windows)
    finally:
        backend.close()


def run_drift(artifact_spec: "str | Artifact", ref: Reference, settings, backend_name: str | None = None, on_window=None,
              max_windows: int | None = None) -> dict:
    """Drift of one artifact from a reference, with the artifact's identity beside the figures."""
    from edge.artifacts import identify
    from edge.backend import open_backend

    artifact = identify(artifact_spec)
    backend = open_backend(backend_name or artifact.backend, artifact.path, settings)
    try:
        return {"artifact": artifact.to_dict(), **measure_drift(backend, ref, on_window, max_windows)}
    finally:
        backend.close()



# ---- in a child process (edge/isolation.py): a runtime crash costs this measurement only ----

def build_reference_isolated(spec: "str | Artifact", settings, path: Path, backend_name: str | None = None,
                             on_window=None, label: str | None = None, max_windows: int | None = None) -> None:
    """reference_for() in a child process, saved to `path` (atomically); load it with Reference.load."""
    from edge.artifacts import identify
    from edge.isolation import run_isolated, runtime_name

    artifact = identify(spec)
    backend_name = backend_name or artifact.backend
    run_isolated(_reference_worker, (artifact, settings, str(path), backend_name, label, max_windows), _window_events(on_window),
                 runtime=runtime_name(backend_name))


def run_drift_isolated(spec: "str | Artifact", reference_path: Path, settings, backend_name: str | None = None, on_window=None,
                       max_windows: int | None = None) -> dict:
    """run_drift() in a child process, against a reference saved at `reference_path`."""
    from edge.artifacts import identify
    from edge.isolation import run_isolated, runtime_name

    artifact = identify(spec)
    backend_name = backend_name or artifact.backend
    return run_isolated(_drift_worker, (artifact, str(reference_path), settings, backend_name, max_windows),
                        _window_events(on_window), runtime=runtime_name(backend_name))


def _window_events(on_window):
    def handle(event: dict) -> None:
        if on_window is not None and "done" in event:
            on_window(event["done"], event["total"])
    return handle


def _window_emitter(emit, what: str):
    def on_window(done: int, total: int) -> None:
        emit({"done": done, "total": total, "doing": f"{what} (window {min(done + 1, total)} of {total})"})
    return on_window


def _reference_worker(spec: "str | Artifact", settings, path: str, backend_name: str, label: str | None,
                      max_windows: int | None, emit) -> None:
    emit({"doing": "loading the drift reference model"})
    reference_for(spec, settings, backend_name, _window_emitter(emit, "building the drift reference"), label,
                  max_windows).save(Path(path))


def _drift_worker(spec: "str | Artifact", reference_path: str, settings, backend_name: str, max_windows: int | None, emit) -> dict:
    emit({"doing": "loading the model for drift"})
    ref = Reference.load(Path(reference_path))
    return run_drift(spec, ref, settings, backend_name, _window_emitter(emit, "measuring drift"), max_windows)


def measure_drift_set(artifacts: list[str], reference: str, settings, backend_name: str | None = None,
                      max_windows: int | None = None, save_reference: Path | None = None, progress=None) -> list[dict]:
    """`edgebench drift`: every artifact against one reference, each in its own child process.
    All inputs are checked before any model runs; a crash is reported in that artifact's result."""
    import tempfile

    from edge.artifacts import identify
    from edge.progress import Progress
    from edge.backend import backend_class
    from edge.isolation import RuntimeCrash

    if backend_name is not None:
        backend_class(backend_name)  # an unknown or missing runtime is refused now, not after the reference
    for spec in artifacts:
        identify(spec)
    if str(reference).endswith(".npz") and not Path(reference).is_file():
        raise EdgebenchError(f"drift reference not found: {reference}")
    progress = progress or Progress()
    results = []
    with tempfile.TemporaryDirectory(prefix="edgebench-drift-") as tmp:
        if str(reference).endswith(".npz"):
            ref_path = Path(reference)
            Reference.load(ref_path)  # refuse a stale or foreign file now
        else:
            ref_path = Path(tmp) / "reference.npz"
            progress.start(str(reference), "drift reference")
            # only the windows that are scored, unless the reference is kept for later runs (then all of them)
            ref_windows = None if save_reference is not None else max_windows
            try:
                build_reference_isolated(reference, settings, ref_path, backend_name, progress.update,
                                         max_windows=ref_windows)
            finally:
                progress.end()
        if save_reference is not None:
            Reference.load(ref_path).save(save_reference)
        for spec in artifacts:
            progress.start(str(spec), "drift")
            try:
                results.append(run_drift_isolated(spec, ref_path, settings, backend_name, progress.update, max_windows))
            except RuntimeCrash as crash:
                results.append({"artifact": identify(spec).to_dict(), "crash": str(crash)})
            finally:
                progress.end()
    return results
