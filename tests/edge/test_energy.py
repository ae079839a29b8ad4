"""Energy readers (edge/energy/) against fake sysfs trees, a fake NVML and fake command output: no hardware needed."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from edge.energy import Energy, Meters, SampledMeter, integrate
from edge.energy.nvml import NvmlMeter
from edge.energy.pi_pmic import PiPmicMeter, rail_power_w
from edge.energy.powermetrics import PowermetricsMeter, blocks
from edge.energy.rapl import RaplMeter, delta

PMIC_OUTPUT = """\
     3V7_WL_SW_A current(0)=0.00000000A
       3V3_SYS_A current(1)=0.05000000A
      VDD_CORE_A current(7)=2.00000000A
          HDMI_A current(22)=0.02003880A
     3V7_WL_SW_V volt(8)=3.71876400V
       3V3_SYS_V volt(9)=3.30000000V
      VDD_CORE_V volt(15)=0.90000000V
       EXT5V_V volt(24)=5.14970000V
        BATT_V volt(25)=0.00000000V
"""

POWERMETRICS_OUTPUT = """\
Machine model: Mac14,2
*** Sampled system activity (Tue Dec  1 22:00:00 2026 +0000) (100.00ms elapsed) ***
**** Processor usage ****
CPU Power: 1800 mW
GPU Power: 200 mW
ANE Power: 0 mW
Combined Power (CPU + GPU + ANE): 2000 mW
*** Sampled system activity (Tue Dec  1 22:00:00 2026 +0000) (200.00ms elapsed) ***
Combined Power (CPU + GPU + ANE): 3000 mW
"""


class Clock:
    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def rapl_zone(root: Path, name: str, zone: str, energy_uj: int, max_uj: int = 262143328850) -> Path:
    path = root / zone
    path.mkdir(parents=True)
    (path / "name").write_text(name + "\n")
    (path / "energy_uj").write_text(f"{energy_uj}\n")
    (path / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return path


def test_rapl_adds_packages_not_their_subzones(tmp_path):
    p0 = rapl_zone(tmp_path, "package-0", "intel-rapl:0", 1_000_000)
    rapl_zone(tmp_path, "core", "intel-rapl:0:0", 500_000)
    p1 = rapl_zone(tmp_path, "package-1", "intel-rapl:1", 2_000_000)
    meter = RaplMeter(tmp_path, clock=Clock(10.0, 12.0))
    assert meter.unavailable() is None
    meter.start()
    (p0 / "energy_uj").write_text("4000000\n")
    (p1 / "energy_uj").write_text("3000000\n")
    (tmp_path / "intel-rapl:0:0" / "energy_uj").write_text("99000000\n")  # inside package-0: not added again
    energy = meter.stop()
    assert energy.joules == pytest.approx(4.0) and energy.seconds == 2.0
    assert energy.sampling_hz is None and "package-0 + package-1" in energy.covers


def test_rapl_counter_wraps_at_its_max_range(tmp_path):
    zone = rapl_zone(tmp_path, "package-0", "intel-rapl:0", 9_000_000, max_uj=10_000_000)
    meter = RaplMeter(tmp_path, clock=Clock(0.0, 1.0))
    meter.start()
    (zone / "energy_uj").write_text("2000000\n")  # past 10 J back to 0, then 2 J more
    assert meter.stop().joules == pytest.approx(3.0)
    assert delta(5, 8, 10) == 3 and delta(8, 1, 10) == 3


def test_rapl_psys_is_used_alone(tmp_path):
    package = rapl_zone(tmp_path, "package-0", "intel-rapl:0", 0)
    psys = rapl_zone(tmp_path, "psys", "intel-rapl:1", 0)
    meter = RaplMeter(tmp_path, clock=Clock(0.0, 1.0), poll_s=None)
    meter.start()
    (package / "energy_uj").write_text("3000000\n")
    (psys / "energy_uj").write_text("5000000\n")  # the platform: the package and the rest
    energy = meter.stop()
    assert energy.joules == pytest.approx(5.0) and energy.covers == "RAPL psys"


def test_rapl_psys_that_never_moves_falls_back_to_the_packages(tmp_path):
    package = rapl_zone(tmp_path, "package-0", "intel-rapl:0", 0)
    rapl_zone(tmp_path, "psys", "intel-rapl:1", 0)  # firmware that does not fill it
    meter = RaplMeter(tmp_path, clock=Clock(0.0, 1.0), poll_s=None)
    meter.start()
    (package / "energy_uj").write_text("3000000\n")
    energy = meter.stop()
    assert energy.joules == pytest.approx(3.0) and energy.covers == "RAPL package-0"


def test_rapl_adds_each_packages_dram_but_not_its_core(tmp_path):
    """A two-socket server: RAPL's DRAM domain is outside the package domain; PP0 (core) is inside it."""
    zones = {}
    for n in (0, 1):
        zones[f"p{n}"] = rapl_zone(tmp_path, f"package-{n}", f"intel-rapl:{n}", 0)
        zones[f"c{n}"] = rapl_zone(tmp_path, "core", f"intel-rapl:{n}:0", 0)
        zones[f"d{n}"] = rapl_zone(tmp_path, "dram", f"intel-rapl:{n}:1", 0)
    rapl_zone(tmp_path, "package-0", "intel-rapl-mmio:0", 0)  # the same package through MMIO: not a second one
    meter = RaplMeter(tmp_path, clock=Clock(0.0, 1.0), poll_s=None)
    meter.start()
    for key, joules in {"p0": 100, "p1": 90, "c0": 80, "c1": 70, "d0": 25, "d1": 15}.items():
        (zones[key] / "energy_uj").write_text(f"{joules * 1_000_000}\n")
    energy = meter.stop()
    assert energy.joules == pytest.approx(100 + 90 + 25 + 15)
    assert energy.covers == "RAPL package-0 + package-0 dram + package-1 + package-1 dram"


