"""Head tempering as a weight edit: scale chosen attention heads' outputs by lambda.

A head's output is its slice of the o_proj input, so multiplying o_proj's weight columns
of that slice by lambda is exactly a forward hook that scales the slice, but it lives in the
weights: every exported target (GGUF, MLX, ONNX) carries it and a device runs it with no hooks.
The edit is applied to the merged fp32 model (convert/source.py:prepare, after the adapter),
and its hash joins the source and adapter hashes in every artifact's identity and manifest.

Heads are named `L.H` (decoder layer, query head, from 0), given as `--temper 'L.H=0.8,...'` or
taken from a head ranking (`edgebench heads --json`, train/heads.py) as its top K with one lambda.
A head at lambda 1 is no edit and is dropped, so lambda 1 everywhere is the unedited model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from edge.attention_layout import check_head, head_shape, o_proj
from edge.errors import EdgebenchError
from edge.hashing import hash_text

SPEC = re.compile(r"^\s*(\d+)\.(\d+)\s*=\s*([0-9]*\.?[0-9]+)\s*$")


@dataclass(frozen=True)
class Temper:
    """Heads (layer, head, lambda), sorted, none at lambda 1; `origin` says where they came from."""

    heads: tuple[tuple[int, int, float], ...]
    origin: str = "--temper"

    @property
    def hash(self) -> str | None:
        """What the artifact's identity holds: the heads and lambdas only (the origin is a note)."""
        return hash_text(json.dumps([list(h) for h in self.heads]))[:16] if self.heads else None

    @property
    def tag(self) -> str:
        """A short label suffix: `t0.8x5` (one lambda on 5 heads), else `t` and the hash's start."""
        lambdas = {lam for _, _, lam in self.heads}
        return f"t{lambdas.pop():g}x{len(self.heads)}" if len(lambdas) == 1 else f"t{self.hash[:6]}"

    def as_dict(self) -> dict:
        return {"heads": [{"layer": L, "head": H, "lambda": lam} for L, H, lam in self.heads], "origin": self.origin,
                "hash": self.hash, "tag": self.tag}


def make(heads, origin: str = "--temper") -> Temper | None:
    """A Temper from (layer, head, lambda) triples; None when no head is edited (all at lambda 1)."""
    seen: dict[tuple[int, int], float] = {}
    for layer, head, lam in heads:
        if lam < 0:
            raise EdgebenchError(f"temper lambda must be >= 0 (got {lam} for head {layer}.{head})")
        if (layer, head) in seen:
            raise EdgebenchError(f"head {layer}.{head} is named twice in the temper edit")
        seen[(layer, head)] = float(lam)
    kept = tuple(sorted((L, H, lam) for (L, H), lam in seen.items() if lam != 1.0))
    return Temper(kept, origin) if kept else None


def parse_spec(text: str) -> Temper | None:
    """`'L.H=lambda,...'`, e.g. `'3.1=0.8,5.0=0.5'`."""
    heads = []
    for part in (p for p in text.split(",") if p.strip()):
        match = SPEC.match(part)
        if not match:
            raise EdgebenchError(f"--temper takes LAYER.HEAD=LAMBDA, comma-separated, e.g. '3.1=0.8,5.0=0.5' (got {part.strip()!r})")
        heads.append((int(match[1]), int(match[2]), float(match[3])))
    if not heads:
        raise EdgebenchError("--temper is empty; give LAYER.HEAD=LAMBDA, e.g. '3.1=0.8'")
    return make(heads)


def top_heads(ranking_file: Path, top: int) -> list[tuple[int, int]]:
    """The first `top` heads of a ranking written by `edgebench heads --json` (ranked by Cohen's d, largest first)."""
    try:
        data = json.loads(Path(ranking_file).read_text(encoding="utf-8"))
        ranked = [(int(h["layer"]), int(h["head"])) for h in data["heads"]]
    except (OSError, ValueError, KeyError, TypeError):
        raise EdgebenchError(f"--temper-from {ranking_file} is not a head ranking; write one with "
                             "edgebench heads MODEL --json > heads.json") from None
    if top > len(ranked):
        raise EdgebenchError(f"--temper-top {top} exceeds the {len(ranked)} heads ranked in {ranking_file}")
    return ranked[:top]


def from_flags(spec: str | None, top: int | None, lambdas: tuple[float, ...], ranking: Path | None) -> list[Temper | None]:
    """One edit per lambda (None: the unedited model), from --temper or --temper-top/--temper-lambda/--temper-from.
    No flag: [None]. Several lambdas make a sweep (`edgebench run`); `edgebench convert` takes one."""
    if spec is not None and (top is not None or ranking is not None or lambdas):
        raise EdgebenchError("give either --temper 'L.H=LAMBDA,...' or --temper-top with --temper-lambda and --temper-from, not both")
    if spec is not None:
        return [parse_spec(spec)]
    if top is None and ranking is None and not lambdas:
        return [None]
    if top is None or ranking is None or not lambdas:
        raise EdgebenchError("--temper-top, --temper-lambda and --temper-from go together, e.g. "
                             "--temper-top 5 --temper-lambda 0.8 --temper-from heads.json")
    if top < 1:
        raise EdgebenchError(f"--temper-top must be at least 1 (got {top})")
    heads = top_heads(ranking, top)
    origin = f"top {top} of {Path(ranking).name}"
    edits = [make([(L, H, lam) for L, H in heads], origin) for lam in lambdas]
    if len({e.hash if e else None for e in edits}) < len(edits):
        raise EdgebenchError(f"--temper-lambda names one lambda twice ({', '.join(f'{x:g}' for x in lambdas)})")
    return edits


def parse_lambdas(text: str | None) -> tuple[float, ...]:
    if text is None:
        return ()
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise EdgebenchError(f"--temper-lambda takes numbers, comma-separated, e.g. 1.0,0.9,0.8,0.5 (got {text!r})") from None


def apply(model, temper: Temper) -> None:
    """Scale each head's o_proj input columns in place (fp32). Every head is checked before any is edited."""
    import torch

    shape = head_shape(model.config)
    for layer, head, _ in temper.heads:
        check_head(shape, layer, head)
    width = shape.head_dim
    with torch.no_grad():
        for layer, head, lam in temper.heads:
            o_proj(model, layer).weight[:, head * width:(head + 1) * width] *= lam
