"""Reading a run folder: typed results per artifact, nothing decided and nothing drawn.

`read_scores` gives one artifact's score rows, stop reasons and judges (what a comparison
needs); `read_rows` gives one `ArtifactRow` per artifact: identity, size, speed, drift,
each reported score at the largest budget with its 95% interval, every score per budget,
assertion asymmetry, style-marker rate and cap-hit. Which scores a suite has comes from
the suite facts the run stored (bench/suites/base.py:SuiteSpec), so a run of a user's
file reads the same way after the file is gone. Deciding (verdicts, the recommendation)
is bench/report.py; drawing is bench/render.py, bench/report_tables.py, bench/html_report.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.budgets import cap_hit_rate
from bench.metrics import Cells, rates
from bench.stats import Estimate, wilson
from bench.store import Store
from bench.suites import builtin_spec
from bench.suites.base import DISPOSITION, Reported, SuiteSpec
from edge.artifacts import FORMAT_BACKEND
from edge.errors import EdgebenchError

CAP_BUDGET = 512  # cap-hit is read at this budget, or the one nearest to it


@dataclass
class RunScores:
    """One artifact's samples: what `compare` needs."""

    path: Path
    scores: dict[tuple[str, str, str, int], dict]  # (suite, split, item id, budget) -> score row
    stops: dict[tuple[str, str, int], str]  # (suite, item id, budget) -> stop reason
    judges: dict[str, str]  # suite -> judge name
    specs: dict[str, SuiteSpec] = field(default_factory=dict)  # suite -> its facts


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
    n_params: int = 0
    backend: str = ""
    threads: int | None = None
    scores: dict = field(default_factory=dict)  # reported key -> {value, ci95, n} at the largest budget
    by_budget: dict = field(default_factory=dict)  # reported key (and style metric) -> {budget: value}
    reported: list[Reported] = field(default_factory=list)  # the scores its suites report, in order
    headlines: list[Reported] = field(default_factory=list)  # each suite's target score among them
    assertion_asymmetry: float | None = None
    svr: float | None = None
    cap_hit: float | None = None
    cap_hit_by_budget: dict = field(default_factory=dict)  # budget -> share of answers cut off
    cap_budget: int | None = None
    note: str = ""
    crash: str | None = None  # the runtime crashed on this artifact; --resume retries it
    # decided by bench/report.py
    verdict: str = "-"
    differs: bool | None = None
    recommended: bool = False
    non_inferior: bool | None = None  # within the margin of the reference on every score (bench/recommend.py)
    recommendation: str = ""  # why this run's star is where it is, or why there is none
    standing: str = ""  # against the reference: qualifies, worse, more items, suite too small, floor/ceiling only
    standing_short: str = ""  # the same in a few characters ("yes", "worse", "--limit 120", ...)
    standing_why: str = ""  # the sentence behind it
    limit_needed: int | None = None  # the --limit (items per split) that would settle its recommendation
    # reported key -> {value, ci95, n}: the share of items scored unlike the reference
    flips: dict = field(default_factory=dict)
    # reported key -> "floor" or "ceiling": the reference's own score leaves no room to show a difference
    floor_ceiling: dict = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)  # e.g. equal accuracy with many flips

    @property
    def gen_tps(self) -> float | None:
        test = _test(self.speed, lambda t: t["test"].startswith("tg") and not t["n_depth"])
        return test["avg_ts"] if test else None

    @property
    def ttft_ms(self) -> float | None:
        test = _test(self.speed, lambda t: t["test"] == "ttft")
        return test["avg_ns"] / 1e6 if test else None

    @property
    def peak_rss_mib(self) -> float | None:
        return self.speed["peak_rss_bytes"] / 2**20 if self.speed else None


def _test(speed: dict | None, wanted):
    return next((t for t in speed["tests"] if wanted(t)), None) if speed else None


def suite_specs(store: Store) -> dict[str, SuiteSpec]:
    """The facts of every suite the run used, as stored (runs older than that: the built-in suites')."""
    stored = {name: _with_sizes(SuiteSpec.from_dict(spec)) for name, spec in store.meta("suites", {}).items()}
    for suite in store.suites():
        if suite not in stored:
            spec = builtin_spec(suite)
            if spec is None:
                raise EdgebenchError(f"{store.folder} holds scores of suite {suite!r} but not its description; "
                                     "it was written by another edgebench version: run it again")
            stored[suite] = spec
    return stored


