"""Simulations of the anytime-valid tests of bench/sequential.py, for the record: `python -m bench.sequential_sim`.

Each scenario draws paired per-item differences d = reference - artifact and runs the sequential test on every
replicate (vectorized: `bench.sequential.simulate`, the same arithmetic as `SequentialTest`). For a null
scenario (true mean of d exactly at the margin, the boundary of both nulls) the table gives the false-settle
rate: the share of replicates whose test *ever* said "non-inferior" (or "worse") within the horizon, i.e. the
running maximum over time of the crossing indicator, so the rate bounds the error at every stopping time up
to the horizon. For the others it gives how often and how fast the right verdict comes, beside the fixed-size
test of bench/recommend.py: the n at which it would clear if the observed difference and discordance equalled
the truth (its `items_needed`, about 50 % power; for identical answers `identical_n`), and the n for 80 % power.

0/1 scores: a paired Bernoulli with a flip (discordance) rate f: d = +1 with probability (f + mu)/2, -1 with
(f - mu)/2, else 0. A "family" row runs k independent tests per replicate, each at alpha/k (Bonferroni), and
counts a replicate once if any of its tests settled (the family-wise rate); its items are per test.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from bench.recommend import ALPHA, MARGIN, Stratum, identical_n, items_needed, pooled_test
from bench.sequential import NON_INFERIOR, WORSE, simulate

CHUNK = 500  # replicates per vectorized block (memory: about 12 arrays of CHUNK x horizon floats)


@dataclass(frozen=True)
class Scenario:
    name: str
    mean: float  # true mean of d (for 'strata': the pooled mean)
    flips: float  # discordance rate (0/1 scores); for 'uniform': the half-width of d around its mean
    seek: str  # the verdict counted: NON_INFERIOR or WORSE
    null: bool  # True: a settled verdict is an error
    k: int = 1  # tests in the family (Bonferroni alpha / k each)
    kind: str = "bernoulli"  # 'bernoulli', 'uniform' (fractional scores), 'strata' (two families, round robin)
    spread: float = 0.0  # 'strata': the families' means are mean -/+ spread
    peek: bool = False  # the fixed-size bound of recommend.py checked after every item, instead


def _bernoulli(rng: np.random.Generator, shape, mean: float, flips: float) -> np.ndarray:
    up, down = (flips + mean) / 2, (flips - mean) / 2
    if min(up, down) < -1e-12 or up + down > 1 + 1e-12:
        raise ValueError(f"no paired Bernoulli has mean {mean} with {flips} flips")
    u = rng.random(shape)
    return np.where(u < up, 1.0, np.where(u < up + down, -1.0, 0.0))


def draw(s: Scenario, rng: np.random.Generator, rows: int, horizon: int) -> np.ndarray:
    """rows x horizon differences d for one scenario."""
    if s.kind == "uniform":
        return s.mean + rng.uniform(-s.flips, s.flips, (rows, horizon))
    if s.kind == "strata":  # family A on even items, B on odd ones: a stratified (round-robin) order
        d = _bernoulli(rng, (rows, horizon), s.mean - s.spread, s.flips)
        d[:, 1::2] = _bernoulli(rng, (rows, horizon // 2), s.mean + s.spread, s.flips)
        return d
    return _bernoulli(rng, (rows, horizon), s.mean, s.flips)


def _peeking(d: np.ndarray, alpha: float, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """First item at which recommend.py's one-split bound (Agresti-Min adjusted) clears, checked after every item."""
    n = np.arange(1, d.shape[1] + 1, dtype=float)
    s1, s2 = np.cumsum(d, axis=1), np.cumsum(d * d, axis=1)
    n_adj = n + 2
    mean = s1 / n_adj
    sd = np.sqrt(np.maximum(s2 + 1 - s1 ** 2 / n_adj, 0.0)) / n_adj
    z = NormalDist().inv_cdf(1 - alpha)
    out = []
    for hit in (mean + z * sd < margin, mean - z * sd > margin):
        out.append(np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, 0))
    return out[0], out[1]


def first_settled(s: Scenario, reps: int, horizon: int, seed: int, alpha: float = ALPHA,
                  margin: float = MARGIN) -> np.ndarray:
    """Per replicate (and per test of its family: reps x k), the item count at which the sought verdict came,
    0 where it did not within the horizon."""
    rng = np.random.default_rng(seed)
    rows = reps * s.k
    out = np.empty(rows, dtype=np.int64)
    for start in range(0, rows, CHUNK):
        d = draw(s, rng, min(CHUNK, rows - start), horizon)
        lo, hi = (_peeking if s.peek else simulate)(d, alpha=alpha / s.k, margin=margin)
        out[start:start + len(d)] = lo if s.seek == NON_INFERIOR else hi
    return out.reshape(reps, s.k)


def fixed_n(s: Scenario, alpha: float = ALPHA, margin: float = MARGIN) -> tuple[int | None, int | None]:
    """The fixed-size test's n: (at the true values, as recommend.items_needed; for 80 % power)."""
    if s.null or s.kind != "bernoulli":
        return None, None
    if s.flips == 0:
        n = identical_n(s.k, margin, alpha)
        return n, n
    big = 10_000
    test = pooled_test("sim", 0, (Stratum("", big, big * s.mean, big * s.flips),), margin)
    n50 = items_needed(test, s.k)
    sd = math.sqrt(s.flips - s.mean ** 2)
    z = NormalDist().inv_cdf
    n80 = math.ceil(((z(1 - alpha / s.k) + z(0.8)) * sd / abs(s.mean - margin)) ** 2)
    return n50, n80


