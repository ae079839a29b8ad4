"""Temperature and clock readings, taken before and after a measurement so that thermal
throttling shows up beside the numbers it spoiled.

Linux exposes them in sysfs: /sys/class/thermal/thermal_zone*/temp (millidegrees C) and
/sys/devices/system/cpu/cpu*/cpufreq/scaling_cur_freq (kHz). Where a reading does not
exist (containers, VMs, macOS without privileges) it is reported as "unavailable",
never guessed.
"""

from __future__ import annotations

from pathlib import Path

UNAVAILABLE = "unavailable"
THERMAL_ROOT = Path("/sys/class/thermal")
CPU_ROOT = Path("/sys/devices/system/cpu")


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def temperatures_c(root: Path = THERMAL_ROOT) -> dict[str, float] | str:
    """{zone type: degrees C} for every readable thermal zone, or "unavailable"."""
    readings = {}
    for zone in sorted(root.glob("thermal_zone*")):
        value = _read_int(zone / "temp")
        if value is not None:
            kind = (zone / "type").read_text().strip() if (zone / "type").is_file() else zone.name
            readings[f"{zone.name}:{kind}"] = value / 1000.0
    return readings or UNAVAILABLE


def clocks_mhz(root: Path = CPU_ROOT) -> dict[str, float] | str:
    """{cpuN: current MHz} from cpufreq, or "unavailable"."""
    readings = {}
    for cpu in sorted(root.glob("cpu[0-9]*"), key=lambda p: int(p.name[3:])):
        value = _read_int(cpu / "cpufreq" / "scaling_cur_freq")
        if value is not None:
            readings[cpu.name] = value / 1000.0
    return readings or UNAVAILABLE


def snapshot() -> dict:
    return {"temperature_c": temperatures_c(), "clock_mhz": clocks_mhz()}
