"""Device profiles: load `devices.toml` into frozen dataclasses and pick the one that
matches the detected host.

Precedence of settings (resolved in `resolve_settings`): CLI flag > profile > the
defaults of `RuntimeSettings`. One exception: the parallel count (how many suite items
llama.cpp generates together, edge/llamacpp_batch.py) reads $EDGEBENCH_PARALLEL between the
flag and the profile, so a whole test session (or a script) can run at another count
without editing devices.toml: CLI --parallel > $EDGEBENCH_PARALLEL > profile > 1.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import NamedTuple

from edge.errors import EdgebenchError
from edge.repack import MODES as REPACK_MODES
from edge.repack import choose_repack

# Shipped inside the package (so a wheel or sdist install finds it); the repository's top-level
# devices.toml is a link to this file, the one a user edits in a checkout.
PACKAGED_DEVICES_TOML = Path(__file__).resolve().parent / "data" / "devices.toml"
MATCH_KEYS = ("os", "arch", "gpu", "board")
# The most of a host's RAM a profile's memory budget may claim: the rest is the OS's and the harness's (rpi5's 3 GB
# of a 4 GB board). A laptop-cpu profile (8 GB) detected on a 4 GB Pi 4 gets 3 GB, not 8.
RAM_SHARE = 0.75
REQUIRED_KEYS = ("description", "backends", "threads", "gpu_layers", "memory_budget_gb", "ladder")
PARALLEL_ENV = "EDGEBENCH_PARALLEL"  # overrides every profile's parallel count (tests run the suite at 1 and at the default)


@dataclass(frozen=True)
class Profile:
    """One device class from devices.toml."""

    name: str
    description: str
    backends: tuple[str, ...]
    threads: int
    gpu_layers: int
    memory_budget_gb: float
    ladder: tuple[str, ...]
    tested: str = "untested"
    repack: str = "auto"  # llama.cpp weight repacking: auto, on, off (see edge/repack.py)
    parallel: int = 1  # suite items generated together in one context where the backend can batch; 1: one at a time
    match: dict[str, str | tuple[str, ...]] = field(default_factory=dict)  # a list in devices.toml: any of its values

    def matches(self, host: dict) -> bool:
        """True if every match key of this profile agrees with the host facts."""
        for key, wanted in self.match.items():
            have = str(host.get(key) or "").lower()
            choices = [w.lower() for w in (wanted if isinstance(wanted, tuple) else (wanted,))]  # any of them
            if key == "board":
                if not any(choice in have for choice in choices):
                    return False
            elif have not in choices:
                return False
        return True


@dataclass(frozen=True)
class RuntimeSettings:
    """What a backend needs to load and run a model on this device."""

    threads: int = 0  # 0 = one per physical core
    gpu_layers: int = 0
    n_ctx: int = 4096
    memory_budget_gb: float = 8.0
    repack: bool | None = None  # llama.cpp weight repacking; None: decided for this host at load (edge/repack.py)
    repack_why: str = ""
    parallel: int = 1  # sequences per batch for suite generation (backends with a batched path); 1: sequential


def devices_toml_path() -> Path:
    """devices.toml in use: $EDGEBENCH_DEVICES if set, else the one shipped with the package."""
    return Path(os.environ.get("EDGEBENCH_DEVICES") or PACKAGED_DEVICES_TOML)


def load_profiles(path: Path | None = None) -> dict[str, Profile]:
    """Parse and validate devices.toml; every problem is one clear EdgebenchError."""
    path = path or devices_toml_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EdgebenchError(f"device profiles not found: {path} (set EDGEBENCH_DEVICES to a devices.toml)")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EdgebenchError(f"{path} is not valid TOML ({exc}); fix the file or restore it from git")
    tables = data.get("profiles")
    if not isinstance(tables, dict) or not tables:
        raise EdgebenchError(f"{path} has no [profiles.NAME] tables; see the comment at the top of devices.toml")
    return {name: _profile_from_table(path, name, table) for name, table in tables.items()}


def _profile_from_table(path: Path, name: str, table: dict) -> Profile:
    where = f"{path}: profile '{name}'"
    if not isinstance(table, dict):
        raise EdgebenchError(f"{where} must be a table")
    missing = [k for k in REQUIRED_KEYS if k not in table]
    if missing:
        raise EdgebenchError(f"{where} lacks {', '.join(missing)}")
    known = {f.name for f in fields(Profile)} - {"name"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise EdgebenchError(f"{where} has unknown keys {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}")
    match = table.get("match", {})
    if not isinstance(match, dict) or set(match) - set(MATCH_KEYS):
        raise EdgebenchError(f"{where}: match keys must be among {', '.join(MATCH_KEYS)}")
    try:
        profile = Profile(
            name=name,
            description=str(table["description"]),
            backends=tuple(_str_list(table["backends"])),
            threads=_int(table["threads"], minimum=0),
            gpu_layers=_int(table["gpu_layers"], minimum=-1),
            memory_budget_gb=float(table["memory_budget_gb"]),
            ladder=tuple(_str_list(table["ladder"])),
            tested=str(table.get("tested", "untested")),
            repack=str(table.get("repack", "auto")),
            parallel=_int(table.get("parallel", 1), minimum=1),
            match={k: tuple(_str_list(v)) if isinstance(v, list) else str(v) for k, v in match.items()},
        )
    except (TypeError, ValueError) as exc:
        raise EdgebenchError(f"{where}: {exc}")
    if profile.memory_budget_gb <= 0 or not profile.backends:
        raise EdgebenchError(f"{where}: memory_budget_gb must be > 0 and backends non-empty")
    if profile.repack not in REPACK_MODES:
        raise EdgebenchError(f"{where}: repack must be one of {', '.join(REPACK_MODES)} (got {profile.repack!r})")
    return profile


def _str_list(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"expected a list of strings, got {value!r}")
    return value


def _int(value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"expected an integer >= {minimum}, got {value!r}")
    return value


def pick_profile(profiles: dict[str, Profile], host: dict) -> Profile:
    """The matching profile with the most match keys (laptop-cpu-like fallbacks have none)."""
    matching = [p for p in profiles.values() if p.matches(host)]
    if not matching:
        raise EdgebenchError("no device profile matches this host; add one with an empty match table to devices.toml")
    return max(matching, key=lambda p: len(p.match))


def get_profile(profiles: dict[str, Profile], name: str | None, host: dict) -> Profile:
    """The named profile, or the detected one when name is None."""
    if name is None:
        return pick_profile(profiles, host)
    if name not in profiles:
        raise EdgebenchError(f"unknown device profile '{name}'; known profiles: {', '.join(profiles)}")
    return profiles[name]


def resolve_settings(profile: Profile, host: dict, repack: str | None = None, **overrides) -> RuntimeSettings:
    """Merge CLI overrides (None = not given) over the profile over the defaults. `repack` is a
    mode (auto/on/off), decided here against the host's facts (edge/repack.py); the parallel
    count takes $EDGEBENCH_PARALLEL over the profile's."""
    choice = choose_repack(repack or profile.repack, host.get("llama_system_info"), bool(host.get("amx")))
    settings = RuntimeSettings(
        threads=profile.threads or int(host.get("physical_cores") or host.get("logical_cores") or 1),
        gpu_layers=profile.gpu_layers,
        memory_budget_gb=profile.memory_budget_gb,
        repack=choice.enabled,
        repack_why=choice.why,
        parallel=parallel_from_env() or profile.parallel,
    )
    ram_gb = float(host.get("ram_gb") or 0)
    if ram_gb and settings.memory_budget_gb > ram_gb * RAM_SHARE:  # a profile written for a bigger machine than this
        settings = replace(settings, memory_budget_gb=round(ram_gb * RAM_SHARE, 2))
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(settings, **given)


def parallel_from_env() -> int | None:
    """$EDGEBENCH_PARALLEL as a count, None when unset; anything but a positive integer is refused."""
    text = os.environ.get(PARALLEL_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise EdgebenchError(f"{PARALLEL_ENV} must be a positive integer (sequences per batch), got {text!r}")
    return int(text)


class Device(NamedTuple):
    """This device as a run sees it: the host's facts, its profile, and the settings resolved from both."""

    host: dict
    profile: Profile
    settings: RuntimeSettings


def device_settings(profile_name: str | None = None, threads: int | None = None, repack: str | None = None,
                    host: dict | None = None, parallel: int | None = None) -> Device:
    """The host's facts, the named profile (or the detected one) and the settings, with the CLI's --threads,
    --repack and --parallel over the profile. Every command that runs a model resolves its settings here."""
    from edge.host import detect_host

    host = host or detect_host()  # with llama.cpp's system info: it decides repacking (edge/repack.py)
    profile = get_profile(load_profiles(), profile_name, host)
    return Device(host, profile, resolve_settings(profile, host, repack=repack, threads=threads, parallel=parallel))
