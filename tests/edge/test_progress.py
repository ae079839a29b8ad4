"""The whole-run ETA: each stage still to run costs the mean of finished stages of its kind."""

from __future__ import annotations

import edge.progress as progress_module
from edge.progress import StageClock


def test_eta_from_finished_stages_of_each_kind(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: now[0])
    clock = StageClock(todo=[("a", "speed"), ("a", "suites"), ("b", "speed"), ("b", "suites"), ("c", "speed")])
    assert clock.eta() is None  # nothing finished: no estimate yet
    for stage, seconds in (("speed", 10.0), ("suites", 30.0)):
        clock.start("a", stage)
        now[0] += seconds
        clock.end()
    assert clock.eta() == 10.0 + 30.0 + 10.0  # b speed, b suites, c speed
    clock.skipped.add(("c", "speed"))  # stored already: costs nothing
    assert clock.eta() == 40.0
    clock.start("b", "speed")
    now[0] += 4.0
    assert clock.eta(fraction_of_current=0.5) == 5.0 + 30.0  # half of b's speed left
    clock.end()
    assert clock.by_stage() == {"speed": 14.0, "suites": 30.0}
