"""`edgebench report`: one row per artifact from one or more run folders (a laptop's and a
Pi's merge into one comparison), as a rich table, markdown, CSV, JSON, or a single-file
HTML report with plots (bench/html_report.py).

Scores are read at the largest budget (the least truncated); cap-hit is read at 512
(or the budget nearest to it). Each artifact is tested against its run's reference item
by item (bench/compare.py): the verdict column is the falsification verdict for
"this artifact is better than the reference", and an artifact *differs* when any
(split, budget) cell of content or disposition is significantly different, either way.
The recommended quant level (★) is the smallest artifact shown non-inferior to the
reference within a margin (bench/recommend.py); with too few items there is none, and
the caption says how many items would settle it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from bench.compare import SUITE_SCORES, RunScores, compare_runs
from bench.recommend import MARGIN, recommend
from bench.store import Store
from bench.suite_run import assertion_rates, summarize_scores
from edge.errors import EdgebenchError

TRAITS = ("disposition", "uncertainty", "self_verification", "feedback")
ALPHA = 0.05
CAP_BUDGET = 512


@dataclass
class ArtifactRow:
    run: str
    device: str
    label: str
    hash: str
    is_reference: bool
    size_bytes: int
    bits_per_weight: float
    speed: dict | None
    drift: dict | None
    scores: dict = field(default_factory=dict)  # metric -> {value, ci95, n} at the largest budget
    by_budget: dict = field(default_factory=dict)  # metric -> {budget: value}
    assertion_asymmetry: float | None = None
    svr: float | None = None
    cap_hit: float | None = None
    cap_budget: int | None = None
    verdict: str = "-"
    differs: bool | None = None
    recommended: bool = False
    note: str = ""
    crash: str | None = None  # the runtime crashed on this artifact; --resume retries it
    non_inferior: bool | None = None  # within the margin of the reference on every score (bench/recommend.py)
    recommendation: str = ""  # why this run's star is where it is, or why there is none

    @property
    def gen_tps(self) -> float | None:
        test = _test(self.speed, lambda t: t["test"].startswith("tg") and not t["n_depth"])
        return test["avg_ts"] if test else None

    @property
    def ttft_ms(self) -> float | None:
        test = _test(self.speed, lambda t: t["test"] == "ttft")
        return test["avg_ns"] / 1e6 if test else None

    def flat(self) -> dict:
        """One flat record per artifact: what csv/json/markdown carry."""
        out = {"run": self.run, "device": self.device, "artifact": self.label, "reference": self.is_reference,
               "recommended": self.recommended, "size_mib": round(self.size_bytes / 2**20, 2),
               "speed_tests": speed_label([self]) or None,
               "bits_per_weight": round(self.bits_per_weight, 3), "gen_tok_s": _round(self.gen_tps, 2),
               "ttft_ms": _round(self.ttft_ms, 1),
               "peak_rss_mib": _round(self.speed["peak_rss_bytes"] / 2**20, 1) if self.speed else None,
               "kl_mean": _round(self.drift["kl_mean"], 5) if self.drift else None,
               "top1_agreement": _round(self.drift["top1_agreement"], 4) if self.drift else None,
               "top1_stderr": _round(self.drift["top1_stderr"], 4) if self.drift else None}
        for metric, est in self.scores.items():
            out[metric] = _round(est["value"], 4)
            out[f"{metric}_ci95"] = [round(v, 4) for v in est["ci95"]]
        out.update({"assertion_asymmetry": _round(self.assertion_asymmetry, 4), "svr": _round(self.svr, 4),
                    f"cap_hit@{self.cap_budget}": _round(self.cap_hit, 4), "verdict": self.verdict,
                    "differs_from_reference": self.differs, "non_inferior": self.non_inferior,
                    "recommendation": self.recommendation, "crash": self.crash, "note": self.note})
        return out


def _round(value, digits):
    return None if value is None or value != value else round(value, digits)


def _test(speed: dict | None, wanted):
    return next((t for t in speed["tests"] if wanted(t)), None) if speed else None


def run_scores(store: Store, digest: str) -> RunScores:
    """What compare needs, for one artifact of a run folder."""
    scores, stops, judges = {}, {}, {}
    for row in store.samples(digest):
        scores[(row["suite"], row["split"], row["item_id"], row["budget"])] = row["scores"]
        stops[(row["suite"], row["item_id"], row["budget"])] = row["stop_reason"]
        judges[row["suite"]] = row["judge"]
    return RunScores(store.folder, scores, stops, judges)


def _device(store: Store) -> str:
    host, settings = store.meta("host", {}), store.meta("settings", {})
    repack = {True: "", False: ", llama.cpp repacking off"}.get(settings.get("repack"), "")  # see edge/repack.py
    return f"{store.meta('profile', '?')}: {host.get('cpu', '?')}, {settings.get('threads', '?')} threads{repack}"


def _rows_of(folder: Path) -> list[ArtifactRow]:
    with Store.open(folder, write=False) as store:
        notes = store.meta("notes", {})
        artifacts = store.artifacts()
        reference = next((a for a in artifacts if a["is_reference"]), None)
        ref_scores = run_scores(store, reference["hash"]) if reference else None
        rows, scored = [], {}
        for a in artifacts:
            row = ArtifactRow(str(folder), _device(store), a["label"], a["hash"], bool(a["is_reference"]), a["size_bytes"],
                              a["bits_per_weight"], store.measurement(a["hash"], _backend(a), "speed"),
                              store.measurement(a["hash"], _backend(a), "drift"), note=notes.get(a["label"], ""))
            crash = store.measurement(a["hash"], _backend(a), "crash")
            if crash:
                row.crash = crash["message"]
                row.note = "; ".join(filter(None, [f"CRASHED: {crash['message']} (results incomplete; --resume "
                                                   "retries it)", row.note]))
            mine = run_scores(store, a["hash"])
            scored[a["label"]] = mine
            _fill_scores(row, mine)
            if ref_scores is not None and not row.is_reference and mine.scores:
                _fill_verdict(row, ref_scores, mine)
            elif row.is_reference:
                row.verdict, row.differs = "reference", False
            if row.crash:
                row.verdict, row.differs = "crashed", None  # partial results are not a basis for a recommendation
            rows.append(row)
    if notes.get("drift") and rows:  # a run-wide note (the drift reference could not be built)
        rows[0].note = "; ".join(filter(None, [rows[0].note, notes["drift"]]))
    if ref_scores is not None:
        _recommend(rows, ref_scores, scored)
    return rows


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
    """(metric, split, largest budget) -> (reference, artifact) per shared item, for every content and target score."""
    pairs: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
    for suite, (target, content, _) in SUITE_SCORES.items():
        keys = {k for k in mine.scores if k[0] == suite} & {k for k in ref.scores if k[0] == suite}
        for split in sorted({k[1] for k in keys}):
            budget = max(k[3] for k in keys if k[1] == split)
            for metric in dict.fromkeys((target, content)):
                values = [(ref.scores[k].get(metric), mine.scores[k].get(metric)) for k in sorted(keys)
                          if k[1] == split and k[3] == budget]
                values = [(float(r), float(a)) for r, a in values if r is not None and a is not None]
                if values:
                    pairs[(metric, split, budget)] = values
    return pairs


def _backend(artifact: dict) -> str:
    from edge.artifacts import FORMAT_BACKEND

    return FORMAT_BACKEND[artifact["format"]]


def _fill_scores(row: ArtifactRow, mine: RunScores) -> None:
    for suite in sorted({k[0] for k in mine.scores}):
        flat = {(k[2], k[3]): v for k, v in mine.scores.items() if k[0] == suite}
        by_budget = summarize_scores(suite, flat)
        if not by_budget:
            continue
        largest = max(by_budget)
        wanted = TRAITS + ("correct", "svr") if suite == "disposition" else ("pass@1",)
        for metric in wanted:
            est = by_budget[largest].get(metric)
            if est is not None and metric != "svr":
                row.scores[metric] = est.as_dict()
            row.by_budget[metric] = {b: m[metric].value for b, m in by_budget.items() if metric in m}
        if suite == "disposition":
            svr = by_budget[largest].get("svr")
            row.svr = svr.value if svr else None
            rates = assertion_rates(flat).get(largest)
            row.assertion_asymmetry = rates["assertion_asymmetry"] if rates and rates["n"] else None
    budgets = sorted({k[2] for k in mine.stops})
    if budgets:
        row.cap_budget = min(budgets, key=lambda b: (abs(b - CAP_BUDGET), b))
        stops = [s for k, s in mine.stops.items() if k[2] == row.cap_budget]
        row.cap_hit = sum(s == "length" for s in stops) / len(stops)


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


def load_report(folders: list[Path]) -> list[ArtifactRow]:
    rows = []
    for folder in folders:
        rows += _rows_of(Path(folder))
    if not rows:
        raise EdgebenchError("the run folders hold no artifacts yet; run edgebench run first (or --resume it)")
    return rows


# ---- renderings -------------------------------------------------------------------------

def _est(est: dict | None) -> str:
    return "-" if not est else f"{est['value']:.2f} [{est['ci95'][0]:.2f},{est['ci95'][1]:.2f}]"


def _num(value, fmt: str) -> str:
    return "-" if value is None or value != value else format(value, fmt)  # nan: no wrong (or right) answers


COLUMNS = ("artifact", "MiB", "bpw", "tok/s", "TTFT ms", "peak MiB", "KL", "top-1", "pass@1", "disposition",
           "uncertainty", "self-verif.", "feedback", "assert asym.", "SVR", "cap-hit", "verdict")


def cells(row: ArtifactRow) -> list[str]:
    drift = row.drift or {}
    return [display_name(row), f"{row.size_bytes / 2**20:.1f}", f"{row.bits_per_weight:.2f}", _num(row.gen_tps, ".1f"),
            _num(row.ttft_ms, ".0f"), _num(row.speed["peak_rss_bytes"] / 2**20 if row.speed else None, ".0f"),
            _num(drift.get("kl_mean"), ".4f"),
            "-" if not drift else f"{drift['top1_agreement']:.1%} ± {drift['top1_stderr']:.1%}",
            _est(row.scores.get("pass@1")), _est(row.scores.get("disposition")), _est(row.scores.get("uncertainty")),
            _est(row.scores.get("self_verification")), _est(row.scores.get("feedback")),
            _num(row.assertion_asymmetry, "+.2f"), _num(row.svr, ".2f"),
            "-" if row.cap_hit is None else f"{row.cap_hit:.0%} @{row.cap_budget}", row.verdict]


def speed_tests(group: list[ArtifactRow]) -> tuple[str | None, str | None, int] | None:
    """(generation test, prompt test, repetitions) the speed columns measured, e.g. ("tg64", "pp64", 2), or None."""
    speed = next((r.speed for r in group if r.speed), None)
    if not speed:
        return None
    tg = next((t for t in speed["tests"] if t["test"].startswith("tg") and not t["n_depth"]), None)
    pp = next((t for t in speed["tests"] if t["test"].startswith("pp")), None)
    return (tg["test"] if tg else None, pp["test"] if pp else None, len(tg["samples_ts"]) if tg else 0)


def speed_label(group: list[ArtifactRow]) -> str:
    """What the speed columns measured, e.g. "tg64, pp64 (2 reps)": the default run's short tests are
    not llama-bench's pp512/tg128, and the report says which they are."""
    tests = speed_tests(group)
    if tests is None:
        return ""
    tg, pp, reps = tests
    return ", ".join(t for t in (tg, pp) if t) + f" ({reps} rep{'s' if reps != 1 else ''})"


