"""Raspberry Pi 5: the power management IC's rail readings, `vcgencmd pmic_read_adc`, sampled.

The command prints each rail's current and voltage on lines like
`VDD_CORE_A current(7)=0.75710000A` and `VDD_CORE_V volt(15)=0.87270000V`; power is the sum over the
rails that have both of current x voltage. That covers what the PMIC supplies (SoC core, DRAM, I/O
rails), not the 5 V input: USB devices and the converters' losses are outside it. Only the Pi 5 has
this ADC; older boards and other machines say so. Each reading runs the command (a few ms), so it is
sampled a few times a second rather than continuously.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from edge.energy import SampledMeter

COMMAND = ("vcgencmd", "pmic_read_adc")
LINE = re.compile(r"^\s*(?P<rail>\S+)_(?P<kind>[AV])\s+(?:current|volt)\(\d+\)=(?P<value>[0-9.eE+-]+)[AV]\s*$")


def rail_power_w(text: str) -> tuple[float, int]:
    """(watts summed over the rails with both a current and a voltage, how many rails) from the command's output."""
    amps, volts = {}, {}
    for line in text.splitlines():
        found = LINE.match(line)
        if found:
            (amps if found["kind"] == "A" else volts)[found["rail"]] = float(found["value"])
    rails = amps.keys() & volts.keys()
    return sum(amps[r] * volts[r] for r in rails), len(rails)


class PiPmicMeter(SampledMeter):
    method = "pi-pmic"

    def __init__(self, command: tuple[str, ...] = COMMAND, sampling_hz: float = 5.0, **kwargs) -> None:
        super().__init__(sampling_hz, **kwargs)
        self.command = tuple(command)
        self._rails = 0

    def _output(self) -> str:
        return subprocess.run(self.command, capture_output=True, text=True, timeout=5, check=True).stdout

    def unavailable(self) -> str | None:
        if shutil.which(self.command[0]) is None:
            return f"{self.command[0]} not found (a Raspberry Pi OS tool)"
        try:
            _, self._rails = rail_power_w(self._output())
        except subprocess.CalledProcessError as exc:
            said = " ".join((exc.stderr or exc.stdout or "").split())[:160]
            hint = ("; is this user in the video group? (sudo usermod -aG video $USER)" if "vcio" in said or
                    "ermission" in said else "; only a Raspberry Pi 5 has the PMIC ADC")
            return f"{' '.join(self.command)} failed (exit code {exc.returncode}: {said or 'no output'}){hint}"
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{' '.join(self.command)} failed ({exc.__class__.__name__}); only a Raspberry Pi 5 has the PMIC ADC"
        if not self._rails:
            return f"{' '.join(self.command)} gave no rail readings; only a Raspberry Pi 5 has the PMIC ADC"
        return None

    @property
    def covers(self) -> str:
        return f"Raspberry Pi 5 PMIC, {self._rails} rails (not the 5 V input: USB devices and converter losses excluded)"

    def power_w(self) -> float:
        return rail_power_w(self._output())[0]
