"""Execute model-written code safely: a sandbox per sample, many samples in parallel.

Isolation, strongest available first (the one used is recorded with every result):
- Linux with bubblewrap (`bwrap`): read-only system folders, a private writable
  working folder and /tmp, no network, its own PID namespace, an unprivileged uid,
  no capabilities, an empty environment, killed with its parent.
- a pids cgroup (when /sys/fs/cgroup/pids is writable) caps the number of processes,
  which stops fork bombs even for root, where RLIMIT_NPROC is not enforced.
- always: rlimits on address space, CPU, file size and open files, a wall-clock limit
  that kills the whole process group, and the split harness of sandbox_harness.py.
Without bwrap (macOS, or Linux without it) only the last layer applies and results say
"rlimits"; install bubblewrap (`apt install bubblewrap`) for the real sandbox.
"""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HARNESS = Path(__file__).resolve().parent / "sandbox_harness.py"
VERDICT_MARK = "EDGEBENCH-VERDICT"
PIDS_CGROUP_ROOT = Path("/sys/fs/cgroup/pids")
SANDBOX_UID = 65534  # nobody


@dataclass(frozen=True)
class Limits:
    """Per-sample limits."""

    timeout_s: float = 10.0  # wall clock, as in the paper's HumanEval audit
    memory_mb: int = 1024  # address space of each process
    max_processes: int = 16  # with a pids cgroup
    max_output_mb: int = 8  # stdout/stderr file size


@dataclass(frozen=True)
class Job:
    """One program to judge: trusted prompt and tests, untrusted program."""

    key: str
    prompt: str
    program: str
    tests: str
    entry_point: str


@dataclass(frozen=True)
class ExecResult:
    key: str
    status: str  # "passed", "failed" or "timeout"
    detail: str
    duration_s: float
    isolation: str


def isolation_available() -> str:
    """Name of the isolation this machine gives: 'bwrap+pids-cgroup', 'bwrap', or 'rlimits'."""
    parts = []
    if sys.platform.startswith("linux") and shutil.which("bwrap") and _bwrap_works():
        parts.append("bwrap")
    if _pids_cgroup_usable():
        parts.append("pids-cgroup")
    return "+".join(parts) or "rlimits"


_BWRAP_OK: bool | None = None


def _bwrap_works() -> bool:
    global _BWRAP_OK
    if _BWRAP_OK is None:
        probe = subprocess.run(["bwrap", *_bwrap_args(Path("/tmp")), "true"], capture_output=True, env={})
        _BWRAP_OK = probe.returncode == 0
    return _BWRAP_OK


def _pids_cgroup_usable() -> bool:
    return os.access(PIDS_CGROUP_ROOT, os.W_OK) and (PIDS_CGROUP_ROOT / "cgroup.procs").exists()


def _bwrap_args(workdir: Path) -> list[str]:
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    python_home = Path(sys.base_prefix).resolve()
    for folder in ("/usr", "/lib", "/lib64", "/bin", "/etc/alternatives", str(python_home)):
        if Path(folder).exists():
            args += ["--ro-bind", folder, folder]
    args += ["--bind", str(workdir), "/work", "--chdir", "/work", "--remount-ro", "/"]
    return args


def _python() -> str:
    """The base interpreter (not the venv's): the sandbox needs only the standard library."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(base if base.exists() else Path(sys.executable).resolve())


def _limit_resources(limits: Limits, cgroup: Path | None):
    def apply() -> None:  # runs in the child between fork and exec
        if cgroup is not None:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))
        memory = limits.memory_mb * 2**20
        output = limits.max_output_mb * 2**20
        cpu = int(limits.timeout_s) + 1
        for name, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu),
                            (resource.RLIMIT_FSIZE, output), (resource.RLIMIT_NOFILE, 64),
                            (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, limits.max_processes * 4)):
            resource.setrlimit(name, (value, value))
    return apply


def run_job(job: Job, limits: Limits = Limits(), isolation: str | None = None) -> ExecResult:
    """Judge one program in a fresh sandbox; never raises for anything the program does."""
    isolation = isolation or isolation_available()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="edgebench-sbx-") as tmp:
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        for name, text in (("prompt.py", job.prompt), ("program.py", job.program), ("test.py", job.tests)):
            (workdir / name).write_text(text)
        shutil.copy(HARNESS, workdir / "harness.py")
        os.chmod(workdir, 0o777)  # the unprivileged sandbox uid writes here, and only here
        command = [_python(), "-I", "-S", "-B", "harness.py", job.entry_point]
        if "bwrap" in isolation:
            command = ["bwrap", *_bwrap_args(workdir), *command]
        cgroup = _make_cgroup(limits) if "pids-cgroup" in isolation else None
        nonce = secrets.token_hex(16)
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        try:
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                proc = subprocess.Popen(command, cwd=workdir, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                                        start_new_session=True, preexec_fn=_limit_resources(limits, cgroup))
                status, detail = _wait(proc, nonce, limits.timeout_s)
        finally:
            _kill_cgroup(cgroup)
        if status is None:
            status, detail = _read_verdict(out_path, nonce, err_path)
    return ExecResult(job.key, status, detail, time.perf_counter() - start, isolation)


def _wait(proc: subprocess.Popen, nonce: str, timeout_s: float) -> tuple[str | None, str]:
    try:
        proc.stdin.write(f"{nonce}\n".encode())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    try:
        proc.wait(timeout=timeout_s)
        return None, ""
    except subprocess.TimeoutExpired:
        return "timeout", f"no verdict within {timeout_s:g} s"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def _read_verdict(out_path: Path, nonce: str, err_path: Path) -> tuple[str, str]:
    """Only a line carrying this run's nonce counts; everything else is a failure."""
    for line in out_path.read_text(errors="replace").splitlines():
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[0] == VERDICT_MARK and parts[1] == nonce:
            return ("passed" if parts[2] == "passed" else "failed"), (parts[3] if len(parts) > 3 else "")
    tail = err_path.read_text(errors="replace").strip().splitlines()[-1:] or ["no verdict"]
    return "failed", f"no verdict: {tail[0][:200]}"


def _make_cgroup(limits: Limits) -> Path | None:
    path = PIDS_CGROUP_ROOT / f"edgebench-{uuid.uuid4().hex[:12]}"
    try:
        path.mkdir()
        (path / "pids.max").write_text(str(limits.max_processes))
        return path
    except OSError:
        return None


def _kill_cgroup(cgroup: Path | None) -> None:
    """Kill whatever the sample left running, then remove its cgroup."""
    if cgroup is None:
        return
    for _ in range(50):
        pids = [int(p) for p in (cgroup / "cgroup.procs").read_text().split()]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    try:
        cgroup.rmdir()
    except OSError:
        pass


def run_jobs(jobs: list[Job], limits: Limits = Limits(), workers: int | None = None, on_done=None) -> list[ExecResult]:
    """Judge many programs in parallel (threads that each wait on a sandbox); results in job order."""
    isolation = isolation_available()
    workers = workers or max(2, (os.cpu_count() or 1) * 2)

    def one(job: Job) -> ExecResult:
        result = run_job(job, limits, isolation)
        if on_done:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, jobs))