def columns(group: list[ArtifactRow]) -> tuple[str, ...]:
    tests = speed_tests(group)
    if tests is None:
        return COLUMNS
    tg, pp, _ = tests
    return tuple(f"{tg or pp} t/s" if c == "tok/s" else f"TTFT ms ({pp or tg})" if c == "TTFT ms" else c
                 for c in COLUMNS)


def display_name(row: ArtifactRow) -> str:
    """The artifact's label, marked ★ when recommended and (ref) for the reference."""
    return row.label + (" ★" if row.recommended else " (ref)" if row.is_reference else "")


def _groups(rows: list[ArtifactRow]) -> dict[tuple[str, str], list[ArtifactRow]]:
    groups: dict[tuple[str, str], list[ArtifactRow]] = {}
    for row in rows:
        groups.setdefault((row.run, row.device), []).append(row)
    return groups


def print_report(rows: list[ArtifactRow]) -> None:
    """The terminal report (bench/report_tables.py): the answer first, then narrow tables."""
    from bench.report_tables import print_report as print_terminal_report

    print_terminal_report(rows)


def _caption(group: list[ArtifactRow]) -> str:
    recommended = next((r for r in group if r.recommended), None)
    why = next((r.recommendation for r in group if r.recommendation), "")
    lines = [f"★ recommended: {why}" if recommended else
             f"no recommendation: {why}" if why else
             "no recommendation: no artifact was compared with a reference on the suites"]
    sizes = sorted({est["n"] for r in group for est in r.scores.values()})
    speed = speed_label(group)
    if speed:
        lines.append(f"speed: {speed} per artifact, in a child process; `edgebench speed` runs llama-bench's "
                     "pp512/tg128 with 5 repetitions")
    lines.append("scores at the largest budget with 95% CIs; KL and top-1 against the reference on the shipped corpus"
                 + (f"; n = {'/'.join(map(str, sizes))} items per score: only large differences are detectable, "
                    "raise --limit for a stronger test" if sizes and max(sizes) < 30 else ""))
    lines += [f"{r.label}: {r.note}" for r in group if r.note]

    return "\n".join(lines)


def to_markdown(rows: list[ArtifactRow]) -> str:
    out = []
    for (run, device), group in _groups(rows).items():
        out += [f"### {run} — {device}", "", "| " + " | ".join(columns(group)) + " |", "|" + "---|" * len(COLUMNS)]
        out += ["| " + " | ".join(c.replace("|", "/") for c in cells(r)) + " |" for r in group]
        out += ["", _caption(group).replace("\n", "  \n"), ""]
    return "\n".join(out)


def to_csv(rows: list[ArtifactRow]) -> str:
    records = [r.flat() for r in rows]
    names = list(dict.fromkeys(k for rec in records for k in rec))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    for rec in records:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in rec.items()})
    return buffer.getvalue()


def to_json(rows: list[ArtifactRow]) -> str:
    return json.dumps([{**r.flat(), "by_budget": r.by_budget, "speed": r.speed, "drift": r.drift} for r in rows], indent=2)
