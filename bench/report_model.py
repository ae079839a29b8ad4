"""The typed report model: what a run measured, parsed once from the store, and what a report decided.

- `ScoreKey` and `StopKey` name the parts of a sample's key (a suite, a split, an item, a
  budget) instead of tuple positions; both are tuples, so a plain tuple finds the same entry.
- `SpeedResult` and `DriftResult` are the stored speed and drift results read once: the tests
  the report shows (generation at depth 0, the first prompt test, time to first token) are
  found here and nowhere else. Each keeps its stored dict (`raw`), which json carries whole.
- `Measured` is one artifact's frozen row as bench/results.py reads it; `Decision` is what
  bench/report.py decides about it (verdict, standing, the star, flips, floor/ceiling);
  `ReportRow` joins the two for the views, which read both through one set of names.
Every view draws its columns from one table (bench/columns.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bench.suites.base import Reported


class ScoreKey(NamedTuple):
    """Which sample a score row belongs to."""

    suite: str
    split: str
    item: str
    budget: int


class StopKey(NamedTuple):
    """Which sample a stop reason belongs to (stop reasons are not split by split)."""

    suite: str
    item: str
    budget: int


class PairKey(NamedTuple):
    """Which paired test a list of (reference, artifact) scores belongs to (bench/report.py, bench/recommend.py)."""

    score: str  # the report key ("disposition", "mine:correct")
    split: str
    budget: int


@dataclass(frozen=True)
class SpeedTest:
    """One llama-bench-style test: pp (prompt), tg (generation at a depth), ttft or load."""

    test: str
    n_depth: int
    avg_ts: float
    stddev_ts: float | None
    avg_ns: float
    samples_ts: tuple[float, ...]
    energy: dict = field(default_factory=dict)  # method -> {joules, j_per_token, sampling_hz, covers} (edge/energy)

    @classmethod
    def from_dict(cls, t: dict) -> "SpeedTest":
        return cls(t["test"], t.get("n_depth", 0) or 0, t.get("avg_ts", 0.0), t.get("stddev_ts"), t.get("avg_ns", 0.0),
                   tuple(t.get("samples_ts") or ()), t.get("energy") or {})


@dataclass(frozen=True)
class SpeedResult:
    """A stored speed result (edge/speed.py), with the tests the report reads named."""

    raw: dict
    tests: tuple[SpeedTest, ...]
    peak_rss_bytes: int | None

    @classmethod
    def parse(cls, raw: dict | None) -> "SpeedResult | None":
        if not raw:
            return None
        return cls(raw, tuple(SpeedTest.from_dict(t) for t in raw.get("tests", [])), raw.get("peak_rss_bytes"))

    def _first(self, wanted) -> SpeedTest | None:
        return next((t for t in self.tests if wanted(t)), None)

    @property
    def generation(self) -> SpeedTest | None:
        """The generation test at depth 0 (tg64 in a run, tg128 for `edgebench speed`)."""
        return self._first(lambda t: t.test.startswith("tg") and not t.n_depth)

    @property
    def prompt(self) -> SpeedTest | None:
        return self._first(lambda t: t.test.startswith("pp"))

    @property
    def ttft(self) -> SpeedTest | None:
        return self._first(lambda t: t.test == "ttft")

    @property
    def energy_method(self) -> str | None:
        """The energy reader behind the J/token figures (the first that measured), None where none could."""
        return (self.raw.get("energy") or {}).get("method")

    def j_per_token(self, test: SpeedTest | None) -> float | None:
        found = test.energy.get(self.energy_method) if test and self.energy_method else None
        return found.get("j_per_token") if found else None

    @property
    def gen_j_per_token(self) -> float | None:
        return self.j_per_token(self.generation)

    @property
    def prompt_j_per_token(self) -> float | None:
        return self.j_per_token(self.prompt)

    @property
    def energy_sampling(self) -> str | None:
        """The method and its sampling, e.g. "rapl (counter)" or "pi-pmic (5 Hz)"; why not, where no reader could."""
        energy = self.raw.get("energy") or {}
        method = energy.get("method")
        if method:
            test = self.generation or self.prompt
            hz = ((test.energy.get(method) or {}).get("sampling_hz") if test else None)
            return f"{method} ({'counter' if hz is None else f'{hz:g} Hz'})"
        reasons = energy.get("methods") or {}
        return "; ".join(f"{m}: {why}" for m, why in reasons.items()) or None

    @property
    def rates(self) -> tuple[SpeedTest, ...]:
        """The tests with a rate (pp and tg): llama-bench's rows."""
        return tuple(t for t in self.tests if t.test not in ("ttft", "load") and t.samples_ts)


@dataclass(frozen=True)
class DriftResult:
    """A stored drift result (edge/drift.py): the figures the report shows."""

    raw: dict
    kl_mean: float | None
    top1_agreement: float | None
    top1_stderr: float | None
    ppl_ratio: float | None

    @classmethod
    def parse(cls, raw: dict | None) -> "DriftResult | None":
        if not raw:
            return None
        return cls(raw, raw.get("kl_mean"), raw.get("top1_agreement"), raw.get("top1_stderr"), raw.get("ppl_ratio"))


