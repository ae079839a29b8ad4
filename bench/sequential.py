"""Anytime-valid non-inferiority: compare an artifact with the reference one item at a time and stop when settled.

The fixed-size test of `bench/recommend.py` is valid only at the one sample size fixed in advance: looking after
every item and stopping at the first clear bound inflates its error (the simulation, `python -m
bench.sequential_sim`, shows the naive peeking rate). Here each test is a pair of *test supermartingales*
(betting e-processes, Waudby-Smith and Ramdas, "Estimating means of bounded random variables by betting",
JRSS-B 2024), which may be checked after every item and stopped at any time.

The data: per item, d = reference score - artifact score, in [-1, 1] (0/1 scores give -1, 0 or 1; fractional
scores anything between), in the order the caller runs the items. The parameter: mu = E[d]. The margin M (0.05).

Two one-sided claims per test, each at level `alpha` (as recommend.py: one-sided 95 % bounds):
  non-inferior: H0 "mu >= M" is rejected. Capital K-_t = prod_i (1 - l-_i (d_i - M)), a bet that d runs below M.
  worse:        H0 "mu <= M" is rejected. Capital K+_t = prod_i (1 + l+_i (d_i - M)), a bet that d runs above M.
The bets l-_i, l+_i >= 0 are *predictable* (computed from items 1..i-1 only) and truncated so that every factor
stays >= 1 - c > 0 (c = TRUNCATION = 0.75): l- <= c / (1 - M), l+ <= c / (1 + M).

Validity. Under H0 "mu >= M", with items whose conditional mean given the past is mu (i.i.d. draws from the
population the bank samples, as recommend.py assumes; a bank that is such a sample, run in an order fixed
independently of the outcomes, is one; the bank's own finite mean would need the without-replacement
correction of WSR section 6, not done here), E[1 - l- (d - M) | past] = 1 - l- (mu - M)
<= 1, so K- is a nonnegative supermartingale with K-_0 = 1, and Ville's inequality gives
P(exists t: K-_t >= 1/alpha) <= alpha. The claim "non-inferior" is made the first time K-_t >= 1/alpha, so its
error is at most alpha at every stopping time, however the stopping is decided (other tests, the clock, the bank
running out). Likewise for K+ and "worse". A test therefore checks after every item at no cost in validity.

The bets (power, not validity): aGRAPA at the margin (WSR's approximate growth-rate-optimal bet):
l = (mu_hat - M) / v_hat in the direction of the bet, 0 when the estimate points the other way, where mu_hat
is the running mean of d (one pseudo-item at 0) and v_hat the running mean of (d - M)^2 (one pseudo-item at 1),
both from the items before this one. This is the Kelly bet for a factor 1 + l (d - M), tuned to the one null
value the decision needs. c = 0.75 and the priors were chosen by simulation (identical answers, a 15-point loss,
equal accuracy at several discordance rates); see `bench.sequential_sim`.

The confidence sequence. The same bets, truncated again for each candidate mean m (l(m) = min(l, c/(1-m)) for
the upper bound, min(l, c/(1+m)) for the lower), give for every m a supermartingale under mu = m, and the factors
are monotone in m, so {m : max_{s<=t} K-_s(m) < 1/alpha} is an interval (-1, upper_t] (running intersection
included) and likewise [lower_t, 1). Hence `upper <= M` exactly when the test said non-inferior, and
`lower >= M` exactly when it said worse: the decision and the bounds are one object. The bounds are tightest
near the margin (where the bets were tuned), valid everywhere; the side facing away from the margin can be
trivial (-1 or 1: while the running mean is below the margin no bet is placed on "d above it", so the lower
bound stays at -1), which is the price of spending the whole alpha on the one comparison the decision needs.
They are computed on demand (bisection over the stored items, about a millisecond for a thousand items); an
update itself is O(1).

Several tests (artifacts x scores) are one family, as in recommend.py: `SequentialPlan` corrects it.
  bonferroni (default): each test at alpha / k, k = the number of tests. The union bound over the true nulls
    holds at every stopping time, for any dependence between tests (same items for all artifacts), because
    each test's guarantee is uniform in time. The bounds of all tests are then simultaneous confidence sequences.
  holm: the anytime-valid p-value p_i = 1 / max_{s<=t} K_{i,s} is non-increasing in t, and
    P(inf_t p_i <= a) <= a under H0_i (Ville). Holm's step-down applied to the current p-values after every
    item rejects a set that only grows, and it ends as Holm applied to the final p-values, which are valid
    p-values (for a test whose artifact stopped, its final p is at least the infimum over an unstopped
    continuation). Holm controls the family-wise error for any dependence, so the sequential Holm does too.
    Settled tests may then be decided at a level above alpha / k; their bounds stay at alpha / k.
  e-values with e-BH would control the false discovery rate, not the family-wise error recommend.py controls;
    not offered. (At a stopping time the capital K_tau itself is an e-value; the running maximum is not, but
    1 / running maximum is a valid p-value, which is what Holm uses.)
The two directions are two families, each at alpha, as recommend.py's two Holm passes.

Item order. Validity needs each next item's conditional mean to be the mean the hypothesis is about: a uniformly
random order of the bank, or i.i.d. draws. A stratified order (families interleaved by a seeded schedule, random
within family) makes the conditional mean of item t its family's mean; the guarantee is then exact for the null
"every family's mean is at the margin or worse" (for "worse": "... or better") and approximate for the pooled one (bets change slowly, so the
per-family drifts cancel to first order). The simulation includes such a null with families 10 points either
side of the margin, round robin, and measures its false-settle rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Hashable, Iterable

import numpy as np

from bench.recommend import ALPHA, MARGIN

TRUNCATION = 0.75  # c: every factor of the capital stays >= 1 - c; 0.75 balanced low and high discordance
PRIOR_V = 1.0  # one pseudo-item with (d - M)^2 = 1: cautious first bets
PRIOR_MEAN = 0.0  # one pseudo-item with d = 0

NON_INFERIOR, WORSE, CONTINUE, EXHAUSTED = "non-inferior", "worse", "continue", "exhausted"
SETTLED = (NON_INFERIOR, WORSE)


class SequentialTest:
    """One anytime-valid non-inferiority test of one score of one artifact against the reference.

    update(d) after each item (d = reference - artifact, in [-1, 1]); `.decision` is NON_INFERIOR once
    K- has reached 1/alpha, WORSE once K+ has, EXHAUSTED after `exhaust()` with neither, else CONTINUE.
    The first verdict stands (items given after it are recorded but cannot change it)."""

    __slots__ = ("margin", "alpha", "truncation", "threshold", "n", "sum_d", "sum_v", "log_lo", "log_hi",
                 "max_lo", "max_hi", "decision", "settled_at", "_d", "_lam_lo", "_lam_hi", "_exhausted")

    def __init__(self, margin: float = MARGIN, alpha: float = ALPHA, truncation: float = TRUNCATION):
        if not 0 < alpha < 1 or not -1 < margin < 1 or not 0 < truncation < 1:
            raise ValueError("alpha and truncation must lie in (0, 1), margin in (-1, 1)")
        self.margin, self.alpha, self.truncation = margin, alpha, truncation
        self.threshold = math.log(1 / alpha)
        self.n = 0
        self.sum_d = 0.0  # sum of d
        self.sum_v = 0.0  # sum of (d - margin)^2
        self.log_lo = self.log_hi = 0.0  # log K-, log K+
        self.max_lo = self.max_hi = 0.0  # their running maxima
        self.decision = CONTINUE
        self.settled_at: int | None = None  # items used when settled
        self._d: list[float] = []
        self._lam_lo: list[float] = []
        self._lam_hi: list[float] = []
        self._exhausted = False

    def update(self, d: float) -> str:
        """Add one item's d = reference - artifact; returns the decision."""
        if not -1.0 <= d <= 1.0:
            raise ValueError(f"d must lie in [-1, 1], got {d}")
        m = self.margin
        n1 = self.n + 1
        g = (PRIOR_MEAN + self.sum_d) / n1 - m  # the aGRAPA bets, inlined: this is the hot path
        v = (PRIOR_V + self.sum_v) / n1
        if v < 1e-12:
            v = 1e-12
        if g < 0:
            lo, hi = -g / v, 0.0
            if lo > self.truncation / (1 - m):
                lo = self.truncation / (1 - m)
        else:
            lo, hi = 0.0, g / v
            if hi > self.truncation / (1 + m):
                hi = self.truncation / (1 + m)
        x = d - m
        if lo:
            self.log_lo += math.log1p(-lo * x)
            if self.log_lo > self.max_lo:
                self.max_lo = self.log_lo
        if hi:
            self.log_hi += math.log1p(hi * x)
            if self.log_hi > self.max_hi:
                self.max_hi = self.log_hi
        self.n = n1
        self.sum_d += d
        self.sum_v += x * x
        self._d.append(d)
        self._lam_lo.append(lo)
        self._lam_hi.append(hi)
        if self.decision == CONTINUE:
            if self.max_lo >= self.threshold:
                self.decision, self.settled_at = NON_INFERIOR, n1
            elif self.max_hi >= self.threshold:
                self.decision, self.settled_at = WORSE, n1
        return self.decision

    def extend(self, ds: Iterable[float]) -> str:
        """update() for each d, stopping at the first verdict; returns the decision."""
        for d in ds:
            if self.update(d) in SETTLED:
                break
        return self.decision

    def exhaust(self) -> str:
        """The items ran out: an unsettled test becomes EXHAUSTED."""
        self._exhausted = True
        if self.decision == CONTINUE:
            self.decision = EXHAUSTED
        return self.decision

    @property
    def settled(self) -> bool:
        return self.decision in SETTLED

    @property
    def mean(self) -> float:
        return self.sum_d / self.n if self.n else float("nan")

    @property
    def e_non_inferior(self) -> float:
        """K-_t: an e-value for "mu >= margin" at any stopping time t."""
        return math.exp(self.log_lo)

    @property
    def e_worse(self) -> float:
        """K+_t: an e-value for "mu <= margin" at any stopping time t."""
        return math.exp(self.log_hi)

    @property
    def p_non_inferior(self) -> float:
        """Anytime-valid p-value of "mu >= margin" (worse by the margin or more): 1 / max K-."""
        return min(1.0, math.exp(-self.max_lo))

    @property
    def p_worse(self) -> float:
        """Anytime-valid p-value of "mu <= margin": 1 / max K+."""
        return min(1.0, math.exp(-self.max_hi))

    def _max_log_capital(self, m: float, upper: bool) -> float:
        """max over s <= n of log K_s(m), the bets truncated for m (K- for the upper bound, K+ for the lower)."""
        d = np.asarray(self._d)
        if upper:
            lam = np.minimum(np.asarray(self._lam_lo), self.truncation / (1 - m)) if m < 1 else np.asarray(self._lam_lo)
            logs = np.log1p(-lam * (d - m))
        else:
            lam = np.minimum(np.asarray(self._lam_hi), self.truncation / (1 + m)) if m > -1 else np.asarray(self._lam_hi)
            logs = np.log1p(lam * (d - m))
        return max(0.0, float(np.max(np.cumsum(logs)))) if len(d) else 0.0

    def _bound(self, upper: bool, tol: float = 1e-6) -> float:
        """Bisection on m for the edge of {m : max_s K_s(m) < 1/alpha}, an interval by monotonicity in m:
        the largest m inside for the upper bound, the smallest for the lower, to within tol."""
        if not self.n:
            return 1.0 if upper else -1.0
        def excluded(m: float) -> bool:
            return self._max_log_capital(m, upper) >= self.threshold
        inside, outside = (-1.0, 1.0) if upper else (1.0, -1.0)
        if excluded(inside):
            return inside
        if not excluded(outside):
            return outside
        while abs(outside - inside) > tol:
            mid = (inside + outside) / 2
            inside, outside = (inside, mid) if excluded(mid) else (mid, outside)
        return inside

    @property
    def upper(self) -> float:
        """Anytime-valid one-sided (1 - alpha) upper bound of mu (running intersection over time).
        Below the margin exactly when the test said non-inferior."""
        u = self._bound(True)
        return min(u, self.margin) if self.max_lo >= self.threshold else max(u, self.margin)

    @property
    def lower(self) -> float:
        """Anytime-valid one-sided (1 - alpha) lower bound of mu (running intersection over time).
        Above the margin exactly when the test said worse."""
        lo = self._bound(False)
        return max(lo, self.margin) if self.max_hi >= self.threshold else min(lo, self.margin)

    def __repr__(self) -> str:
        return f"SequentialTest(n={self.n}, mean={self.mean:+.3f}, decision={self.decision!r})"