def run_scenario(s: Scenario, reps: int = 2000, horizon: int = 2000, seed: int = 0) -> dict:
    """One row of the table."""
    first = first_settled(s, reps, horizon, seed)
    settled = (first > 0).any(axis=1)  # a family counts once
    used = np.where(first > 0, first, horizon)  # items each test used (the horizon when it never settled)
    n50, n80 = fixed_n(s)
    return {"scenario": s.name, "k": s.k, "mean": s.mean, "flips": s.flips, "seek": s.seek, "null": s.null,
            "reps": reps, "horizon": horizon, "rate": float(settled.mean()),
            "mean_items": float(used.mean()), "median_items": float(np.median(used)), "fixed_n": n50,
            "fixed_n80": n80}


def scenarios(margin: float = MARGIN) -> list[Scenario]:
    m = margin
    out = []
    for f in (0.05, 0.2, 0.5):
        out.append(Scenario(f"null at margin, flips {f:.0%}: false non-inferior", m, f, NON_INFERIOR, True))
        out.append(Scenario(f"null at margin, flips {f:.0%}: false worse", m, f, WORSE, True))
    out.append(Scenario("null at margin, fractional d (uniform +-0.5): false non-inferior", m, 0.5, NON_INFERIOR,
                        True, kind="uniform"))
    out.append(Scenario("null at margin, fractional d (uniform +-0.5): false worse", m, 0.5, WORSE, True,
                        kind="uniform"))
    out.append(Scenario("null, 2 families at margin -/+10 pts, round robin, flips 30%: false non-inferior", m, 0.3,
                        NON_INFERIOR, True, kind="strata", spread=0.10))
    out.append(Scenario("null, 2 families at margin -/+10 pts, round robin, flips 30%: false worse", m, 0.3,
                        WORSE, True, kind="strata", spread=0.10))
    out.append(Scenario("null at margin, flips 20%, family of 6 (alpha/6 each): any false non-inferior", m, 0.2,
                        NON_INFERIOR, True, k=6))
    out.append(Scenario("null at margin, flips 20%: recommend.py's fixed bound PEEKED after every item", m, 0.2,
                        NON_INFERIOR, True, peek=True))
    out.append(Scenario("identical answers: to non-inferior", 0.0, 0.0, NON_INFERIOR, False))
    out.append(Scenario("identical answers, 6 tests: to non-inferior", 0.0, 0.0, NON_INFERIOR, False, k=6))
    for f in (0.05, 0.1, 0.2):
        out.append(Scenario(f"equal accuracy, flips {f:.0%}: to non-inferior", 0.0, f, NON_INFERIOR, False))
    for f in (0.2, 0.35, 0.5):
        out.append(Scenario(f"15-point loss, flips {f:.0%}: to worse", 0.15, f, WORSE, False))
    out.append(Scenario("15-point loss, flips 35%, 6 tests: to worse", 0.15, 0.35, WORSE, False, k=6))
    # the bank (2 scores) on the default ladder's 5 GGUF rungs: what `make run --until-decided` would face
    out.append(Scenario("identical answers, 10 tests: to non-inferior", 0.0, 0.0, NON_INFERIOR, False, k=10))
    out.append(Scenario("equal accuracy, flips 12%, 10 tests: to non-inferior", 0.0, 0.12, NON_INFERIOR, False, k=10))
    out.append(Scenario("15-point loss, flips 35%, 10 tests: to worse", 0.15, 0.35, WORSE, False, k=10))
    return out


def table(rows: list[dict]) -> str:
    head = (f"{'scenario':<86} {'k':>2} {'rate':>6} {'mean n':>7} {'median n':>8} {'fixed n':>7} {'fixed n80':>9}")
    lines = [head, "-" * len(head)]
    for r in rows:
        rate = f"{r['rate']:.3f}"
        fixed = "" if r["fixed_n"] is None else str(r["fixed_n"])
        fixed80 = "" if r["fixed_n80"] is None else str(r["fixed_n80"])
        lines.append(f"{r['scenario']:<86} {r['k']:>2} {rate:>6} {r['mean_items']:>7.0f} {r['median_items']:>8.0f} "
                     f"{fixed:>7} {fixed80:>9}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.sequential_sim", description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=2000, help="replicates per scenario (default 2000)")
    ap.add_argument("--horizon", type=int, default=2000, help="items per replicate; unsettled ones count it all")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = [run_scenario(s, args.reps, args.horizon, args.seed + i) for i, s in enumerate(scenarios())]
    print(f"margin {MARGIN}, alpha {ALPHA} (one-sided, per direction), {args.reps} replicates, horizon "
          f"{args.horizon} items, seed {args.seed}")
    print("rate: for null rows the false-settle rate at any time up to the horizon (must be <= alpha); otherwise")
    print("the share settled right. n: items each test used (the horizon if unsettled).")
    print("fixed n: recommend.py's fixed-size test at the true values (~50% power); fixed n80: for 80% power.")
    print(table(rows))
    print(f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