def test_rapl_polls_catch_every_wrap_of_a_small_counter(tmp_path):
    """AMD Zen's counter wraps at about 65.5 kJ: a sustained run at high power wraps it more than once, which
    two readings (start, end) cannot see; a reading every poll does."""
    top = 65_532_610_987
    zone = rapl_zone(tmp_path, "package-0", "intel-rapl:0", 60_000_000_000, max_uj=top)
    meter = RaplMeter(tmp_path, clock=Clock(0.0, 300.0), poll_s=None)
    meter.start()
    reading = 60_000_000_000
    for _ in range(3):  # 3 polls, 23 kJ apart: 69 kJ in all, more than the counter's range
        reading = (reading + 23_000_000_000) % top
        (zone / "energy_uj").write_text(f"{reading}\n")
        meter.poll()
    assert meter.stop().joules == pytest.approx(69_000.0)


def test_rapl_without_zones_or_permission_is_unavailable_with_the_reason(tmp_path):
    assert "no RAPL zones" in RaplMeter(tmp_path / "missing").unavailable()
    zone = rapl_zone(tmp_path, "package-0", "intel-rapl:0", 1)
    (zone / "energy_uj").chmod(0)
    if os.geteuid() == 0:  # root reads a mode-0 file: stand in a reader that is refused as a user would be
        original = Path.read_text

        def refused(self, *args, **kwargs):
            if self.name == "energy_uj":
                raise PermissionError(13, "Permission denied")
            return original(self, *args, **kwargs)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Path, "read_text", refused)
            reason = RaplMeter(tmp_path).unavailable()
    else:
        reason = RaplMeter(tmp_path).unavailable()
    assert "root only" in reason


