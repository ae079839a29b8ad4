"""Linux RAPL: the CPU packages' energy counters in /sys/class/powercap (Intel, and AMD since Linux 5.8).

Each top-level zone `intel-rapl:N` (name "package-N") counts microjoules in `energy_uj` and wraps
to zero past `max_energy_range_uj`: a stop reading below the start reading wrapped once (a counter
of about 262 kJ wraps after tens of minutes at laptop power; a measurement is far shorter). Sub-zones
(`intel-rapl:N:M`: core, uncore, dram) are inside their package and are not added again; the `psys`
zone (the whole platform, on some laptops) contains the packages, so it is used alone when present.
Since Linux 5.10 `energy_uj` is readable by root only (CVE-2020-8694, PLATYPUS): a permission error
is reported as such.
"""

from __future__ import annotations

import time
from pathlib import Path

from edge.energy import Energy

POWERCAP_ROOT = Path("/sys/class/powercap")


class RaplMeter:
    method = "rapl"

    def __init__(self, root: Path = POWERCAP_ROOT, clock=time.monotonic) -> None:
        self.root, self.clock = Path(root), clock
        self._start: dict[Path, int] = {}
        self._started = 0.0

    def zones(self) -> list[Path]:
        """The zones that are added up: psys alone where there is one, else every package."""
        top = sorted(p for p in self.root.glob("intel-rapl:*") if p.name.count(":") == 1)
        psys = [p for p in top if _name(p) == "psys"]
        return psys or [p for p in top if _name(p) != "psys"]

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
        return "RAPL " + " + ".join(_name(z) for z in self.zones())

    def start(self) -> None:
        self._start = {zone: _read(zone / "energy_uj") for zone in self.zones()}
        self._started = self.clock()

    def stop(self) -> Energy:
        seconds = self.clock() - self._started
        micro = sum(delta(start, _read(zone / "energy_uj"), _read(zone / "max_energy_range_uj"))
                    for zone, start in self._start.items())
        return Energy(self.method, micro / 1e6, seconds, self.covers, None, 2)


def delta(start: int, end: int, max_range: int) -> int:
    """Microjoules between two readings of a counter that wraps to zero past max_range."""
    return end - start if end >= start else end + max_range - start


def _name(zone: Path) -> str:
    try:
        return (zone / "name").read_text().strip()
    except OSError:
        return zone.name


def _read(path: Path) -> int:
    return int(path.read_text().strip())
