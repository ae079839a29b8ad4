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
        "arch": native_arch(),
        "python_arch": platform.machine().lower(),  # differs under Rosetta 2: its runtimes are x86 builds (no Metal)
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


# Arm Ltd's cores by their "CPU part" in /proc/cpuinfo (implementer 0x41), for kernels that give no "model name":
# a Pi's /proc/cpuinfo names the board ("Model") and the SoC family ("Hardware: BCM2835" on every Pi), not the core.
ARM_CORES = {"0xd03": "Cortex-A53", "0xd04": "Cortex-A35", "0xd05": "Cortex-A55", "0xd07": "Cortex-A57",
             "0xd08": "Cortex-A72", "0xd09": "Cortex-A73", "0xd0a": "Cortex-A75", "0xd0b": "Cortex-A76",
             "0xd0c": "Neoverse-N1", "0xd0d": "Cortex-A77", "0xd40": "Neoverse-V1", "0xd41": "Cortex-A78",
             "0xd42": "Cortex-A78AE", "0xd44": "Cortex-X1", "0xd46": "Cortex-A510", "0xd47": "Cortex-A710",
             "0xd48": "Cortex-X2", "0xd49": "Neoverse-N2", "0xd4d": "Cortex-A715", "0xd4f": "Neoverse-V2",
             "0xd80": "Cortex-A520", "0xd81": "Cortex-A720"}


def native_arch() -> str:
    """The machine's architecture, not the interpreter's: an x86_64 Python under Rosetta 2 on an Apple Silicon Mac
    says x86_64, and the Mac would be taken for an Intel laptop (no Metal, the wrong profile)."""
    arch = platform.machine().lower()
    if sys.platform == "darwin" and arch == "x86_64" and _run(["sysctl", "-n", "sysctl.proc_translated"]) == "1":
        return "arm64"
    return arch


def cpu_model(cpuinfo: str | None = None) -> str:
    if cpuinfo is None and sys.platform == "darwin":
        return _run(["sysctl", "-n", "machdep.cpu.brand_string"]) or platform.processor()
    fields: dict[str, str] = {}
    for line in (_read("/proc/cpuinfo") if cpuinfo is None else cpuinfo).splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())  # the first CPU's
    generic = fields.get("model name", "").startswith("ARMv")  # "ARMv8 Processor rev 1 (v8l)" (Jetson): no name
    if fields.get("model name") and not generic:  # x86, and some ARM kernels
        return fields["model name"]
    if fields.get("CPU implementer") == "0x41" and fields.get("CPU part", "").lower() in ARM_CORES:
        return f"ARM {ARM_CORES[fields['CPU part'].lower()]}"
    if fields.get("model name"):
        return fields["model name"]
    for key in ("Model", "Hardware"):  # other ARM kernels: the board or the SoC, better than nothing
        if fields.get(key):
            return fields[key]
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
        # only a clean answer names a GPU: "No devices were found" and the driver's failures exit non-zero
        names = [line.strip() for line in _run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                                               timeout=10).splitlines() if line.strip()]
        if names:
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


def _run(cmd: list[str], timeout: float = 5) -> str:
    """The command's answer, or "" when it fails: a tool that exits non-zero may still print its complaint on
    stdout (nvidia-smi's "has failed because it couldn't communicate with the NVIDIA driver"), which is no answer."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def cpu_has_amx(cpuinfo: str | None = None) -> bool:
    """True when the CPU flags list AMX-INT8 (Linux; other systems have no AMX to speak of)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return False
    return any(line.startswith("flags") and AMX_CPU_FLAG in line.split() for line in cpuinfo.splitlines())
