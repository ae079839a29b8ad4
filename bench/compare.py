"""Compare two run folders on the same items and give the falsification verdict for "B is better than A".

Every (split, budget) cell gets a paired test on the target score (exact McNemar for 0/1
scores, paired bootstrap otherwise), on content (gold accuracy or pass@1) and on the
style-marker rate, and the flips of the target and content scores: the share of items B
scores unlike A, with a Wilson 95% interval (bench/stats.py:flips). The verdict, with the
reason that decided it, comes from the rule table in bench/verdict.py; a cell where the
scores are equal but many items flipped is stated as a finding beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from bench.recommend import MARGIN
from bench.report_model import ScoreKey
from bench.results import RunScores, cap_hit_at
from bench.stats import Estimate, PairedResult, equal_but_flipped, flip_finding, flips, mcnemar, paired_bootstrap
from bench.suites.base import DISPOSITION
from bench.verdict import decide
from edge.errors import EdgebenchError


@dataclass(frozen=True)
class Cell:
    """One split at one budget: cap-hit rates and B-minus-A paired tests."""

    split: str
    budget: int
    n: int
    cap_hit_a: float
    cap_hit_b: float
    mean_a: float
    mean_b: float
    target: PairedResult
    content: PairedResult | None
    style: PairedResult | None
    flips: Estimate | None = None  # share of items whose target score differs between A and B
    content_flips: Estimate | None = None

    def clean(self, negligible_cap: float) -> bool:
        return max(self.cap_hit_a, self.cap_hit_b) <= negligible_cap


@dataclass
class Comparison:
    suite: str
    metric: str
    verdict: str
    reason: str
    alpha: float
    negligible_cap: float
    cells: list[Cell] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # equal scores with many flips, per cell

    def as_dict(self) -> dict:
        return asdict(self)


def paired_test(a: list[float], b: list[float], seed: int = 0) -> PairedResult:
    """McNemar when both sides are 0/1 outcomes, else a paired bootstrap of the mean difference."""
    if all(v in (0.0, 1.0) for v in a + b):
        return mcnemar([v == 1.0 for v in a], [v == 1.0 for v in b])
    return paired_bootstrap(a, b, seed=seed)


def compare_runs(run_a: RunScores, run_b: RunScores, suite: str | None = None, metric: str | None = None,
                 alpha: float = 0.05, negligible_cap: float = 0.05, allow_mixed_batching: bool = False) -> Comparison:
    """Paired cells for every shared (split, budget), then the verdict. Runs generated with different parallel
    counts are refused unless `allow_mixed_batching`: a batched greedy answer can differ from the sequential one
    (bench/batch_identity.py measures how often), and that difference would be read as the artifacts'."""
    if run_a.parallel != run_b.parallel and not allow_mixed_batching:
        raise EdgebenchError(f"the runs were generated with different parallel counts (A: {run_a.parallel}, B: "
                             f"{run_b.parallel} sequences per batch); run both with one --parallel, or pass "
                             "--allow-mixed-batching to pair them anyway")
    suite = suite or _shared_suite(run_a, run_b)
    spec = run_a.specs.get(suite) or run_b.specs.get(suite)
    if spec is None:
        known = sorted(set(run_a.specs) | set(run_b.specs))
        raise EdgebenchError(f"unknown suite '{suite}'; these runs have {', '.join(known) or 'no suite'}")
    if run_a.judges.get(suite) != run_b.judges.get(suite):
        raise EdgebenchError(f"the runs were scored by different judges ({run_a.judges.get(suite)} vs "
                             f"{run_b.judges.get(suite)}); rescore both with one judge before comparing")
    metric = metric or spec.target
    keys = sorted(run_a.keys(suite) & run_b.keys(suite))
    if not keys:
        raise EdgebenchError(f"{run_a.path} and {run_b.path} share no {suite} items; run both on the same suite and split")
    cells = []
    for split, budget in sorted({(k.split, k.budget) for k in keys}):
        ids = [k.item for k in keys if k.split == split and k.budget == budget]
        cells.append(_cell(run_a, run_b, suite, split, budget, ids, metric, spec.content, spec.style))
    cells = [c for c in cells if c.n > 0]
    if not cells:
        raise EdgebenchError(f"no item has a '{metric}' score in both runs; check --metric")
    verdict, reason = decide(cells, alpha, negligible_cap, spec.required_splits)
    return Comparison(suite, metric, verdict, reason, alpha, negligible_cap, cells, flip_findings(cells, metric,
                                                                                                  spec.content, alpha))


def flip_findings(cells: list[Cell], metric: str, content: str | None, alpha: float) -> list[str]:
    """Cells where B scores like A (no significant difference, within the margin) yet flips many items."""
    found = []
    for c in cells:
        scores = [(metric, c.target, c.flips)] + ([(content, c.content, c.content_flips)]
                                                  if content and content != metric else [])
        for name, test, flipped in scores:
            if test is not None and flipped is not None and equal_but_flipped(test.difference, test.p_value, flipped,
                                                                              MARGIN, alpha):
                found.append(flip_finding(f"B on {c.split} at n_predict={c.budget}", name, test.difference,
                                          test.p_value, flipped, against="A"))
    return found


def _shared_suite(run_a: RunScores, run_b: RunScores) -> str:
    """The suite both runs scored: a disposition suite first (it is what the verdict is about), then by name."""
    shared = sorted(run_a.suites() & run_b.suites(),
                    key=lambda name: (run_a.specs[name].kind != DISPOSITION, name))
    if not shared:
        raise EdgebenchError(f"{run_a.path} and {run_b.path} have no suite in common")
    return shared[0]


def _cell(run_a: RunScores, run_b: RunScores, suite: str, split: str, budget: int, ids: list[str],
          metric: str, content: str | None, style: str | None) -> Cell:
    def values(name: str | None) -> tuple[list[float], list[float]] | None:
        if name is None:
            return None
        rows = [(run_a.scores[key].get(name), run_b.scores[key].get(name))
                for key in (ScoreKey(suite, split, i, budget) for i in ids)]
        rows = [(float(x), float(y)) for x, y in rows if x is not None and y is not None]
        return [x for x, _ in rows], [y for _, y in rows]

    a, b = values(metric)
    tested = {name: values(name) for name in (content, style)}
    flipped = {name: flips(list(zip(*v))) if v and v[0] else None for name, v in ((metric, (a, b)),
                                                                                  (content, tested.get(content)))}
    others = {name: paired_test(*v) if v and v[0] else None for name, v in tested.items()}
    return Cell(
        split=split, budget=budget, n=len(a),
        cap_hit_a=cap_hit_at(run_a, budget, suite, ids), cap_hit_b=cap_hit_at(run_b, budget, suite, ids),
        mean_a=sum(a) / len(a) if a else float("nan"), mean_b=sum(b) / len(b) if b else float("nan"),
        target=paired_test(a, b) if a else PairedResult(float("nan"), float("nan"), float("nan"), 1.0, 0),
        content=others.get(content), style=others.get(style) if style else None,
        flips=flipped.get(metric), content_flips=flipped.get(content),
    )