class FakeNvml:
    """pynvml's functions that NvmlMeter calls, with counters that advance by `step` mJ per read."""

    def __init__(self, gpus: int = 2, step: int = 1500, fail: Exception | None = None) -> None:
        self.gpus, self.step, self.fail, self.reads = gpus, step, fail, {}

    def nvmlInit(self):
        if self.fail:
            raise self.fail

    def nvmlDeviceGetCount(self):
        return self.gpus

    def nvmlDeviceGetHandleByIndex(self, i):
        return i

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        self.reads[handle] = self.reads.get(handle, 0) + self.step
        return self.reads[handle]


def test_nvml_sums_every_gpu_counter():
    meter = NvmlMeter(FakeNvml(gpus=2, step=1500), clock=Clock(0.0, 0.5))
    assert meter.unavailable() is None
    meter.start()
    energy = meter.stop()
    assert energy.joules == pytest.approx(3.0)  # 1.5 J on each of two GPUs
    assert "2 GPU" in energy.covers


def test_nvml_unavailable_reasons(monkeypatch):
    assert "NVML cannot be used (Driver Not Loaded)" in NvmlMeter(FakeNvml(fail=RuntimeError("Driver Not Loaded"))).unavailable()
    assert "no NVIDIA GPU" in NvmlMeter(FakeNvml(gpus=0)).unavailable()
    monkeypatch.setitem(sys.modules, "pynvml", None)  # an import of it fails
    assert "pip install nvidia-ml-py" in NvmlMeter().unavailable()


class OneOldGpu(FakeNvml):
    """Two GPUs, the second older than Volta: no total-energy counter."""

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        if handle == 1:
            raise RuntimeError("Not Supported")
        return super().nvmlDeviceGetTotalEnergyConsumption(handle)


def test_nvml_measures_the_gpus_with_a_counter_and_names_the_others():
    meter = NvmlMeter(OneOldGpu(gpus=2, step=1500), clock=Clock(0.0, 0.5))
    assert meter.unavailable() is None
    meter.start()
    energy = meter.stop()
    assert energy.joules == pytest.approx(1.5)
    assert "1 GPU board(s)" in energy.covers and "not counted, no energy counter: GPU 1 (Not Supported)" in energy.covers
    both_old = type("BothOld", (OneOldGpu,), {"nvmlDeviceGetHandleByIndex": lambda self, i: 1})  # every GPU is GPU 1
    assert "on any GPU: GPU 0 (Not Supported); GPU 1 (Not Supported)" in NvmlMeter(both_old(gpus=2)).unavailable()


def test_pmic_power_is_current_times_voltage_over_paired_rails():
    watts, rails = rail_power_w(PMIC_OUTPUT)
    assert rails == 3  # HDMI has no voltage line, EXT5V and BATT no current line
    assert watts == pytest.approx(0.05 * 3.3 + 2.0 * 0.9)


