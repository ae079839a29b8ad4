"""Compare two run folders on the same items and give the falsification verdict for "B is better than A".

Every (split, budget) cell gets a paired test on the target score (exact McNemar for 0/1
scores, paired bootstrap otherwise), on content (gold accuracy or pass@1) and on the
style-marker rate. The verdict, with the reason that decided it, comes from the rule table
in bench/verdict.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.stats import PairedResult, mcnemar, paired_bootstrap
from bench.verdict import decide
from edge.errors import EdgebenchError

# Per suite: the default target score, the content score and the style score (None: not measured).
SUITE_SCORES = {
    "disposition": ("disposition", "correct", "svr"),
    "humaneval": ("pass@1", "pass@1", None),
}
REQUIRED_SPLITS = {"disposition": ("dev", "fresh")}


@dataclass
class RunScores:
    """What `compare` needs from one run folder."""

    path: Path
    scores: dict[tuple[str, str, str, int], dict]  # (suite, split, item id, budget) -> score row
    stops: dict[tuple[str, str, int], str]  # (suite, item id, budget) -> stop reason
    judges: dict[str, str]  # suite -> judge name


def load_run(path: Path) -> RunScores:
    """A run folder's scores. A folder with a results store holds several artifacts: name one as
    RUN_DIR@FORMAT:QUANT (e.g. runs/x@gguf:q4_k_m), or give the folder alone when it holds one."""
    folder, _, label = str(path).partition("@")
    if (Path(folder) / "results.sqlite").is_file():
        return _store_run(Path(folder), label)
    if not Path(folder).exists():
        raise EdgebenchError(f"run folder {folder} does not exist")
    raise EdgebenchError(f"{folder} is not a run folder (no results.sqlite); give a folder made by edgebench run")


def _store_run(folder: Path, label: str) -> RunScores:
    from bench.report import run_scores
    from bench.store import Store

    with Store.open(folder, write=False) as store:
        scored = store.scored_hashes()
        artifacts = [a for a in store.artifacts() if a["hash"] in scored]
        labels = [a["label"] for a in artifacts]
        if not label and len(artifacts) == 1:
            label = labels[0]
        chosen = next((a for a in artifacts if a["label"] == label), None)
        if chosen is None:
            raise EdgebenchError(f"{folder} holds scored artifacts {', '.join(labels) or '(none)'}; name one as {folder}@LABEL")
        scores = run_scores(store, chosen["hash"])
    return RunScores(Path(f"{folder}@{label}"), scores.scores, scores.stops, scores.judges)


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

    def as_dict(self) -> dict:
        return asdict(self)


def paired_test(a: list[float], b: list[float], seed: int = 0) -> PairedResult:
    """McNemar when both sides are 0/1 outcomes, else a paired bootstrap of the mean difference."""
    if all(v in (0.0, 1.0) for v in a + b):
        return mcnemar([v == 1.0 for v in a], [v == 1.0 for v in b])
    return paired_bootstrap(a, b, seed=seed)


def compare_runs(run_a: RunScores, run_b: RunScores, suite: str | None = None, metric: str | None = None,
                 alpha: float = 0.05, negligible_cap: float = 0.05) -> Comparison:
    """Paired cells for every shared (split, budget), then the verdict."""
    suite = suite or _shared_suite(run_a, run_b)
    if suite not in SUITE_SCORES:
        raise EdgebenchError(f"unknown suite '{suite}'; choose one of {', '.join(SUITE_SCORES)}")
    if run_a.judges.get(suite) != run_b.judges.get(suite):
        raise EdgebenchError(f"the runs were scored by different judges ({run_a.judges.get(suite)} vs "
                             f"{run_b.judges.get(suite)}); rescore both with one judge before comparing")
    target, content, style = SUITE_SCORES[suite]
    metric = metric or target
    keys = sorted({k[1:] for k in run_a.scores if k[0] == suite} & {k[1:] for k in run_b.scores if k[0] == suite})
    if not keys:
        raise EdgebenchError(f"{run_a.path} and {run_b.path} share no {suite} items; run both on the same suite and split")
    cells = []
    for split, budget in sorted({(k[0], k[2]) for k in keys}):
        ids = [k[1] for k in keys if k[0] == split and k[2] == budget]
        cells.append(_cell(run_a, run_b, suite, split, budget, ids, metric, content, style))
    cells = [c for c in cells if c.n > 0]
    if not cells:
        raise EdgebenchError(f"no item has a '{metric}' score in both runs; check --metric")
    verdict, reason = decide(cells, alpha, negligible_cap, REQUIRED_SPLITS.get(suite, ()))
    return Comparison(suite, metric, verdict, reason, alpha, negligible_cap, cells)


def _shared_suite(run_a: RunScores, run_b: RunScores) -> str:
    shared = {k[0] for k in run_a.scores} & {k[0] for k in run_b.scores}
    for name in SUITE_SCORES:  # disposition first: it is what the verdict is about
        if name in shared:
            return name
    raise EdgebenchError(f"{run_a.path} and {run_b.path} have no suite in common")


def _cell(run_a: RunScores, run_b: RunScores, suite: str, split: str, budget: int, ids: list[str],
          metric: str, content: str | None, style: str | None) -> Cell:
    def values(name: str | None) -> tuple[list[float], list[float]] | None:
        if name is None:
            return None
        rows = [(run_a.scores[(suite, split, i, budget)].get(name), run_b.scores[(suite, split, i, budget)].get(name))
                for i in ids]
        rows = [(float(x), float(y)) for x, y in rows if x is not None and y is not None]
        return [x for x, _ in rows], [y for _, y in rows]

    a, b = values(metric)
    tested = {name: values(name) for name in (content, style)}
    others = {name: paired_test(*v) if v and v[0] else None for name, v in tested.items()}
    return Cell(
        split=split, budget=budget, n=len(a),
        cap_hit_a=_cap_hit(run_a, suite, ids, budget), cap_hit_b=_cap_hit(run_b, suite, ids, budget),
        mean_a=sum(a) / len(a) if a else float("nan"), mean_b=sum(b) / len(b) if b else float("nan"),
        target=paired_test(a, b) if a else PairedResult(float("nan"), float("nan"), float("nan"), 1.0, 0),
        content=others.get(content), style=others.get(style) if style else None,
    )


def _cap_hit(run: RunScores, suite: str, ids: list[str], budget: int) -> float:
    stops = [run.stops.get((suite, i, budget)) for i in ids]
    return sum(s == "length" for s in stops) / len(stops) if stops else 0.0
