"""`edgebench speed`: llama-bench-style speed of one artifact on this device.

Tests, named as llama-bench names them:
- pp<N>: prompt processing of N tokens from an empty cache, tok/s;
- tg<N> (tg<N> @ d<D>): N single-token greedy decode steps after a prefix of D tokens, tok/s;
- ttft: time to first token for the smallest prompt (prompt evaluation plus the first pick);
- load: time to load the artifact.
Each test runs warm-up rounds, then repetitions, and reports avg/stddev and every sample
(`samples_ts`, `samples_ns`). Prompts are real text (the drift corpus), not random ids.
Where the device can tell (edge/energy/: RAPL, NVML, a Pi 5's PMIC, powermetrics), the energy of
each test's repetitions is measured too and given as J/token beside its tok/s, with its method.

The model runs in a child process (`python -m edge.speed`), so the peak resident memory
that getrusage reports there is this artifact's alone, native allocations included. The
child streams progress lines and ends with one JSON result on stdout.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from edge import bandwidth, thermal
from edge.artifacts import Artifact, identify
from edge.errors import EdgebenchError
from edge.memory import peak_rss_bytes
from edge.profiles import RuntimeSettings


@dataclass(frozen=True)
class SpeedConfig:
    prompt_sizes: tuple[int, ...] = (128, 512)
    gen_tokens: int = 128
    depths: tuple[int, ...] = (0, 512)
    repetitions: int = 5
    warmup: int = 1
    cooldown_s: float = 0.0  # pause between tests, llama-bench's --delay
    load_repetitions: int = 3


@dataclass
class TestResult:
    test: str
    n_prompt: int
    n_gen: int
    n_depth: int
    samples_ns: list[int] = field(default_factory=list)
    samples_ts: list[float] = field(default_factory=list)
    energy: dict = field(default_factory=dict)  # method -> joules, seconds, j_per_token, covers, sampling_hz

    def to_dict(self) -> dict:
        out = {**asdict(self), "avg_ns": _mean(self.samples_ns), "stddev_ns": _stdev(self.samples_ns),
               "avg_ts": _mean(self.samples_ts), "stddev_ts": _stdev(self.samples_ts)}
        if not self.energy:
            out.pop("energy")
        return out


def energy_per_token(readings: dict, tokens: int) -> dict:
    """{method: the reading with its J/token} for the tokens of one test's repetitions."""
    return {method: {**e.to_dict(), "j_per_token": e.joules / tokens if tokens else None}
            for method, e in readings.items()}


def _mean(values) -> float:
    return float(statistics.fmean(values)) if values else 0.0


def _stdev(values) -> float:
    return float(statistics.stdev(values)) if len(values) > 1 else 0.0


def text_tokens(backend, n: int) -> list[int]:
    """n tokens of real text (the drift corpus, repeated if needed)."""
    from edge.drift import corpus_text

    ids = backend.tokenize(corpus_text())
    while len(ids) < n:
        ids = ids + ids
    return ids[:n]


def speed_tests(config: SpeedConfig) -> list[tuple[str, int, int, int]]:
    """(test name, n_prompt, n_gen, n_depth) in the order they run."""
    tests = [(f"pp{n}", n, 0, 0) for n in config.prompt_sizes]
    for depth in config.depths:
        name = f"tg{config.gen_tokens}" + (f" @ d{depth}" if depth else "")
        tests.append((name, 0, config.gen_tokens, depth))
    return tests


def _run_test(backend, tokens: list[int], n_prompt: int, n_gen: int, n_depth: int) -> tuple[float, int]:
    """One repetition: (seconds, tokens) of n_gen decode steps after n_depth tokens, or of an n_prompt prompt."""
    if n_gen:
        _, steps = backend.timed_decode(tokens[: max(n_depth, 1)], n_gen)
        return sum(steps), n_gen
    seconds, _ = backend.timed_decode(tokens[:n_prompt], 0)
    return seconds, n_prompt


