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
from bench.fleet_folder import expand
from bench.recommend import CEILING, FLOOR, MARGIN, TOO_SMALL, Candidate, SplitSize, recommend
from bench.report_model import Decision, Measured, PairKey, ReportRow
from bench.results import RunScores, read_rows
from bench.stats import equal_but_flipped, flip_finding, flips
from edge.errors import EdgebenchError

ALPHA = 0.05
THIN_RUNG = 0.10  # a rung saving less than this share of the next one up's size, while drifting further, is not worth it
Pairs = dict[PairKey, list[tuple[float, float]]]


def load_report(folders: list[Path]) -> list[ReportRow]:
    """Every artifact of every run folder, with its verdict and the run's recommendation."""
    rows = []
    for folder in expand([Path(f) for f in folders]):  # a fleet run's folder: each of its devices' runs
        rows += decide_run(*read_rows(folder))
    if not rows:
        raise EdgebenchError("the run folders hold no artifacts yet; run edgebench run first (or --resume it)")
    return rows


def decide_run(rows: list[Measured], scored: dict[str, RunScores], reference: str | None) -> list[ReportRow]:
    """Each measured row with its decision: verdict and flips against the reference, floor/ceiling, the star."""
    ref = scored.get(reference) if reference else None
    decided: dict[str, dict] = {row.label: {} for row in rows}
    for row in rows:
        fields = decided[row.label]
        if row.is_reference:
            fields.update(verdict="reference", differs=False)
        elif ref is not None and scored[row.label].scores:
            fields.update(_verdict(ref, scored[row.label]))
            fields.update(_flips(row, ref, scored[row.label]))
        if row.crash:
            fields.update(verdict="crashed", differs=None)  # partial results are not a basis for a recommendation
    for label, finding in thin_rungs(rows).items():
        decided[label]["findings"] = (*decided[label].get("findings", ()), finding)
    if ref is not None:
        levels = _floor_ceiling(next(r for r in rows if r.label == reference))
        for fields in decided.values():
            fields["floor_ceiling"] = dict(levels)
        _recommend(rows, ref, scored, decided)
    return [ReportRow(row, Decision(**decided[row.label])) for row in rows]


def thin_rungs(rows: list[Measured]) -> dict[str, str]:
    """Rungs that save less than 10 % in size over the next one up the ladder (the next larger artifact of the
    same format) while drifting further from the reference: {label: the sentence that says so}. For small models
    the embedding tensor dominates, so Q3_K and Q2_K files are hardly smaller than Q4_K_M."""
    found = {}
    for fmt in dict.fromkeys(r.label.split(":")[0] for r in rows):
        rungs = sorted((r for r in rows if r.label.split(":")[0] == fmt and not r.crash), key=lambda r: r.size_bytes)
        for low, high in zip(rungs, rungs[1:]):
            saving = 1 - low.size_bytes / high.size_bytes if high.size_bytes else 0.0
            low_kl, high_kl = (r.drift.kl_mean if r.drift else None for r in (low, high))
            if saving < THIN_RUNG and low_kl is not None and high_kl is not None and low_kl > high_kl:
                name, up = (r.label.split(":", 1)[-1] for r in (low, high))
                found[low.label] = (f"{name} saves {saving * 100:.0f} % over {up} and loses fidelity (KL {low_kl:.2g} "
                                    f"against {high_kl:.2g}): ship {up}")
    return found


def _verdict(ref: RunScores, mine: RunScores) -> dict:
    differs, verdicts, notes = False, [], []
    for suite in sorted(mine.suites() & ref.suites()):
        try:
            comparison = compare_runs(ref, mine, suite=suite, alpha=ALPHA)
        except EdgebenchError as exc:
            notes.append(str(exc))
            continue
        verdicts.append(f"{suite}: {comparison.verdict}")
        for cell in comparison.cells:
            for test in (cell.target, cell.content):
                if test is not None and test.p_value < ALPHA:
                    differs = True
    return {"verdict": "; ".join(verdicts) or "-", "differs": differs if verdicts else None, "note": "; ".join(notes)}


