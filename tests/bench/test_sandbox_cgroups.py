"""bench/sandbox_cgroups.py on fake trees (cgroup v1 and v2, every fallback) and, where this host
has them, on the real hierarchies: v1's pids and memory cgroups, and v2's mechanics (a child,
cgroup.procs, cgroup.kill, rmdir) on a hybrid host's /sys/fs/cgroup/unified."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bench import sandbox_cgroups as cg

MIB = 2**20


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


class FakeKernel(cg.Files):
    """What a kernel does on top of plain files: a new cgroup gets its files, subtree_control follows
    v2's rules (EBUSY for a non-root cgroup holding processes, ENOENT for a controller it lacks),
    cgroup.procs lists live processes, cgroup.kill kills them, rmdir refuses while any is left."""

    def __init__(self, root: Path, version: str, read_only=(), kill_file=True, missing_files=()):
        self.root, self.version, self.kill_file = root, version, kill_file
        self.read_only = [root / p for p in read_only]
        self.missing_files = set(missing_files)

    def may_write(self, path):
        return not any(path == p or p in path.parents for p in self.read_only)

    def _procs(self, folder):
        return [int(p) for p in (folder / "cgroup.procs").read_text().split() if _alive(int(p))]

    def read(self, path):
        if path.name == "cgroup.procs":
            return "\n".join(map(str, self._procs(path.parent)))
        return path.read_text()

    def write(self, path, text):
        if not self.may_write(path):
            raise PermissionError(errno.EACCES, "read-only", str(path))
        folder = path.parent
        if path.name == "cgroup.subtree_control":
            enabled = set(path.read_text().split())
            for token in text.split():
                name = token[1:]
                if name not in (folder / "cgroup.controllers").read_text().split():
                    raise OSError(errno.ENOENT, "no such controller", str(path))
                if token[0] == "+" and folder != self.root and self._procs(folder):
                    raise OSError(errno.EBUSY, "device or resource busy", str(path))
                enabled = enabled | {name} if token[0] == "+" else enabled - {name}
            path.write_text(" ".join(sorted(enabled)))
        elif path.name == "cgroup.procs":
            if self.version == "v2" and folder != self.root and (folder / "cgroup.subtree_control").read_text().split():
                raise OSError(errno.EBUSY, "device or resource busy", str(path))
            path.write_text(" ".join(map(str, [*self._procs(folder), int(text)])))
        elif path.name == "cgroup.kill":
            for pid in self._procs(folder):
                os.kill(pid, signal.SIGKILL)
        else:
            path.write_text(text)

    def mkdir(self, path):
        if not self.may_write(path.parent):
            raise PermissionError(errno.EACCES, "read-only", str(path))
        path.mkdir()
        files = {"cgroup.procs": ""}
        if self.version == "v2":
            controllers = (path.parent / "cgroup.subtree_control").read_text().split()
            files.update({"cgroup.controllers": " ".join(controllers), "cgroup.subtree_control": ""})
            files.update({"cgroup.kill": ""} if self.kill_file else {})
            files.update({"pids.max": "max"} if "pids" in controllers else {})
            files.update({"memory.max": "max", "memory.swap.max": "max"} if "memory" in controllers else {})
        else:
            controller = path.relative_to(self.root).parts[0]
            files.update({"pids": {"pids.max": "max"},
                          "memory": {"memory.limit_in_bytes": "9223372036854771712"}}[controller])
        for name, text in files.items():
            if name not in self.missing_files:
                (path / name).write_text(text)

    def rmdir(self, path):
        if self._procs(path) or any(p.is_dir() for p in path.iterdir()):
            raise OSError(errno.EBUSY, "device or resource busy", str(path))
        shutil.rmtree(path)


def v2_tree(root: Path, cgroups: dict[str, tuple[str, str, list[int]]]) -> None:
    """cgroups: path -> (cgroup.controllers, cgroup.subtree_control, pids in cgroup.procs)."""
    for path, (controllers, subtree, pids) in cgroups.items():
        folder = root / path.strip("/")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cgroup.controllers").write_text(controllers)
        (folder / "cgroup.subtree_control").write_text(subtree)
        (folder / "cgroup.procs").write_text(" ".join(map(str, pids)))


def v1_tree(root: Path, own: dict[str, str]) -> str:
    """A mount per controller (own: controller -> this process's cgroup); returns /proc/self/cgroup's text."""
    for controller, path in own.items():
        folder = root / controller / path.strip("/")
        folder.mkdir(parents=True, exist_ok=True)
        (root / controller / "cgroup.procs").write_text("1")
        (folder / "cgroup.procs").write_text(str(os.getpid()))
    return "".join(f"{i}:{c}:{p}\n" for i, (c, p) in enumerate(own.items(), 2)) + "1:name=systemd:/\n0::/\n"


@pytest.fixture
def sleeper():
    procs = []

    def start():
        procs.append(subprocess.Popen(["sleep", "60"]))
        return procs[-1]

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def _exercise(kernel: FakeKernel, host: cg.Cgroups, sleeper, expect: dict[str, str]) -> None:
    """Make a sample's cgroup(s), check the bounds written, put a process in, remove: it dies, they go."""
    sample = host.make(16, 256 * MIB)
    assert sample is not None
    for name, value in expect.items():  # each bound in the one cgroup that has its file
        assert [(p / name).read_text() for p in sample.paths if (p / name).exists()] == [value], name
    proc = sleeper()
    sample.enter(proc.pid)
    assert any(str(proc.pid) in kernel.read(p / "cgroup.procs") for p in sample.paths)
    sample.remove()
    proc.wait(timeout=5)
    assert proc.returncode == -signal.SIGKILL
    assert not any(p.exists() for p in sample.paths)


# ---- cgroup v1 ----

def test_v1_a_pids_and_a_memory_cgroup_below_our_own(tmp_path, monkeypatch, sleeper):
    text = v1_tree(tmp_path, {"pids": "/", "memory": "/process_api/abc"})
    kernel = FakeKernel(tmp_path, "v1")
    monkeypatch.setattr(cg, "FILES", kernel)
    host = cg.detect(tmp_path, text)
    assert host.version == "v1" and host.controllers == ("pids", "memory") and host.note == ""
    assert host.parents == {"pids": tmp_path / "pids", "memory": tmp_path / "memory/process_api/abc"}
    sample = host.make(16, 256 * MIB)
    assert [p.parent for p in sample.paths] == [tmp_path / "pids", tmp_path / "memory/process_api/abc"]
    assert (sample.paths[0] / "pids.max").read_text() == "16"
    assert (sample.paths[1] / "memory.limit_in_bytes").read_text() == str(256 * MIB)
    assert not (sample.paths[1] / "memory.memsw.limit_in_bytes").exists()  # no swap accounting: not made up
    sample.remove()
    _exercise(kernel, host, sleeper, {"pids.max": "16", "memory.limit_in_bytes": str(256 * MIB)})


def test_v1_a_controller_not_writable_or_missing_is_left_out(tmp_path, monkeypatch):
    text = v1_tree(tmp_path, {"pids": "/", "memory": "/process_api/abc"})
    monkeypatch.setattr(cg, "FILES", FakeKernel(tmp_path, "v1", read_only=["memory"]))
    host = cg.detect(tmp_path, text)
    assert host.version == "v1" and host.controllers == ("pids",) and "memory/process_api/abc is not writable" in host.note
    shutil.rmtree(tmp_path / "memory")
    host = cg.detect(tmp_path, text)
    assert host.controllers == ("pids",) and "no memory controller" in host.note
    monkeypatch.setattr(cg, "FILES", FakeKernel(tmp_path, "v1", read_only=["pids"]))
    host = cg.detect(tmp_path, text)
    assert host.version == "none" and host.make(16, MIB) is None and "not writable" in host.note


def test_no_hierarchy_at_all_is_none(tmp_path):
    host = cg.detect(tmp_path, "0::/\n")
    assert host.version == "none" and host.controllers == () and host.make(16, MIB) is None and host.note


# ---- cgroup v2 ----

def test_v2_as_root_at_the_root_enables_the_controllers_and_makes_a_leaf(tmp_path, monkeypatch, sleeper):
    v2_tree(tmp_path, {"/": ("cpuset cpu io memory pids", "", [1, os.getpid()])})  # the root may hold processes
    kernel = FakeKernel(tmp_path, "v2")
    monkeypatch.setattr(cg, "FILES", kernel)
    host = cg.detect(tmp_path, "0::/\n")
    assert host.version == "v2" and host.controllers == ("pids", "memory") and host.note == ""
    assert (tmp_path / "cgroup.subtree_control").read_text().split() == ["memory", "pids"]
    sample = host.make(16, 256 * MIB)
    assert sample.paths == [sample.paths[0]] and sample.paths[0].parent == tmp_path  # one cgroup holds both
    assert (sample.paths[0] / "pids.max").read_text() == "16"
    assert (sample.paths[0] / "memory.max").read_text() == str(256 * MIB)
    assert (sample.paths[0] / "memory.swap.max").read_text() == "0"
    sample.remove()
    _exercise(kernel, host, sleeper, {})


def test_v2_a_delegated_subtree_holding_processes_puts_the_leaf_above_it(tmp_path, monkeypatch, sleeper):
    """A user's systemd slice: our scope holds processes (edgebench), so it may not enable controllers
    for children (no internal processes); its parent, app.slice, holds none and has them on."""
    user = "user.slice/user-1000.slice/user@1000.service"
    v2_tree(tmp_path, {"/": ("cpu io memory pids", "cpu io memory pids", [1]),
                       "user.slice": ("cpu io memory pids", "memory pids", []),
                       "user.slice/user-1000.slice": ("memory pids", "memory pids", []),
                       user: ("memory pids", "memory pids", []),
                       f"{user}/app.slice": ("memory pids", "memory pids", []),
                       f"{user}/app.slice/term.scope": ("memory pids", "", [os.getpid()])})
    kernel = FakeKernel(tmp_path, "v2", read_only=["cgroup.procs", "cgroup.subtree_control", "user.slice/cgroup.procs",
                                                   "user.slice/user-1000.slice/cgroup.procs"])
    monkeypatch.setattr(cg, "FILES", kernel)
    host = cg.detect(tmp_path, f"0::/{user}/app.slice/term.scope\n")
    assert host.version == "v2" and host.controllers == ("pids", "memory")
    assert host.parents["pids"] == tmp_path / user / "app.slice"
    assert (tmp_path / user / "app.slice/term.scope/cgroup.subtree_control").read_text() == ""  # refused, unchanged
    _exercise(kernel, host, sleeper, {"pids.max": "16", "memory.max": str(256 * MIB), "memory.swap.max": "0"})


def test_v2_processes_in_our_cgroup_and_nothing_writable_above_is_none(tmp_path, monkeypatch):
    v2_tree(tmp_path, {"/": ("cpu memory pids", "memory pids", [1]),
                       "system.slice": ("memory pids", "memory pids", []),
                       "system.slice/ci.service": ("memory pids", "", [os.getpid()])})
    monkeypatch.setattr(cg, "FILES", FakeKernel(tmp_path, "v2", read_only=["cgroup.procs", "cgroup.subtree_control",
                                                                          "system.slice/cgroup.procs"]))
    host = cg.detect(tmp_path, "0::/system.slice/ci.service\n")
    assert host.version == "none" and host.make(16, MIB) is None
    assert "no-internal-processes" in host.note and "not writable" in host.note
    assert not [p for p in tmp_path.rglob("edgebench-*")]


def test_v2_not_writable_is_none(tmp_path, monkeypatch):
    """A CI runner's service cgroup, owned by root, seen by its unprivileged user."""
    v2_tree(tmp_path, {"/": ("cpu memory pids", "memory pids", [1]),
                       "system.slice": ("memory pids", "memory pids", []),
                       "system.slice/runner.service": ("memory pids", "", [os.getpid()])})
    monkeypatch.setattr(cg, "FILES", FakeKernel(tmp_path, "v2", read_only=[""]))
    host = cg.detect(tmp_path, "0::/system.slice/runner.service\n")
    assert host.version == "none" and host.make(16, MIB) is None and host.note.count("not writable") == 3


def test_v2_a_missing_controller_is_left_out(tmp_path, monkeypatch, sleeper):
    v2_tree(tmp_path, {"/": ("cpu io memory", "", [1])})  # no pids controller in this kernel
    kernel = FakeKernel(tmp_path, "v2")
    monkeypatch.setattr(cg, "FILES", kernel)
    host = cg.detect(tmp_path, "0::/\n")
    assert host.version == "v2" and host.controllers == ("memory",) and "no pids controller" in host.note
    sample = host.make(16, 256 * MIB)
    assert not (sample.paths[0] / "pids.max").exists() and (sample.paths[0] / "memory.max").read_text() == str(256 * MIB)
    sample.remove()
    v2_tree(tmp_path, {"/": ("cpu io", "", [1])})
    host = cg.detect(tmp_path, "0::/\n")
    assert host.version == "none" and "no pids or memory controller" in host.note


def test_v2_without_cgroup_kill_kills_each_listed_process(tmp_path, monkeypatch, sleeper):
    """Kernels before 5.14 have no cgroup.kill: every pid in cgroup.procs is killed instead."""
    v2_tree(tmp_path, {"/": ("memory pids", "memory pids", [1])})
    kernel = FakeKernel(tmp_path, "v2", kill_file=False)
    monkeypatch.setattr(cg, "FILES", kernel)
    host = cg.detect(tmp_path, "0::/\n")
    sample = host.make(16, 256 * MIB)
    assert not (sample.paths[0] / "cgroup.kill").exists()
    procs = [sleeper(), sleeper()]
    for proc in procs:
        sample.enter(proc.pid)
    sample.remove()
    for proc in procs:
        assert proc.wait(timeout=5) == -signal.SIGKILL
    assert not sample.paths[0].exists()


def test_v2_a_bound_that_cannot_be_set_makes_no_cgroup(tmp_path, monkeypatch):
    v2_tree(tmp_path, {"/": ("memory pids", "memory pids", [1])})
    monkeypatch.setattr(cg, "FILES", FakeKernel(tmp_path, "v2", missing_files=["pids.max"]))
    host = cg.detect(tmp_path, "0::/\n")
    assert host.make(16, MIB) is None and not list(tmp_path.glob("edgebench-*"))


# ---- the real hierarchies of this host ----

REAL_V1 = cg.detect() if not (cg.ROOT / "cgroup.controllers").exists() else None


@pytest.mark.skipif(REAL_V1 is None or "pids" not in REAL_V1.controllers,
                    reason="no writable cgroup v1 pids controller on this host")
def test_real_v1_cgroups_hold_and_kill_the_sandbox():
    sample = REAL_V1.make(4, 256 * MIB)
    assert sample is not None and all(p.is_dir() for p in sample.paths)
    assert (sample.paths[0] / "pids.max").read_text().strip() == "4"
    forks = ("import os, time\nn = 0\nfor _ in range(10):\n    try:\n        if os.fork() == 0:\n"
             "            time.sleep(60)\n            os._exit(0)\n        n += 1\n    except OSError:\n        break\n"
             "print(n, flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", forks], preexec_fn=lambda: sample.enter(os.getpid()),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "3"  # 4 processes in all: the 5th fork is refused
        for path in sample.paths:
            assert str(proc.pid) in (path / "cgroup.procs").read_text()
    finally:
        sample.remove()
    assert proc.wait(timeout=5) == -signal.SIGKILL and not any(p.exists() for p in sample.paths)


UNIFIED = cg.ROOT / "unified"


@pytest.mark.skipif(not (UNIFIED / "cgroup.controllers").exists() or os.geteuid() != 0,
                    reason="no cgroup v2 hierarchy beside v1 (/sys/fs/cgroup/unified) writable here")
def test_real_v2_hierarchy_without_pids_or_memory_falls_back_and_cgroup_kill_works():
    """A hybrid host's v2 hierarchy has no pids or memory controller (v1 holds them): detect says so;
    and a real v2 cgroup holds a process, cgroup.kill kills it and rmdir removes the cgroup."""
    own = next((l.split(":", 2)[2] for l in Path("/proc/self/cgroup").read_text().splitlines() if l.startswith("0::")), "/")
    host = cg.detect(UNIFIED)
    if set((UNIFIED / own.lstrip("/") / "cgroup.controllers").read_text().split()) & {"pids", "memory"}:
        pytest.skip("this v2 hierarchy has pids or memory")
    assert host.version == "none" and "no pids or memory controller" in host.note
    path = UNIFIED / own.lstrip("/") / f"{cg.PREFIX}test-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    sample = cg.SampleCgroup([path])
    proc = subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60 & wait"], preexec_fn=lambda: sample.enter(os.getpid()))
    try:
        assert str(proc.pid) in (path / "cgroup.procs").read_text()
        major, minor = (int(x) for x in os.uname().release.split(".")[:2])
        assert (path / "cgroup.kill").exists() == ((major, minor) >= (5, 14))
    finally:
        sample.remove()
    assert proc.wait(timeout=5) == -signal.SIGKILL and not path.exists()


# ---- the sandbox on a (fake) cgroup v2 host ----

def test_the_sandbox_on_a_v2_host_puts_each_sample_in_a_leaf_and_removes_it(tmp_path, monkeypatch):
    import bench.sandbox as sandbox

    v2_tree(tmp_path, {"/": ("cpu io memory pids", "", [1])})
    kernel = FakeKernel(tmp_path, "v2")
    monkeypatch.setattr(cg, "FILES", kernel)
    monkeypatch.setattr(sandbox, "_CGROUPS", cg.detect(tmp_path, "0::/\n"))
    made = []
    real_make = cg.Cgroups.make

    def make(self, *args, **kwargs):
        made.append(real_make(self, *args, **kwargs))
        return made[-1]

    monkeypatch.setattr(cg.Cgroups, "make", make)
    prompt = 'def add(a, b):\n    """Return a + b."""\n'
    tests = "def check(candidate):\n    assert candidate(2, 3) == 5\n"
    limits = sandbox.Limits(timeout_s=5, memory_mb=256, disk_mb=16)
    result = sandbox.run_job(sandbox.Job("t", prompt, prompt + "    return a + b\n", tests, "add"), limits)
    assert result.status == "passed" and result.isolation.endswith("pids-cgroup+memory-cgroup"), result
    assert made and made[0].paths[0].parent == tmp_path and not made[0].paths[0].exists()
    looping = "def add(a, b):\n    while True:\n        pass\n"
    assert sandbox.run_job(sandbox.Job("t", prompt, looping, tests, "add"), limits).status == "timeout"
    assert not list(tmp_path.glob("edgebench-*"))
    record = sandbox.isolation_record(limits)
    assert record["cgroups"] == "v2" and record["memory"].startswith(f"{256 + 2 * 16} MiB in total")
