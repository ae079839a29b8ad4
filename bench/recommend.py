"""Which quant level to ship: the smallest artifact shown *non-inferior* to the reference.

"No significant difference" is not "equal": with 4 items nothing can differ, so the old
rule (no cell differs significantly) always starred the smallest artifact. Here an artifact
qualifies only when, for every target and content score of its suites, the one-sided upper
confidence bound of (reference minus artifact) is below `margin` (default 0.05: five
points). There is one test per score, pooled over the splits the run scored (dev and fresh
are strata of one test, not two tests that must each pass), at each split's largest budget.
The tests of a run folder (artifacts x scores) form one family, corrected with Holm's
step-down procedure. `identical_n(tests)` is the number of items per score at which
answers identical to the reference's clear the margin.

The bound: per item d = reference - artifact (in [-1, 1]). For 0/1 scores this is the
paired difference of proportions, with Agresti and Min's (2005) adjustment (half a
pseudo-observation in each of the four cells of the 2x2 table, added once to the pooled
table), so a handful of identical answers does not give a zero-width interval. Pooled over
splits, the test is stratified: the mean is weighted by split size and its variance is the
sum of the within-split variances (the pooled variance less its between-split part), so a
split that is simply harder for both models does not widen the bound. One split gives the
plain adjusted interval. The same formula, written with sums of d and d squared, serves
fractional scores.

Floor and ceiling: a score where the reference itself scores below 10 % or above 90 % on
the items run cannot show a difference (at 0 there is nothing to lose). Such a score is
still tested, and a loss on it still counts, but it cannot earn the star alone: an artifact
qualifies only when at least one score it passes is neither at the floor nor at the ceiling.

When no artifact qualifies, each artifact's standing says which case holds: it is shown
*worse* (the lower bound of reference minus artifact, Holm-corrected, is above the margin);
more items would settle it (the `--limit`, in items per split as `edgebench run` counts
them, at which the observed difference and discordance would clear, when the suite holds
that many); the suite is too small for this discordance (that limit exceeds what its splits
hold); or it passes only on floor/ceiling scores. Drift (KL) breaks ties between artifacts
of about the same size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

from bench.suites.base import COUNT_STEP

MARGIN = 0.05
ALPHA = 0.05
TIE_SIZE = 0.02  # artifacts within 2 % of the smallest qualifying size are tied; the lower KL wins
FLOOR, CEILING = 0.10, 0.90  # the reference below / above this cannot show a difference
SEARCH_LIMIT = 1_000_000  # items per score beyond which no number of items is called enough
NORMAL = NormalDist()

# an artifact's standing against the reference
QUALIFIES, WORSE, MORE_ITEMS, TOO_SMALL, FLOOR_ONLY, UNSETTLED = (
    "qualifies", "worse", "more items", "suite too small", "floor/ceiling only", "unsettled")


@dataclass(frozen=True)
class Stratum:
    """One split's paired items of one score: their count and the sums the bound needs."""

    split: str
    n: float  # items (fractional only in a projection to more items)
    sum_d: float  # sum of reference - artifact
    sum_d2: float  # sum of its squares
    sum_ref: float = 0.0  # sum of the reference's scores (floor / ceiling)

    def scaled(self, factor: float) -> "Stratum":
        """The same split with `factor` times the items, at the same mean difference and discordance."""
        return Stratum(self.split, self.n * factor, self.sum_d * factor, self.sum_d2 * factor, self.sum_ref * factor)


def strata_of(by_split: dict[str, list[tuple[float, float]]]) -> tuple[Stratum, ...]:
    """by_split: split -> (reference score, artifact score) per item."""
    return tuple(Stratum(s, len(p), sum(r - a for r, a in p), sum((r - a) ** 2 for r, a in p), sum(r for r, _ in p))
                 for s, p in sorted(by_split.items()) if p)


def moments(strata: tuple[Stratum, ...]) -> tuple[float, float]:
    """(adjusted mean, its standard error) of reference - artifact, stratified by split."""
    n = sum(s.n for s in strata)
    n_adj = n + 2
    sum_d = sum(s.sum_d for s in strata)
    mean_raw = sum_d / n if n else 0.0
    between = sum(s.n * (s.sum_d / s.n - mean_raw) ** 2 for s in strata if s.n)
    variance = max(sum(s.sum_d2 for s in strata) + 1 - sum_d**2 / n_adj - between, 0.0) / n_adj**2
    return sum_d / n_adj, math.sqrt(variance)


