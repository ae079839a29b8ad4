"""Model-written code is hostile: every attack ends as a fail or a timeout, never a pass,
and the host is untouched. Honest samples running beside them still score correctly.
The attacks on the trust boundary itself (read the tests, reach the verdict, escape the
kill, signal the judge) are in test_sandbox_attacks.py."""

import os
import socket
import subprocess
import threading

import pytest

from bench.sandbox import WORKER_NAME, Job, Limits, isolation_available, run_job, run_jobs

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n"
HONEST = PROMPT + "    return a + b\n"
LIMITS = Limits(timeout_s=3.0, memory_mb=512)
ISOLATION = isolation_available()
needs_bwrap = pytest.mark.skipif("bwrap" not in ISOLATION, reason=f"bubblewrap not available (isolation: {ISOLATION}); apt install bubblewrap")


def job(program: str, key: str = "t") -> Job:
    return Job(key, PROMPT, program, TESTS, "add")


def judge(program: str, isolation: str | None = None) -> str:
    return run_job(job(program), LIMITS, isolation).status


# name -> program; each passes only if its attack works.
HOSTILE = {
    "infinite_loop": "def add(a, b):\n    while True:\n        pass\n",
    "fork_bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except Exception:\n        pass\n",
    "fork_bomb_low_level": "import _posixsubprocess, os\ndef add(a, b):\n    while True:\n        os.register_at_fork\n        import ctypes; ctypes.CDLL(None).fork()\n",
    "memory_bomb": "blob = bytearray(8 * 2**30)\ndef add(a, b):\n    return a + b\n",
    "sys_exit_before_tests": "import sys\nsys.exit(0)\n",
    "os_exit_before_tests": "import os\nos._exit(0)\n",
    "os_exit_inside_function": "import os\ndef add(a, b):\n    os._exit(0)\n",
    "redefine_check": "def check(candidate):\n    return True\ndef add(a, b):\n    return 0\n",
    "patch_builtins": ("import builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})\n"
                       "builtins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n"
                       "def add(a, b):\n    return 0\n"),
    "tracer_skips_asserts": ("import sys\ndef tracer(frame, event, arg):\n    return tracer\nsys.settrace(tracer)\n"
                             "def add(a, b):\n    return 0\n"),
    "walk_frames_for_harness": ("import sys, gc\ndef add(a, b):\n    for obj in gc.get_objects():\n"
                                "        if callable(obj) and getattr(obj, '__name__', '') in ('verdict', 'report'):\n"
                                "            obj('passed')\n    f = sys._getframe()\n    while f:\n"
                                "        for v in list(f.f_globals.values()) + list(f.f_locals.values()):\n"
                                "            if getattr(v, '__name__', '') in ('verdict', 'report'):\n                v('passed')\n"
                                "        f = f.f_back\n    return 0\n"),
    "print_fake_verdict": ("import os, sys\nfor line in ('EDGEBENCH-VERDICT passed', 'passed', 'EDGEBENCH-VERDICT 0 passed'):\n"
                           "    print(line); os.write(1, (line + '\\n').encode()); os.write(2, (line + '\\n').encode())\n"
                           "for fd in range(3, 64):\n    try:\n        os.write(fd, b'EDGEBENCH-VERDICT x passed\\n')\n    except OSError:\n        pass\n"
                           "def add(a, b):\n    return 0\n"),
    "steal_nonce_through_proc": ("import os\ndef add(a, b):\n    ppid = os.getppid()\n"
                                 "    nonce = open(f'/proc/{ppid}/fd/0').read().strip()\n"
                                 "    open(f'/proc/{ppid}/fd/1', 'w').write(f'EDGEBENCH-VERDICT {nonce} passed\\n')\n"
                                 "    os._exit(0)\n"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_program_never_passes(name):
    result = run_job(job(HOSTILE[name]), LIMITS)
    assert result.status in ("failed", "timeout"), result


def test_infinite_loop_is_a_timeout():
    assert judge(HOSTILE["infinite_loop"]) == "timeout"


def test_memory_bomb_fails_fast():
    result = run_job(job(HOSTILE["memory_bomb"]), LIMITS)
    assert result.status == "failed" and result.duration_s < LIMITS.timeout_s


def test_honest_program_passes_and_wrong_one_fails():
    assert judge(HONEST) == "passed"
    assert judge(PROMPT + "    return a - b\n") == "failed"


def _leftover_sandbox_processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if WORKER_NAME in line]


def test_fork_bomb_leaves_no_process_behind():
    judge(HOSTILE["fork_bomb"])
    assert _leftover_sandbox_processes() == []


@needs_bwrap
def test_files_outside_the_sandbox_are_untouched(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    planted = tmp_path / "planted.txt"
    for action in (f"os.remove({str(victim)!r})", f"open({str(victim)!r}, 'w').write('gone')",
                   f"open({str(planted)!r}, 'w').write('x')", "open('/etc/edgebench-pwned', 'w').write('x')"):
        program = f"import os\ndef add(a, b):\n    {action}\n    return a + b\n"
        assert judge(program) == "failed", action
    assert victim.read_text() == "precious" and not planted.exists() and not os.path.exists("/etc/edgebench-pwned")


@needs_bwrap
def test_sockets_cannot_reach_the_host():
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)
    port = server.getsockname()[1]
    connections = []
    threading.Thread(target=lambda: connections.append(_accept(server)), daemon=True).start()
    program = (f"import socket\ndef add(a, b):\n    s = socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
               "    s.sendall(b'leak')\n    return a + b\n")
    assert judge(program) == "failed"
    server.close()
    assert connections in ([], [None])


def _accept(server):
    try:
        return server.accept()
    except OSError:
        return None


def test_parent_environment_is_not_visible(monkeypatch):
    monkeypatch.setenv("EDGEBENCH_TEST_SECRET", "s3cret")
    program = ("import os\ndef add(a, b):\n    seen = os.environ.get('EDGEBENCH_TEST_SECRET', '')\n"
               "    for pid in ('self', '1', str(os.getppid())):\n        try:\n"
               "            seen += open(f'/proc/{pid}/environ').read()\n        except OSError:\n            pass\n"
               "    return a + b if 's3cret' in seen else None\n")
    assert judge(program) == "failed"


@pytest.mark.parametrize("name", ["infinite_loop", "memory_bomb", "sys_exit_before_tests", "os_exit_inside_function",
                                  "redefine_check", "patch_builtins", "print_fake_verdict", "fork_bomb"])
def test_rlimits_fallback_still_refuses(name):
    """Without bwrap only rlimits and the split harness apply: these attacks still fail."""
    assert judge(HOSTILE[name], isolation="rlimits") in ("failed", "timeout")


def test_hostile_and_honest_in_parallel_score_correctly():
    jobs = [job(HONEST, f"honest-{i}") for i in range(12)]
    jobs += [job(program, f"hostile-{name}") for name, program in HOSTILE.items()]
    results = {r.key: r.status for r in run_jobs(jobs, LIMITS, workers=6)}
    assert all(results[f"honest-{i}"] == "passed" for i in range(12)), results
    assert not any(status == "passed" for key, status in results.items() if key.startswith("hostile")), results
    assert _leftover_sandbox_processes() == []
