"""devices.toml: the shipped profiles load, the host picks the right one, bad files fail clearly."""

import pytest

from edge.errors import EdgebenchError
from edge.host import detect_host
from edge.profiles import PARALLEL_ENV, get_profile, load_profiles, pick_profile, resolve_settings

LINUX_X86 = {"os": "linux", "arch": "x86_64", "gpu": "none", "board": None, "physical_cores": 4}


def test_shipped_profiles_have_the_required_devices():
    profiles = load_profiles()
    assert {"laptop-cpu", "apple-silicon", "cuda-gpu", "rpi5"} <= set(profiles)
    for p in profiles.values():
        assert p.backends and p.ladder and p.memory_budget_gb > 0


@pytest.mark.parametrize("host, expected", [
    (LINUX_X86, "laptop-cpu"),
    ({"os": "darwin", "arch": "arm64", "gpu": "metal"}, "apple-silicon"),
    ({**LINUX_X86, "gpu": "cuda"}, "cuda-gpu"),
    ({"os": "linux", "arch": "aarch64", "gpu": "none", "board": "Raspberry Pi 5 Model B Rev 1.0"}, "rpi5"),
    ({"os": "linux", "arch": "aarch64", "gpu": "none", "board": "Raspberry Pi 4 Model B"}, "laptop-cpu"),
    ({"os": "linux", "arch": "aarch64", "gpu": "none", "board": "Raspberry Pi Compute Module 5 Rev 1.0"}, "rpi5"),
    ({"os": "linux", "arch": "aarch64", "gpu": "none", "board": "Raspberry Pi 500 Rev 1.0"}, "rpi5"),
])
def test_pick_profile_matches_host(host, expected):
    assert pick_profile(load_profiles(), host).name == expected


def test_this_host_is_detected_with_facts():
    host = detect_host()
    assert host["logical_cores"] >= 1 and host["ram_gb"] > 0 and host["python"]
    assert pick_profile(load_profiles(), host).name  # something always matches


def test_unknown_profile_lists_known_ones():
    with pytest.raises(EdgebenchError, match="unknown device profile 'nope'.*laptop-cpu"):
        get_profile(load_profiles(), "nope", LINUX_X86)


def test_cli_flag_beats_profile_beats_default():
    profile = load_profiles()["laptop-cpu"]
    assert resolve_settings(profile, LINUX_X86).threads == 4  # profile says 0 = physical cores
    assert resolve_settings(profile, LINUX_X86, threads=1).threads == 1
    assert resolve_settings(load_profiles()["rpi5"], LINUX_X86).threads == 4


def test_parallel_flag_beats_environment_beats_profile(monkeypatch):
    monkeypatch.delenv(PARALLEL_ENV, raising=False)
    profiles = load_profiles()
    assert profiles["laptop-cpu"].parallel == 4 and profiles["rpi5"].parallel == 2
    assert resolve_settings(profiles["laptop-cpu"], LINUX_X86).parallel == 4
    assert resolve_settings(profiles["laptop-cpu"], LINUX_X86, parallel=1).parallel == 1
    monkeypatch.setenv(PARALLEL_ENV, "1")  # how the test session runs the suite sequentially
    assert resolve_settings(profiles["laptop-cpu"], LINUX_X86).parallel == 1
    assert resolve_settings(profiles["laptop-cpu"], LINUX_X86, parallel=3).parallel == 3
    for bad in ("0", "four", "-2"):
        monkeypatch.setenv(PARALLEL_ENV, bad)
        with pytest.raises(EdgebenchError, match=f"{PARALLEL_ENV} must be a positive integer"):
            resolve_settings(profiles["laptop-cpu"], LINUX_X86)


def test_a_profile_without_parallel_is_sequential(tmp_path, monkeypatch):
    monkeypatch.delenv(PARALLEL_ENV, raising=False)
    path = tmp_path / "devices.toml"
    path.write_text("[profiles.x]\ndescription='x'\nbackends=['llamacpp']\nthreads=1\ngpu_layers=0\nmemory_budget_gb=1\nladder=[]\n")
    assert resolve_settings(load_profiles(path)["x"], LINUX_X86).parallel == 1


@pytest.mark.parametrize("text, message", [
    ("[profiles.x\nbackends = 1", "not valid TOML"),
    ("title = 'no profiles'", "no \\[profiles.NAME\\]"),
    ("[profiles.x]\ndescription = 'x'", "lacks backends"),
    ("[profiles.x]\ndescription='x'\nbackends=['llamacpp']\nthreads=-2\ngpu_layers=0\nmemory_budget_gb=1\nladder=[]", "threads|integer"),
    ("[profiles.x]\ndescription='x'\nbackends=['llamacpp']\nthreads=0\ngpu_layers=0\nmemory_budget_gb=1\nladder=[]\ncolour='red'", "unknown keys colour"),
    ("[profiles.x]\ndescription='x'\nbackends=['llamacpp']\nthreads=0\ngpu_layers=0\nmemory_budget_gb=1\nladder=[]\nparallel=0", "integer >= 1"),
])
def test_malformed_devices_toml_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "devices.toml"
    path.write_text(text)
    with pytest.raises(EdgebenchError, match=message):
        load_profiles(path)