def bound(sum_d: float, sum_d2: float, n: int, alpha: float) -> tuple[float, float]:
    """(adjusted mean, one-sided upper bound at level alpha) of reference - artifact on one split."""
    mean, sd = moments((Stratum("", n, sum_d, sum_d2),))
    return mean, mean + NORMAL.inv_cdf(1 - alpha) * sd


@dataclass(frozen=True)
class NonInferiority:
    """One score of one artifact against the reference, pooled over splits: H0 "worse by margin or more"."""

    metric: str  # the score's report key
    budget: int  # the largest budget scored
    strata: tuple[Stratum, ...]
    difference: float  # adjusted mean of reference - artifact
    sd: float
    upper: float  # one-sided 95 % upper bound (before Holm)
    p_value: float  # of "worse by the margin or more": small means non-inferior
    p_worse: float  # of "not worse by the margin": small means shown worse
    margin: float = MARGIN

    @property
    def n(self) -> int:
        return round(sum(s.n for s in self.strata))

    @property
    def split(self) -> str:
        return "+".join(s.split for s in self.strata)

    @property
    def raw_difference(self) -> float:
        return sum(s.sum_d for s in self.strata) / max(self.n, 1)

    @property
    def reference_mean(self) -> float:
        return sum(s.sum_ref for s in self.strata) / max(self.n, 1)

    @property
    def level(self) -> str:
        """"floor" or "ceiling" when the reference's own score leaves no room to show a difference, else ""."""
        mean = self.reference_mean
        return "floor" if mean < FLOOR else "ceiling" if mean > CEILING else ""

    def upper_at(self, alpha: float) -> float:
        return self.difference + NORMAL.inv_cdf(1 - alpha) * self.sd

    def lower_at(self, alpha: float) -> float:
        return self.difference - NORMAL.inv_cdf(1 - alpha) * self.sd


def pooled_test(metric: str, budget: int, strata: tuple[Stratum, ...], margin: float = MARGIN) -> NonInferiority:
    """The non-inferiority test (and the test of "worse") of one score over its strata."""
    mean, sd = moments(strata)
    upper = mean + NORMAL.inv_cdf(1 - ALPHA) * sd
    p = 1 - NORMAL.cdf((margin - mean) / sd) if sd > 0 else float(mean >= margin)
    p_worse = 1 - NORMAL.cdf((mean - margin) / sd) if sd > 0 else float(mean <= margin)
    return NonInferiority(metric, budget, strata, mean, sd, upper, p, p_worse, margin)


def non_inferiority(metric: str, budget: int, by_split: dict[str, list[tuple[float, float]]],
                    margin: float = MARGIN) -> NonInferiority:
    """One pooled test of a score; by_split: split -> (reference score, artifact score) per item."""
    return pooled_test(metric, budget, strata_of(by_split), margin)


def holm_levels(p_values: list[float], alpha: float = ALPHA) -> list[float | None]:
    """Holm's step-down: the level at which each null hypothesis is rejected (None: kept), in input order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    levels: list[float | None] = [None] * len(p_values)
    for rank, i in enumerate(order):
        level = alpha / (len(p_values) - rank)
        if p_values[i] > level:
            break
        levels[i] = level
    return levels


def holm(p_values: list[float], alpha: float = ALPHA) -> list[bool]:
    """Which null hypotheses Holm's step-down rejects, in input order."""
    return [level is not None for level in holm_levels(p_values, alpha)]


def identical_n(tests: int, margin: float = MARGIN, alpha: float = ALPHA) -> int:
    """The fewest items per score at which answers identical to the reference's clear the margin in a run
    of `tests` tests (Holm's strictest level, alpha / tests: identical answers give equal p-values)."""
    n = 1
    while bound(0.0, 0.0, n, alpha / max(tests, 1))[1] >= margin:
        n += 1
    return n


def items_needed(test: NonInferiority, family_size: int) -> int | None:
    """Items per score (pooled over its splits, in their proportions) at which the test would be settled
    if the observed mean difference and discordance held: non-inferior when the observed difference is
    below the margin, worse when above, at Holm's strictest level. None: never (at the margin exactly,
    or beyond SEARCH_LIMIT)."""
    alpha, n0 = ALPHA / max(family_size, 1), max(sum(s.n for s in test.strata), 1)
    below = test.raw_difference < test.margin
    if test.raw_difference == test.margin:
        return None

    def settled(n: float) -> bool:
        t = pooled_test(test.metric, test.budget, tuple(s.scaled(n / n0) for s in test.strata), test.margin)
        return t.upper_at(alpha) < test.margin if below else t.lower_at(alpha) > test.margin

    low, high = 0, max(test.n, 1)
    while not settled(high):
        low, high = high, high * 2
        if high > SEARCH_LIMIT:
            return None
    while high - low > 1:  # the first n that settles it
        mid = (low + high) // 2
        low, high = (low, mid) if settled(mid) else (mid, high)
    return high


