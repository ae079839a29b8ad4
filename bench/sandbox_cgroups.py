"""A pids and a memory cgroup per sandboxed sample, on cgroup v1 or v2, with one interface.

    host = detect()                      # once per run: what this host gives ("v1", "v2" or "none")
    sample = host.make(16, 1 << 30)      # per sample: None when the host gives nothing
    sample.enter(pid)                    # in the sandbox's child, between fork and exec
    sample.remove()                      # after the sample: SIGKILL whatever is left, then rmdir

cgroup v1 (a mount per controller, /sys/fs/cgroup/pids and /sys/fs/cgroup/memory): a child of
this process's own cgroup in each controller, where that cgroup is writable; pids.max,
memory.limit_in_bytes and memory.memsw.limit_in_bytes (with swap accounting).

cgroup v2 (the unified hierarchy: /sys/fs/cgroup holds cgroup.controllers): one child holds
both controllers, with pids.max, memory.max and memory.swap.max=0 (when present). Its parent
must have the controllers in its cgroup.subtree_control, and v2's "no internal processes" rule
forbids enabling them in a cgroup that holds processes (edgebench's own cgroup does: it holds
edgebench), except the root. So the parent is the nearest of this process's own cgroup and its
ancestors that is writable (root, or a delegated subtree such as a user's systemd slice) and
has, or may be given, the controllers; a cgroup whose write to subtree_control is refused
(EBUSY: it holds processes) is passed over for its parent. The sample's cgroup is a leaf
below it, holding only the sandbox. A controller no candidate gives is left out (the note
says which and why); none at all is "none". After the sample: cgroup.kill where the kernel
has it (5.14 and later), else SIGKILL of every pid in cgroup.procs until it is empty, then rmdir.

Every class takes the hierarchy's root and the text of /proc/self/cgroup, so tests run it
against a fake tree (a folder with the files a kernel would have); what only a kernel does (fill a
new cgroup with its files, refuse a write with EBUSY) a fake kernel does in FILES.
"""

from __future__ import annotations

import errno
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("pids", "memory")
PREFIX = "edgebench-"


def _own_cgroups(proc_cgroup: str | None) -> dict[str, str]:
    """/proc/self/cgroup as {controller or "" (v2): path}."""
    if proc_cgroup is None:
        try:
            proc_cgroup = Path("/proc/self/cgroup").read_text()
        except OSError:
            return {}
    own = {}
    for line in proc_cgroup.splitlines():
        try:
            _, names, path = line.split(":", 2)
        except ValueError:
            continue
        for name in names.split(",") if names else [""]:
            own[name] = path
    return own


class Files:
    """The file operations on the hierarchy, in one place: tests put a fake kernel here (FILES)."""

    def read(self, path: Path) -> str:
        return path.read_text()

    def write(self, path: Path, text: str) -> None:
        path.write_text(text)

    def mkdir(self, path: Path) -> None:
        path.mkdir()

    def rmdir(self, path: Path) -> None:
        path.rmdir()

    def may_write(self, path: Path) -> bool:
        return os.access(path, os.W_OK) and not _read_only(path)


def _read_only(path: Path) -> bool:
    try:
        return os.statvfs(path).f_flag & os.ST_RDONLY != 0
    except OSError:
        return True


FILES = Files()


def _writable(folder: Path) -> bool:
    return (folder.is_dir() and (folder / "cgroup.procs").exists() and FILES.may_write(folder)
            and FILES.may_write(folder / "cgroup.procs"))


def _write(path: Path, value: str) -> bool:
    try:
        FILES.write(path, value)
        return True
    except OSError:
        return False


@dataclass
class SampleCgroup:
    """One sample's cgroups (v1: one per controller; v2: one)."""

    paths: list[Path]

    def enter(self, pid: int) -> None:
        """Put `pid` in them (called in the child before exec: it raises, and the sample fails, if it cannot)."""
        for path in self.paths:
            FILES.write(path / "cgroup.procs", str(pid))

    def kill(self) -> None:
        """SIGKILL every process in them: cgroup.kill where present, else each pid in cgroup.procs."""
        for path in self.paths:
            if (path / "cgroup.kill").exists() and _write(path / "cgroup.kill", "1"):
                _wait_empty(path)
                continue
            for _ in range(50):
                try:
                    pids = [int(p) for p in FILES.read(path / "cgroup.procs").split()]
                except (OSError, ValueError):
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                time.sleep(0.02)

    def remove(self) -> None:
        self.kill()
        for path in self.paths:
            for _ in range(50):  # a killed process may take a moment to leave
                try:
                    FILES.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _wait_empty(path: Path, tries: int = 50) -> None:
    for _ in range(tries):
        try:
            if not FILES.read(path / "cgroup.procs").split():
                return
        except OSError:
            return
        time.sleep(0.02)


