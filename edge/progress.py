"""What a long job tells whoever is watching: stages starting, advancing and ending.

Library code (the plan, the converter) reports through a `Progress` listener and never
draws anything itself; the command line passes one that draws rich progress bars with
the whole run's ETA (edgebench/progress_view.py), tests pass the silent base class.
`StageClock` keeps the wall time of every (artifact, stage) and estimates what is left
from the stages of the same kind that have finished.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

STAGES = ("convert", "speed", "sustain", "drift reference", "drift", "suites")  # in the order a run does them


class Progress:
    """A silent listener; subclasses draw."""

    def plan(self, stages: list[tuple[str, str]]) -> None:
        """Every (artifact, stage) the job will run, before it starts."""

    def start(self, artifact: str, stage: str, total: int | None = None) -> None:
        """A stage begins; `total` is its unit count when known (items, windows, tests)."""

    def update(self, done: int, total: int | None = None, tps: float | None = None, note: str | None = None) -> None:
        """The current stage advanced; `tps`: tokens per second just measured; `note`: e.g. the training loss."""

    def end(self) -> None:
        """The current stage ended."""

    def skip(self, artifact: str, stage: str) -> None:
        """A planned stage will not run (its result is stored already, or the artifact was skipped or crashed)."""

    def say(self, text: str, style: str = "") -> None:
        """A line to keep above the bars (a skipped artifact, a crash)."""


@dataclass
class StageClock:
    """Wall time per (artifact, stage), and the ETA of the stages still to run."""

    todo: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    skipped: set[tuple[str, str]] = field(default_factory=set)
    current: tuple[str, str] | None = None
    started: float = 0.0

    def start(self, artifact: str, stage: str) -> None:
        self.current, self.started = (artifact, stage), time.perf_counter()

    def end(self, skipped: bool = False) -> float:
        elapsed = time.perf_counter() - self.started
        if self.current is not None:
            if skipped:
                self.skipped.add(self.current)
            else:
                self.seconds[self.current] = self.seconds.get(self.current, 0.0) + elapsed
            self.current = None
        return elapsed

    def eta(self, fraction_of_current: float = 0.0) -> float | None:
        """Seconds left: each stage still to run costs the mean of finished stages of its kind; None while a
        kind that is still to run has never finished (the first artifact gives every estimate)."""
        finished: dict[str, list[float]] = {}
        for (_, stage), s in self.seconds.items():
            finished.setdefault(stage, []).append(s)
        left = 0.0
        done = set(self.seconds) | self.skipped
        for key in self.todo:
            if key in done and key != self.current:
                continue
            times = finished.get(key[1])
            if not times:
                return None
            mean = sum(times) / len(times)
            left += mean * (1 - fraction_of_current) if key == self.current else mean
        return left

    def by_stage(self) -> dict[str, float]:
        """Total wall time per stage kind, in run order."""
        totals: dict[str, float] = {}
        for (_, stage), s in self.seconds.items():
            totals[stage] = totals.get(stage, 0.0) + s
        return {s: totals[s] for s in sorted(totals, key=lambda s: STAGES.index(s) if s in STAGES else len(STAGES))}


def track(progress: Progress, items, what: str, stage: str):
    """Yield every item, telling the listener after each one (what: the label shown, e.g. an artifact)."""
    items = list(items)
    progress.start(what, stage, total=len(items))
    try:
        for done, item in enumerate(items, start=1):
            yield item
            progress.update(done, len(items))
    finally:
        progress.end()