@dataclass(frozen=True)
class SplitSize:
    """How one split of a score's suite was run: what `--limit` advice is computed from."""

    suite: str
    items_run: int  # items of the suite run on this split (all families)
    available: int | None  # items the split holds; None: not recorded
    counts: tuple[int, ...] | None = None  # items carrying the score among the first k * COUNT_STEP (SuiteSpec.score_counts)

    def carrying(self, limit: int, share: float) -> int:
        """Items of the score a --limit gives this split: counted from the suite's own table when it has one
        (rounded down to its step), else the share observed in the run."""
        if self.counts:
            return self.counts[min(limit // COUNT_STEP, len(self.counts) - 1)]
        return math.floor(share * min(limit, self.available or limit) + 1e-9)


@dataclass(frozen=True)
class LimitAdvice:
    limit: int | None  # --limit (items per split) that gives `needed` items of the score; None: the suite is too small
    needed: int  # items of the score, pooled over its splits
    suite: str
    holds: int | None  # the most items per split the suite holds (None: not recorded)


def limit_for(needed: int, test: NonInferiority, sizes: dict[str, SplitSize]) -> LimitAdvice:
    """The smallest --limit at which the splits run would give `needed` items of this score, assuming each
    split keeps its share of items that have the score (a limit covers every family alike)."""
    parts = [(s.n / sizes[s.split].items_run, sizes[s.split]) for s in test.strata]
    suite = parts[0][1].suite
    avail = [size.available for _, size in parts]
    holds = max(avail) if None not in avail else None

    def scored(limit: int) -> int:  # rounded down: the advice errs on the side of enough
        return sum(size.carrying(limit, share) for share, size in parts)

    start = max(size.items_run for _, size in parts)
    if holds is not None and scored(holds) < needed:
        return LimitAdvice(None, needed, suite, holds)
    if holds is not None:  # scored grows with the limit and reaches `needed` by `holds`: the first limit that does
        low, high = start - 1, holds
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (low, mid) if scored(mid) >= needed else (mid, high)
        return LimitAdvice(max(high, start), needed, suite, holds)
    limit = max(start, math.ceil(needed / sum(share for share, _ in parts)))
    while scored(limit) < needed:  # a split that runs out of items: the others must give more
        limit += 1
    return LimitAdvice(limit, needed, suite, holds)


@dataclass
class Candidate:
    label: str
    size_bytes: int
    kl_mean: float | None
    pairs: dict[tuple[str, str, int], list[tuple[float, float]]]  # (score, split, budget) -> (ref, art) per item
    sizes: dict[tuple[str, str], SplitSize] = field(default_factory=dict)  # (score, split) -> how it was run


@dataclass
class Standing:
    """Where one artifact stands against the reference, and why."""

    label: str
    state: str  # QUALIFIES, WORSE, MORE_ITEMS, TOO_SMALL, FLOOR_ONLY or UNSETTLED
    why: str
    advice: LimitAdvice | None = None  # MORE_ITEMS / TOO_SMALL: the items (and limit) that would settle it
    worse: list[tuple[NonInferiority, float]] = field(default_factory=list)  # scores shown worse, lower bounds
    towards_worse: bool = False  # more items could only show it worse (a score observed beyond the margin)

    @property
    def short(self) -> str:
        """A few characters for a table cell."""
        if self.state == MORE_ITEMS and self.advice and self.advice.limit:
            return f"--limit {self.advice.limit}"
        return {QUALIFIES: "yes", WORSE: "worse", TOO_SMALL: "too few items", FLOOR_ONLY: "floor/ceiling only",
                MORE_ITEMS: "more items"}.get(self.state, "unsettled")


@dataclass
class Recommendation:
    label: str | None  # the artifact to ship, or None
    why: str
    margin: float
    tests: dict[str, list[NonInferiority]] = field(default_factory=dict)  # artifact label -> its tests
    qualifies: dict[str, bool] = field(default_factory=dict)
    standings: dict[str, Standing] = field(default_factory=dict)
    items_needed: int | None = None  # items per score that would settle it for the nearest artifact
    limit_needed: int | None = None  # the --limit that gives them

    @property
    def family_size(self) -> int:
        return sum(len(ts) for ts in self.tests.values())


def tests_of(candidate: Candidate, margin: float = MARGIN) -> list[NonInferiority]:
    """One pooled test per score: its splits are strata, each at its largest budget."""
    by_score: dict[str, dict[str, list[tuple[float, float]]]] = {}
    budgets: dict[str, int] = {}
    for (score, split, budget), pairs in sorted(candidate.pairs.items()):
        if pairs:
            by_score.setdefault(score, {})[split] = pairs
            budgets[score] = max(budgets.get(score, 0), budget)
    return [non_inferiority(score, budgets[score], splits, margin) for score, splits in by_score.items()]


def _tests(count: int) -> str:
    return f"{count} test" + ("s" if count != 1 else "")


def _title(test: NonInferiority) -> str:
    return f"{test.metric} ({test.split}, n={test.n})"


def _advice(c: Candidate, test: NonInferiority, family_size: int) -> LimitAdvice | None:
    needed = items_needed(test, family_size)
    if needed is None:
        return None
    sizes = {s.split: c.sizes.get((test.metric, s.split)) for s in test.strata}
    if None in sizes.values() or not all(size.items_run for size in sizes.values()):
        return LimitAdvice(None, needed, "", None)  # how the run was sized is unknown: the items alone
    return limit_for(needed, test, sizes)


def standing(c: Candidate, tests: list[NonInferiority], passed: list[bool], worse_at: list[float | None],
             family_size: int) -> Standing:
    """QUALIFIES, or which of the no-star cases holds for this artifact."""
    if not tests:
        return Standing(c.label, UNSETTLED, f"{c.label} has no target or content score beside the reference's")
    worse = [(t, t.lower_at(level)) for t, level in zip(tests, worse_at) if level is not None]
    if worse:
        said = "; ".join(f"{t.metric}: reference - artifact >= {low:+.3f} (n={t.n})" for t, low in worse)
        why = f"{c.label} is worse than the reference by more than the margin ({said}; one-sided lower bounds, Holm)"
        return Standing(c.label, WORSE, why, worse=worse)
    if all(t.level for t in tests):  # no number of items earns a star here
        return _floor_only(c, tests, passed, family_size)
    if all(passed):
        return Standing(c.label, QUALIFIES, f"{c.label} is within the margin on every score")
    return _unsettled(c, [t for t, ok in zip(tests, passed) if not ok], family_size)


def _floor_only(c: Candidate, tests: list[NonInferiority], passed: list[bool], family_size: int) -> Standing:
    """Every score at the floor or ceiling: within the margin there or not yet, it cannot earn the star."""
    levels = ", ".join(f"{t.metric} ({t.level})" for t in tests)
    harder = "use items of a difficulty the reference answers right 10-90% of the time"
    if all(passed):
        why = (f"{c.label} is within the margin only on scores at the floor or ceiling ({levels}), which cannot "
               f"show a difference: {harder}")
        return Standing(c.label, FLOOR_ONLY, why)
    more = _unsettled(c, [t for t, ok in zip(tests, passed) if not ok], family_size)
    why = (f"{c.label} has only scores at the floor or ceiling ({levels}): {more.why}, but a pass resting on them "
           f"alone earns no star; {harder}")
    return Standing(c.label, FLOOR_ONLY, why, advice=more.advice, towards_worse=more.towards_worse)


def _unsettled(c: Candidate, failing: list[NonInferiority], family_size: int) -> Standing:
    """Neither shown worse nor within the margin: would more items settle it, and does the suite hold them?
    A score observed beyond the margin decides the direction: more items could only show it worse."""
    advice = [(t, _advice(c, t, family_size)) for t in failing]
    never = [t for t, a in advice if a is None]
    if never:
        t = never[0]
        why = (f"{c.label}: no number of items would settle {_title(t)} at its observed difference "
               f"({t.raw_difference:+.3f}, at the margin)")
        return Standing(c.label, UNSETTLED, why)
    towards_worse = [(t, a) for t, a in advice if t.raw_difference > t.margin]
    t, a = max(towards_worse or advice, key=lambda ta: (ta[1].limit is None and ta[1].holds is not None,
                                                        ta[1].limit or 0, ta[1].needed))
    goal = "show whether it is worse" if towards_worse else "settle it"
    if a.limit is None and a.holds is not None:
        why = (f"about {a.needed} items per score would {goal} for {c.label} at the observed difference and "
               f"discordance of {t.metric} ({t.raw_difference:+.3f}), more than {a.suite} holds ({a.holds} items "
               "per split): the suite is too small for this discordance")
        return Standing(c.label, TOO_SMALL, why, advice=a, towards_worse=bool(towards_worse))
    unchecked = "" if a.holds is not None else f"; {a.suite} does not record how many items its splits hold"
    limit = f": --limit {a.limit} (items per split, every family covered{unchecked})" if a.limit else " (raise --limit)"
    why = f"about {a.needed} items per score would {goal} for {c.label} at the observed discordance{limit}"
    return Standing(c.label, MORE_ITEMS, why, advice=a, towards_worse=bool(towards_worse))


def recommend(candidates: list[Candidate], margin: float = MARGIN) -> Recommendation:
    """The smallest qualifying artifact, ties within TIE_SIZE broken by the lower KL; every artifact's standing."""
    tests = {c.label: tests_of(c, margin) for c in candidates}
    family = [(label, i) for label, ts in tests.items() for i in range(len(ts))]
    passed = holm([tests[label][i].p_value for label, i in family])
    worse_at = holm_levels([tests[label][i].p_worse for label, i in family])
    rec = Recommendation(None, "", margin, tests)
    for c in candidates:
        mine = [j for j, (label, _) in enumerate(family) if label == c.label]
        rec.standings[c.label] = standing(c, tests[c.label], [passed[j] for j in mine], [worse_at[j] for j in mine],
                                          len(family))
        rec.qualifies[c.label] = rec.standings[c.label].state == QUALIFIES
    if not family:
        rec.why = "no artifact has scores beside the reference's: run the suites on both"
        return rec
    picked = pick([c for c in candidates if rec.qualifies[c.label]])
    if picked is None:
        rec.why = _why_none(rec, len(family), margin)
        return rec
    best, tied = picked
    rec.label = best.label
    worst = max(tests[best.label], key=lambda t: t.upper)
    rec.why = (f"{best.label} is the smallest artifact within {margin:.0%} of the reference on every score "
               f"(one test per score pooled over the splits run, Holm-corrected over {_tests(len(family))}; its widest "
               f"bound: {_title(worst)}, {worst.upper:+.3f})"
               + (" and the lowest KL among those of its size" if len(tied) > 1 else ""))
    return rec


def pick(qualifying: list[Candidate]) -> tuple[Candidate, list[Candidate]] | None:
    """(the artifact to ship, those tied with it on size) among the qualifying ones: the smallest, ties within
    TIE_SIZE broken by the lower KL; None when none qualifies."""
    if not qualifying:
        return None
    smallest = min(c.size_bytes for c in qualifying)
    tied = [c for c in qualifying if c.size_bytes <= smallest * (1 + TIE_SIZE)]
    return min(tied, key=lambda c: (c.kl_mean if c.kl_mean is not None else math.inf, c.size_bytes)), tied


def _why_none(rec: Recommendation, family_size: int, margin: float) -> str:
    """Why no artifact has the star: which of the cases holds, the nearest one first."""
    every = [t for ts in rec.tests.values() for t in ts]
    widest = max(every, key=lambda t: t.upper)
    why = (f"no artifact is shown within {margin:.0%} of the reference on every score (one-sided 95% bounds pooled "
           f"over the splits run, Holm-corrected over {_tests(family_size)}; the widest: {_title(widest)}, bound "
           f"{widest.upper:+.2f})")
    by_state: dict[str, list[Standing]] = {}
    for s in rec.standings.values():
        by_state.setdefault(s.state, []).append(s)
    settle = [s for s in by_state.get(MORE_ITEMS, []) if not s.towards_worse]
    if settle:
        nearest = min(settle, key=lambda s: (s.advice.limit or math.inf, s.advice.needed))
        rec.items_needed, rec.limit_needed = nearest.advice.needed, nearest.advice.limit
        why += f"; {nearest.why}"
    for state in (TOO_SMALL, FLOOR_ONLY, UNSETTLED) + ((MORE_ITEMS,) if not settle else ()):
        why += _first_of(by_state.get(state, []))
    return why + "".join(f"; {s.why}" for s in by_state.get(WORSE, []))  # each loss is said, with its bound


def _first_of(standings: list[Standing]) -> str:
    """One case's sentence for its first artifact, and the others in that case by name (a ladder of six
    artifacts would otherwise repeat one sentence six times)."""
    if not standings:
        return ""
    others = [s.label for s in standings[1:]]
    return f"; {standings[0].why}" + (f" (likewise {', '.join(others)})" if others else "")