@dataclass
class ArtifactState:
    """Where one artifact's comparison stands: settled (stop generating for it) or not, and why."""

    artifact: Hashable
    settled: bool
    verdict: str  # NON_INFERIOR (every test), WORSE (some test), EXHAUSTED, CONTINUE
    items: int  # items used (the most over its tests)
    why: str


@dataclass
class SequentialPlan:
    """The tests of a run (keys (artifact, score)) as one family, corrected over its k tests.

    correction "bonferroni": each test at alpha / k (its bounds are then simultaneous over tests and time);
    "holm": the sequential Holm step-down on the anytime-valid p-values, per direction (see the module text).
    stop "all": an artifact is settled when every one of its tests is; "verdict": also as soon as one test is
    shown worse (it can no longer qualify), which saves items on a losing artifact."""

    keys: list[tuple[Hashable, Hashable]]
    alpha: float = ALPHA
    margin: float = MARGIN
    correction: str = "bonferroni"
    stop: str = "all"
    tests: dict[tuple[Hashable, Hashable], SequentialTest] = field(init=False)
    decisions: dict[tuple[Hashable, Hashable], str] = field(init=False)
    settled_at: dict[tuple[Hashable, Hashable], int] = field(init=False)

    def __post_init__(self):
        if self.correction not in ("bonferroni", "holm"):
            raise ValueError("correction must be 'bonferroni' or 'holm'")
        if self.stop not in ("all", "verdict"):
            raise ValueError("stop must be 'all' or 'verdict'")
        self.keys = list(dict.fromkeys(self.keys))
        k = max(len(self.keys), 1)
        self.tests = {key: SequentialTest(self.margin, self.alpha / k) for key in self.keys}
        self.decisions = {key: CONTINUE for key in self.keys}
        self.settled_at = {}
        self._exhausted: set[Hashable] = set()

    @property
    def k(self) -> int:
        return len(self.keys)

    def update(self, artifact: Hashable, score: Hashable, d: float) -> str:
        """One item's d for one test; returns that test's (corrected) decision. Items for a settled artifact
        are refused: the caller should have stopped generating for it."""
        key = (artifact, score)
        if self.artifact(artifact).settled:
            raise ValueError(f"{artifact!r} is settled: stop giving it items")
        self.tests[key].update(d)
        self._decide()
        return self.decisions[key]

    def update_item(self, artifact: Hashable, ds: dict[Hashable, float]) -> ArtifactState:
        """One item of one artifact: d per score (scores the item lacks are left out)."""
        if self.artifact(artifact).settled:
            raise ValueError(f"{artifact!r} is settled: stop giving it items")
        for score, d in ds.items():
            self.tests[(artifact, score)].update(d)
        self._decide()
        return self.artifact(artifact)

    def exhaust(self, artifact: Hashable) -> ArtifactState:
        """The bank ran out for this artifact: its unsettled tests become EXHAUSTED."""
        self._exhausted.add(artifact)
        for key in self.keys:
            if key[0] == artifact and self.decisions[key] == CONTINUE:
                self.decisions[key] = EXHAUSTED
        return self.artifact(artifact)

    def _decide(self) -> None:
        if self.correction == "bonferroni":
            for key, t in self.tests.items():
                self._settle(key, t.decision if t.decision in SETTLED else None, t.settled_at)
            return
        for direction in (NON_INFERIOR, WORSE):
            p = [self.tests[key].p_non_inferior if direction == NON_INFERIOR else self.tests[key].p_worse
                 for key in self.keys]
            for key, rejected in zip(self.keys, _holm(p, self.alpha)):
                if rejected:
                    self._settle(key, direction, self.tests[key].n)

    def _settle(self, key, decision: str | None, at: int | None) -> None:
        if decision and self.decisions[key] not in SETTLED:
            self.decisions[key] = decision
            self.settled_at[key] = at if at is not None else self.tests[key].n

    def artifacts(self) -> list[Hashable]:
        return list(dict.fromkeys(a for a, _ in self.keys))

    def artifact(self, artifact: Hashable) -> ArtifactState:
        """Whether this artifact is settled (generate no more items for it), its verdict and why."""
        mine = [key for key in self.keys if key[0] == artifact]
        if not mine:
            raise KeyError(artifact)
        decisions = [self.decisions[key] for key in mine]
        items = max(self.tests[key].n for key in mine)
        worse = [key[1] for key in mine if self.decisions[key] == WORSE]
        if all(d in SETTLED for d in decisions):
            verdict = WORSE if worse else NON_INFERIOR
            why = (f"worse by more than the margin on {', '.join(map(str, worse))}" if worse
                   else "within the margin on every score")
            return ArtifactState(artifact, True, verdict, items, f"{why} after {items} items")
        if worse and self.stop == "verdict":
            return ArtifactState(artifact, True, WORSE, items,
                                 f"worse by more than the margin on {', '.join(map(str, worse))} after {items} items")
        if artifact in self._exhausted:
            open_ = [str(key[1]) for key in mine if self.decisions[key] == EXHAUSTED]
            return ArtifactState(artifact, True, WORSE if worse else EXHAUSTED, items,
                                 f"the bank ran out after {items} items with {', '.join(open_)} unsettled")
        open_ = [str(key[1]) for key in mine if self.decisions[key] not in SETTLED]
        return ArtifactState(artifact, False, CONTINUE, items, f"{', '.join(open_)} not settled yet ({items} items)")

    def settled_artifacts(self) -> list[Hashable]:
        return [a for a in self.artifacts() if self.artifact(a).settled]

    def open_artifacts(self) -> list[Hashable]:
        """The artifacts that still need items."""
        return [a for a in self.artifacts() if not self.artifact(a).settled]

    @property
    def done(self) -> bool:
        return not self.open_artifacts()


