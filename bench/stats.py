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
    rng = random.Random(seed)
    stats = sorted(statistic([values[rng.randrange(n)] for _ in range(n)]) for _ in range(resamples))
    tail = (1 - level) / 2
    return Estimate(statistic(values), stats[int(tail * resamples)], stats[min(resamples - 1, int((1 - tail) * resamples))], n)
