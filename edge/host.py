"""Detect the host: OS, architecture, CPU, cores, RAM, GPU, Python and runtime versions,
and llama.cpp's own system info. Every fact is recorded with each result.

Only reads files and asks tools that are already present; never installs anything.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from edge.backend_specs import runtime_distributions

AMX_CPU_FLAG = "amx_int8"  # in /proc/cpuinfo when the CPU (and the kernel) offer AMX

# Distributions whose versions are recorded with every result: edgebench, numpy, and every backend's.
RUNTIME_DISTRIBUTIONS = ("edgebench", "numpy", *runtime_distributions())


def detect_host(with_llama_info: bool = True) -> dict:
    """All facts about this machine as a flat-ish JSON-able dict."""
    host = {
        "hostname": platform.node() or "unknown",  # names the device in a report that merges several
        "os": platform.system().lower(),
        "arch": platform.machine().lower(),
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count() or 1,
        "physical_cores": physical_cores(),
        "ram_gb": round(total_ram_bytes() / 2**30, 2),
        "gpu": "none",
        "gpu_name": None,
        "board": board_model(),
        "python": platform.python_version(),
        "runtimes": runtime_versions(),
    }
    host["gpu"], host["gpu_name"] = detect_gpu(host)
    host["amx"] = cpu_has_amx()  # with an AMX build of llama.cpp this decides weight repacking (edge/repack.py)
    if with_llama_info:
        host["llama_system_info"] = llama_system_info()
    return host


def cpu_model() -> str:
    if sys.platform == "darwin":
        return _run(["sysctl", "-n", "machdep.cpu.brand_string"]) or platform.processor()
    for line in _read("/proc/cpuinfo").splitlines():
        # x86 says "model name"; many ARM kernels only give "Model" or "Hardware".
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware") and value.strip():
            return value.strip()
    return platform.processor() or "unknown"


def physical_cores() -> int:
    """Distinct (physical id, core id) pairs on Linux; sysctl on macOS; else logical."""
    if sys.platform == "darwin":
        out = _run(["sysctl", "-n", "hw.physicalcpu"])
        return int(out) if out.isdigit() else os.cpu_count() or 1
    cores, phys = set(), "0"
    for line in _read("/proc/cpuinfo").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "physical id":
            phys = value.strip()
        elif key.strip() == "core id":
            cores.add((phys, value.strip()))
    return len(cores) or os.cpu_count() or 1


def total_ram_bytes() -> int:
    if sys.platform == "darwin":
        out = _run(["sysctl", "-n", "hw.memsize"])
        return int(out) if out.isdigit() else 0
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def board_model() -> str | None:
    """The board name from the device tree (Raspberry Pi and most ARM boards)."""
    text = _read("/proc/device-tree/model").strip("\x00\n ")
    return text or None


def detect_gpu(host: dict) -> tuple[str, str | None]:
    """("cuda", name) when nvidia-smi sees a GPU, ("metal", chip) on Apple Silicon, else ("none", None)."""
    if host["os"] == "darwin" and host["arch"] == "arm64":
        return "metal", host["cpu"]
    if shutil.which("nvidia-smi"):
        # nvidia-smi prints its own failures on stdout ("NVIDIA-SMI has failed because it couldn't communicate with
        # the NVIDIA driver", "No devices were found") and exits non-zero: only a clean answer names a GPU
        try:
            done = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                                  text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return "none", None
        names = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        if done.returncode == 0 and names:
            return "cuda", names[0]
    return "none", None


def runtime_versions() -> dict[str, str]:
    """Installed versions of the runtimes that matter to results (absent ones omitted)."""
    versions = {}
    for dist in RUNTIME_DISTRIBUTIONS:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def llama_system_info() -> str | None:
    """llama.cpp's own feature string (AVX2, NEON, Metal, CUDA ...), if it is installed."""
    try:
        import llama_cpp
    except ImportError:
        return None
    info = llama_cpp.llama_print_system_info()
    return info.decode() if isinstance(info, bytes) else str(info)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_has_amx(cpuinfo: str | None = None) -> bool:
    """True when the CPU flags list AMX-INT8 (Linux; other systems have no AMX to speak of)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return False
    return any(line.startswith("flags") and AMX_CPU_FLAG in line.split() for line in cpuinfo.splitlines())
