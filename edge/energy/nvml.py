"""NVIDIA GPUs through NVML (the `nvidia-ml-py` package, imported as `pynvml`): each GPU's total-energy counter.

`nvmlDeviceGetTotalEnergyConsumption` counts millijoules since the driver loaded (Volta and newer);
older GPUs do not support it and are reported unavailable rather than integrated from a power
reading. It covers the GPU boards only, not the CPU that feeds them. The module is optional: a
machine without it, or without an NVIDIA driver, says so.
"""

from __future__ import annotations

import time

from edge.energy import Energy


class NvmlMeter:
    method = "nvml"

    def __init__(self, nvml=None, clock=time.monotonic) -> None:
        self._nvml, self.clock = nvml, clock  # nvml: the pynvml module (tests pass a fake)
        self._handles: list = []
        self.skipped: list[str] = []  # GPUs without a total-energy counter, with NVML's reason
        self._start: list[int] = []
        self._started = 0.0

    def _module(self):
        if self._nvml is None:
            import pynvml

            self._nvml = pynvml
        return self._nvml

    def unavailable(self) -> str | None:
        try:
            nvml = self._module()
        except ImportError:
            return "nvidia-ml-py is not installed (pip install nvidia-ml-py)"
        try:
            nvml.nvmlInit()
            handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
        except Exception as exc:  # pynvml raises NVMLError subclasses: no driver, no library
            return f"NVML cannot be used ({exc})"
        if not handles:
            return "NVML found no NVIDIA GPU"
        # a GPU without the counter (older than Volta) is left out and named; the others are still measured
        self._handles, self.skipped = [], []
        for index, handle in enumerate(handles):
            try:
                nvml.nvmlDeviceGetTotalEnergyConsumption(handle)
                self._handles.append(handle)
            except Exception as exc:  # noqa: BLE001 - NVMLError_NotSupported and the like
                self.skipped.append(f"GPU {index} ({exc})")
        if not self._handles:
            return f"NVML cannot read a total-energy counter on any GPU: {'; '.join(self.skipped)}"
        return None

    @property
    def covers(self) -> str:
        left_out = f"; not counted, no energy counter: {', '.join(self.skipped)}" if self.skipped else ""
        return f"NVML total energy of {len(self._handles)} GPU board(s){left_out}"

    def _read(self) -> list[int]:
        return [int(self._module().nvmlDeviceGetTotalEnergyConsumption(h)) for h in self._handles]

    def start(self) -> None:
        self._start, self._started = self._read(), self.clock()

    def stop(self) -> Energy:
        end = self._read()
        seconds = self.clock() - self._started
        millijoules = sum(e - s for s, e in zip(self._start, end))
        return Energy(self.method, millijoules / 1e3, seconds, self.covers, None, 2)
