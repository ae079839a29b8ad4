"""Fit the assert/hedge stance weights (bench/judges/stance_weights.json) and measure them honestly.

    python -m bench.judges.train_stance [--seed 0] [--repeats 10] [--out bench/judges/stance_weights.json]

Data: the paper's 1,000 labelled answers (three `*_disposition_profile.json` files: Gemma 4 E2B
800 = 8 samples of 100 prompts, SmolLM2-1.7B 100, Qwen3.5-0.8B 100). The three files answer the
same 100 prompts (same `prompt_i`, same topic), so a *group* is a prompt, across all files: no
answer is ever predicted by a model that saw any answer to its prompt.

The measure (`cross_validate`): grouped k-fold cross-validation (FOLDS folds of the 100 prompts,
REPEATS seeded repeats). In every outer fold the L2 strength and the decision threshold are
chosen by an inner grouped CV on the training prompts only; the model is fitted on the
training prompts and labels the held-out prompts. Each repeat thus gives every one of the
1,000 answers one out-of-fold label, and the figure is Cohen's kappa of those labels pooled
over the three files (mean and spread over repeats), plus per file. The label scored is the
lexical judge's whole label (bench/judges/lexical.py: phrase rules for short answers and for
explicit strong hedges, the weights for the rest), exactly what `judge-audit` would show.

The shipped weights: once the figure is measured, the same procedure (inner CV for L2 and
threshold) is run on ALL labelled answers and the final model is fitted on all of them
(standard practice: the cross-validated figure estimates how this procedure does on prompts it
has not seen; the shipped model has seen every labelled prompt, so scoring it on them would
say nothing). The cross-validated figures are stored beside the weights (`cv`), with the
command that regenerates them; tests/bench/test_stance.py checks that regenerating gives the
stored file.

Fitting is L2-regularized logistic regression by Newton's method (numpy, only here; inference
is plain Python), deterministic, with classes weighted by inverse frequency (hedges are 7 %).
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

from bench.judge_audit import MODEL_NAMES, PROFILES, artifacts_dir

# one BLAS thread: the matrices are tiny, and threads only fight over shared cores (and could change sums)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
FOLDS = 5
INNER_FOLDS = 4
REPEATS = 10
L2_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
THRESHOLDS = tuple(t / 100 for t in range(5, 100))
NEWTON_STEPS = 50
COMMAND = "python -m bench.judges.train_stance --seed 0 --repeats 10"


def load(folder: Path) -> list[dict]:
    """Every labelled answer: file, prompt, text, hedge (bool)."""
    rows = []
    for name in PROFILES:
        for s in json.loads((folder / name).read_text())["samples"]:
            rows.append({"file": name, "prompt": int(s["prompt_i"]), "text": s["text"], "hedge": s["verbal"] == "hedge"})
    return rows


def _fit(x, y, weight, l2: float):
    """Weighted L2 logistic regression (bias not penalized) by Newton's method: the exact optimum
    of mean weighted log loss + l2/2 |w|^2, so the result does not depend on a step size."""
    import numpy as np

    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    total = weight.sum()
    for _ in range(NEWTON_STEPS):
        p = 1 / (1 + np.exp(-np.clip(a @ theta, -30, 30)))
        grad = a.T @ (weight * (p - y)) / total + penalty * theta
        hess = (a * (weight * p * (1 - p))[:, None]).T @ a / total + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    return theta[:-1], float(theta[-1])


def _kappa(gold, ours) -> float:
    n = len(gold)
    po = sum(g == o for g, o in zip(gold, ours)) / n
    pg, pw = sum(gold) / n, sum(ours) / n
    pe = pg * pw + (1 - pg) * (1 - pw)
    return (po - pe) / (1 - pe) if pe < 1 else 0.0


def _kappa_np(gold, ours) -> float:
    import numpy as np

    gold, ours = np.asarray(gold, bool), np.asarray(ours, bool)
    po = (gold == ours).mean()
    pg, pw = gold.mean(), ours.mean()
    pe = pg * pw + (1 - pg) * (1 - pw)
    return float((po - pe) / (1 - pe)) if pe < 1 else 0.0


class Data:
    """The answers as arrays: features, labels, what the phrase rules decide, prompt groups."""

    def __init__(self, rows: list[dict]):
        import numpy as np

        from bench.judges.stance import features, rule_label

        self.rows = rows
        self.x = np.array([features(r["text"]) for r in rows])
        self.y = np.array([float(r["hedge"]) for r in rows])
        rules = [rule_label(r["text"]) for r in rows]
        # None: the weights decide; True/False: the phrase rules decide whatever the weights say
        self.forced = np.array([r is True for r in rules])
        self.free = np.array([r is None for r in rules])
        self.prompt = np.array([r["prompt"] for r in rows])
        self.file = np.array([r["file"] for r in rows])

    def labels(self, index, probability, threshold):
        return self.forced[index] | (self.free[index] & (probability >= threshold))


def _folds(prompts, k: int, seed: int) -> dict[int, int]:
    keys = sorted(set(int(p) for p in prompts))
    random.Random(seed).shuffle(keys)
    return {p: i % k for i, p in enumerate(keys)}


def _standardize(x):
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    return mean, scale


def _weights(y):
    import numpy as np

    share = y.mean()
    return np.where(y == 1, (1 - share) / share, 1.0) if 0 < share < 1 else np.ones(len(y))


def _fit_on(data: Data, index, l2: float):
    """Standardize on `index`, fit there: (mean, scale, w, b)."""
    mean, scale = _standardize(data.x[index])
    y = data.y[index]
    w, b = _fit((data.x[index] - mean) / scale, y, _weights(y), l2)
    return mean, scale, w, b


def _predict(data: Data, index, fitted):
    import numpy as np

    mean, scale, w, b = fitted
    return 1 / (1 + np.exp(-np.clip(((data.x[index] - mean) / scale) @ w + b, -30, 30)))


def choose(data: Data, index, seed: int, folds: int = INNER_FOLDS) -> tuple[float, float, float]:
    """L2 strength and threshold by grouped CV inside `index` only: (l2, threshold, inner kappa)."""
    import numpy as np

    fold_of = _folds(data.prompt[index], folds, seed)
    fold = np.array([fold_of[int(p)] for p in data.prompt[index]])
    gold = data.y[index] == 1
    best = None
    for l2 in L2_GRID:
        oof = np.zeros(len(index))
        for f in range(folds):
            train, test = index[fold != f], index[fold == f]
            oof[fold == f] = _predict(data, test, _fit_on(data, train, l2))
        for t in THRESHOLDS:
            k = _kappa_np(gold, data.labels(index, oof, t))
            key = (round(k, 9), l2, -abs(t - 0.5))  # ties: the stronger penalty, the threshold nearer 0.5
            if best is None or key > best[0]:
                best = (key, l2, t, k)
    return best[1], best[2], best[3]


def cross_validate(data: Data, repeats: int = REPEATS, seed: int = 0, folds: int = FOLDS) -> dict:
    """Out-of-fold labels for every answer, `repeats` times; kappa pooled and per file."""
    import numpy as np

    every = np.arange(len(data.y))
    gold = data.y == 1
    runs, chosen = [], []
    oof_labels = np.zeros((repeats, len(data.y)), bool)
    for r in range(repeats):
        fold_of = _folds(data.prompt, folds, seed + 1000 * (r + 1))
        fold = np.array([fold_of[int(p)] for p in data.prompt])
        for f in range(folds):
            train, test = every[fold != f], every[fold == f]
            l2, t, _ = choose(data, train, seed + 1000 * (r + 1) + f + 1)
            chosen.append([l2, t])
            oof_labels[r, test] = data.labels(test, _predict(data, test, _fit_on(data, train, l2)), t)
        row = {"pooled": _kappa_np(gold, oof_labels[r]), "accuracy": float((gold == oof_labels[r]).mean()),
               "hedge_share": float(oof_labels[r].mean())}
        for name in PROFILES:
            m = data.file == name
            row[MODEL_NAMES[name]] = _kappa_np(gold[m], oof_labels[r][m])
            row[f"{MODEL_NAMES[name]} accuracy"] = float((gold[m] == oof_labels[r][m]).mean())
        runs.append(row)

    def spread(key):
        values = [run[key] for run in runs]
        return {"mean": float(np.mean(values)), "min": float(min(values)), "max": float(max(values)),
                "sd": float(np.std(values))}

    # what it still gets wrong: every answer's out-of-fold label in the first repeat
    return {"command": COMMAND, "folds": folds, "inner_folds": INNER_FOLDS, "repeats": repeats, "seed": seed,
            "groups": "prompt_i across all three files (100 prompts)", "n": len(data.y),
            "kappa_pooled": spread("pooled"), "accuracy_pooled": spread("accuracy"),
            "hedge_share": spread("hedge_share"), "paper_hedge_share": float(gold.mean()),
            "kappa_per_model": {MODEL_NAMES[name]: spread(MODEL_NAMES[name]) for name in PROFILES},
            "accuracy_per_model": {MODEL_NAMES[name]: spread(f"{MODEL_NAMES[name]} accuracy") for name in PROFILES},
            "n_per_model": {MODEL_NAMES[name]: int((data.file == name).sum()) for name in PROFILES},
            "per_repeat": runs, "chosen_l2_threshold": chosen,
            "oof_first_repeat": [int(v) for v in oof_labels[0]]}


def train(folder: Path, seed: int = 0, repeats: int = REPEATS) -> dict:
    import numpy as np

    from bench.judges.stance import FEATURE_NAMES

    data = Data(load(folder))
    cv = cross_validate(data, repeats, seed)
    every = np.arange(len(data.y))
    l2, threshold, inner = choose(data, every, seed, FOLDS)
    mean, scale, w, b = _fit_on(data, every, l2)
    return {"about": "assert/hedge stance weights; see bench/judges/train_stance.py", "seed": seed,
            "trained_on": "all 1,000 labelled answers (after the cross-validated figure in `cv` was measured)",
            "features": list(FEATURE_NAMES), "mean": mean.tolist(), "scale": scale.tolist(),
            "weights": w.tolist(), "bias": b, "threshold": threshold, "l2": l2,
            "inner_cv_kappa_all": inner, "n_train": len(data.y), "cv": cv}


def main() -> None:
    from bench.judges.stance import WEIGHTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    result = train(artifacts_dir(), args.seed, args.repeats)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    cv = result["cv"]
    k = cv["kappa_pooled"]
    per = ", ".join(f"{m} {v['mean']:.3f}" for m, v in cv["kappa_per_model"].items())
    print(f"wrote {args.out}: cross-validated kappa (grouped by prompt, {cv['folds']} folds x {cv['repeats']} repeats) "
          f"pooled {k['mean']:.3f} [{k['min']:.3f}, {k['max']:.3f}]; {per}; "
          f"shipped model fitted on all {result['n_train']} answers, l2 {result['l2']}, threshold {result['threshold']}")


if __name__ == "__main__":
    main()
