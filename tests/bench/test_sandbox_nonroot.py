"""The sandbox for a user who is not root: for real (an unprivileged user, when these tests run
as root and useradd/runuser exist), and its fallback where bwrap cannot start (unprivileged
user namespaces disabled, a bwrap that is not setuid): for real as that user inside a user
namespace where user.max_user_namespaces is 0, and with a fake bwrap on PATH that fails."""

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import bench.sandbox as sandbox
from bench.sandbox import Job, Limits, isolation_available, isolation_record, run_job

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TESTS = "def check(candidate):\n    assert candidate(2, 3) == 5\n"
HONEST = PROMPT + "    return a + b\n"
USER = "ebtest"
USERNS_MESSAGE = ("bwrap: No permissions to creating new namespace, likely because the kernel does not allow "
                  "non-privileged user namespaces. On e.g. debian this can be enabled with 'sysctl "
                  "kernel.unprivileged_userns_clone=1'.")


@pytest.fixture
def failing_bwrap(tmp_path, monkeypatch):
    """A bwrap first on PATH that fails as bwrap does where unprivileged user namespaces are off."""
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho \"{USERNS_MESSAGE}\" >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setattr(sandbox, "_BWRAP_OK", {})
    monkeypatch.setattr(sandbox, "_BWRAP_NOTE", "")
    return fake


def test_a_bwrap_that_cannot_start_falls_back_to_rlimits_with_one_line(failing_bwrap, capfd):
    isolation = isolation_available()
    assert "bwrap" not in isolation and isolation.replace("+", " ").split()[0] in ("rlimits", "pids-cgroup", "memory-cgroup")
    assert isolation_available() == isolation  # probed once: the note is printed once
    lines = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(failing_bwrap) in lines[0] and "rlimits only" in lines[0], lines
    assert "non-privileged user namespaces" in lines[0]
    result = run_job(Job("t", PROMPT, HONEST, TESTS, "add"), Limits(timeout_s=5))
    assert result.status == "passed" and "bwrap" not in result.isolation, result
    assert run_job(Job("t", PROMPT, PROMPT + "    return a - b\n", TESTS, "add"), Limits(timeout_s=5)).status == "failed"
    record = isolation_record(Limits())
    assert record["visible"] == "everything your user can read" and any("rlimits only" in n for n in record["notes"])


def test_the_bwrap_on_path_is_the_one_used(failing_bwrap):
    """The probe and the samples run the bwrap found on the user's PATH, not whatever /usr/bin holds
    (the sandbox's own PATH is /usr/bin:/bin)."""
    assert sandbox._bwrap() is None and list(sandbox._BWRAP_OK) == [str(failing_bwrap)]


# ---- for real: an unprivileged user scores HumanEval samples through the sandbox ----

SCRIPT = r'''
import json, sys, time
from bench.sandbox import Job, Limits, isolation_available, isolation_record, run_job, run_jobs
spec = json.load(open(sys.argv[1]))
jobs = [Job(**j) for j in spec["jobs"]]
started = time.perf_counter()
out = {"isolation": isolation_available(), "record": isolation_record(Limits()),
       "results": {r.key: [r.status, r.detail] for r in run_jobs(jobs, Limits(timeout_s=8), workers=4)}}
out["victim"] = open(spec["victim"]).read()  # after the sandbox, before the control run without it
out.update({"rlimits": {j.key: run_job(j, Limits(timeout_s=8), "rlimits").status for j in jobs if j.key.startswith("attack")}})
out["seconds"] = time.perf_counter() - started
print(json.dumps(out))
'''