def measure(artifact_path: str, backend_name: str, settings: RuntimeSettings, config: SpeedConfig, report=print,
            meters=None) -> dict:
    """Run every test in this process. `report(done, total, test)` is called as tests finish; `meters` (an
    edge/energy Meters) measure each test's energy, None: every reader that works on this device."""
    from edge.backend import open_backend
    from edge.energy import Meters

    tests = speed_tests(config)
    total = len(tests) + 1
    meters = Meters.detect() if meters is None else meters
    load = TestResult("load", 0, 0, 0)
    backend = None
    for _ in range(config.load_repetitions):
        if backend is not None:
            backend.close()
        backend = open_backend(backend_name, Path(artifact_path), settings)
        load.samples_ns.append(int(backend.load_s * 1e9))
    report(1, total, "load")
    tokens = text_tokens(backend, max([*config.prompt_sizes, *config.depths, 1]))
    results = []
    for done, (name, n_prompt, n_gen, n_depth) in enumerate(tests, start=2):
        result = TestResult(name, n_prompt, n_gen, n_depth)
        for _ in range(config.warmup):
            _run_test(backend, tokens, n_prompt, n_gen, n_depth)
        meters.start()
        for _ in range(config.repetitions):
            seconds, count = _run_test(backend, tokens, n_prompt, n_gen, n_depth)
            result.samples_ns.append(int(seconds * 1e9))
            result.samples_ts.append(count / seconds)
        readings = meters.stop()
        if not n_depth:  # a tg test at a depth evaluates its prefix first, untimed, but the meters count it
            result.energy = energy_per_token(readings, (n_gen or n_prompt) * config.repetitions)
        results.append(result)
        report(done, total, name)
        if config.cooldown_s:
            time.sleep(config.cooldown_s)
    smallest = results[0]  # pp at the smallest prompt: evaluation plus the first pick is the TTFT
    ttft = TestResult("ttft", smallest.n_prompt, 1, 0, samples_ns=list(smallest.samples_ns),
                      samples_ts=[1e9 / ns for ns in smallest.samples_ns])
    out = {
        "backend": backend_name,
        "n_threads": settings.threads,
        "n_gpu_layers": settings.gpu_layers,
        "tests": [r.to_dict() for r in [*results, ttft, load]],
        "peak_rss_bytes": peak_rss_bytes(),
        "energy": meters.describe(),
    }
    if hasattr(backend, "repack"):  # llama.cpp: weight repacking (llama-bench's "repack" field) and why
        out["repack"], out["repack_why"] = backend.repack, backend.repack_why
    if hasattr(backend, "provider_why"):  # ONNX: the execution provider it ran on, and why
        out["provider"] = backend.provider_why
    if hasattr(backend, "peak_memory_bytes"):
        out["mlx_peak_bytes"] = backend.peak_memory_bytes()
    backend.close()
    return out


def run_speed(artifact_spec: "str | Artifact", settings: RuntimeSettings, config: SpeedConfig, backend_name: str | None = None,
              on_progress=None, timeout_s: float | None = None) -> dict:
    """Measure one artifact in a child process and add the host-side readings around it.

    The child is `python -m edge.speed`, not edge/isolation.py's spawn child: a spawn child re-imports
    the parent's main module (the CLI, numpy, the report code), which would count in the peak memory
    this measures. It reports crashes the same way (isolation.crash)."""
    artifact = identify(artifact_spec)
    backend_name = backend_name or artifact.backend
    request = {"artifact": str(artifact.path), "backend": backend_name, "settings": asdict(settings), "config": asdict(config)}
    before = thermal.snapshot()
    started = time.time()
    result = run_child("edge.speed", request, backend_name, "speed", on_progress, timeout_s)
    out = {
        "model_filename": str(artifact.path),
        "model_type": artifact.label,
        "model_size": artifact.size_bytes,
        "model_n_params": artifact.n_params,
        "bits_per_weight": round(artifact.bits_per_weight, 3),
        **result,
        "config": asdict(config),
        "test_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "thermal_before": before,
        "thermal_after": thermal.snapshot(),
    }
    tg = next((t for t in out["tests"] if t["test"].startswith("tg") and not t["n_depth"]), None)
    if tg:
        out["roofline"] = bandwidth.roofline(tg["avg_ts"], artifact.size_bytes, bandwidth.measure_bandwidth_gbs())
    return out


def run_child(module: str, request: dict, backend_name: str, what: str, on_progress=None,
              timeout_s: float | None = None) -> dict:
    """Run `python -m MODULE REQUEST_JSON`, pass its progress lines on, and return its result.

    The child prints JSON lines: {"progress", "total", "test"} as it goes, then {"result"} or {"error"}.
    A child killed by a signal is a RuntimeCrash (edge/isolation.py); any other failure one EdgebenchError."""
    child = subprocess.Popen([sys.executable, "-m", module, json.dumps(request)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    result, now = None, f"loading the model for {what}"
    try:
        for line in child.stdout:
            if not line.startswith("{"):  # a runtime that prints to stdout
                continue
            message = json.loads(line)
            if "progress" in message:
                now = f"measuring {what} (after {message['test']})"
                if on_progress:
                    on_progress(message["progress"], message["total"], message["test"])
            elif "result" in message or "error" in message:
                result = message
        child.wait(timeout=timeout_s)
    finally:
        if child.poll() is None:
            child.kill()
    stderr = child.stderr.read().strip()
    if result is None and child.returncode is not None and child.returncode < 0:
        from edge.isolation import crash, runtime_name

        raise crash(runtime_name(backend_name), child.returncode, now)
    if result is None or "error" in result:
        detail = result["error"] if result else (stderr.splitlines()[-1] if stderr else f"exit code {child.returncode}")
        raise EdgebenchError(f"{what} measurement of {request['artifact']} failed: {detail}")
    return result["result"]


def _child_main(request_json: str) -> int:
    request = json.loads(request_json)
    config = SpeedConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in request["config"].items()})

    def report(done, total, test):
        print(json.dumps({"progress": done, "total": total, "test": test}), flush=True)

    try:
        result = measure(request["artifact"], request["backend"], RuntimeSettings(**request["settings"]), config, report)
    except EdgebenchError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    print(json.dumps({"result": result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1]))
