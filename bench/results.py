"""Reading a run folder: typed results per artifact, nothing decided and nothing drawn.

`read_scores` gives one artifact's score rows, stop reasons and judges (what a comparison
needs); `read_rows` gives one `Measured` row per artifact (bench/report_model.py): identity, size, speed, drift,
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
from bench.report_model import DriftResult, Measured, ScoreKey, SpeedResult, StopKey
from bench.stats import Estimate, wilson
from bench.store import Store
from bench.suites import SUITES, builtin_spec, get_suite
from bench.suites.base import DISPOSITION, Reported, SuiteSpec
from edge.backend_specs import FORMAT_BACKEND
from edge.errors import EdgebenchError

CAP_BUDGET = 512  # cap-hit is read at this budget, or the one nearest to it


@dataclass
class RunScores:
    """One artifact's samples: what `compare` needs."""

    path: Path
    scores: dict[ScoreKey, dict]  # score row of each sample
    stops: dict[StopKey, str]  # stop reason of each sample
    judges: dict[str, str]  # suite -> judge name
    specs: dict[str, SuiteSpec] = field(default_factory=dict)  # suite -> its facts
    parallel: int = 1  # sequences per batch its suites were generated with (runs before batching: 1)

    def suites(self) -> set[str]:
        return {k.suite for k in self.scores}

    def keys(self, suite: str) -> set[ScoreKey]:
        return {k for k in self.scores if k.suite == suite}


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
    """A spec stored before suites recorded their split sizes (or their per-score counts): the built-in
    suite's, when it is the same version."""
    if spec.items_per_split is not None and spec.score_counts is not None:
        return spec
    builtin = _builtin(spec.name)
    if builtin is None or builtin.version != spec.version:
        return spec
    return replace(spec, items_per_split=spec.items_per_split or builtin.items_per_split,
                   score_counts=spec.score_counts or builtin.score_counts)


def _builtin(name: str) -> SuiteSpec | None:
    """The current spec of a built-in suite by its run name; a selection of the bank (bank:feedback@easy) is
    built again, as its spec depends on the selector."""
    try:
        spec = builtin_spec(name)
    except AttributeError:  # a suite whose spec depends on its selector has no class-level one
        spec = None
    if spec is not None or name.split(":")[0].split("@")[0] not in SUITES:
        return spec
    try:
        suite = get_suite(name)
    except EdgebenchError:
        return None
    return suite.spec if getattr(suite, "selectable", False) else None


def read_scores(store: Store, digest: str, specs: dict[str, SuiteSpec] | None = None) -> RunScores:
    """One artifact's score rows, stop reasons and judges."""
    scores, stops, judges = {}, {}, {}
    for row in store.samples(digest):
        scores[ScoreKey(row["suite"], row["split"], row["item_id"], row["budget"])] = row["scores"]
        stops[StopKey(row["suite"], row["item_id"], row["budget"])] = row["stop_reason"]
        judges[row["suite"]] = row["judge"]
    label = next((a["label"] for a in store.artifacts() if a["hash"] == digest), "")
    return RunScores(store.folder, scores, stops, judges, specs if specs is not None else suite_specs(store),
                     parallel_of(store, label))


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
    return cap_hit_rate([s for k, s in run.stops.items()
                         if k.budget == budget and (suite is None or k.suite == suite) and (wanted is None or k.item in wanted)])


