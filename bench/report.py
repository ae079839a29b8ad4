"""What a report says about its runs: each artifact tested against its run's reference, and
the quant level to ship.

Reading is bench/results.py; this module decides. Each artifact is compared with the
reference item by item (bench/compare.py): the verdict is the falsification verdict for
"this artifact is better than the reference", and an artifact *differs* when any (split,
budget) cell of its target or content score is significantly different, either way. The
recommended quant level (★) is the smallest artifact shown non-inferior to the reference
within a margin on every target and content score, one test per score pooled over the
splits run (bench/recommend.py); without one, each artifact's standing says which case
holds (worse, more items would settle it and the `--limit` that would, the suite is too
small, or it passes only on floor/ceiling scores). Beside every score: the reference's
floor or ceiling (below 10 % or above 90 %: no room to show a difference) and the flips,
the share of items the artifact scores unlike the reference (bench/stats.py:flips); equal
accuracy with many flips is stated as a finding. Drawing is bench/render.py (md, csv,
json), bench/report_tables.py (terminal), bench/html_report.py.
"""

from __future__ import annotations

from pathlib import Path

from bench.compare import compare_runs, paired_test
from bench.recommend import CEILING, FLOOR, MARGIN, TOO_SMALL, Candidate, SplitSize, recommend
from bench.results import ArtifactRow, RunScores, read_rows
from bench.stats import equal_but_flipped, flip_finding, flips
from edge.errors import EdgebenchError

ALPHA = 0.05
Pairs = dict[tuple[str, str, int], list[tuple[float, float]]]


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
            _fill_flips(row, ref, scored[row.label])
        if row.crash:
            row.verdict, row.differs = "crashed", None  # partial results are not a basis for a recommendation
    if ref is not None:
        _mark_floor_ceiling(rows, next(r for r in rows if r.label == reference))
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


def _fill_flips(row: ArtifactRow, ref: RunScores, mine: RunScores) -> None:
    """Every reported score's flips, pooled over the splits run; equal accuracy with many flips as a finding."""
    titles = {r.key: r.title for r in row.reported}
    for key, pairs in _pooled(paired_scores(ref, mine, every_reported=True)).items():
        flipped = flips(pairs)
        row.flips[key] = flipped.as_dict()
        test = paired_test([r for r, _ in pairs], [a for _, a in pairs])  # artifact minus reference
        if equal_but_flipped(test.difference, test.p_value, flipped, MARGIN, ALPHA):
            row.findings.append(flip_finding(row.label, titles.get(key, key), test.difference, test.p_value, flipped))


def _pooled(pairs: Pairs) -> dict[str, list[tuple[float, float]]]:
    """(score, split, budget) -> pairs, to score -> pairs over every split."""
    out: dict[str, list[tuple[float, float]]] = {}
    for (key, _, _), values in sorted(pairs.items()):
        out.setdefault(key, []).extend(values)
    return out


def _mark_floor_ceiling(rows: list[ArtifactRow], reference: ArtifactRow) -> None:
    """A score where the reference itself is below 10 % or above 90 % on the items run, for every row of its run."""
    levels = {key: "floor" if est["value"] < FLOOR else "ceiling" for key, est in reference.scores.items()
              if est["n"] and (est["value"] < FLOOR or est["value"] > CEILING)}
    for row in rows:
        row.floor_ceiling = dict(levels)


def _recommend(rows: list[ArtifactRow], ref: RunScores, scored: dict[str, RunScores]) -> None:
    """Star the artifact bench/recommend.py picks (non-inferiority to the reference, Holm-corrected)."""
    candidates = [Candidate(row.label, row.size_bytes, (row.drift or {}).get("kl_mean"),
                            paired_scores(ref, scored[row.label]), split_sizes(ref, scored[row.label]))
                  for row in rows if not (row.is_reference or row.crash or not scored[row.label].scores)]
    if not candidates:
        return
    rec = recommend(candidates, MARGIN)
    why = rec.why + _larger_suite(rec)
    for row in rows:
        row.recommended = row.label == rec.label
        row.recommendation = why
        if row.label in rec.standings:
            found = rec.standings[row.label]
            row.non_inferior = rec.qualifies[row.label]
            row.standing, row.standing_short, row.standing_why = found.state, found.short, found.why
            row.limit_needed = found.advice.limit if found.advice else None


def _larger_suite(rec) -> str:
    """Where the items are when a suite is too small: the item bank, if this edgebench has it."""
    from bench.suites import SUITES

    small = {s.advice.suite for s in rec.standings.values() if s.state == TOO_SMALL and s.advice}
    if "bank" not in SUITES or not small or all(name.startswith("bank") for name in small):
        return ""
    return "; the item bank has thousands of items per split: --suite bank"


def paired_scores(ref: RunScores, mine: RunScores, every_reported: bool = False) -> Pairs:
    """(score, split, largest budget) -> (reference, artifact) per shared item, for every suite's target and
    content score (with every_reported: every score its suite reports); a score is named by its report key
    (a user suite's "mine:correct")."""
    pairs: Pairs = {}
    for suite, spec in ref.specs.items():
        keys = {k for k in mine.scores if k[0] == suite} & {k for k in ref.scores if k[0] == suite}
        names = {r.metric: r.key for r in spec.reported}
        metrics = [r.metric for r in spec.reported] if every_reported else [spec.target, spec.content]
        for split in sorted({k[1] for k in keys}):
            budget = max(k[3] for k in keys if k[1] == split)
            for metric in dict.fromkeys(metrics):
                values = [(ref.scores[k].get(metric), mine.scores[k].get(metric)) for k in sorted(keys)
                          if k[1] == split and k[3] == budget]
                values = [(float(r), float(a)) for r, a in values if r is not None and a is not None]
                if values:
                    pairs[(names.get(metric, metric), split, budget)] = values
    return pairs


def split_sizes(ref: RunScores, mine: RunScores) -> dict[tuple[str, str], SplitSize]:
    """(score key, split) -> how many of the suite's items the run gave that split, and how many it holds:
    what the `--limit` advice is computed from (the limit counts items per split, all families)."""
    sizes = {}
    for suite, spec in ref.specs.items():
        keys = {k[:3] for k in mine.scores if k[0] == suite} & {k[:3] for k in ref.scores if k[0] == suite}
        held = spec.items_per_split or {}
        names = {r.metric: r.key for r in spec.reported}
        scores = {*names.values(), names.get(spec.target, spec.target), names.get(spec.content, spec.content)}
        for split in {k[1] for k in keys}:
            run = len({k[2] for k in keys if k[1] == split})
            for key in scores:
                sizes[(key, split)] = SplitSize(suite, run, held.get(split))
    return sizes