def _with_sizes(spec: SuiteSpec) -> SuiteSpec:
    """A spec stored before suites recorded their split sizes: the built-in suite's, when it is the same version."""
    if spec.items_per_split is not None:
        return spec
    try:
        builtin = builtin_spec(spec.name)
    except AttributeError:  # a suite whose spec depends on its selector (the bank) has no class-level one
        return spec
    if builtin is None or builtin.version != spec.version:
        return spec
    return replace(spec, items_per_split=builtin.items_per_split)


def read_scores(store: Store, digest: str, specs: dict[str, SuiteSpec] | None = None) -> RunScores:
    """One artifact's score rows, stop reasons and judges."""
    scores, stops, judges = {}, {}, {}
    for row in store.samples(digest):
        scores[(row["suite"], row["split"], row["item_id"], row["budget"])] = row["scores"]
        stops[(row["suite"], row["item_id"], row["budget"])] = row["stop_reason"]
        judges[row["suite"]] = row["judge"]
    return RunScores(store.folder, scores, stops, judges, specs if specs is not None else suite_specs(store))


def load_run(path: Path) -> RunScores:
    """A run folder's scores. A folder holds several artifacts: name one as RUN_DIR@FORMAT:QUANT
    (e.g. runs/x@gguf:q4_k_m), or give the folder alone when it holds one scored artifact."""
    folder, _, label = str(path).partition("@")
    if not Path(folder).exists():
        raise EdgebenchError(f"run folder {folder} does not exist")
    with Store.open(Path(folder), write=False) as store:  # refuses a folder without results.sqlite
        scored = store.scored_hashes()
        artifacts = [a for a in store.artifacts() if a["hash"] in scored]
        labels = [a["label"] for a in artifacts]
        if not label and len(artifacts) == 1:
            label = labels[0]
        chosen = next((a for a in artifacts if a["label"] == label), None)
        if chosen is None:
            raise EdgebenchError(f"{folder} holds scored artifacts {', '.join(labels) or '(none)'}; name one as {folder}@LABEL")
        run = read_scores(store, chosen["hash"])
    run.path = Path(f"{folder}@{label}")
    return run


def summarize_scores(spec: SuiteSpec, scores: dict[tuple[str, int], dict]) -> dict[int, dict[str, Estimate]]:
    """Per budget, each metric's mean over the items where it applies, with a Wilson 95% CI."""
    per_budget: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (_, budget), row in scores.items():
        for metric in spec.metrics:
            if row.get(metric) is not None:
                per_budget[budget][metric].append(row[metric])
    return {b: {m: wilson(sum(v), len(v)) for m, v in metrics.items()} for b, metrics in sorted(per_budget.items())}


def assertion_rates(scores: dict[tuple[str, int], dict]) -> dict[int, dict[str, float]]:
    """Per budget, the paper's 2x2 rates (assertion asymmetry, hallucination, over-hedging)
    over the items with both a gold verdict and an assert/hedge label."""
    pairs: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    for (_, budget), row in scores.items():
        if row.get("correct") is not None and row.get("asserts") is not None:
            pairs[budget].append((row["asserts"] == 1.0, row["correct"] == 1.0))
    return {b: {**rates(Cells.from_pairs(p)), "n": len(p)} for b, p in sorted(pairs.items())}


def cap_hit_at(run: RunScores, budget: int, suite: str | None = None, ids: list[str] | None = None) -> float:
    """Share of answers cut off at `budget` (of one suite and these items, when given)."""
    wanted = set(ids) if ids is not None else None
    return cap_hit_rate([s for (name, item, b), s in run.stops.items()
                         if b == budget and (suite is None or name == suite) and (wanted is None or item in wanted)])


