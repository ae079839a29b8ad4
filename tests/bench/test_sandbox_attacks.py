"""Attacks on the sandbox's trust boundary, one program per class. Each returns the wrong
answer (0) unless its attack works, so a pass means the attack got through:

- read the tests or the expected values from anywhere the program can reach (its folder,
  its parents, /tmp, other processes' folders through /proc, HumanEval's data files);
- reach an ancestor's or a sibling's file descriptors through /proc and write a verdict
  or a fake reply there;
- race the verdict: flood the channel with forged replies from a thread;
- escape the group kill (a new session, a double fork) and leave a process behind;
- signal the judge (every visible process, and kill(-1)).

Each attack is first shown to work where its target is reachable (outside the sandbox,
with the tests beside it), so that a "failed" in the sandbox means the boundary held,
not that the attack was broken.
"""

import subprocess
import sys
import time

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
