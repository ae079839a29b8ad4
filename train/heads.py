"""Head attribution (`edgebench heads`): which attention heads are more active when the model
asserts a wrong answer than when it asserts a right one.

On the torch reference, each suite item is answered greedily and scored with the suite's own
scorers; asserted answers form two cohorts, confident-right (correct) and confident-wrong. For
each answer, a forward pre-hook on every layer's o_proj reads its input (the heads' outputs side
by side), and each head's slice norm is averaged over the last `last_tokens` answer positions.
Heads are ranked by Cohen's d (wrong minus right, in pooled standard deviations), with a
percentile bootstrap interval over answers resampled within each cohort. The ranking is what
`--temper-from` reads (convert/temper.py): a head with a large positive d is a candidate to scale down.

Run: `edgebench heads default --limit 40 --json > heads.json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from bench.operators import RankedHead  # one head of a ranking, as the report reads it back
from bench.scoring import suite_items
from bench.suites import get_suite
from edge.attention_layout import HeadShape, head_shape, o_proj
from edge.errors import EdgebenchError
from edge.progress import Progress

MIN_COHORT = 3  # answers per cohort below which d has no standard deviation worth the name


@dataclass(frozen=True)
class HeadsConfig:
    suite: str = "bank:factual"  # every item has gold, so every asserted answer joins a cohort
    split: str = "dev"
    limit: int | None = 40  # items of the split; None: all
    max_tokens: int = 192  # the answer budget (greedy)
    last_tokens: int = 32  # answer positions each norm is averaged over (the paper's 32)
    bootstrap: int = 1000  # resamples for the interval on d
    seed: int = 0
    threads: int = 1


def head_norms(model, prompt_ids: list[int], answer_ids: list[int], last_tokens: int) -> np.ndarray:
    """[layers, heads]: each head's o_proj-input slice norm, averaged over the last answer positions."""
    import torch

    shape = head_shape(model.config)
    captured: dict[int, torch.Tensor] = {}
    handles = [o_proj(model, layer).register_forward_pre_hook(
        lambda module, args, layer=layer: captured.__setitem__(layer, args[0].detach()))
        for layer in range(shape.n_layers)]
    start = len(prompt_ids) + max(0, len(answer_ids) - last_tokens)
    try:
        with torch.inference_mode():
            model(torch.tensor([prompt_ids + answer_ids]))
    finally:
        for handle in handles:
            handle.remove()
    norms = np.empty((shape.n_layers, shape.n_heads))
    for layer in range(shape.n_layers):
        window = captured[layer][0, start:].reshape(-1, shape.n_heads, shape.head_dim)
        norms[layer] = window.norm(dim=-1).mean(dim=0).double().numpy()
    return norms


def cohens_d(wrong: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per column: (mean wrong - mean right) / pooled sd; 0 where both cohorts are constant."""
    n1, n2 = len(wrong), len(right)
    pooled = np.sqrt(((n1 - 1) * wrong.var(0, ddof=1) + (n2 - 1) * right.var(0, ddof=1)) / (n1 + n2 - 2))
    diff = wrong.mean(0) - right.mean(0)
    return np.divide(diff, pooled, out=np.zeros_like(diff), where=pooled > 0)


def rank_heads(right: np.ndarray, wrong: np.ndarray, shape: HeadShape, bootstrap: int = 1000,
               seed: int = 0) -> list[RankedHead]:
    """Heads by Cohen's d, largest first; `right`/`wrong` are [answers, layers * heads] norms."""
    if min(len(right), len(wrong)) < MIN_COHORT:
        raise EdgebenchError(f"too few confident answers to rank heads: {len(right)} right and {len(wrong)} wrong, "
                             f"at least {MIN_COHORT} each needed; raise --limit or choose another --suite/--split")
    d = cohens_d(wrong, right)
    rng = np.random.default_rng(seed)
    draws = np.stack([cohens_d(wrong[rng.integers(0, len(wrong), len(wrong))],
                               right[rng.integers(0, len(right), len(right))]) for _ in range(bootstrap)])
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    ranks = [RankedHead(i // shape.n_heads, i % shape.n_heads, float(d[i]), float(low[i]), float(high[i]),
                      float(right[:, i].mean()), float(wrong[:, i].mean())) for i in range(d.size)]
    return sorted(ranks, key=lambda r: -r.d)


def cohort_of(scores: dict) -> str | None:
    """'right' or 'wrong' for an asserted answer with a correctness verdict; None otherwise (hedged, or no gold)."""
    if scores.get("asserts") != 1 or scores.get("correct") is None:
        return None
    return "right" if scores["correct"] == 1 else "wrong"


def check_suite(config: HeadsConfig):
    """The suite, refused before any model is loaded if it cannot form the two cohorts."""
    suite = get_suite(config.suite)
    if config.split not in suite.spec.splits:
        raise EdgebenchError(f"suite {config.suite} has no split {config.split!r}; it has {', '.join(suite.spec.splits)}")
    if "correct" not in suite.spec.metrics or "asserts" not in suite.spec.metrics:
        raise EdgebenchError(f"suite {config.suite} does not score both assertion and correctness; "
                             "use disposition or bank (cohorts are asserted answers, right or wrong)")
    return suite


def attribute(model_folder, config: HeadsConfig, progress: Progress | None = None) -> dict:
    """Answer, score, measure and rank on the torch model in `model_folder` (fp32, adapter merged)."""
    from edge.backend import Sampling
    from edge.profiles import RuntimeSettings
    from edge.torch_backend import TorchBackend

    progress = progress or Progress()
    suite = check_suite(config)
    items = suite_items(suite, (config.split,), config.limit)
    backend = TorchBackend(model_folder, RuntimeSettings(threads=config.threads, n_ctx=4096))
    norms: dict[str, list[np.ndarray]] = {"right": [], "wrong": []}
    counts = {"items": len(items), "hedged_or_ungraded": 0, "cut_off": 0}
    progress.start("torch", "heads", total=len(items))
    try:
        for done, item in enumerate(items, start=1):
            generation = backend.generate(item.messages, Sampling(max_tokens=config.max_tokens))
            cohort = cohort_of(suite.evaluate([(item, generation.text)])[0])
            counts["cut_off"] += generation.stop_reason == "length"
            if cohort is None or not generation.token_ids:
                counts["hedged_or_ungraded"] += 1
            else:
                norms[cohort].append(head_norms(backend.model, backend.prompt_tokens(item.messages),
                                                generation.token_ids, config.last_tokens).ravel())
            progress.update(done, len(items), generation.timings.generation_tps)
    finally:
        progress.end()
        shape = head_shape(backend.model.config)
        backend.close()
    right, wrong = (np.array(norms[c]).reshape(-1, shape.n_layers * shape.n_heads) for c in ("right", "wrong"))
    ranks = rank_heads(right, wrong, shape, config.bootstrap, config.seed)
    return {"config": asdict(config), "shape": asdict(shape), "cohorts": {"right": len(right), "wrong": len(wrong)},
            "counts": counts, "heads": [asdict(r) for r in ranks]}
