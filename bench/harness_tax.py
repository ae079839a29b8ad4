"""The harness tax of a run: how much wall time edgebench adds on top of the runtime's own work.

What counts (every figure summed over the run's sessions, so a resumed run gives the whole):
- runtime: the time inside the runtime's prompt and decode calls for the suite items, from the
  stored timings: per item its one generation (the row at its largest budget), prompt_eval_s
  plus the sum of token_s. Batched samples' token_s are shares of the decode steps they rode
  in (edge/llamacpp_batch.py), so the sum over items is the steps' wall time, not k times it.
  Model loading is not runtime here: it is part of the tax.
- suites: the wall time of every artifact's suites stage (bench/execute.py): the child process
  start-up, the model load, generation, scoring, judging and storage.
- measured: the stages that measure on purpose besides the suites (conversion and its
  verification, speed, drift and its reference); they are runtime work by design, not tax.
- run: the whole `edgebench run`, from the command's first import (edgebench/__init__.py) to the
  report printed.

suites tax = suites / runtime - 1; run tax = (run - measured) / runtime - 1: everything the run
spends outside the runtime's generation calls and outside the measuring stages (start-up, store,
scoring, judging, the report), as a share of the runtime's time. Kept in the store's
"harness_tax" meta and printed as one line at the end of every run.

A session that is killed keeps its rows but not its wall times (they are written as a session
ends), so the tax of a run resumed after a kill reads low; an uninterrupted run's is exact.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bench.store import Store

MEASURE_STAGES = ("convert", "verify", "speed", "drift reference", "drift")  # edge/progress.py STAGES
SUITES_STAGE = "suites"


@dataclass(frozen=True)
class HarnessTax:
    runtime_s: float  # inside the runtime's prompt and decode calls (suite items, stored timings)
    load_s: float  # model loads recorded with the suite items (part of the tax)
    items: int  # generations counted in runtime_s
    suites_s: float  # wall of the suites stages
    measured_s: float  # wall of conversion, speed and drift stages
    run_s: float  # wall of the whole edgebench run

    @property
    def suites_tax(self) -> float | None:
        return self.suites_s / self.runtime_s - 1 if self.runtime_s > 0 else None

    @property
    def run_tax(self) -> float | None:
        return (self.run_s - self.measured_s) / self.runtime_s - 1 if self.runtime_s > 0 else None

    def as_dict(self) -> dict:
        return {**{k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()},
                "suites_tax": _round(self.suites_tax), "run_tax": _round(self.run_tax)}

    def line(self) -> str:
        if self.runtime_s <= 0:
            return (f"harness tax: no suite item was generated, nothing to weigh (run {self.run_s:.1f} s, "
                    f"of which conversion, speed and drift {self.measured_s:.1f} s)")
        return (f"harness tax: suites {self.suites_s:.1f} s wall for {self.runtime_s:.1f} s inside the runtime's prompt "
                f"and decode calls ({self.items} generations): {self.suites_tax:+.0%}; whole run {self.run_s:.1f} s less "
                f"{self.measured_s:.1f} s of conversion, speed and drift: {self.run_tax:+.0%}")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def runtime_seconds(store: Store) -> tuple[float, float, int]:
    """(prompt+decode seconds, load seconds, generations) over the stored suite items, one row per item: its
    largest budget, where the whole generation's timings are."""
    largest: dict[tuple, dict] = {}
    for row in store.samples():
        key = (row["artifact_hash"], row["backend"], row["suite"], row["item_id"])
        if key not in largest or row["budget"] > largest[key]["budget"]:
            largest[key] = row
    runtime = sum(r["timings"].get("prompt_eval_s", 0.0) + sum(r["timings"].get("token_s", [])) for r in largest.values())
    load = sum(r["timings"].get("load_s", 0.0) for r in largest.values())
    return runtime, load, len(largest)


def harness_tax(store: Store, run_s: float) -> HarnessTax:
    """The tax of the run in `store`, whose sessions took `run_s` seconds in all; stage walls from "stage_seconds"."""
    stages = store.meta("stage_seconds", {})
    runtime, load, items = runtime_seconds(store)
    return HarnessTax(runtime, load, items, stages.get(SUITES_STAGE, 0.0),
                      sum(stages.get(s, 0.0) for s in MEASURE_STAGES), run_s)
