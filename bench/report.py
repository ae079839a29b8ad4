"""What a report says about its runs: each artifact tested against its run's reference, and
the quant level to ship.

Reading is bench/results.py; this module decides. Each artifact is compared with the
reference item by item (bench/compare.py): the verdict is the falsification verdict for
"this artifact is better than the reference", and an artifact *differs* when any (split,
budget) cell of its target or content score is significantly different, either way. The
recommended quant level (★) is the smallest artifact shown non-inferior to the reference
within a margin on every target and content score (bench/recommend.py); with too few items
there is none, and the report says how many items would settle it. Drawing is
bench/render.py (md, csv, json), bench/report_tables.py (terminal), bench/html_report.py.
"""

from __future__ import annotations

from pathlib import Path

from bench.compare import compare_runs
from bench.recommend import MARGIN, recommend
from bench.results import ArtifactRow, RunScores, read_rows
from edge.errors import EdgebenchError

ALPHA = 0.05


def load_report(folders: list[Path]) -> list[ArtifactRow]:
    """Every artifact of every run folder, with its verdict and the run's recommendation."""
    rows = []
    for folder in folders:
        rows += decide_run(*read_rows(Path(folder)))
    if not rows:
        raise EdgebenchError("the run folders hold no artifacts yet; run edgebench run first (or --resume it)")
    return rows


def decide_run(rows: list[ArtifactRow], scored: dict[str, RunScores], reference: str | None) -> list[ArtifactRow]:
    ref = scored.get(reference) if reference else None
    for row in rows:
        if row.is_reference:
            row.verdict, row.differs = "reference", False
        elif ref is not None and scored[row.label].scores:
            _fill_verdict(row, ref, scored[row.label])
        if row.crash:
            row.verdict, row.differs = "crashed", None  # partial results are not a basis for a recommendation
    if ref is not None:
        _recommend(rows, ref, scored)
    return rows


def _fill_verdict(row: ArtifactRow, ref: RunScores, mine: RunScores) -> None:
    differs, verdicts = False, []
    for suite in sorted({k[0] for k in mine.scores} & {k[0] for k in ref.scores}):
        try:
            comparison = compare_runs(ref, mine, suite=suite, alpha=ALPHA)
        except EdgebenchError as exc:
            row.note = (row.note + "; " if row.note else "") + str(exc)
            continue
        verdicts.append(f"{suite}: {comparison.verdict}")
        for cell in comparison.cells:
            for test in (cell.target, cell.content):
                if test is not None and test.p_value < ALPHA:
                    differs = True
    row.verdict = "; ".join(verdicts) or "-"
    row.differs = differs if verdicts else None


def _recommend(rows: list[ArtifactRow], ref: RunScores, scored: dict[str, RunScores]) -> None:
    """Star the artifact bench/recommend.py picks (non-inferiority to the reference, Holm-corrected)."""
    candidates = []
    for row in rows:
        if row.is_reference or row.crash or not scored[row.label].scores:
            continue
        candidates.append({"label": row.label, "size_bytes": row.size_bytes,
                           "kl_mean": (row.drift or {}).get("kl_mean"), "pairs": paired_scores(ref, scored[row.label])})
    if not candidates:
        return
    rec = recommend(candidates, MARGIN)
    for row in rows:
        row.recommended = row.label == rec.label
        row.recommendation = rec.why
        if row.label in rec.qualifies:
            row.non_inferior = rec.qualifies[row.label]


def paired_scores(ref: RunScores, mine: RunScores) -> dict[tuple[str, str, int], list[tuple[float, float]]]:
    """(score, split, largest budget) -> (reference, artifact) per shared item, for every suite's target and
    content score; a score is named by its report key (a user suite's "mine:correct")."""
    pairs: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
    for suite, spec in ref.specs.items():
        keys = {k for k in mine.scores if k[0] == suite} & {k for k in ref.scores if k[0] == suite}
        names = {r.metric: r.key for r in spec.reported}
        for split in sorted({k[1] for k in keys}):
            budget = max(k[3] for k in keys if k[1] == split)
            for metric in dict.fromkeys((spec.target, spec.content)):
                values = [(ref.scores[k].get(metric), mine.scores[k].get(metric)) for k in sorted(keys)
                          if k[1] == split and k[3] == budget]
                values = [(float(r), float(a)) for r, a in values if r is not None and a is not None]
                if values:
                    pairs[(names.get(metric, metric), split, budget)] = values
    return pairs