def fake_command(tmp_path: Path, name: str, output: str) -> str:
    script = tmp_path / name
    (tmp_path / f"{name}.out").write_text(output)
    script.write_text(f"#!/bin/sh\ncat '{tmp_path / (name + '.out')}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_pmic_meter_samples_a_fake_vcgencmd(tmp_path):
    meter = PiPmicMeter((fake_command(tmp_path, "vcgencmd", PMIC_OUTPUT), "pmic_read_adc"), sampling_hz=50)
    assert meter.unavailable() is None
    meter.start()
    import time

    deadline = time.monotonic() + 20  # 3 samples take 60 ms; a busy host may take far longer to start 3 processes
    while len(meter._points) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    energy = meter.stop()
    assert energy.samples >= 3 and energy.sampling_hz == 50
    assert energy.joules == pytest.approx(1.965 * energy.seconds, rel=1e-6)  # constant power x time
    assert "3 rails" in energy.covers


def test_pmic_without_access_to_vcio_says_to_join_the_video_group(tmp_path):
    script = tmp_path / "vcgencmd"
    script.write_text("#!/bin/sh\necho 'VCHI initialization failed' >&2\necho 'failed to open /dev/vcio: Permission denied' >&2\nexit 255\n")
    script.chmod(0o755)
    reason = PiPmicMeter((str(script), "pmic_read_adc")).unavailable()
    assert "exit code 255: VCHI initialization failed failed to open /dev/vcio: Permission denied" in reason
    assert "video group" in reason


def test_powermetrics_that_prints_no_sample_is_not_zero_joules(tmp_path):
    script = tmp_path / "powermetrics"
    script.write_text("#!/bin/sh\necho 'powermetrics: unrecognized sampler: gpu_power' >&2\nexit 64\n")
    script.chmod(0o755)
    meters = Meters.detect([PowermetricsMeter((str(script),), platform="darwin", is_root=lambda: True),
                            Fixed(sampling_hz=100)])
    meters.start()
    assert set(meters.stop()) == {"fixed"}
    said = meters.describe()["methods"]["powermetrics"]
    # exit code 64, or -15 when the meter's terminate came first
    assert said.startswith("unavailable: failed during the run (RuntimeError: ") and "powermetrics printed no power samples (exit code" in said


def test_a_meter_that_cannot_start_is_reported_and_the_others_run(tmp_path):
    meters = Meters.detect([PowermetricsMeter((str(tmp_path / "gone"),), platform="darwin", is_root=lambda: True),
                            Fixed(sampling_hz=100)])
    meters.start()
    assert set(meters.stop()) == {"fixed"}
    assert meters.describe()["methods"]["powermetrics"].startswith("unavailable: failed to start (FileNotFoundError")


def test_pmic_unavailable_without_vcgencmd_or_rails(tmp_path):
    assert "not found" in PiPmicMeter(("no-such-vcgencmd-here", "pmic_read_adc")).unavailable()
    old_pi = fake_command(tmp_path, "vcgencmd", "error=1 error_msg=\"Command not registered\"\n")
    assert "no rail readings" in PiPmicMeter((old_pi, "pmic_read_adc")).unavailable()


def test_powermetrics_blocks_and_energy(tmp_path):
    assert blocks(POWERMETRICS_OUTPUT, 100) == [(0.1, 2.0), (0.2, 3.0)]
    assert blocks("Intel energy model derived package power (CPUs+GT+SA): 3.50W\n", 100) == [(0.1, 3.5)]
    # like powermetrics: its samples, then it runs on until terminated; `ready` says the samples are out, so the
    # meter is stopped after them, not (on a busy host) before the fake has printed anything
    script = tmp_path / "powermetrics"
    (tmp_path / "samples.out").write_text(POWERMETRICS_OUTPUT)
    script.write_text(f"#!/bin/sh\ncat '{tmp_path / 'samples.out'}'\ntouch '{tmp_path / 'ready'}'\nexec sleep 30\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    meter = PowermetricsMeter((str(script),), platform="darwin", is_root=lambda: True, clock=Clock(0.0, 0.3))
    assert meter.unavailable() is None
    meter.start()
    import time

    deadline = time.monotonic() + 20
    while not (tmp_path / "ready").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    energy = meter.stop()
    assert energy.joules == pytest.approx(0.1 * 2.0 + 0.2 * 3.0) and energy.sampling_hz == 10.0


def test_powermetrics_needs_macos_and_root():
    assert "macOS only" in PowermetricsMeter(platform="linux").unavailable()
    assert "needs root" in PowermetricsMeter(platform="darwin", is_root=lambda: False).unavailable()


def test_integration_by_trapezoids():
    assert integrate([(0.0, 1.0), (1.0, 3.0), (3.0, 3.0)]) == pytest.approx(2.0 + 6.0)
    assert integrate([(0.0, 5.0)]) == 0.0


class Fixed(SampledMeter):
    method = "fixed"

    def unavailable(self) -> None:
        return None

    def power_w(self) -> float:
        return 2.0


def test_meters_name_the_first_working_method_and_every_reason(tmp_path):
    meters = Meters.detect([RaplMeter(tmp_path / "none"), Fixed(sampling_hz=100),
                            PowermetricsMeter(platform="linux")])
    described = meters.describe()
    assert described["method"] == "fixed"
    assert described["methods"]["fixed"] == "measured"
    assert described["methods"]["rapl"].startswith("unavailable: no RAPL zones")
    assert described["methods"]["powermetrics"] == "unavailable: powermetrics is macOS only"
    meters.start()
    readings = meters.stop()
    assert set(readings) == {"fixed"} and isinstance(readings["fixed"], Energy)


class Flaky(SampledMeter):
    """A power reader whose readings fail at the given calls (a vcgencmd that timed out, a busy ADC)."""

    method = "flaky"

    def __init__(self, fail_at, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fail_at, self.calls = fail_at, 0

    def unavailable(self) -> None:
        return None

    def power_w(self) -> float:
        self.calls += 1
        if self.fail_at(self.calls):
            raise TimeoutError("vcgencmd timed out")
        return 4.0


def test_a_failed_reading_costs_one_sample_not_the_meter():
    meter = Flaky(lambda n: n == 2, sampling_hz=1000, clock=Clock(*[float(t) for t in range(10)]))
    meter._sample(), meter._sample(), meter._sample()
    assert meter.failed == ["TimeoutError: vcgencmd timed out"] and len(meter._points) == 2
    assert integrate(meter._points) == pytest.approx(4.0 * 2)  # 4 W between the good readings at 0 s and 2 s


def test_a_meter_that_fails_during_the_run_is_reported_and_the_others_stand(tmp_path):
    root = tmp_path / "powercap"
    zone = rapl_zone(root, "package-0", "intel-rapl:0", 1_000_000)
    meters = Meters.detect([RaplMeter(root), Flaky(lambda n: True, sampling_hz=200), Fixed(sampling_hz=200)])
    assert [m.method for m in meters.working] == ["rapl", "flaky", "fixed"]
    meters.start()
    (zone / "energy_uj").unlink()  # the counter went away (a hot-unplugged zone, a permission changed)
    readings = meters.stop()
    assert set(readings) == {"fixed"}
    described = meters.describe()
    assert described["method"] == "fixed"
    assert described["methods"]["rapl"].startswith("unavailable: failed during the run (FileNotFoundError")
    assert described["methods"]["flaky"].startswith("unavailable: failed during the run (RuntimeError")
    assert "TimeoutError: vcgencmd timed out" in described["methods"]["flaky"]
    meters.start()  # the next test goes on with the meter that works
    assert set(meters.stop()) == {"fixed"}


def test_this_host_says_what_it_can_measure():
    described = Meters.detect().describe()
    assert set(described["methods"]) == {"rapl", "nvml", "pi-pmic", "powermetrics"}
    for status in described["methods"].values():
        assert status == "measured" or status.startswith("unavailable: ")


@pytest.mark.embedded
def test_the_speed_child_meters_every_test(default_gguf):
    """A real speed run says which reader measured (or why none could) and, where one did, J/token per test."""
    pytest.importorskip("llama_cpp")
    from edge.profiles import RuntimeSettings
    from edge.speed import SpeedConfig, run_speed

    config = SpeedConfig(prompt_sizes=(16,), gen_tokens=8, depths=(0, 16), repetitions=1, warmup=0, load_repetitions=1)
    result = run_speed(default_gguf, RuntimeSettings(threads=1, n_ctx=512, repack=False), config)
    energy = result["energy"]
    assert set(energy["methods"]) == {"rapl", "nvml", "pi-pmic", "powermetrics"}
    tests = {t["test"]: t for t in result["tests"]}
    if energy["method"] is None:
        assert all("energy" not in t for t in tests.values())
    else:
        assert tests["tg8"]["energy"][energy["method"]]["j_per_token"] > 0
        assert "energy" not in tests["tg8 @ d16"]  # its untimed prefix would count in the joules
