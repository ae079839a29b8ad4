"""Confidence intervals for rates and means: Wilson for proportions, seeded bootstrap for anything."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Sequence

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict:
        return {"value": self.value, "ci95": [self.low, self.high], "n": self.n}

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def wilson(successes: float, n: int, z: float = Z95) -> Estimate:
    """Wilson score interval for a proportion (good at 0 and 1, unlike the normal one)."""
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def bootstrap(values: Sequence[float], statistic: Callable[[Sequence[float]], float] | None = None,
              resamples: int = 2000, seed: int = 0, level: float = 0.95) -> Estimate:
    """Percentile bootstrap CI of `statistic` (default: the mean), repeatable through `seed`."""
    statistic = statistic or (lambda xs: sum(xs) / len(xs))
    n = len(values)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    stats = _resampled(values, statistic, resamples, seed)
    low, high = _percentiles(stats, level)
    return Estimate(statistic(values), low, high, n)


def _resampled(values: Sequence[float], statistic: Callable[[Sequence[float]], float], resamples: int, seed: int) -> list[float]:
    """The statistic over `resamples` seeded resamples with replacement, sorted."""
    n = len(values)
    rng = random.Random(seed)
    return sorted(statistic([values[rng.randrange(n)] for _ in range(n)]) for _ in range(resamples))


def _percentiles(stats: list[float], level: float) -> tuple[float, float]:
    tail = (1 - level) / 2
    return stats[int(tail * len(stats))], stats[min(len(stats) - 1, int((1 - tail) * len(stats)))]


@dataclass(frozen=True)
class PairedResult:
    """B minus A on the same items: the difference, its 95% CI and a two-sided p-value."""

    difference: float
    low: float
    high: float
    p_value: float
    n: int


def mcnemar(a: Sequence[bool], b: Sequence[bool]) -> PairedResult:
    """Exact McNemar test for paired pass/fail outcomes (binomial on the discordant pairs)."""
    if len(a) != len(b):
        raise ValueError("paired outcomes need the same items in the same order")
    only_b = sum((not x) and y for x, y in zip(a, b))
    only_a = sum(x and not y for x, y in zip(a, b))
    discordant = only_a + only_b
    tail = sum(math.comb(discordant, k) for k in range(min(only_a, only_b) + 1)) / 2**discordant if discordant else 1.0
    n = len(a)
    diffs = [float(y) - float(x) for x, y in zip(a, b)]
    ci = bootstrap(diffs) if n else Estimate(float("nan"), float("nan"), float("nan"), 0)
    return PairedResult((only_b - only_a) / n if n else float("nan"), ci.low, ci.high, min(1.0, 2 * tail), n)


def paired_bootstrap(a: Sequence[float], b: Sequence[float], resamples: int = 2000, seed: int = 0) -> PairedResult:
    """Paired bootstrap of the mean difference b - a; p from the share of resamples across zero."""
    if len(a) != len(b):
        raise ValueError("paired scores need the same items in the same order")
    diffs = [y - x for x, y in zip(a, b)]
    n = len(diffs)
    if n == 0:
        return PairedResult(float("nan"), float("nan"), float("nan"), 1.0, 0)
    means = _resampled(diffs, lambda xs: sum(xs) / len(xs), resamples, seed)
    low, high = _percentiles(means, 0.95)
    below = sum(m <= 0 for m in means) / resamples
    above = sum(m >= 0 for m in means) / resamples
    return PairedResult(sum(diffs) / n, low, high, min(1.0, 2 * min(below, above)), n)


# ---- flips: the share of items whose outcome changed ------------------------------------------------
# Dutta et al. 2024 (arXiv:2407.09141): quantized models with the accuracy of their reference flip many
# answers, right to wrong and wrong to right, in equal numbers. Accuracy alone hides that; flips show it.

MANY_FLIPS = 0.10  # flips are "many" when their 95% Wilson interval lies above this share


def flips(pairs: Sequence[tuple[float, float]]) -> Estimate:
    """The share of items scored differently by the two sides (reference, artifact), with a Wilson 95% CI.
    A fractional score counts as flipped when the two values differ at all."""
    changed = sum(abs(a - b) > 1e-9 for a, b in pairs)
    return wilson(changed, len(pairs))


def equal_but_flipped(difference: float, p_value: float, flipped: Estimate, margin: float,
                      alpha: float = 0.05) -> bool:
    """Equal accuracy with many flips: the paired test of the scores finds no difference (p >= alpha,
    |difference| below the margin), yet the flip share's 95% lower bound is above MANY_FLIPS."""
    return p_value >= alpha and abs(difference) < margin and flipped.n > 0 and flipped.low > MANY_FLIPS


def flip_finding(who: str, score: str, difference: float, p_value: float, flipped: Estimate,
                 against: str = "the reference") -> str:
    """The sentence a report states for equal accuracy with many flips (difference: this side minus the other)."""
    return (f"{who}: {score} equal to {against}'s ({difference:+.2f}, p={p_value:.2g}) but "
            f"{flipped.value:.0%} of its items flipped (95% CI {flipped.low:.0%}-{flipped.high:.0%}, n={flipped.n}): "
            "the same score from different answers")
