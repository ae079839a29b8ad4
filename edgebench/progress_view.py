"""The progress a person sees: rich bars for the current stage (artifact, stage, units done,
tok/s) and for the whole run (stages done, the ETA of all that is left), drawn on stderr,
and at the end one line with the wall time of each stage.

The ETA comes from edge/progress.py:StageClock: a stage still to run costs the mean of the
finished stages of its kind, so it appears once every kind of stage has run once (after
the first artifact) and sharpens as the run goes.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bars, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from edge.progress import Progress, StageClock


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class RichProgress(Progress):
    """Use as a context manager around the job; `summary()` is the closing line."""

    def __init__(self, console: Console | None = None, enabled: bool = True) -> None:
        self.console = console or Console(stderr=True)
        self.clock = StageClock()
        self.bars = Bars(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                         TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(), console=self.console,
                         transient=True, disable=not enabled)
        self.run_task = None
        self.stage_task = None

    def __enter__(self) -> "RichProgress":
        self.bars.__enter__()
        self.run_task = self.bars.add_task("run", total=0, info="")
        return self

    def __exit__(self, *exc) -> None:
        self.bars.__exit__(*exc)

    def plan(self, stages: list[tuple[str, str]]) -> None:
        self.clock.todo += [s for s in stages if s not in self.clock.todo]
        self._refresh_run()

    def start(self, artifact: str, stage: str, total: int | None = None) -> None:
        self.clock.start(artifact, stage)
        if (artifact, stage) not in self.clock.todo:
            self.clock.todo.append((artifact, stage))
        self.stage_task = self.bars.add_task(f"{artifact} {stage}", total=total, info="")
        self._refresh_run()

    def update(self, done: int, total: int | None = None, tps: float | None = None, note: str | None = None) -> None:
        if self.stage_task is None:
            return
        info = " ".join(filter(None, [f"{tps:6.1f} tok/s" if tps else "", note or ""]))
        self.bars.update(self.stage_task, completed=done, total=total, info=info)
        task = self.bars.tasks[self.stage_task] if self.stage_task < len(self.bars.tasks) else None
        fraction = done / task.total if task is not None and task.total else 0.0
        self._refresh_run(fraction)

    def end(self) -> None:
        self.clock.end()
        if self.stage_task is not None:
            self.bars.remove_task(self.stage_task)
            self.stage_task = None
        self._refresh_run()

    def skip(self, artifact: str, stage: str) -> None:
        self.clock.skipped.add((artifact, stage))
        self._refresh_run()

    def say(self, text: str, style: str = "") -> None:
        self.bars.console.print(text, style=style or None)

    def _refresh_run(self, fraction: float = 0.0) -> None:
        if self.run_task is None:
            return
        done = len((set(self.clock.seconds) | self.clock.skipped) & set(self.clock.todo))
        eta = self.clock.eta(fraction)
        self.bars.update(self.run_task, total=len(self.clock.todo), completed=done,
                         info=f"ETA {_duration(eta)}" if eta is not None else "ETA after the first artifact")

    def summary(self) -> str:
        """Wall time per stage, e.g. "wall time: convert 41 s, speed 28 s, drift 52 s, suites 1 min 03 s; total 3 min 04 s"."""
        stages = self.clock.by_stage()
        if not stages:
            return ""
        return ("wall time: " + ", ".join(f"{stage} {_duration(s)}" for stage, s in stages.items())
                + f"; total {_duration(sum(stages.values()))}")
