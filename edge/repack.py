"""Weight repacking in llama.cpp: on where it is safe, off where it crashes.

llama.cpp can repack quantized weights at load time into "extra buffer types" laid out
for the CPU's matrix units: the CPU_REPACK layouts (a large part of its speed on ARM,
e.g. a Raspberry Pi with Q4_0) and, on Intel CPUs with AMX, the AMX buffer. The AMX
matrix multiply of llama.cpp builds of this era segfaults at the first decode of a
Q4_0/Q4_1/Q8_0/K-quant model (ggml-org/llama.cpp issue 20824; ollama issues 17205 and
17249 on AWS m7i and GCP C4). The model parameter `use_extra_bufts` turns every extra
buffer type off (llama-bench's `--repack 0`); there is no switch for AMX alone.

Why a run-time decision and not a build without AMX: pip reuses a cached
llama-cpp-python wheel whatever CMAKE_ARGS says, and a wheel built elsewhere may or may
not carry the AMX path. What matters is the binary actually loaded, and llama.cpp says
that itself: its system info prints `AMX_INT8 = 1` when the AMX path is compiled in.
So `auto` turns repacking off exactly when the loaded llama.cpp has the AMX path and
this CPU has AMX (the only combination that reaches the crashing code), and keeps it on
everywhere else, ARM included. `on` and `off` force it (CLI `--repack`, or `repack` in
a devices.toml profile); the choice and its reason are recorded with every result.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.host import cpu_has_amx, llama_system_info

MODES = ("auto", "on", "off")
AMX_COMPILED = "AMX_INT8 = 1"  # in llama_print_system_info() when ggml's AMX path is built in


@dataclass(frozen=True)
class RepackChoice:
    enabled: bool
    why: str


def choose_repack(mode: str, llama_system_info: str | None, amx_cpu: bool) -> RepackChoice:
    """Whether llama.cpp may repack weights into extra buffer types, and why."""
    if mode not in MODES:
        from edge.errors import EdgebenchError

        raise EdgebenchError(f"repack must be one of {', '.join(MODES)} (got {mode!r})")
    if mode == "on":
        return RepackChoice(True, "forced on (--repack on or the profile's repack)")
    if mode == "off":
        return RepackChoice(False, "forced off (--repack off or the profile's repack)")
    amx_built = AMX_COMPILED in (llama_system_info or "")
    if amx_built and amx_cpu:
        return RepackChoice(False, "auto: off, this llama.cpp has the AMX path and the CPU has AMX; its repacked "
                                   "matmul segfaults (llama.cpp issue 20824)")
    return RepackChoice(True, "auto: on, no AMX path in this llama.cpp build" if not amx_built
                        else "auto: on, llama.cpp has the AMX path but this CPU lacks AMX")


def choose_for_this_host(mode: str = "auto") -> RepackChoice:
    """The choice for the llama.cpp loaded in this process on this CPU."""
    return choose_repack(mode, llama_system_info(), cpu_has_amx())
