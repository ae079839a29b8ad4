"""Temperature, clock and throttle readings, taken before and after a measurement (and every second of
a sustained run, edge/sustain.py) so that thermal throttling shows up beside the numbers it spoiled.

Linux exposes them in sysfs: /sys/class/thermal/thermal_zone*/temp (millidegrees C),
/sys/devices/system/cpu/cpu*/cpufreq/scaling_cur_freq (kHz) and, on x86, the kernel's throttle
event counters (cpu*/thermal_throttle/*_throttle_count). A Raspberry Pi's firmware says whether it
throttles now and since boot (`vcgencmd get_throttled`, decoded by THROTTLE_BITS). Where a reading
does not exist (containers, VMs, macOS without privileges) it is reported as "unavailable", never
guessed. Every root and command is a parameter, so tests run on fake trees and fake commands.
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


# Zones that are not a temperature: a fixed value some boards report (NVIDIA Jetson's PMIC-Die is 100 C always).
PLACEHOLDER_ZONES = {"PMIC-Die"}
# Readings outside this range (C) are a sensor's "no data" (Jetson Orin's cv zones read -256), not a temperature.
PLAUSIBLE_C = (-40.0, 150.0)


def temperatures_c(root: Path = THERMAL_ROOT) -> dict[str, float] | str:
    """{zone type: degrees C} for every readable thermal zone that measures something, or "unavailable"."""
    readings = {}
    for zone in sorted(root.glob("thermal_zone*")):
        value = _read_int(zone / "temp")
        if value is not None:
            kind = (zone / "type").read_text().strip() if (zone / "type").is_file() else zone.name
            if kind not in PLACEHOLDER_ZONES and PLAUSIBLE_C[0] <= value / 1000.0 <= PLAUSIBLE_C[1]:
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


# vcgencmd get_throttled bits (Raspberry Pi firmware): bit -> what it says. Bits 0-3 hold now, 16-19 since boot.
THROTTLE_BITS = {0: "under-voltage", 1: "arm frequency capped", 2: "throttled", 3: "soft temperature limit",
                 16: "under-voltage occurred", 17: "arm frequency capping occurred", 18: "throttling occurred",
                 19: "soft temperature limit occurred"}
NOW_MASK = 0xF  # the bits that describe this moment
THROTTLED_COMMAND = ("vcgencmd", "get_throttled")


def decode_throttled(text: str) -> dict | None:
    """`throttled=0x50005` -> {"value": 0x50005, "now": [...], "since_boot": [...]}; None if it is not that line."""
    _, sep, value = text.strip().partition("throttled=")
    try:
        bits = int(value, 16) if sep else None
    except ValueError:
        bits = None
    if bits is None:
        return None
    named = [name for bit, name in THROTTLE_BITS.items() if bits >> bit & 1]
    return {"value": bits, "now": [n for n in named if "occurred" not in n],
            "since_boot": [n for n in named if "occurred" in n]}


def _firmware(command: tuple[str, ...]) -> tuple[str | None, str]:
    """(what the Pi firmware's tool printed, "") or (None, "unavailable: why")."""
    import shutil
    import subprocess

    if shutil.which(command[0]) is None:
        return None, f"{UNAVAILABLE}: {command[0]} not found (Raspberry Pi OS only)"
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=5).stdout, ""
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"{UNAVAILABLE}: {' '.join(command)} failed ({exc.__class__.__name__})"


def pi_throttled(command: tuple[str, ...] = THROTTLED_COMMAND) -> dict | str:
    """The Pi firmware's throttle flags, decoded, or "unavailable: why"."""
    output, why = _firmware(command)
    if output is None:
        return why
    return decode_throttled(output) or f"{UNAVAILABLE}: {' '.join(command)} printed {output.strip()[:40]!r}"


def throttle_counts(root: Path = CPU_ROOT) -> int | str:
    """Linux x86's thermal throttle events since boot: every CPU's core counter, and each package's counter once
    (the kernel repeats a package's counter in the folder of each of its CPUs)."""
    total, found, packages = 0, False, set()
    for cpu in sorted(root.glob("cpu[0-9]*")):
        value = _read_int(cpu / "thermal_throttle" / "core_throttle_count")
        if value is not None:
            total, found = total + value, True
        package = _read_int(cpu / "topology" / "physical_package_id")
        value = _read_int(cpu / "thermal_throttle" / "package_throttle_count")
        if value is not None and package not in packages:
            packages.add(package)
            total, found = total + value, True
    return total if found else f"{UNAVAILABLE}: no thermal_throttle counters under {root}"


ARM_CLOCK_COMMAND = ("vcgencmd", "measure_clock", "arm")


def pi_arm_clock_mhz(command: tuple[str, ...] = ARM_CLOCK_COMMAND) -> float | None:
    """The ARM clock the Pi firmware runs now (`frequency(0)=2400000000` on a Pi 5, `frequency(48)=...` before),
    or None where there is no such firmware. cpufreq shows the clock the kernel asked for, which the firmware caps
    when it throttles; this is the clock it gives."""
    output, _ = _firmware(command)
    if output is None:
        return None
    _, sep, value = output.strip().partition("=")
    try:
        return int(value) / 1e6 if sep and output.startswith("frequency(") else None
    except ValueError:
        return None


def hottest_c(readings: dict | str) -> float | None:
    return max(readings.values()) if isinstance(readings, dict) and readings else None


def mean_mhz(readings: dict | str) -> float | None:
    return sum(readings.values()) / len(readings) if isinstance(readings, dict) and readings else None
