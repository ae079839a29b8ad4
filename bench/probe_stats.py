"""The h_last probe's statistics, in numpy only (no scikit-learn: this runs where `edge` runs,
and a standardizer, a ridge-penalized logistic regression, AUC and stratified folds are a page).

- `Probe`: standardize (train mean and sd), then L2-penalized logistic regression fitted by
  Newton's method (the hidden state has more dimensions than a suite has answers, so the
  penalty is what keeps the fit finite).
- `cv_auc`: stratified k-fold out-of-fold scores (`out_of_fold`), their AUC, and a bootstrap
  interval over items (`scored_auc`).
- `transfer_auc`: a probe trained on one set scoring another, with its bootstrap interval.
- `roc_curve`: the ROC points of a set of scores (what the HTML report draws); its trapezoid
  area is `auc`.
- `mean_shift_test`: a permutation test of the distance between the two classes' mean
  standardized states: can the right and wrong answers' states be told apart at all?
- `diagnose`: the paper's failure modes as a verdict (capability cliff, one output distribution).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

MIN_PER_CLASS = 10  # right (or wrong) answers below which a split cannot train or test a probe
ALPHA = 0.05
FOLDS = 5
BOOTSTRAP = 1000
PENALTY = 1.0  # L2 weight on the summed log-loss (scikit-learn's C = 1)


@dataclass
class Probe:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    @classmethod
    def fit(cls, states: np.ndarray, labels: np.ndarray, penalty: float = PENALTY, steps: int = 50) -> "Probe":
        mean, scale = states.mean(0), states.std(0)
        scale = np.where(scale > 1e-8, scale, 1.0)  # a constant feature carries nothing; keep it finite
        x = np.hstack([(states - mean) / scale, np.ones((len(states), 1))])
        y = labels.astype(float)
        w = np.zeros(x.shape[1])
        ridge = np.full(x.shape[1], penalty)
        ridge[-1] = 0.0  # the intercept is not penalized
        for _ in range(steps):
            p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
            grad = x.T @ (p - y) + ridge * w
            hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(ridge + 1e-9)
            step = np.linalg.solve(hess, grad)
            w -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(mean, scale, w[:-1], float(w[-1]))

    def score(self, states: np.ndarray) -> np.ndarray:
        return ((states - self.mean) / self.scale) @ self.weights + self.bias


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); nan without both classes."""
    labels = np.asarray(labels).astype(bool)
    pos, neg = scores[labels], scores[~labels]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    combined = np.concatenate([pos, neg])
    for value in np.unique(combined):  # average ranks of ties
        tied = combined == value
        ranks[tied] = ranks[tied].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def bootstrap_interval(labels: np.ndarray, scores: np.ndarray, n: int = BOOTSTRAP, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the AUC over items resampled with replacement (draws lacking a class skipped)."""
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n):
        pick = rng.integers(0, len(labels), len(labels))
        value = auc(labels[pick], scores[pick])
        if not np.isnan(value):
            draws.append(value)
    if not draws:
        return float("nan"), float("nan")
    low, high = np.percentile(draws, [2.5, 97.5])
    return float(low), float(high)


def stratified_folds(labels: np.ndarray, k: int = FOLDS, seed: int = 0) -> np.ndarray:
    """A fold number per item, each class dealt round-robin over the folds after a seeded shuffle; the
    second class's deal starts where the first's ended, so fold sizes differ by one at most too."""
    rng = np.random.default_rng(seed)
    folds = np.empty(len(labels), dtype=int)
    offset = 0
    for value in (False, True):
        members = np.flatnonzero(labels.astype(bool) == value)
        folds[rng.permutation(members)] = (offset + np.arange(len(members))) % k
        offset += len(members)
    return folds


@dataclass(frozen=True)
class AucResult:
    auc: float
    low: float
    high: float
    n: int
    positives: int

    @property
    def covers_half(self) -> bool:
        return not (self.low > 0.5 or self.high < 0.5)

    def as_dict(self) -> dict:
        return asdict(self)


def out_of_fold(states: np.ndarray, labels: np.ndarray, k: int = FOLDS, seed: int = 0) -> np.ndarray | None:
    """Each item's score by the probe trained on the other stratified folds; None when a class has fewer
    than 2 members (it has no folds)."""
    if min(labels.sum(), len(labels) - labels.sum()) < 2:
        return None
    folds = stratified_folds(labels, min(k, int(min(labels.sum(), (~labels.astype(bool)).sum()))), seed)
    scores = np.empty(len(labels))
    for fold in np.unique(folds):
        test = folds == fold
        scores[test] = Probe.fit(states[~test], labels[~test]).score(states[test])
    return scores


def scored_auc(labels: np.ndarray, scores: np.ndarray | None, seed: int = 0) -> AucResult:
    """The AUC of `scores` with its bootstrap interval; nan without scores."""
    if scores is None:
        return AucResult(float("nan"), float("nan"), float("nan"), len(labels), int(labels.sum()))
    return AucResult(auc(labels, scores), *bootstrap_interval(labels, scores, seed=seed), len(labels), int(labels.sum()))


def cv_auc(states: np.ndarray, labels: np.ndarray, k: int = FOLDS, seed: int = 0) -> AucResult:
    """Out-of-fold scores of k probes (each trained on the other folds); AUC of them all, bootstrapped.
    A class with fewer than 2 members has no folds: nan (diagnose calls that a cliff)."""
    return scored_auc(labels, out_of_fold(states, labels, k, seed), seed)


def transfer_auc(probe: Probe, states: np.ndarray, labels: np.ndarray, seed: int = 0) -> AucResult:
    return scored_auc(labels, probe.score(states), seed)


def roc_curve(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rates, true-positive rates) from (0, 0) to (1, 1), one point per distinct score
    taken as the threshold, highest first ("right" predicted at or above it). Tied scores move both
    rates in one step, a diagonal segment, so the area under the points by trapezoids is `auc` (ties
    counted half). Empty arrays without both classes: there is no curve to draw."""
    labels, scores = np.asarray(labels).astype(bool), np.asarray(scores, dtype=float)
    if labels.all() or not labels.any():
        return np.empty(0), np.empty(0)
    order = np.argsort(-scores, kind="mergesort")
    ranked, right = scores[order], labels[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]  # where a run of equal scores ends
    tp, fp = np.cumsum(right)[last_of_each], np.cumsum(~right)[last_of_each]
    return np.r_[0.0, fp / fp[-1]], np.r_[0.0, tp / tp[-1]]


def mean_shift_test(states: np.ndarray, labels: np.ndarray, permutations: int = 500, seed: int = 0) -> float:
    """p-value of a permutation test: is the distance between the classes' mean standardized states larger
    than under shuffled labels? A large p: the two cohorts' hidden states look like one distribution."""
    scale = states.std(0)
    x = (states - states.mean(0)) / np.where(scale > 1e-8, scale, 1.0)
    labels = labels.astype(bool)

    def distance(mask: np.ndarray) -> float:
        return float(np.sum((x[mask].mean(0) - x[~mask].mean(0)) ** 2))

    observed = distance(labels)
    rng = np.random.default_rng(seed)
    exceed = sum(distance(rng.permutation(labels)) >= observed for _ in range(permutations))
    return (exceed + 1) / (permutations + 1)


@dataclass(frozen=True)
class Diagnosis:
    verdict: str  # "capability cliff", "one output distribution", "probe generalises", "inconclusive"
    why: str


def diagnose(dev_labels: np.ndarray, cv: AucResult | None, fresh_labels: np.ndarray | None,
             fresh: AucResult | None, shift_p: float | None, min_per_class: int = MIN_PER_CLASS,
             alpha: float = ALPHA) -> Diagnosis:
    """The paper's two failure modes, checked in this order; "probe generalises" only when its fresh
    interval is above 0.5, "inconclusive" when none of the rules decides (said why)."""
    for name, labels in (("dev", dev_labels), ("fresh", fresh_labels)):
        if labels is None:
            continue
        right, wrong = int(labels.sum()), int(len(labels) - labels.sum())
        if min(right, wrong) < min_per_class:
            return Diagnosis("capability cliff", f"{name}: {right} right and {wrong} wrong answers; a probe needs at "
                                                 f"least {min_per_class} of each")
    if shift_p is not None and shift_p >= alpha:
        return Diagnosis("one output distribution", f"right and wrong answers' last-token states are not told apart "
                                                    f"(mean-shift permutation test p = {shift_p:.3f} >= {alpha})")
    if fresh is not None and fresh.covers_half and cv is not None and not cv.covers_half:
        return Diagnosis("one output distribution", f"in-distribution CV AUC {cv.auc:.3f} [{cv.low:.3f}, {cv.high:.3f}] "
                                                    f"excludes 0.5 but fresh AUC {fresh.auc:.3f} [{fresh.low:.3f}, "
                                                    f"{fresh.high:.3f}] covers it: the direction does not carry over")
    if fresh is not None and fresh.low > 0.5:
        return Diagnosis("probe generalises", f"fresh AUC {fresh.auc:.3f} [{fresh.low:.3f}, {fresh.high:.3f}] is above 0.5")
    if fresh is None:
        return Diagnosis("inconclusive", "the run has no fresh split: generalisation is untested (run with --split dev,fresh)")
    return Diagnosis("inconclusive", f"the CV AUC interval [{cv.low:.3f}, {cv.high:.3f}] and the fresh one "
                                     f"[{fresh.low:.3f}, {fresh.high:.3f}] both cover 0.5: no linear signal to carry over")