def _holm(p_values: list[float], alpha: float) -> list[bool]:
    """Holm's step-down rejections, in input order (as bench.recommend.holm, kept local for speed)."""
    order = sorted(range(len(p_values)), key=p_values.__getitem__)
    out = [False] * len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        out[i] = True
    return out


# ---- vectorized twin, for simulations -------------------------------------------------------------------

def log_capitals(d: np.ndarray, margin: float = MARGIN, alpha: float = ALPHA,
                 truncation: float = TRUNCATION) -> tuple[np.ndarray, np.ndarray]:
    """(log K-, log K+) after every item, for every row of d (replicates x items): SequentialTest's arithmetic,
    vectorized. alpha does not enter the bets (they are tuned to the margin); it is accepted for symmetry."""
    d = np.asarray(d, dtype=float)
    t = d.shape[1]
    n1 = np.arange(1, t + 1, dtype=float)
    x = d - margin
    mean_prev = np.empty_like(d)
    v_prev = np.empty_like(d)
    mean_prev[:, 0], v_prev[:, 0] = PRIOR_MEAN, PRIOR_V
    if t > 1:
        mean_prev[:, 1:] = (PRIOR_MEAN + np.cumsum(d, axis=1)[:, :-1]) / n1[1:]
        v_prev[:, 1:] = (PRIOR_V + np.cumsum(x * x, axis=1)[:, :-1]) / n1[1:]
    g = mean_prev - margin
    v = np.maximum(v_prev, 1e-12)
    lam_lo = np.where(g < 0, np.minimum(-g / v, truncation / (1 - margin)), 0.0)
    lam_hi = np.where(g >= 0, np.minimum(g / v, truncation / (1 + margin)), 0.0)
    return np.cumsum(np.log1p(-lam_lo * x), axis=1), np.cumsum(np.log1p(lam_hi * x), axis=1)


def simulate(d: np.ndarray, margin: float = MARGIN, alpha: float = ALPHA,
             truncation: float = TRUNCATION) -> tuple[np.ndarray, np.ndarray]:
    """The tests of SequentialTest run on every row of d (replicates x items) at once.

    Returns (first_non_inferior, first_worse): per row, the item count at which K- (K+) first reached
    1/alpha, 0 where it never did within the row. Exactly SequentialTest's arithmetic (tested)."""
    threshold = math.log(1 / alpha)
    out = []
    for logs in log_capitals(d, margin, alpha, truncation):
        hit = logs >= threshold
        out.append(np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, 0))
    return out[0], out[1]
