"""Sustained runs (edge/sustain.py) and the throttle readings (edge/thermal.py), against fake sysfs and a fake
vcgencmd; a short real run on the embedded model."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from edge import thermal
from edge.errors import EdgebenchError
from edge.sustain import (Sensors, SustainConfig, first_throttle, per_second, summarize, summary_lines, sustain,
                          timeline, window_seconds)
from tests.conftest import needs_llama


def fake_sysfs(root: Path, temp_mc: int = 61500, khz: tuple[int, ...] = (2400000, 1800000),
               throttle: tuple[int, ...] | None = None) -> Sensors:
    zone = root / "thermal" / "thermal_zone0"
    zone.mkdir(parents=True)
    (zone / "type").write_text("cpu-thermal\n")
    (zone / "temp").write_text(f"{temp_mc}\n")
    for n, freq in enumerate(khz):
        cpu = root / "cpu" / f"cpu{n}"
        (cpu / "cpufreq").mkdir(parents=True)
        (cpu / "cpufreq" / "scaling_cur_freq").write_text(f"{freq}\n")
        if throttle is not None:
            (cpu / "thermal_throttle").mkdir()
            (cpu / "thermal_throttle" / "core_throttle_count").write_text(f"{throttle[n]}\n")
    return Sensors(root / "thermal", root / "cpu", ("no-such-vcgencmd-here", "get_throttled"))


def fake_vcgencmd(tmp_path: Path, output: str) -> tuple[str, str]:
    script = tmp_path / "vcgencmd"
    script.write_text(f"#!/bin/sh\necho '{output}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), "get_throttled"


def test_throttle_bits_are_decoded():
    flags = thermal.decode_throttled("throttled=0x50005\n")
    assert flags["value"] == 0x50005
    assert flags["now"] == ["under-voltage", "throttled"]
    assert flags["since_boot"] == ["under-voltage occurred", "throttling occurred"]
    assert thermal.decode_throttled("throttled=0x0") == {"value": 0, "now": [], "since_boot": []}
    assert thermal.decode_throttled("error=2 error_msg=\"Invalid arguments\"") is None


def test_sensors_read_fake_sysfs_and_a_fake_vcgencmd(tmp_path):
    sensors = fake_sysfs(tmp_path)
    reading = sensors.read()
    assert reading["temp_c"] == 61.5 and reading["clock_mhz"] == 2100.0
    assert reading["throttle_now"] is None and reading["throttle_events"] is None
    pi = Sensors(sensors.thermal_root, sensors.cpu_root, fake_vcgencmd(tmp_path, "throttled=0x8"))
    assert pi.read()["throttle_now"] == ["soft temperature limit"]


def test_kernel_throttle_counters_are_summed(tmp_path):
    assert fake_sysfs(tmp_path, throttle=(3, 4)).read()["throttle_events"] == 7
    assert thermal.throttle_counts(tmp_path / "none").startswith("unavailable")


def test_tokens_fall_in_their_second():
    assert per_second([0.1, 0.9, 1.0, 2.5, 3.2], 3) == [2, 1, 1]


def rows(tok_s: list[float], temps=None, flags=None, events=None) -> list[dict]:
    n = len(tok_s)
    return [{"t": i + 1, "tok_s": tok_s[i], "temp_c": (temps or [None] * n)[i], "clock_mhz": None,
             "throttle_now": (flags or [None] * n)[i], "throttle_events": (events or [None] * n)[i]} for i in range(n)]


def test_first_throttle_from_the_pi_flags_then_the_kernel_counters():
    assert first_throttle(rows([9, 9, 8], flags=[[], [], ["throttled"]])) == (3, "vcgencmd get_throttled: throttled")
    assert first_throttle(rows([9, 9], flags=[[], []]))[0] is None
    assert first_throttle(rows([9, 9, 9], events=[5, 5, 6])) == (3, "kernel thermal_throttle counters rose")
    when, why = first_throttle(rows([9, 9]))
    assert when is None and why.startswith("unavailable: no throttle flags")


def test_windows_are_a_minute_or_a_third_and_are_named():
    assert window_seconds(300) == 60 and window_seconds(180) == 60
    assert window_seconds(90) == 30 and window_seconds(12) == 4 and window_seconds(3) == 1
    summary = summarize(rows([10.0] * 60 + [8.0] * 60 + [5.0] * 60, temps=[50.0] * 90 + [80.0] * 90))
    assert summary["window_s"] == 60
    assert summary["last_over_first"] == pytest.approx(0.5)
    assert summary["temp_start_c"] == 50.0 and summary["temp_max_c"] == 80.0
    assert summary_lines(summary)[0].startswith("last minute over first minute: 5.0 / 10.0 tok/s = 0.50")
    short = summarize(rows([10, 10, 10, 10, 10, 20]))
    assert short["window_s"] == 2 and summary_lines(short)[0].startswith("last 2 s over first 2 s")


def test_the_timeline_takes_the_reading_nearest_each_second():
    readings = [(0.0, {"temp_c": 40.0}), (1.05, {"temp_c": 41.0}), (2.02, {"temp_c": 45.0})]
    got = timeline([5, 6], readings)
    assert [r["temp_c"] for r in got] == [41.0, 45.0] and [r["tok_s"] for r in got] == [5.0, 6.0]


class SlowBackend:
    """timed_decode's interface: each step takes `step_s`."""

    def __init__(self, step_s: float) -> None:
        self.step_s = step_s

    def tokenize(self, text: str) -> list[int]:
        return [1, 2, 3]

    def timed_decode(self, prefix, n_steps):
        import time

        time.sleep(self.step_s * n_steps)
        return 0.0, [self.step_s] * n_steps


