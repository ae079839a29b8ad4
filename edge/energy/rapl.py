"""Linux RAPL: the CPU packages' energy counters in /sys/class/powercap (Intel, and AMD since Linux 5.8).

Each top-level zone `intel-rapl:N` (name "package-N") counts microjoules in `energy_uj` and wraps
to zero past `max_energy_range_uj`. What is added up:
- the packages, and each package's `dram` sub-zone where it has one (servers): RAPL's DRAM domain is
  not part of the package domain, and memory-bound token generation spends much of its energy there.
  The other sub-zones (`core`, `uncore`: PP0, PP1) are inside their package and are not added again;
- or the `psys` zone (the whole platform, on some laptops), which contains all of that, alone where
  it counts: firmware that leaves it at zero falls back to the packages.
Counters are read every `poll_s` seconds while the work runs, not only at its start and end: a counter
wraps after max_energy_range_uj, which is about 262 kJ on Intel but 65.5 kJ on AMD Zen (under five
minutes at 230 W), so a sustained run can wrap more than once; each poll sees at most one wrap.
Since Linux 5.10 `energy_uj` is readable by root only (CVE-2020-8694, PLATYPUS): a permission error
is reported as such.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from edge.energy import Energy

POWERCAP_ROOT = Path("/sys/class/powercap")


class RaplMeter:
    method = "rapl"

    def __init__(self, root: Path = POWERCAP_ROOT, clock=time.monotonic, poll_s: float | None = 1.0) -> None:
        self.root, self.clock, self.poll_s = Path(root), clock, poll_s  # poll_s None: no thread (tests call poll())
        self._last: dict[Path, int] = {}
        self._total: dict[Path, int] = {}
        self._range: dict[Path, int] = {}
        self._started = 0.0
        self._used: list[Path] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def groups(self) -> tuple[list[Path], list[Path]]:
        """(the psys zones, the packages with their dram sub-zones)."""
        top = sorted(p for p in self.root.glob("intel-rapl:*") if p.name.count(":") == 1)
        psys = [p for p in top if _name(p) == "psys"]
        packages = []
        for package in (p for p in top if _name(p) != "psys"):
            packages.append(package)
            packages += sorted(p for p in self.root.glob(f"{package.name}:*") if _name(p) == "dram")
        return psys, packages

    def zones(self) -> list[Path]:
        """Every zone this meter reads."""
        psys, packages = self.groups()
        return psys + packages

    def unavailable(self) -> str | None:
        zones = self.zones()
        if not zones:
            return f"no RAPL zones under {self.root} (not an Intel/AMD CPU with powercap, or a VM or container)"
        for zone in zones:
            try:
                int((zone / "energy_uj").read_text())
            except PermissionError:
                return f"{zone / 'energy_uj'} is readable by root only (Linux 5.10+); run as root to measure energy"
            except (OSError, ValueError) as exc:
                return f"{zone / 'energy_uj'} cannot be read ({exc.__class__.__name__})"
        return None

    @property
    def covers(self) -> str:
        psys, packages = self.groups()
        return "RAPL " + " + ".join(_label(z) for z in (self._used or psys or packages))

    def start(self) -> None:
        zones = self.zones()
        self._range = {zone: _read(zone / "max_energy_range_uj") for zone in zones}
        self._last = {zone: _read(zone / "energy_uj") for zone in zones}
        self._total = dict.fromkeys(zones, 0)
        self._used = []
        self._started = self.clock()
        if self.poll_s:
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._poll_loop, daemon=True)
            self._thread.start()

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.poll()
            except (OSError, ValueError):
                return  # stop() reads again and reports the failure

    def poll(self) -> None:
        """Add what each counter moved since the last reading (at most one wrap since then)."""
        with self._lock:
            for zone, last in self._last.items():
                now = _read(zone / "energy_uj")
                self._total[zone] += delta(last, now, self._range[zone])
                self._last[zone] = now

    def stop(self) -> Energy:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        seconds = self.clock() - self._started
        self.poll()
        psys, packages = self.groups()
        psys_uj = sum(self._total.get(z, 0) for z in psys)
        self._used = psys if psys and psys_uj > 0 else packages  # a psys that never moved is firmware, not zero watts
        micro = sum(self._total.get(z, 0) for z in self._used)
        return Energy(self.method, micro / 1e6, seconds, self.covers, None, 2)


def delta(start: int, end: int, max_range: int) -> int:
    """Microjoules between two readings of a counter that wraps to zero past max_range."""
    return end - start if end >= start else end + max_range - start


def _label(zone: Path) -> str:
    name = _name(zone)
    return f"{_name(zone.with_name(zone.name.rsplit(':', 1)[0]))} {name}" if zone.name.count(":") == 2 else name


def _name(zone: Path) -> str:
    try:
        return (zone / "name").read_text().strip()
    except OSError:
        return zone.name


def _read(path: Path) -> int:
    return int(path.read_text().strip())
