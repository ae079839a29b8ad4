"""Weight repacking: the per-host decision (edge/repack.py), its overrides, and on an AMX host
the crash it prevents, reproduced in a child process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from edge.errors import EdgebenchError
from edge.profiles import load_profiles, resolve_settings
from edge.host import cpu_has_amx
from edge.repack import choose_repack
from tests.conftest import REPO, needs_llama

AMX_BUILD = "CPU : SSE3 = 1 | AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 |"
PLAIN_BUILD = "CPU : SSE3 = 1 | AVX2 = 1 | REPACK = 1 |"
ARM_BUILD = "CPU : NEON = 1 | ARM_FMA = 1 | DOTPROD = 1 | REPACK = 1 |"


@pytest.mark.parametrize("info, amx_cpu, enabled", [
    (AMX_BUILD, True, False),  # the one combination that reaches the crashing AMX matmul
    (AMX_BUILD, False, True),  # AMX path built in, but this CPU cannot take it
    (PLAIN_BUILD, True, True),  # an AMX CPU running a build without the AMX path
    (ARM_BUILD, False, True),  # a Raspberry Pi: repacked Q4_0 is its fast path
    (None, False, True),  # llama.cpp not installed: nothing to decide
])
def test_auto_turns_repacking_off_only_where_amx_would_run(info, amx_cpu, enabled):
    choice = choose_repack("auto", info, amx_cpu)
    assert choice.enabled is enabled and choice.why.startswith("auto:")


def test_on_and_off_override_auto_and_nonsense_is_refused():
    assert choose_repack("on", AMX_BUILD, True).enabled is True
    assert choose_repack("off", ARM_BUILD, False).enabled is False
    with pytest.raises(EdgebenchError, match="repack must be one of"):
        choose_repack("yes", PLAIN_BUILD, False)


def test_cpu_flags_are_read_as_words():
    assert cpu_has_amx("flags\t: fpu avx512f amx_bf16 amx_tile amx_int8\n")
    assert not cpu_has_amx("flags\t: fpu avx512f amx_bf16\n")
    assert not cpu_has_amx("model name\t: amx_int8 lookalike\n")


def test_profile_and_flag_precedence(tmp_path):
    host = {"os": "linux", "arch": "x86_64", "physical_cores": 2, "llama_system_info": AMX_BUILD, "amx": True}
    profiles = load_profiles()
    assert resolve_settings(profiles["laptop-cpu"], host).repack is False
    assert resolve_settings(profiles["laptop-cpu"], host, repack="on").repack is True
    toml = (REPO / "devices.toml").read_text().replace('repack = "auto"', 'repack = "off"')
    edited = tmp_path / "devices.toml"
    edited.write_text(toml)
    rpi = load_profiles(edited)["rpi5"]
    assert rpi.repack == "off" and resolve_settings(rpi, {**host, "llama_system_info": ARM_BUILD}).repack is False
    edited.write_text(toml.replace('repack = "off"', 'repack = "sometimes"'))
    with pytest.raises(EdgebenchError, match="repack must be one of"):
        load_profiles(edited)


GENERATE = """
import json, sys
from edge.artifacts import identify
from edge.backend import Sampling, open_backend
from edge.profiles import RuntimeSettings
repack = {"on": True, "off": False, "auto": None}[sys.argv[1]]
backend = open_backend("llamacpp", identify("default").path, RuntimeSettings(threads=2, n_ctx=512, repack=repack))
text = backend.generate([{"role": "user", "content": "Say hi."}], Sampling(max_tokens=8)).text
print(json.dumps({"repack": backend.repack, "why": backend.repack_why, "text": text}))
"""


def _generate(mode: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", GENERATE, mode], capture_output=True, text=True, cwd=REPO, timeout=300)


@needs_llama
def test_auto_generates_on_this_host(default_gguf):
    result = _generate("auto")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["text"]


@needs_llama
def test_on_an_amx_host_forced_repacking_crashes_and_auto_does_not(default_gguf):
    from edge.host import llama_system_info

    if not (cpu_has_amx() and "AMX_INT8 = 1" in (llama_system_info() or "")):
        pytest.skip("not an AMX host with an AMX build of llama.cpp: the crash cannot happen here")
    forced = _generate("on")
    # a native crash: SIGSEGV from Python here (llama.cpp issue 20824); llama-bench --repack 1 died of SIGILL
    assert forced.returncode < 0, (forced.returncode, forced.stderr[-500:])
    auto = json.loads(_generate("auto").stdout.strip().splitlines()[-1])
    assert auto["repack"] is False and "AMX" in auto["why"] and auto["text"]
