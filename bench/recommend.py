"""Which quant level to ship: the smallest artifact shown *non-inferior* to the reference.

"No significant difference" is not "equal": with 4 items nothing can differ, so the old
rule (no cell differs significantly) always starred the smallest artifact. Here an artifact
qualifies only when, for every content and disposition score it has (each split, at the
largest budget), the one-sided upper confidence bound of (reference minus artifact) is
below `margin` (default 0.05: five points). The tests of a run folder form one family,
corrected with Holm's step-down procedure. Too few items give wide bounds and no star;
the report then says how many items would be needed at the observed discordance.
Drift (KL) breaks ties between artifacts of about the same size.

The bound: per item d = reference - artifact (in [-1, 1]). For 0/1 scores this is the
paired difference of proportions, and the interval is Agresti and Min's (2005) adjusted
Wald interval (half a pseudo-observation in each of the four cells of the 2x2 table), so
a handful of identical answers does not give a zero-width interval. The same formula,
written with sums of d and d squared, serves fractional scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

MARGIN = 0.05
ALPHA = 0.05
TIE_SIZE = 0.02  # artifacts within 2 % of the smallest qualifying size are tied; the lower KL wins
NORMAL = NormalDist()


@dataclass(frozen=True)
class NonInferiority:
    """One score of one artifact against the reference: H0 "worse by margin or more"."""

    metric: str
    split: str
    budget: int
    n: int
    difference: float  # adjusted mean of reference - artifact
    upper: float  # one-sided 95 % upper bound (before Holm)
    p_value: float
    sum_d: float
    sum_d2: float

    def upper_at(self, alpha: float) -> float:
        return bound(self.sum_d, self.sum_d2, self.n, alpha)[1]


@dataclass
class Recommendation:
    label: str | None  # the artifact to ship, or None
    why: str
    margin: float
    tests: dict[str, list[NonInferiority]] = field(default_factory=dict)  # artifact label -> its tests
    qualifies: dict[str, bool] = field(default_factory=dict)
    items_needed: int | None = None


def bound(sum_d: float, sum_d2: float, n: int, alpha: float) -> tuple[float, float]:
    """(adjusted mean, one-sided upper bound at level alpha) of reference - artifact."""
    n_adj = n + 2
    mean = sum_d / n_adj
    variance = max(sum_d2 + 1 - sum_d**2 / n_adj, 0.0) / n_adj**2
    return mean, mean + NORMAL.inv_cdf(1 - alpha) * math.sqrt(variance)


def non_inferiority(metric: str, split: str, budget: int, pairs: list[tuple[float, float]],
                         margin: float = MARGIN) -> NonInferiority:
    """pairs: (reference score, artifact score) per item."""
    d = [r - a for r, a in pairs]
    sum_d, sum_d2 = sum(d), sum(x * x for x in d)
    n_adj = len(d) + 2
    mean, upper = bound(sum_d, sum_d2, len(d), ALPHA)
    sd = math.sqrt(max(sum_d2 + 1 - sum_d**2 / n_adj, 0.0)) / n_adj
    p = 1 - NORMAL.cdf((margin - mean) / sd) if sd > 0 else float(mean >= margin)
    return NonInferiority(metric, split, budget, len(d), mean, upper, p, sum_d, sum_d2)


def holm(p_values: list[float], alpha: float = ALPHA) -> list[bool]:
    """Holm's step-down: which null hypotheses are rejected, in input order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected = [False] * len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        rejected[i] = True
    return rejected


def items_needed(tests: list[NonInferiority], family_size: int, margin: float = MARGIN, limit: int = 100_000) -> int | None:
    """Items per score at which every test would clear the margin, if the observed mean difference and
    discordance held (at the strictest Holm level); None when some mean is already at the margin or beyond."""
    alpha = ALPHA / max(family_size, 1)
    needed = 0
    for t in tests:
        rate, mean = t.sum_d2 / max(t.n, 1), t.sum_d / max(t.n, 1)
        if mean >= margin:
            return None
        n = max(t.n, 1)
        while bound(mean * n, rate * n, n, alpha)[1] >= margin:
            n = math.ceil(n * 1.2) + 1
            if n > limit:
                return None
        needed = max(needed, n)
    return needed


def recommend(candidates: list[dict], margin: float = MARGIN) -> Recommendation:
    """candidates: {"label", "size_bytes", "kl_mean" (or None), "pairs": {(metric, split, budget): [(ref, art)]}}.
    The smallest qualifying artifact, ties within TIE_SIZE broken by the lower KL."""
    tests = {c["label"]: [non_inferiority(m, s, b, pairs, margin) for (m, s, b), pairs in sorted(c["pairs"].items())
                          if pairs] for c in candidates}
    family = [(label, i) for label, ts in tests.items() for i in range(len(ts))]
    rejected = holm([tests[label][i].p_value for label, i in family])
    qualifies = {label: bool(ts) for label, ts in tests.items()}
    for (label, _), ok in zip(family, rejected):
        qualifies[label] = qualifies[label] and ok
    chosen = [c for c in candidates if qualifies.get(c["label"])]
    rec = Recommendation(None, "", margin, tests, qualifies)
    if not family:
        rec.why = "no artifact has scores beside the reference's: run the suites on both"
        return rec
    if not chosen:
        worst = [t for ts in tests.values() for t in ts]
        rec.items_needed = min((n for n in (items_needed(ts, len(family), margin) for ts in tests.values() if ts)
                                if n is not None), default=None)
        widest = max(worst, key=lambda t: t.upper)
        rec.why = (f"no artifact is shown within {margin:.0%} of the reference on every score (one-sided 95% bounds, "
                   f"Holm-corrected over {len(family)} tests; the widest: {widest.metric} on {widest.split}, "
                   f"n={widest.n}, bound {widest.upper:+.2f})")
        rec.why += (f"; about {rec.items_needed} items per score would settle it at the observed discordance "
                    "(raise --limit)" if rec.items_needed else "; more items would not help where an artifact is "
                    "already worse by the margin")
        return rec
    smallest = min(c["size_bytes"] for c in chosen)
    tied = [c for c in chosen if c["size_bytes"] <= smallest * (1 + TIE_SIZE)]
    best = min(tied, key=lambda c: (c["kl_mean"] if c["kl_mean"] is not None else math.inf, c["size_bytes"]))
    rec.label = best["label"]
    worst = max(tests[best["label"]], key=lambda t: t.upper)
    rec.why = (f"{best['label']} is the smallest artifact within {margin:.0%} of the reference on every score "
               f"(Holm-corrected over {len(family)} tests; its widest bound: {worst.metric} on {worst.split}, "
               f"{worst.upper:+.3f})" + (" and the lowest KL among those of its size" if len(tied) > 1 else ""))
    return rec