def _unprivileged_python(user: str) -> str | None:
    """An interpreter the user may run: this one, its base, or the system's (a base under root's
    0700 home, e.g. pyenv in /root, is out of the user's reach)."""
    for python in (sys.executable, sandbox._python(), "/usr/bin/python3"):
        try:
            done = subprocess.run(["runuser", "-u", user, "--", python, "-c", "import dataclasses"],
                                  capture_output=True, timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return python
    return None


def _humaneval(task_ids):
    from bench.suites.humaneval import load_problems

    problems = load_problems()
    return [problems[t] for t in task_ids]


def _attack_jobs(victim: Path, secret: Path) -> list[dict]:
    """Each answers right only if its attack works: a write outside /work (into a file the user owns
    on the host), a read of root's files (one the user may read on the host, and /etc/shadow)."""
    write = (f"def add(a, b):\n    open({str(victim)!r}, 'w').write('gone')\n    return a + b\n")
    read = (f"def add(a, b):\n    return a + b if 'root-secret' in open({str(secret)!r}).read() else 0\n")
    shadow = "def add(a, b):\n    return a + b if 'root:' in open('/etc/shadow').read() else 0\n"
    return [{"key": f"attack-{name}", "prompt": PROMPT, "program": program, "tests": TESTS, "entry_point": "add"}
            for name, program in (("write-outside", write), ("read-root-file", read), ("read-shadow", shadow))]


USERNS_OFF = r'''
"""Run argv[1:] in a user namespace with the identity map where user namespaces are off
(user.max_user_namespaces=0 inside): a host with unprivileged user namespaces disabled, for
what runs in it, while the host's own setting stays as it is."""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
go_r, go_w = os.pipe()
ready_r, ready_w = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        os._exit(97)
    os.write(ready_w, b"x")
    os.read(go_r, 1)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
    os.execvp(sys.argv[1], sys.argv[1:])
os.read(ready_r, 1)
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{pid}/{name}", "w") as f:
        f.write("0 0 4294967295")
os.write(go_w, b"x")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
'''

needs_root_and_runuser = pytest.mark.skipif(
    os.geteuid() != 0 or not (shutil.which("useradd") and shutil.which("runuser")),
    reason="needs root with useradd and runuser, to run the sandbox as an unprivileged user for real")


def _as_the_user(userns_off: bool = False) -> tuple[dict, str, list, pwd.struct_passwd]:
    """Score 4 HumanEval canonical solutions and 3 attacks as USER, in the sandbox and (attacks) without."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "-m", USER], check=True, capture_output=True, timeout=30)
    user = pwd.getpwnam(USER)
    python = _unprivileged_python(USER)
    if python is None:
        pytest.skip(f"no interpreter that {USER} may run (this one's base is out of its reach)")
    folder = Path(tempfile.mkdtemp(prefix="ebtest-nonroot-"))
    try:
        folder.chmod(0o755)
        (folder / "bench").mkdir()
        for name in ("__init__.py", "sandbox.py", "sandbox_worker.py", "sandbox_cgroups.py"):  # a copy the user can read
            shutil.copy(Path(sandbox.__file__).parent / name, folder / "bench" / name)
        victim, secret = folder / "victim.txt", folder / "root-secret.txt"
        victim.write_text("precious")
        os.chown(victim, user.pw_uid, user.pw_gid)  # the user may write it on the host: only the sandbox stops it
        secret.write_text("root-secret")  # root's, readable by everyone on the host: only the sandbox hides it
        problems = _humaneval(["HumanEval/0", "HumanEval/2", "HumanEval/53", "HumanEval/162"])
        jobs = [{"key": p.task_id, "prompt": p.prompt, "program": p.prompt + p.canonical_solution, "tests": p.tests,
                 "entry_point": p.entry_point} for p in problems]
        jobs += _attack_jobs(victim, secret)
        (folder / "jobs.json").write_text(json.dumps({"jobs": jobs, "victim": str(victim)}))
        (folder / "run.py").write_text(SCRIPT)
        (folder / "userns_off.py").write_text(USERNS_OFF)
        for path in folder.rglob("*"):
            path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
        command = ["runuser", "-u", USER, "--", python, "run.py", "jobs.json"]
        if userns_off:
            command = [sys.executable, "userns_off.py", shutil.which("runuser"), *command[1:]]
        done = subprocess.run(command, cwd=folder,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": user.pw_dir, "LANG": "C.UTF-8"},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr, problems, user
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@needs_root_and_runuser
def test_an_unprivileged_user_scores_humaneval_through_the_sandbox():
    started = time.monotonic()
    out, stderr, problems, user = _as_the_user()
    results = out["results"]
    assert all(results[p.task_id][0] == "passed" for p in problems), results
    if "bwrap" in out["isolation"]:
        assert all(status == "failed" for key, (status, _) in results.items() if key.startswith("attack")), results
        assert out["victim"] == "precious"
        assert out["record"]["host_uid"] == user.pw_uid  # the sandbox's uid maps to the user, not to root
    else:  # no user namespaces for this user here: the fallback, stated in one line, not a crash
        assert "rlimits only" in stderr and out["record"]["notes"], (out, stderr)
    # the attacks are real: without the sandbox (rlimits, as the user) the write and the readable secret work
    assert out["rlimits"]["attack-write-outside"] == "passed" and out["rlimits"]["attack-read-root-file"] == "passed"
    assert out["rlimits"]["attack-read-shadow"] == "failed"  # the user's own permissions stop that one
    assert time.monotonic() - started < 20, time.monotonic() - started


@needs_root_and_runuser
def test_where_user_namespaces_are_off_an_unprivileged_user_falls_back_to_rlimits():
    """For real: the user's bwrap fails to make its user namespace (ENOSPC, as with
    kernel.unprivileged_userns_clone=0 it fails with EPERM); one line says so, samples still score."""
    started = time.monotonic()
    out, stderr, problems, _ = _as_the_user(userns_off=True)
    assert "bwrap" not in out["isolation"] and out["record"]["visible"] == "everything your user can read"
    notes = [line for line in stderr.splitlines() if "rlimits only" in line]
    assert len(notes) == 1 and "namespace" in notes[0], stderr
    assert all(out["results"][p.task_id][0] == "passed" for p in problems), out["results"]
    assert time.monotonic() - started < 20, time.monotonic() - started
