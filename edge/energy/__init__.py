"""Energy per token where the device can tell: one reader per method, each honest about what it cannot do.

Readers (one module each, found by name in `METHODS`, best first):
- `rapl`: Linux RAPL counters (/sys/class/powercap/intel-rapl*), the CPU packages; Intel and AMD;
- `nvml`: NVIDIA's total-energy counter per GPU, through nvidia-ml-py;
- `pi_pmic`: a Raspberry Pi 5's PMIC rails (`vcgencmd pmic_read_adc`), current x voltage, sampled;
- `powermetrics`: macOS `powermetrics` (CPU + GPU + ANE power), sampled, root only.
A reader that cannot measure here says why (`unavailable()` returns the reason): a missing file, a
permission, a missing package, another OS. Nothing is estimated from a TDP or a datasheet.

Each result names its method, what it covers and its sampling rate (counters have none: they are
read at the start and the end), as MLCommons' power measurement schema does. `Meters` runs every
available reader around one piece of work; edge/speed.py turns the joules into J/token.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Protocol

UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Energy:
    """Energy one reader measured over one piece of work."""

    method: str
    joules: float
    seconds: float
    covers: str  # what was measured, e.g. "CPU packages: package-0"
    sampling_hz: float | None = None  # None: a counter read at the start and the end
    samples: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


class Meter(Protocol):
    method: str

    def unavailable(self) -> str | None:
        """Why this reader cannot measure here, or None when it can."""

    def start(self) -> None: ...

    def stop(self) -> Energy: ...


class SampledMeter:
    """A reader of instantaneous power (watts), integrated over time by a background thread (trapezoids)."""

    method = "sampled"
    covers = ""

    def __init__(self, sampling_hz: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.sampling_hz, self.clock = sampling_hz, clock
        self._points: list[tuple[float, float]] = []
        self.failed: list[str] = []  # why readings were skipped
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def power_w(self) -> float:
        raise NotImplementedError

    def _sample(self) -> None:
        # one failed reading (a command that timed out, a busy ADC) is skipped, not the end of the meter
        try:
            self._points.append((self.clock(), self.power_w()))
        except Exception as exc:  # noqa: BLE001 - a reader's own failure, whatever it is, costs one sample
            self.failed.append(f"{exc.__class__.__name__}: {exc}")

    def _loop(self) -> None:
        while not self._stop.wait(1.0 / self.sampling_hz):
            self._sample()

    def start(self) -> None:
        self._points, self.failed, self._stop = [], [], threading.Event()
        self._sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> Energy:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        if len(self._points) < 2:
            raise RuntimeError(f"{len(self.failed)} of its readings failed ({self.failed[-1] if self.failed else 'none taken'})")
        return Energy(self.method, integrate(self._points), self._points[-1][0] - self._points[0][0], self.covers,
                      self.sampling_hz, len(self._points))


def integrate(points: list[tuple[float, float]]) -> float:
    """Joules from (seconds, watts) samples, by trapezoids."""
    return sum((t1 - t0) * (p0 + p1) / 2 for (t0, p0), (t1, p1) in zip(points, points[1:]))


# method -> (module, class): best first; the report's J/token comes from the first that measured
METHODS = {"rapl": ("edge.energy.rapl", "RaplMeter"), "nvml": ("edge.energy.nvml", "NvmlMeter"),
           "pi-pmic": ("edge.energy.pi_pmic", "PiPmicMeter"),
           "powermetrics": ("edge.energy.powermetrics", "PowermetricsMeter")}


def default_meters() -> list[Meter]:
    """One reader per method, with this host's paths and commands."""
    import importlib

    return [getattr(importlib.import_module(module), cls)() for module, cls in METHODS.values()]


@dataclass
class Meters:
    """Every reader that works here, run together around a piece of work; the others with their reasons."""

    working: list = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # method -> reason

    @classmethod
    def detect(cls, meters: list[Meter] | None = None) -> "Meters":
        found = cls()
        for meter in meters if meters is not None else default_meters():
            reason = meter.unavailable()
            if reason:
                found.unavailable[meter.method] = f"{UNAVAILABLE}: {reason}"
            else:
                found.working.append(meter)
        return found

    def start(self) -> None:
        """Start every working meter; one that fails to start is moved to the unavailable ones with the reason."""
        for meter in list(self.working):
            try:
                meter.start()
            except Exception as exc:  # noqa: BLE001 - a reader's failure must not cost the speed test
                self.working.remove(meter)
                self.unavailable[meter.method] = f"{UNAVAILABLE}: failed to start ({exc.__class__.__name__}: {exc})"

    def stop(self) -> dict[str, Energy]:
        """Each working meter's energy; one that fails here (a counter gone, every sample failed) is moved to the
        unavailable ones with the reason, and the measurement it surrounded stands."""
        readings = {}
        for meter in list(self.working):
            try:
                readings[meter.method] = meter.stop()
            except Exception as exc:  # noqa: BLE001 - a reader's failure must not cost the speed test
                self.working.remove(meter)
                self.unavailable[meter.method] = f"{UNAVAILABLE}: failed during the run ({exc.__class__.__name__}: {exc})"
        return readings

    def describe(self) -> dict:
        """What the results say about energy: the method used for J/token and every reader's status."""
        return {"method": self.working[0].method if self.working else None,
                "methods": {**{m.method: "measured" for m in self.working}, **self.unavailable}}