def test_sustain_records_every_second_with_the_sensors(tmp_path):
    sensors = Sensors(fake_sysfs(tmp_path).thermal_root, tmp_path / "cpu", fake_vcgencmd(tmp_path, "throttled=0x0"))
    result = sustain(SlowBackend(0.01), SustainConfig(seconds=3, chunk_tokens=10, warmup_chunks=0), sensors)
    timeline_rows = result["timeline"]
    assert [r["t"] for r in timeline_rows] == [1, 2, 3]
    assert all(60 <= r["tok_s"] <= 101 for r in timeline_rows)  # 100 tok/s at most, less for sleep's overhead
    assert all(r["temp_c"] == 61.5 and r["throttle_now"] == [] for r in timeline_rows)
    assert result["summary"]["first_throttle_s"] is None
    assert result["summary"]["throttle_source"] == "vcgencmd get_throttled: no throttle flag during the run"


def test_too_short_a_run_is_refused():
    from edge.profiles import RuntimeSettings
    from edge.sustain import run_sustain

    with pytest.raises(EdgebenchError, match="at least 3 seconds"):
        run_sustain("default", RuntimeSettings(), SustainConfig(seconds=2))


@pytest.mark.embedded
@needs_llama
def test_a_short_real_sustained_run(default_gguf, tmp_path):
    """A real 10 s run of the embedded model: every second generated, the summary says what it could not read."""
    from edge.profiles import RuntimeSettings
    from edge.sustain import run_sustain

    result = run_sustain(default_gguf, RuntimeSettings(threads=1, n_ctx=512, repack=False), SustainConfig(seconds=10))
    assert len(result["timeline"]) == 10 and all(r["tok_s"] > 0 for r in result["timeline"])
    summary = result["summary"]
    assert summary["window_s"] == 3 and summary["last_over_first"] > 0
    assert summary["first_throttle_s"] is not None or summary["throttle_source"]
    assert result["peak_rss_bytes"] > 0


def test_a_package_counter_counts_once_per_package(tmp_path):
    """The kernel repeats each package's throttle counter in the folder of every CPU of that package."""
    for n in range(4):
        cpu = tmp_path / f"cpu{n}"
        (cpu / "thermal_throttle").mkdir(parents=True)
        (cpu / "topology").mkdir()
        (cpu / "topology" / "physical_package_id").write_text(f"{n // 2}\n")  # two packages of two CPUs
        (cpu / "thermal_throttle" / "core_throttle_count").write_text("12\n")
        (cpu / "thermal_throttle" / "package_throttle_count").write_text(f"{40 if n < 2 else 5}\n")
    assert thermal.throttle_counts(tmp_path) == 4 * 12 + 40 + 5


def test_placeholder_and_no_data_zones_are_not_temperatures(tmp_path):
    """A Jetson's PMIC-Die reads 100 C always; an Orin's cv zones read -256 C when idle."""
    for n, (kind, millic) in enumerate([("CPU-therm", 46500), ("PMIC-Die", 100000), ("CV0-therm", -256000)]):
        zone = tmp_path / f"thermal_zone{n}"
        zone.mkdir()
        (zone / "type").write_text(kind + "\n")
        (zone / "temp").write_text(f"{millic}\n")
    assert thermal.temperatures_c(tmp_path) == {"thermal_zone0:CPU-therm": 46.5}


def test_the_pi_firmwares_clock_is_the_clock_where_it_speaks(tmp_path):
    """cpufreq says the clock the kernel asked for (2400 MHz); a throttled Pi's firmware gives less."""
    sensors = fake_sysfs(tmp_path, khz=(2400000,) * 4)
    script = tmp_path / "vcgencmd"
    script.write_text('#!/bin/sh\nif [ "$1" = measure_clock ]; then echo "frequency(0)=1500000000"; '
                      'else echo "throttled=0x80008"; fi\n')
    script.chmod(0o755)
    pi = Sensors(sensors.thermal_root, sensors.cpu_root, (str(script), "get_throttled"),
                 (str(script), "measure_clock", "arm"))
    reading = pi.read()
    assert reading["clock_mhz"] == 1500.0 and reading["throttle_now"] == ["soft temperature limit"]
    assert sensors.read()["clock_mhz"] == 2400.0  # no firmware here: cpufreq's
    assert thermal.pi_arm_clock_mhz(("no-such-vcgencmd-here", "measure_clock", "arm")) is None
