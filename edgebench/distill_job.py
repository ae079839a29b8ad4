"""`edgebench distill`: from a base model to the verdict "does the distilled disposition
survive quantization on this device, and is it real?", in one command.

teach -> filter -> SFT -> DPO (train/), then `edgebench run` on the base and on the trained
model (the adapter merged before conversion) over the same ladder and the same dev and
fresh items, then a paired comparison per quant level (bench/compare.py): the verdict for
"trained beats base" with the reason, the trait scores with intervals, and the
style-marker rate beside the judged score, so mimicry shows. Every stage is an artifact
reused when its inputs are unchanged, so a killed distill continues where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench.execute import PlanConfig
from edge.errors import EdgebenchError
from train.config import DPOSettings, SFTConfig, TeachConfig

# Sized so the default distill on the embedded model ends within 25 minutes on 2 cores.
LADDER = ("gguf:f16", "gguf:q8_0", "gguf:q4_k_m")
ITEMS_PER_SPLIT = 12
BUDGETS = (256, 512)  # 256 alone cut off ~8% of answers in a first run: not a clean budget


@dataclass(frozen=True)
class DistillOptions:
    model: str = "default"
    teacher: str = "default"
    teacher_endpoint: str | None = None
    api_key_env: str = "EDGEBENCH_TEACHER_API_KEY"
    teach: TeachConfig = TeachConfig()
    sft: SFTConfig = SFTConfig()
    dpo: DPOSettings = DPOSettings()
    kd_teacher: str = "default"
    train_limit: int | None = None  # train items to teach on (None: the whole train split)
    ladder: tuple[str, ...] = LADDER
    items_per_split: int = ITEMS_PER_SPLIT
    budgets: tuple[int, ...] = BUDGETS
    profile: str | None = None
    threads: int | None = None
    repack: str | None = None
    parallel: int | None = None  # teacher generation and both runs; None: $EDGEBENCH_PARALLEL, else the profile's


def distill(options: DistillOptions, out: Path, say) -> list[dict]:
    """Run every stage into `out`; returns one row per quant level (see final_rows)."""
    from edgebench.progress_view import RichProgress
    from edgebench.run_job import run as run_job
    from edgebench.console import count_table
    from edge.profiles import device_settings
    from train.dpo import train_dpo
    from train.filter import run_filter
    from train.sft import train_sft
    from train.teacher import teach_stage

    settings = device_settings(options.profile, options.threads, options.repack, parallel=options.parallel).settings
    stages = out / "train"
    seconds: dict[str, float] = {}

    def timed(name: str, work):
        started = time.perf_counter()
        result = work()
        seconds[name] = round(time.perf_counter() - started, 1)
        return result

    with RichProgress() as progress:
        timed("teach", lambda: teach_stage(options.model, options.teacher, options.teacher_endpoint, options.api_key_env,
                                           options.teach, stages, options.train_limit, settings, progress))
        filtered = timed("filter", lambda: run_filter(stages / "teacher", stages / "student", stages / "filter", say=say))
        timed("sft", lambda: train_sft(options.model, stages / "filter", stages / "sft", options.sft, options.kd_teacher,
                                       resume=True, progress=progress))
        adapter = stages / "sft"
        if filtered["counts"]["dpo_pairs"]:
            timed("dpo", lambda: train_dpo(options.model, stages / "filter", stages / "sft", stages / "dpo", options.dpo,
                                           resume=True, progress=progress))
            adapter = stages / "dpo"
        else:
            say("[yellow]no DPO pairs (the student failed no item the teacher passed): the SFT adapter is the result[/]")
    say(count_table(filtered["counts"]))
    config = PlanConfig(suites=("disposition",), splits=("dev", "fresh"), limit=options.items_per_split,
                        budgets=options.budgets, speed=None, drift=False)
    for name, adapter_path in (("base", None), ("trained", adapter)):
        folder = out / name
        timed(f"run {name}", lambda: run_job(options.model, config, adapter=adapter_path, ladder=list(options.ladder),
                                             profile_name=options.profile, out=folder, resume=folder.exists(),
                                             threads=options.threads, say=say, repack=options.repack,
                                             show_report=False, parallel=options.parallel))
    rows = final_rows(out / "base", out / "trained", list(options.ladder))
    say("wall time: " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()) + f"; total {sum(seconds.values()):.0f} s")
    return rows


def final_rows(base: Path, trained: Path, ladder: list[str]) -> list[dict]:
    """Per quant level: the verdict for "trained beats base", scores with intervals, SVR beside the judged score."""
    from bench.compare import compare_runs
    from bench.results import read_rows

    base_list, base_scores, _ = read_rows(base)
    trained_list, trained_scores, _ = read_rows(trained)
    base_rows, trained_rows = {r.label: r for r in base_list}, {r.label: r for r in trained_list}
    out = []
    for label in ladder:
        if label not in base_rows or label not in trained_rows:
            raise EdgebenchError(f"{label} is missing from {base} or {trained}; run edgebench distill again to finish it")
        comparison = compare_runs(base_scores[label], trained_scores[label], suite="disposition")
        b, t = base_rows[label], trained_rows[label]
        out.append({"artifact": label, "verdict": comparison.verdict, "reason": comparison.reason,
                    "items_per_split": {c.split: c.n for c in comparison.cells if c.budget == max(x.budget for x in comparison.cells)},
                    "base": b.scores, "trained": t.scores, "base_svr": b.svr, "trained_svr": t.svr,
                    "base_cap_hit": b.cap_hit, "trained_cap_hit": t.cap_hit, "cap_budget": t.cap_budget})
    return out


def distill_tables(rows: list[dict]):
    """The verdict per quant level, then the scores behind it (base -> trained) and the mimicry check."""
    from rich.table import Table

    from bench.columns import ci_short

    verdicts = Table(title='"Trained beats base", per quant level (disposition, dev and fresh)', title_justify="left")
    for col in ("artifact", "verdict", "items (dev/fresh)", "why"):
        verdicts.add_column(col, overflow="fold")
    scores = Table(title="Scores, base -> trained (95% CI) at the largest budget", title_justify="left")
    for col in ("artifact", "pooled", "uncertainty", "self-verif.", "feedback", "gold acc."):
        scores.add_column(col, overflow="fold", justify="left" if col == "artifact" else "right")
    style = Table(title="Style against substance (trained): SVR beside the judged score; cap-hit", title_justify="left")
    for col in ("artifact", "SVR", "judged", "SVR - judged", "cap-hit base/trained"):
        style.add_column(col, overflow="fold", justify="left" if col == "artifact" else "right")
    for r in rows:
        n = r["items_per_split"]
        verdicts.add_row(r["artifact"], r["verdict"], f"{n.get('dev', 0)}/{n.get('fresh', 0)}", r["reason"])
        scores.add_row(r["artifact"], *(f"{ci_short(r['base'].get(m))}\n-> {ci_short(r['trained'].get(m))}"
                                        for m in ("disposition", "uncertainty", "self_verification", "feedback", "correct")))
        judged = (r["trained"].get("disposition") or {}).get("value")
        svr = r["trained_svr"]
        gap = f"{svr - judged:+.2f}" if svr is not None and judged is not None else "-"
        cap = "/".join("-" if v is None else f"{v:.0%}" for v in (r["base_cap_hit"], r["trained_cap_hit"]))
        style.add_row(r["artifact"], "-" if svr is None else f"{svr:.2f}", "-" if judged is None else f"{judged:.2f}", gap,
                      f"{cap} @{r['cap_budget']}")
    return verdicts, scores, style
