"""Sustained speed: generate without pause for N seconds and record, every second, the generation speed,
the CPU's temperature and clock and, where the device says so, whether it throttles.

`edgebench speed ARTIFACT --sustain 300` (and `edgebench run --sustain 300`, stored for the report).
The model runs in a child process (`python -m edge.sustain`), as edge/speed.py's tests do: greedy
decode steps in chunks of `chunk_tokens` from a one-token prefix, so every second does the same work
and a drop in tok/s is the device, not a growing context. Each token's end time puts it in its
second; a thread reads the sensors once a second (edge/thermal.py). Throttling is read from the Pi
firmware's flags (`vcgencmd get_throttled`, bits 0-3: happening now) or, on Linux x86, from the
kernel's thermal_throttle event counters; where neither exists the time to the first throttle is
"unavailable", not guessed from the clock. The summary compares the last window of the run with the
first: a minute each for runs of three minutes or more, a third of the run for shorter ones (named).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from edge import thermal
from edge.errors import EdgebenchError
from edge.profiles import RuntimeSettings

UNAVAILABLE = thermal.UNAVAILABLE
FULL_WINDOW_S = 60  # "the last minute over the first minute"


@dataclass(frozen=True)
class SustainConfig:
    seconds: int = 300
    chunk_tokens: int = 32  # decode steps per chunk: short enough that every second has several chunks
    warmup_chunks: int = 1


@dataclass(frozen=True)
class Sensors:
    """Where the readings come from: each a parameter, so tests need no hardware."""

    thermal_root: Path = thermal.THERMAL_ROOT
    cpu_root: Path = thermal.CPU_ROOT
    throttled_command: tuple[str, ...] = thermal.THROTTLED_COMMAND
    arm_clock_command: tuple[str, ...] = thermal.ARM_CLOCK_COMMAND

    def read(self) -> dict:
        """One reading: hottest zone (C), clock (MHz: the Pi firmware's where it says, else cpufreq's mean), Pi
        throttle flags now, the kernel's throttle events."""
        pi = thermal.pi_throttled(self.throttled_command)
        count = thermal.throttle_counts(self.cpu_root)
        firmware_clock = thermal.pi_arm_clock_mhz(self.arm_clock_command) if isinstance(pi, dict) else None
        return {"temp_c": thermal.hottest_c(thermal.temperatures_c(self.thermal_root)),
                "clock_mhz": firmware_clock or thermal.mean_mhz(thermal.clocks_mhz(self.cpu_root)),
                "throttle_now": pi["now"] if isinstance(pi, dict) else None,
                "throttle_events": count if isinstance(count, int) else None}


@dataclass
class SensorThread:
    """Reads the sensors once a second in the background: (seconds since start, reading)."""

    sensors: Sensors
    start: float
    readings: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while True:
            self.readings.append((time.perf_counter() - self.start, self.sensors.read()))
            if self._stop.wait(1.0):
                return

    def __enter__(self) -> "SensorThread":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def per_second(token_ends: list[float], seconds: int) -> list[int]:
    """Tokens finished in each whole second [0, 1), [1, 2) ... of the run."""
    counts = [0] * seconds
    for t in token_ends:
        if 0 <= t < seconds:
            counts[int(t)] += 1
    return counts


def timeline(counts: list[int], readings: list[tuple[float, dict]]) -> list[dict]:
    """One row per second: tok/s and the sensor reading taken nearest that second's end."""
    rows = []
    for second, count in enumerate(counts):
        reading = min(readings, key=lambda r: abs(r[0] - (second + 1)))[1] if readings else {}
        rows.append({"t": second + 1, "tok_s": float(count), "temp_c": reading.get("temp_c"),
                     "clock_mhz": reading.get("clock_mhz"), "throttle_now": reading.get("throttle_now"),
                     "throttle_events": reading.get("throttle_events")})
    return rows