@pytest.mark.parametrize("ram_gb, profile, budget", [(3.7, "laptop-cpu", 2.78), (24.0, "laptop-cpu", 8.0),
                                                     (7.4, "cuda-gpu", 5.55), (3.95, "rpi5", 2.96), (0, "laptop-cpu", 8.0)])
def test_a_budget_never_claims_more_than_the_host_has(ram_gb, profile, budget):
    """A profile picked (or forced) on a smaller machine than it was written for: a Pi 4 on laptop-cpu, a Jetson
    on cuda-gpu. 0: RAM unknown, the profile's budget stands."""
    assert resolve_settings(load_profiles()[profile], {**LINUX_X86, "ram_gb": ram_gb}).memory_budget_gb == budget


def test_a_match_list_in_devices_toml_matches_any_of_its_values(tmp_path, monkeypatch):
    (tmp_path / "d.toml").write_text(
        '[profiles.board]\ndescription = "x"\nbackends = ["llamacpp"]\nthreads = 0\ngpu_layers = 0\n'
        'memory_budget_gb = 1.0\nladder = ["gguf:q4_k_m"]\nmatch = { arch = ["aarch64", "arm64"], board = ["Orange Pi", "Rock"] }\n'
        '[profiles.fallback]\ndescription = "x"\nbackends = ["llamacpp"]\nthreads = 0\ngpu_layers = 0\n'
        'memory_budget_gb = 1.0\nladder = ["gguf:q4_k_m"]\n')
    profiles = load_profiles(tmp_path / "d.toml")
    assert pick_profile(profiles, {"arch": "arm64", "board": "Radxa ROCK 5B"}).name == "board"
    assert pick_profile(profiles, {"arch": "aarch64", "board": "Orange Pi 5"}).name == "board"
    assert pick_profile(profiles, {"arch": "x86_64", "board": "Orange Pi 5"}).name == "fallback"


@pytest.mark.parametrize("stdout, code, expected", [
    ("NVIDIA GeForce RTX 4090\n", 0, ("cuda", "NVIDIA GeForce RTX 4090")),
    ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA "
     "driver is installed and running.\n", 9, ("none", None)),
    ("No devices were found\n", 6, ("none", None)),
    ("", 0, ("none", None)),
])
def test_a_gpu_is_named_only_by_a_clean_nvidia_smi_answer(tmp_path, monkeypatch, stdout, code, expected):
    from edge.host import detect_gpu

    fake = tmp_path / "nvidia-smi"
    fake.write_text(f"#!/bin/sh\nprintf '%s' '{stdout.replace(chr(39), '')}'\nexit {code}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    want = (expected[0], expected[1].replace("'", "") if expected[1] else None)
    assert detect_gpu({"os": "linux", "arch": "x86_64"}) == want


PI5_CPUINFO = """processor	: 0
BogoMIPS	: 108.00
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x4
CPU part	: 0xd0b
CPU revision	: 1

Revision	: d04170
Serial		: 1234567890abcdef
Model		: Raspberry Pi 5 Model B Rev 1.0
"""


@pytest.mark.parametrize("cpuinfo, name", [
    (PI5_CPUINFO, "ARM Cortex-A76"),
    (PI5_CPUINFO.replace("0xd0b", "0xd08").replace("Revision", "Hardware\t: BCM2835\nRevision"), "ARM Cortex-A72"),
    ("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n", "AMD EPYC 7B13"),
    ("model name\t: ARMv8 Processor rev 1 (v8l)\nCPU implementer\t: 0x41\nCPU part\t: 0xd42\n", "ARM Cortex-A78AE"),
    ("model name\t: ARMv8 Processor rev 1 (v8l)\nCPU implementer\t: 0x41\nCPU part\t: 0xfff\n", "ARMv8 Processor rev 1 (v8l)"),
    ("processor\t: 0\nCPU implementer\t: 0x51\nCPU part\t: 0x001\nHardware\t: Qualcomm X\n", "Qualcomm X"),
])
def test_the_cpu_is_named_by_its_core_not_the_board(cpuinfo, name):
    from edge.host import cpu_model

    assert cpu_model(cpuinfo) == name


@pytest.mark.parametrize("system, machine, translated, arch", [("darwin", "x86_64", "1", "arm64"),
                                                              ("darwin", "x86_64", "0", "x86_64"),
                                                              ("darwin", "arm64", "", "arm64"),
                                                              ("linux", "x86_64", "1", "x86_64")])
def test_rosetta_is_seen_through(monkeypatch, system, machine, translated, arch):
    """An x86_64 Python under Rosetta 2 on an Apple Silicon Mac: the Mac is still apple-silicon."""
    import platform
    import sys

    import edge.host as host

    monkeypatch.setattr(sys, "platform", system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    monkeypatch.setattr(host, "_run", lambda cmd: translated if cmd[-1] == "sysctl.proc_translated" else "")
    assert host.native_arch() == arch
