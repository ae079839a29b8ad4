"""Fit the assert/hedge stance weights (bench/judges/stance_weights.json), reproducibly.

    python -m bench.judges.train_stance [--seed 0] [--out bench/judges/stance_weights.json]

The paper's 1,000 labelled answers (three `*_disposition_profile.json` files) are split by
prompt, not by answer: Gemma's 800 answers are eight samples of 100 prompts, and samples of
one prompt must not sit on both sides. A seeded half of the prompts of each file trains; the
other half is held out, and only it is used to report agreement (`judge-audit`). Training is
L2-regularized logistic regression by gradient descent (numpy, only here; inference is plain
Python), with classes weighted by their inverse frequency (hedges are 7 %); the decision
threshold is chosen by 5-fold cross-validation inside the training half, never on held-out
answers. The weights file records the seed and the training prompts, so the split can be
recomputed and checked.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

PROFILES = ("baseline_disposition_profile.json", "baseline_smollm_v2_disposition_profile.json",
            "baseline_qwen35_0.8b_v2_disposition_profile.json")
TRAIN_SHARE = 0.5
L2 = 1.0
STEPS = 3000
RATE = 0.1


def load(folder: Path) -> list[dict]:
    """Every labelled answer: file, prompt, text, hedge (bool)."""
    rows = []
    for name in PROFILES:
        for s in json.loads((folder / name).read_text())["samples"]:
            rows.append({"file": name, "prompt": int(s["prompt_i"]), "text": s["text"], "hedge": s["verbal"] == "hedge"})
    return rows


def split_prompts(rows: list[dict], seed: int) -> set[tuple[str, int]]:
    """The (file, prompt) groups that train: a seeded TRAIN_SHARE of each file's prompts."""
    rng = random.Random(seed)
    train = set()
    for name in PROFILES:
        prompts = sorted({r["prompt"] for r in rows if r["file"] == name})
        rng.shuffle(prompts)
        train |= {(name, p) for p in prompts[: round(TRAIN_SHARE * len(prompts))]}
    return train


def _fit(x, y, weight):
    import numpy as np

    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = weight * (p - y)
        w -= RATE * (x.T @ g / weight.sum() + L2 * w / len(y))
        b -= RATE * g.sum() / weight.sum()
    return w, b


def _kappa(gold, ours) -> float:
    n = len(gold)
    po = sum(g == o for g, o in zip(gold, ours)) / n
    pg, pw = sum(gold) / n, sum(ours) / n
    pe = pg * pw + (1 - pg) * (1 - pw)
    return (po - pe) / (1 - pe) if pe < 1 else 0.0


def train(folder: Path, seed: int = 0) -> dict:
    import numpy as np

    from bench.judges.stance import FEATURE_NAMES, features

    rows = load(folder)
    groups = split_prompts(rows, seed)
    picked = [r for r in rows if (r["file"], r["prompt"]) in groups]
    x = np.array([features(r["text"]) for r in picked])
    y = np.array([float(r["hedge"]) for r in picked])
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / scale
    weight = np.where(y == 1, (1 - y.mean()) / y.mean(), 1.0)
    # threshold by 5-fold cross-validation within the training prompts
    keys = sorted(groups)
    random.Random(seed + 1).shuffle(keys)
    fold_of = {k: i % 5 for i, k in enumerate(keys)}
    folds = np.array([fold_of[(r["file"], r["prompt"])] for r in picked])
    oof = np.zeros(len(y))
    for f in range(5):
        w, b = _fit(z[folds != f], y[folds != f], weight[folds != f])
        oof[folds == f] = 1 / (1 + np.exp(-(z[folds == f] @ w + b)))
    grid = [t / 100 for t in range(5, 100)]
    threshold = max(grid, key=lambda t: (_kappa(list(y == 1), list(oof >= t)), -abs(t - 0.5)))
    w, b = _fit(z, y, weight)
    return {"about": "assert/hedge stance weights; see bench/judges/train_stance.py", "seed": seed,
            "features": list(FEATURE_NAMES), "mean": mean.tolist(), "scale": scale.tolist(),
            "weights": w.tolist(), "bias": float(b), "threshold": threshold,
            "cv_kappa_train": _kappa(list(y == 1), list(oof >= threshold)),
            "train_prompts": sorted([f, p] for f, p in groups), "n_train": len(picked)}


def main() -> None:
    from bench.judge_audit import artifacts_dir
    from bench.judges.stance import WEIGHTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    result = train(artifacts_dir(), args.seed)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}: {result['n_train']} training answers, threshold {result['threshold']}, "
          f"cross-validated kappa in training {result['cv_kappa_train']:.3f}")


if __name__ == "__main__":
    main()
