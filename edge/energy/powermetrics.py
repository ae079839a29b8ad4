"""macOS: `powermetrics` (root only), CPU + GPU + ANE power sampled by the OS, integrated over the work.

`powermetrics --samplers cpu_power,gpu_power -i 100` prints a block per interval with its actual
length (`*** Sampled system activity (...) (101.52ms elapsed) ***`) and, on Apple Silicon,
`Combined Power (CPU + GPU + ANE): 1234 mW` (Intel Macs: `Intel energy model derived package power
(CPUs+GT+SA): 3.45W`). It runs in the background for the length of the work; each block's power
times its elapsed time is its energy. Without root it refuses to run, and this reader says so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from edge.energy import Energy

COMMAND = ("powermetrics", "--samplers", "cpu_power,gpu_power")
ELAPSED = re.compile(r"\(([0-9.]+)ms elapsed\)")
POWER = re.compile(r"^(?:Combined Power \(CPU \+ GPU \+ ANE\): (?P<mw>[0-9.]+) mW"
                   r"|Intel energy model derived package power \(CPUs\+GT\+SA\): (?P<w>[0-9.]+) ?W)")


def blocks(text: str, interval_ms: float) -> list[tuple[float, float]]:
    """(seconds, watts) per sample block of powermetrics' output."""
    out, elapsed = [], interval_ms
    for line in text.splitlines():
        found = ELAPSED.search(line)
        if found:
            elapsed = float(found[1])
            continue
        power = POWER.match(line.strip())
        if power:
            watts = float(power["mw"]) / 1000 if power["mw"] else float(power["w"])
            out.append((elapsed / 1000, watts))
    return out


class PowermetricsMeter:
    method = "powermetrics"
    covers = "macOS powermetrics: CPU + GPU + ANE (Apple Silicon) or the CPU package (Intel)"

    def __init__(self, command: tuple[str, ...] = COMMAND, interval_ms: int = 100, platform: str = sys.platform,
                 is_root=lambda: os.geteuid() == 0, clock=time.monotonic) -> None:
        self.command, self.interval_ms, self.platform = tuple(command), interval_ms, platform
        self.is_root, self.clock = is_root, clock
        self._process: subprocess.Popen | None = None
        self._started = 0.0

    def unavailable(self) -> str | None:
        if self.platform != "darwin":
            return "powermetrics is macOS only"
        if not self.is_root():
            return "powermetrics needs root (sudo edgebench ...)"
        return None

    def start(self) -> None:
        self._started = self.clock()
        self._process = subprocess.Popen([*self.command, "-i", str(self.interval_ms)], stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, text=True)

    def stop(self) -> Energy:
        seconds = self.clock() - self._started
        self._process.terminate()
        text, _ = self._process.communicate(timeout=10)
        found = blocks(text, self.interval_ms)
        if not found:  # it exited at once (an unknown sampler, a VM without the counters): no figure, not 0 J
            raise RuntimeError(f"{self.command[0]} printed no power samples (exit code {self._process.returncode})")
        # a block only partly inside the work counts whole: at 100 ms that is at most one interval too many
        joules = sum(s * w for s, w in found)
        return Energy(self.method, joules, seconds, self.covers, 1000.0 / self.interval_ms, len(found))