@dataclass
class Cgroups:
    """What this host gives: the version, the controllers it can bound and where their children go."""

    version: str = "none"  # "v1", "v2" or "none"
    parents: dict[str, Path] = field(default_factory=dict)  # controller -> the folder a sample's cgroup goes in
    note: str = ""  # one line: why a controller (or all) is missing; "" when both are there

    @property
    def controllers(self) -> tuple[str, ...]:
        return tuple(c for c in CONTROLLERS if c in self.parents)

    def make(self, max_processes: int, memory_bytes: int, controllers: tuple[str, ...] | None = None) -> SampleCgroup | None:
        """A sample's cgroup(s) with those bounds, for `controllers` (default: all this host gives)."""
        wanted = [c for c in self.controllers if controllers is None or c in controllers]
        if not wanted:
            return None
        name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
        settings = {"pids": {"pids.max": str(max_processes)}}
        if self.version == "v1":
            settings["memory"] = {"memory.limit_in_bytes": str(memory_bytes), "memory.memsw.limit_in_bytes": str(memory_bytes)}
        else:
            settings["memory"] = {"memory.max": str(memory_bytes), "memory.swap.max": "0"}
        paths: dict[Path, list[str]] = {}
        for controller in wanted:
            paths.setdefault(self.parents[controller] / name, []).append(controller)
        made = []
        try:
            for path, of in paths.items():
                FILES.mkdir(path)
                made.append(path)
                for controller in of:
                    for key, value in settings[controller].items():
                        if (path / key).exists():  # memsw: only with swap accounting; swap.max: only with swap
                            if not _write(path / key, value) and key in ("pids.max", "memory.max", "memory.limit_in_bytes"):
                                raise OSError(f"cannot set {key} in {path}")
                        elif key in ("pids.max", "memory.max", "memory.limit_in_bytes"):
                            raise OSError(f"{path} has no {key}")
        except OSError:
            SampleCgroup(made).remove()
            return None
        return SampleCgroup(made)


def detect(root: Path = ROOT, proc_cgroup: str | None = None) -> Cgroups:
    """The cgroups this process may make below `root`: v2 where root is a unified hierarchy
    (it holds cgroup.controllers), else v1 where root holds controller mounts, else none."""
    root = Path(root)
    own = _own_cgroups(proc_cgroup)
    if (root / "cgroup.controllers").exists():
        return _detect_v2(root, own.get("", "/"))
    if any((root / c / "cgroup.procs").exists() for c in CONTROLLERS):
        return _detect_v1(root, own)
    return Cgroups("none", note=f"no cgroup hierarchy at {root}")


def _detect_v1(root: Path, own: dict[str, str]) -> Cgroups:
    parents, why = {}, []
    for controller in CONTROLLERS:
        mount = root / controller
        if not (mount / "cgroup.procs").exists():
            why.append(f"no {controller} controller at {mount}")
            continue
        parent = mount / own.get(controller, "/").lstrip("/")
        if _writable(parent):
            parents[controller] = parent
        else:
            why.append(f"{parent} is not writable")
    return Cgroups("v1" if parents else "none", parents, "; ".join(why))


def _controllers(path: Path, name: str) -> set[str]:
    try:
        return set(FILES.read(path / name).split())
    except OSError:
        return set()


def _detect_v2(root: Path, own: str) -> Cgroups:
    base = root / own.lstrip("/")
    candidates = [base, *[p for p in base.parents if p == root or root in p.parents]]
    wanted = set(CONTROLLERS)
    why = []
    best: tuple[Path, set[str]] | None = None
    for folder in candidates:
        if not _writable(folder) or not FILES.may_write(folder / "cgroup.subtree_control"):
            why.append(f"{folder} is not writable")
            continue
        available = _controllers(folder, "cgroup.controllers") & wanted
        if not available:
            why.append(f"{folder} has no pids or memory controller")
            continue
        enabled = _controllers(folder, "cgroup.subtree_control")
        busy = False
        for controller in sorted(available - enabled):
            try:
                FILES.write(folder / "cgroup.subtree_control", f"+{controller}")
            except OSError as exc:
                busy = busy or exc.errno == errno.EBUSY
        enabled = _controllers(folder, "cgroup.subtree_control") & available
        if enabled != available:
            why.append(f"{folder} holds processes: it may not enable {', '.join(sorted(available - enabled))} "
                       "for children (cgroup v2's no-internal-processes rule)" if busy
                       else f"{folder} refused to enable {', '.join(sorted(available - enabled))}")
        if enabled and (best is None or len(enabled) > len(best[1])):
            best = (folder, enabled)
        if enabled == wanted:
            break
    if best is None:
        return Cgroups("none", note="cgroup v2: " + "; ".join(why))
    folder, enabled = best
    missing = wanted - enabled
    note = f"cgroup v2: no {' or '.join(sorted(missing))} controller below {folder}" if missing else ""
    return Cgroups("v2", {c: folder for c in CONTROLLERS if c in enabled}, note)