@dataclass(frozen=True)
class Measured:
    """One artifact of one run as measured: identity, size, speed, drift, scores. Nothing decided."""

    run: str
    device: str
    label: str
    hash: str
    is_reference: bool
    size_bytes: int
    bits_per_weight: float
    speed: SpeedResult | None = None
    drift: DriftResult | None = None
    n_params: int = 0
    backend: str = ""
    threads: int | None = None
    scores: dict = field(default_factory=dict)  # reported key -> {value, ci95, n} at the largest budget
    by_budget: dict = field(default_factory=dict)  # reported key (and style metric) -> {budget: value}
    reported: tuple[Reported, ...] = ()  # the scores its suites report, in order
    headlines: tuple[Reported, ...] = ()  # each suite's target score among them
    assertion_asymmetry: float | None = None
    svr: float | None = None
    cap_hit: float | None = None
    cap_hit_by_budget: dict = field(default_factory=dict)  # budget -> share of answers cut off
    cap_budget: int | None = None
    note: str = ""
    crash: str | None = None  # the runtime crashed on this artifact; --resume retries it
    sustain: dict | None = None  # a sustained run's timeline and summary (edge/sustain.py), when the run had --sustain
    # the memory predictions made before it ran (edge/memfit.py MemoryFit.to_dict: {"speed", "suites", "decides"};
    # a run of an older edgebench stored one MemoryPrediction.to_dict, see `memory_predictions`)
    memory: dict | None = None
    suites_memory: dict | None = None  # the suites' child's measured peak (bench/generate.py), where suites ran
    device_name: str = ""  # the device in a few words, "rpi5 on kitchen-pi" (`device` is the full line)

    @property
    def gen_tps(self) -> float | None:
        test = self.speed.generation if self.speed else None
        return test.avg_ts if test else None

    @property
    def ttft_ms(self) -> float | None:
        test = self.speed.ttft if self.speed else None
        return test.avg_ns / 1e6 if test else None

    @property
    def peak_rss_mib(self) -> float | None:
        return self.speed.peak_rss_bytes / 2**20 if self.speed and self.speed.peak_rss_bytes is not None else None

    @property
    def sustained_ratio(self) -> float | None:
        """A sustained run's last window tok/s over its first (edge/sustain.py); None without one."""
        return self.sustain["summary"]["last_over_first"] if self.sustain else None

    @property
    def first_throttle_s(self) -> float | None:
        return self.sustain["summary"]["first_throttle_s"] if self.sustain else None

    @property
    def memory_predictions(self) -> tuple[dict | None, dict | None]:
        """(the speed child's prediction, the suites' child's), each a MemoryPrediction dict or None. An older
        run stored a single prediction: at one sequence it is the speed child's; at N it was made for the
        suites' count (and without the backend's own context), so it is compared with nothing measured here."""
        memory = self.memory or {}
        if "total_bytes" in memory:  # the older single prediction
            return (memory, None) if memory.get("parallel", 1) == 1 else (None, memory)
        return memory.get("speed"), memory.get("suites")

    @property
    def predicted_rss_mib(self) -> float | None:
        """The speed child's predicted peak (one sequence at the run's context)."""
        speed = self.memory_predictions[0]
        return speed["total_bytes"] / 2**20 if speed else None

    @property
    def prediction_error_pct(self) -> float | None:
        """The speed child's prediction against its measured peak, signed: +5 means predicted 5 % above it."""
        return _error_pct(self.predicted_rss_mib, self.peak_rss_mib)

    @property
    def suites_predicted_rss_mib(self) -> float | None:
        """The suites' child's predicted peak, at the count its suites ran with (`suites_parallel`)."""
        suites = self.memory_predictions[1]
        return suites["total_bytes"] / 2**20 if suites else None

    @property
    def suites_parallel(self) -> int | None:
        suites = self.memory_predictions[1]
        return suites.get("parallel", 1) if suites else None

    @property
    def suites_peak_rss_mib(self) -> float | None:
        return self.suites_memory["peak_rss_bytes"] / 2**20 if self.suites_memory else None

    @property
    def suites_prediction_error_pct(self) -> float | None:
        """The suites' child's prediction against its measured peak (None where they were at other counts)."""
        if self.suites_memory and self.suites_memory.get("parallel") != self.suites_parallel:
            return None
        return _error_pct(self.suites_predicted_rss_mib, self.suites_peak_rss_mib)


def _error_pct(predicted: float | None, measured: float | None) -> float | None:
    return None if not measured or predicted is None else 100.0 * (predicted - measured) / measured


@dataclass(frozen=True)
class Decision:
    """What the report decided about one artifact, against its run's reference (bench/report.py)."""

    verdict: str = "-"
    differs: bool | None = None
    recommended: bool = False
    non_inferior: bool | None = None  # within the margin of the reference on every score (bench/recommend.py)
    recommendation: str = ""  # why this run's star is where it is, or why there is none
    standing: str = ""  # against the reference: qualifies, worse, more items, suite too small, floor/ceiling only
    standing_short: str = ""  # the same in a few characters ("yes", "worse", "--limit 120", ...)
    standing_why: str = ""  # the sentence behind it
    limit_needed: int | None = None  # the --limit (items per split) that would settle its recommendation
    flips: dict = field(default_factory=dict)  # reported key -> {value, ci95, n}: items scored unlike the reference
    floor_ceiling: dict = field(default_factory=dict)  # reported key -> "floor" or "ceiling"
    findings: tuple[str, ...] = ()  # e.g. equal accuracy with many flips
    note: str = ""  # what deciding could not do (a suite that could not be compared)
    # --until-decided runs only (None otherwise): items the sequential decision used, and why it stopped
    # ("settled non-inferior", "settled worse", "bank exhausted", "still open", "crashed"; "reference")
    items_used: int | None = None
    stopped: str | None = None


@dataclass(frozen=True)
class ReportRow:
    """A measured row and its decision: the views read `row.label`, `row.verdict` ... from either part."""

    measured: Measured
    decision: Decision = Decision()

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        for part in (self.measured, self.decision):
            if hasattr(part, name):
                return getattr(part, name)
        raise AttributeError(name)

    @property
    def note(self) -> str:
        return "; ".join(filter(None, [self.measured.note, self.decision.note]))