def score_fields(run: RunScores) -> dict:
    """A `Measured` row's score fields: every reported score at the largest budget, the per-budget curves,
    assertion asymmetry, SVR and cap-hit."""
    out = {"scores": {}, "by_budget": {}, "assertion_asymmetry": None, "svr": None}
    reported, headlines = [], []
    for suite in sorted(run.suites()):
        spec = run.specs[suite]
        flat = {(k.item, k.budget): v for k, v in run.scores.items() if k.suite == suite}
        by_budget = summarize_scores(spec, flat)
        if not by_budget:
            continue
        largest = max(by_budget)
        reported += [r for r in spec.reported if r not in reported]
        headlines += [r for r in spec.reported if r.metric == spec.target and r not in headlines]
        for r in spec.reported:
            if r.metric in by_budget[largest]:
                out["scores"][r.key] = by_budget[largest][r.metric].as_dict()
            out["by_budget"][r.key] = {b: m[r.metric].value for b, m in by_budget.items() if r.metric in m}
        if spec.kind == DISPOSITION and spec.style:
            out["by_budget"][spec.style] = {b: m[spec.style].value for b, m in by_budget.items() if spec.style in m}
            style = by_budget[largest].get(spec.style)
            out["svr"] = style.value if style else None
        if spec.assertion_rates:
            found = assertion_rates(flat).get(largest)
            out["assertion_asymmetry"] = found["assertion_asymmetry"] if found and found["n"] else None
    out.update(reported=tuple(reported), headlines=tuple(headlines))
    budgets = sorted({k.budget for k in run.stops})
    if budgets:
        out["cap_hit_by_budget"] = {b: cap_hit_at(run, b) for b in budgets}
        out["cap_budget"] = min(budgets, key=lambda b: (abs(b - CAP_BUDGET), b))
        out["cap_hit"] = out["cap_hit_by_budget"][out["cap_budget"]]
    return out


def device_name(store: Store) -> str:
    """The device in a few words: its profile and host name ("rpi5 on kitchen-pi"); a run stored before hosts
    recorded their name gives the profile alone."""
    hostname = store.meta("host", {}).get("hostname")
    return f"{store.meta('profile', '?')}" + (f" on {hostname}" if hostname else "")


def parallel_of(store: Store, label: str) -> int:
    """The parallel count an artifact's suites ran with (bench/execute.py records it; older runs were sequential)."""
    return int(store.meta("parallel", {}).get(label, 1))


def device_line(store: Store) -> str:
    host, settings = store.meta("host", {}), store.meta("settings", {})
    repack = {True: "", False: ", llama.cpp repacking off"}.get(settings.get("repack"), "")  # see edge/repack.py
    # runs recorded before batching existed have no count: their line stays as it was
    parallel = f", parallel {settings['parallel']}" if "parallel" in settings else ""
    return f"{device_name(store)}: {host.get('cpu', '?')}, {settings.get('threads', '?')} threads{repack}{parallel}"


def read_rows(folder: Path) -> tuple[list[Measured], dict[str, RunScores], str | None]:
    """(one measured row per artifact, each artifact's scores by label, the reference's label or None)."""
    with Store.open(Path(folder), write=False) as store:
        notes = store.meta("notes", {})
        specs = suite_specs(store)
        threads = store.meta("settings", {}).get("threads")
        device, name = device_line(store), device_name(store)
        rows, scored, reference = [], {}, None
        for n, a in enumerate(store.artifacts()):
            backend = FORMAT_BACKEND[a["format"]]
            note = notes.get(a["label"], "")
            crash = (store.measurement(a["hash"], backend, "crash") or {}).get("message")
            if crash:
                note = "; ".join(filter(None, [f"CRASHED: {crash} (results incomplete; --resume retries it)", note]))
            if n == 0 and notes.get("drift"):  # a run-wide note (the drift reference could not be built)
                note = "; ".join(filter(None, [note, notes["drift"]]))
            scored[a["label"]] = read_scores(store, a["hash"], specs)
            rows.append(Measured(
                str(folder), device, a["label"], a["hash"], bool(a["is_reference"]), a["size_bytes"],
                a["bits_per_weight"], SpeedResult.parse(store.measurement(a["hash"], backend, "speed")),
                DriftResult.parse(store.measurement(a["hash"], backend, "drift")), n_params=a["n_params"],
                backend=backend, threads=threads, note=note, crash=crash, device_name=name,
                memory=store.measurement(a["hash"], backend, "memory"), sustain=store.measurement(a["hash"], backend, "sustain"),
                suites_memory=store.measurement(a["hash"], backend, "suites_memory"),
                **score_fields(scored[a["label"]])))
            if a["is_reference"]:
                reference = a["label"]
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