def _flips(row: Measured, ref: RunScores, mine: RunScores) -> dict:
    """Every reported score's flips, pooled over the splits run; equal accuracy with many flips as a finding."""
    titles = {r.key: r.title for r in row.reported}
    found, findings = {}, []
    for key, pairs in _pooled(paired_scores(ref, mine, every_reported=True)).items():
        flipped = flips(pairs)
        found[key] = flipped.as_dict()
        test = paired_test([r for r, _ in pairs], [a for _, a in pairs])  # artifact minus reference
        if equal_but_flipped(test.difference, test.p_value, flipped, MARGIN, ALPHA):
            findings.append(flip_finding(row.label, titles.get(key, key), test.difference, test.p_value, flipped))
    return {"flips": found, "findings": tuple(findings)}


def _pooled(pairs: Pairs) -> dict[str, list[tuple[float, float]]]:
    """(score, split, budget) -> pairs, to score -> pairs over every split."""
    out: dict[str, list[tuple[float, float]]] = {}
    for key, values in sorted(pairs.items()):
        out.setdefault(key.score, []).extend(values)
    return out


def _floor_ceiling(reference: Measured) -> dict[str, str]:
    """The scores where the reference itself is below 10 % or above 90 % on the items run."""
    return {key: "floor" if est["value"] < FLOOR else "ceiling" for key, est in reference.scores.items()
            if est["n"] and (est["value"] < FLOOR or est["value"] > CEILING)}


def _recommend(rows: list[Measured], ref: RunScores, scored: dict[str, RunScores], decided: dict[str, dict]) -> None:
    """Star the artifact bench/recommend.py picks (non-inferiority to the reference, Holm-corrected)."""
    candidates = [Candidate(row.label, row.size_bytes, row.drift.kl_mean if row.drift else None,
                            paired_scores(ref, scored[row.label]), split_sizes(ref, scored[row.label]))
                  for row in rows if not (row.is_reference or row.crash or not scored[row.label].scores)]
    if not candidates:
        return
    rec = recommend(candidates, MARGIN)
    why = rec.why + _larger_suite(rec)
    for row in rows:
        fields = decided[row.label]
        fields.update(recommended=row.label == rec.label, recommendation=why)
        if row.label in rec.standings:
            found = rec.standings[row.label]
            fields.update(non_inferior=rec.qualifies[row.label], standing=found.state, standing_short=found.short,
                          standing_why=found.why, limit_needed=found.advice.limit if found.advice else None)


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
        keys = mine.keys(suite) & ref.keys(suite)
        names = {r.metric: r.key for r in spec.reported}
        metrics = [r.metric for r in spec.reported] if every_reported else [spec.target, spec.content]
        for split in sorted({k.split for k in keys}):
            budget = max(k.budget for k in keys if k.split == split)
            for metric in dict.fromkeys(metrics):
                values = [(ref.scores[k].get(metric), mine.scores[k].get(metric)) for k in sorted(keys)
                          if k.split == split and k.budget == budget]
                values = [(float(r), float(a)) for r, a in values if r is not None and a is not None]
                if values:
                    pairs[PairKey(names.get(metric, metric), split, budget)] = values
    return pairs


def split_sizes(ref: RunScores, mine: RunScores) -> dict[tuple[str, str], SplitSize]:
    """(score key, split) -> how many of the suite's items the run gave that split, and how many it holds:
    what the `--limit` advice is computed from (the limit counts items per split, all families)."""
    sizes = {}
    for suite, spec in ref.specs.items():
        items = {(k.split, k.item) for k in mine.keys(suite)} & {(k.split, k.item) for k in ref.keys(suite)}
        held = spec.items_per_split or {}
        names = {r.metric: r.key for r in spec.reported}
        scores = {*names.values(), names.get(spec.target, spec.target), names.get(spec.content, spec.content)}
        for split in {s for s, _ in items}:
            run = len({item for s, item in items if s == split})
            for key in scores:
                counts = ((spec.score_counts or {}).get(key) or {}).get(split)
                sizes[(key, split)] = SplitSize(suite, run, held.get(split), tuple(counts) if counts else None)
    return sizes