def fill_scores(row: ArtifactRow, run: RunScores) -> None:
    """Every reported score at the largest budget, the per-budget curves, asymmetry, SVR and cap-hit."""
    for suite in sorted({k[0] for k in run.scores}):
        spec = run.specs[suite]
        flat = {(k[2], k[3]): v for k, v in run.scores.items() if k[0] == suite}
        by_budget = summarize_scores(spec, flat)
        if not by_budget:
            continue
        largest = max(by_budget)
        row.reported += [r for r in spec.reported if r not in row.reported]
        row.headlines += [r for r in spec.reported if r.metric == spec.target and r not in row.headlines]
        for r in spec.reported:
            if r.metric in by_budget[largest]:
                row.scores[r.key] = by_budget[largest][r.metric].as_dict()
            row.by_budget[r.key] = {b: m[r.metric].value for b, m in by_budget.items() if r.metric in m}
        if spec.kind == DISPOSITION and spec.style:
            row.by_budget[spec.style] = {b: m[spec.style].value for b, m in by_budget.items() if spec.style in m}
            style = by_budget[largest].get(spec.style)
            row.svr = style.value if style else None
        if spec.assertion_rates:
            found = assertion_rates(flat).get(largest)
            row.assertion_asymmetry = found["assertion_asymmetry"] if found and found["n"] else None
    budgets = sorted({k[2] for k in run.stops})
    if budgets:
        row.cap_hit_by_budget = {b: cap_hit_at(run, b) for b in budgets}
        row.cap_budget = min(budgets, key=lambda b: (abs(b - CAP_BUDGET), b))
        row.cap_hit = row.cap_hit_by_budget[row.cap_budget]


def device_line(store: Store) -> str:
    host, settings = store.meta("host", {}), store.meta("settings", {})
    repack = {True: "", False: ", llama.cpp repacking off"}.get(settings.get("repack"), "")  # see edge/repack.py
    return f"{store.meta('profile', '?')}: {host.get('cpu', '?')}, {settings.get('threads', '?')} threads{repack}"


def read_rows(folder: Path) -> tuple[list[ArtifactRow], dict[str, RunScores], str | None]:
    """(one row per artifact, each artifact's scores by label, the reference's label or None)."""
    with Store.open(Path(folder), write=False) as store:
        notes = store.meta("notes", {})
        specs = suite_specs(store)
        threads = store.meta("settings", {}).get("threads")
        device = device_line(store)
        rows, scored, reference = [], {}, None
        for a in store.artifacts():
            backend = FORMAT_BACKEND[a["format"]]
            row = ArtifactRow(str(folder), device, a["label"], a["hash"], bool(a["is_reference"]),
                              a["size_bytes"], a["bits_per_weight"], store.measurement(a["hash"], backend, "speed"),
                              store.measurement(a["hash"], backend, "drift"), n_params=a["n_params"], backend=backend,
                              threads=threads, note=notes.get(a["label"], ""))
            crash = store.measurement(a["hash"], backend, "crash")
            if crash:
                row.crash = crash["message"]
                row.note = "; ".join(filter(None, [f"CRASHED: {crash['message']} (results incomplete; --resume "
                                                   "retries it)", row.note]))
            scored[a["label"]] = read_scores(store, a["hash"], specs)
            fill_scores(row, scored[a["label"]])
            if row.is_reference:
                reference = a["label"]
            rows.append(row)
    if notes.get("drift") and rows:  # a run-wide note (the drift reference could not be built)
        rows[0].note = "; ".join(filter(None, [rows[0].note, notes["drift"]]))
    return rows, scored, reference


def training_curves(folder: Path) -> dict[str, list[dict]]:
    """The loss curves of the adapter a run was made with ({"sft": [...], "dpo": [...]}), read from the
    adapter's manifest (edgebench train writes them); {} for a run without an adapter or a manifest."""
    import json

    with Store.open(Path(folder), write=False) as store:
        adapter = (store.meta("plan", {}) or {}).get("adapter")
    if not adapter:
        return {}
    try:
        manifest = json.loads((Path(adapter) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if manifest.get("stage") == "dpo":
        return {"sft": manifest.get("sft_loss_curve", []), "dpo": manifest.get("loss_curve", [])}
    return {manifest.get("stage", "sft"): manifest.get("loss_curve", [])}