def window_seconds(seconds: int) -> int:
    """A minute for runs of three minutes or more; a third of a shorter run (at least one second)."""
    return FULL_WINDOW_S if seconds >= 3 * FULL_WINDOW_S else max(1, seconds // 3)


def first_throttle(rows: list[dict]) -> tuple[float | None, str]:
    """(seconds to the first throttled second or None, what it was read from or why it could not be)."""
    if any(r["throttle_now"] is not None for r in rows):
        hit = next((r for r in rows if r["throttle_now"]), None)
        return (hit["t"], "vcgencmd get_throttled: " + ", ".join(hit["throttle_now"])) if hit else \
            (None, "vcgencmd get_throttled: no throttle flag during the run")
    events = [r for r in rows if r["throttle_events"] is not None]
    if events:
        hit = next((r for r in events if r["throttle_events"] > events[0]["throttle_events"]), None)
        return (hit["t"], "kernel thermal_throttle counters rose") if hit else \
            (None, "kernel thermal_throttle counters: no throttle event during the run")
    return None, f"{UNAVAILABLE}: no throttle flags on this host (no vcgencmd, no thermal_throttle counters)"


def summarize(rows: list[dict]) -> dict:
    """Time to first throttle, the last window's speed over the first's (window named), temperatures."""
    seconds = len(rows)
    window = window_seconds(seconds)
    first = sum(r["tok_s"] for r in rows[:window]) / window if rows else 0.0
    last = sum(r["tok_s"] for r in rows[-window:]) / window if rows else 0.0
    throttle_s, throttle_source = first_throttle(rows)
    temps = [r["temp_c"] for r in rows if r["temp_c"] is not None]
    clocks = [r["clock_mhz"] for r in rows if r["clock_mhz"] is not None]
    return {"seconds": seconds, "window_s": window, "first_window_tok_s": first, "last_window_tok_s": last,
            "last_over_first": last / first if first else None, "first_throttle_s": throttle_s,
            "throttle_source": throttle_source,
            "temp_start_c": temps[0] if temps else None, "temp_max_c": max(temps) if temps else None,
            "temp_end_c": temps[-1] if temps else None, "temperature": "measured" if temps else
            f"{UNAVAILABLE}: no readable thermal zone",
            "clock_start_mhz": clocks[0] if clocks else None, "clock_end_mhz": clocks[-1] if clocks else None}


def summary_lines(summary: dict) -> list[str]:
    """What a sustained run found, in sentences: the windows compared, the first throttle, temperatures."""
    w = summary["window_s"]
    window = "minute" if w == 60 else f"{w} s"
    ratio = summary["last_over_first"]
    lines = [f"last {window} over first {window}: {summary['last_window_tok_s']:.1f} / {summary['first_window_tok_s']:.1f} "
             f"tok/s = {ratio:.2f}" if ratio is not None else "no tokens in the first window"]
    throttle = summary["first_throttle_s"]
    lines.append(f"first throttle after {throttle} s ({summary['throttle_source']})" if throttle is not None
                 else f"no throttle seen: {summary['throttle_source']}")
    lines.append(f"temperature {summary['temp_start_c']:.1f} -> max {summary['temp_max_c']:.1f} -> {summary['temp_end_c']:.1f} C"
                 if summary["temp_max_c"] is not None else f"temperature {summary['temperature']}")
    return lines


def sustain(backend, config: SustainConfig, sensors: Sensors = Sensors(), report=None) -> dict:
    """Generate for config.seconds with an open backend; the timeline and its summary."""
    from edge.speed import text_tokens

    prefix = text_tokens(backend, 1)
    for _ in range(config.warmup_chunks):
        backend.timed_decode(prefix, config.chunk_tokens)
    token_ends: list[float] = []
    start, told = time.perf_counter(), -1
    with SensorThread(sensors, start) as thread:
        while time.perf_counter() - start < config.seconds:
            _, steps = backend.timed_decode(prefix, config.chunk_tokens)
            end = time.perf_counter() - start
            for step in reversed(steps):  # the chunk's tokens ended at `end`, `end - last step`, ...
                token_ends.append(end)
                end -= step
            done = min(int(time.perf_counter() - start), config.seconds)
            if report and done != told:
                report(done, config.seconds)
                told = done
    rows = timeline(per_second(token_ends, config.seconds), thread.readings)
    return {"config": asdict(config), "timeline": rows, "summary": summarize(rows)}


def run_sustain(artifact_spec, settings: RuntimeSettings, config: SustainConfig, backend_name: str | None = None,
                on_progress=None) -> dict:
    """The sustained run of one artifact in a child process (peak memory and crashes as edge/speed.py's)."""
    from edge.artifacts import identify
    from edge.speed import run_child

    if config.seconds < 3:
        raise EdgebenchError(f"--sustain needs at least 3 seconds to compare a first and a last window (got {config.seconds})")
    artifact = identify(artifact_spec)
    request = {"artifact": str(artifact.path), "backend": backend_name or artifact.backend,
               "settings": asdict(settings), "config": asdict(config)}
    result = run_child("edge.sustain", request, request["backend"], "sustained speed", on_progress,
                       timeout_s=config.seconds + 600)
    return {"model_filename": str(artifact.path), "model_type": artifact.label, **result}


def _child_main(request_json: str) -> int:
    from edge.backend import open_backend

    request = json.loads(request_json)
    config = SustainConfig(**request["config"])
    try:
        backend = open_backend(request["backend"], Path(request["artifact"]), RuntimeSettings(**request["settings"]))
        result = sustain(backend, config, report=lambda done, total: print(
            json.dumps({"progress": done, "total": total, "test": "sustain"}), flush=True))
        backend.close()
    except EdgebenchError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    from edge.memory import peak_rss_bytes

    print(json.dumps({"result": {**result, "backend": request["backend"], "n_threads": request["settings"]["threads"],
                                 "peak_rss_bytes": peak_rss_bytes()}}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1]))
