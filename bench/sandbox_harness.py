"""Runs inside the sandbox (no edgebench imports): model-written code in one process,
the trusted tests in another, so the model's code cannot forge a pass.

Usage (by bench/sandbox.py only): python -I -S harness.py ENTRY_POINT < nonce
Files in the working folder: prompt.py (trusted), program.py (prompt + completion,
untrusted), test.py (trusted).

The judge process (this one) forks a worker that executes program.py and then only
answers calls: arguments in, return value out, as plain data (JSON with tags for
tuples, sets, dicts and floats). The judge runs `check(candidate)` where `candidate`
is a proxy to the worker, so every assert is evaluated here, away from the model's
code. The judge is made non-dumpable, so the worker cannot open /proc/<judge>/fd to
reach its stdin (the nonce) or its stdout (the verdict). Exiting, printing a fake
verdict, patching builtins or redefining `check` in the worker changes nothing here.
"""

import ctypes
import json
import os
import struct
import sys

MARK = "EDGEBENCH-VERDICT"


class WorkerError(Exception):
    """The model's code raised, exited, or sent something that is not plain data."""


def encode(value):
    """Plain data only; anything else (objects, functions) is refused."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return {"f": repr(value)}
    if kind is list:
        return [encode(v) for v in value]
    if kind is tuple:
        return {"t": [encode(v) for v in value]}
    if kind in (set, frozenset):
        return {"s": [encode(v) for v in value]}
    if kind is dict:
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot pass {kind.__name__} across the sandbox")


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        (tag, inner), = value.items()
        if tag == "f":
            return float(inner)
        if tag == "t":
            return tuple(decode(v) for v in inner)
        if tag == "s":
            return set(decode(v) for v in inner)
        if tag == "d":
            return {decode(k): decode(v) for k, v in inner}
        raise ValueError(tag)
    return value


def send(fd, message):
    data = json.dumps(message).encode()
    os.write(fd, struct.pack("<I", len(data)))
    while data:
        data = data[os.write(fd, data):]


def receive(fd):
    header = _read_exact(fd, 4)
    return json.loads(_read_exact(fd, struct.unpack("<I", header)[0]))


def _read_exact(fd, n):
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("worker closed the channel")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _guard():
    """Defence in depth for when no pids cgroup caps processes: no forking from Python."""
    import _posixsubprocess
    import subprocess

    for name in ("fork", "forkpty", "system", "popen", "posix_spawn", "posix_spawnp", "execv", "execve"):
        if hasattr(os, name):
            setattr(os, name, None)
    subprocess.Popen = None
    _posixsubprocess.fork_exec = None


def worker(entry_point, calls_fd, replies_fd):
    """Child: run the model's program, then answer calls until the judge hangs up."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # the nonce pipe and the verdict pipe are gone before any model code runs
    os.dup2(2, 1)
    _guard()
    namespace = {"__name__": "__main__"}
    try:
        with open("program.py") as f:
            exec(compile(f.read(), "program.py", "exec"), namespace)
        function = namespace[entry_point]
        send(replies_fd, {"ready": True})
    except BaseException as exc:
        send(replies_fd, {"error": f"program raised {type(exc).__name__}"})
        os._exit(1)
    while True:
        call = receive(calls_fd)
        try:
            result = function(*decode(call["args"]), **decode(call["kwargs"]))
            send(replies_fd, {"value": encode(result)})
        except BaseException as exc:
            send(replies_fd, {"error": f"{type(exc).__name__}"})


def proxy(calls_fd, replies_fd):
    def candidate(*args, **kwargs):
        send(calls_fd, {"args": encode(list(args)), "kwargs": encode(kwargs)})
        reply = receive(replies_fd)
        if "error" in reply:
            raise WorkerError(reply["error"])
        return decode(reply["value"])
    return candidate


def main():
    entry_point = sys.argv[1]
    # Non-dumpable: a same-uid process (the worker) may not open /proc/<this pid>/fd/*.
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    calls_r, calls_w = os.pipe()
    replies_r, replies_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(calls_w)
        os.close(replies_r)
        worker(entry_point, calls_r, replies_w)
        os._exit(0)
    os.close(calls_r)
    os.close(replies_w)
    nonce = sys.stdin.readline().strip()
    verdict_fd = os.dup(1)
    os.dup2(2, 1)  # prints from the tests go to stderr, not to the verdict channel

    def verdict(status, detail=""):
        os.write(verdict_fd, f"{MARK} {nonce} {status} {detail}\n".encode())
        os._exit(0)

    tests = {"__name__": "__tests__"}
    with open("prompt.py") as f:  # helpers the tests call (e.g. poly, encode_cyclic)
        exec(compile(f.read(), "prompt.py", "exec"), tests)
    with open("test.py") as f:
        exec(compile(f.read(), "test.py", "exec"), tests)
    candidate = proxy(calls_w, replies_r)
    tests[entry_point] = candidate  # some tests call the function by its own name
    try:
        ready = receive(replies_r)
        if "error" in ready:
            verdict("failed", ready["error"])
        tests["check"](candidate)
    except (Exception, EOFError) as exc:
        verdict("failed", f"{type(exc).__name__}: {str(exc)[:200]}")
    verdict("passed")


main()
