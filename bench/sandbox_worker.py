"""The only edgebench code inside the sandbox: it runs the model's program and answers calls.

Usage (by bench/sandbox.py only): python -I -S -B sandbox_worker.py ENTRY_POINT, in a working
folder that holds nothing but this file and program.py (the prompt plus the model's code).
No tests, no expected values, no verdict channel: the judge lives outside the sandbox, in
edgebench's own process, and reaches this worker only through its stdin and stdout pipes.

Protocol: length-prefixed JSON. The worker says {"ready": true} (or {"error": ...}) once the
program has run, then answers each {"args", "kwargs"} with {"value"} or {"error"}. Values are
plain data only (JSON with tags for floats, tuples, sets and dicts), so nothing the model
returns can carry code or a custom __eq__ into the judge. Whatever the model writes into the
channel itself is, at worst, a return value the judge then checks.

The judge imports `encode`, `decode`, `send` and `receive` from this file: one codec for both sides.
"""

import json
import os
import select
import struct
import sys
import time

MAX_MESSAGE = 16 * 2**20  # the judge refuses a larger reply: no memory bomb through the channel


class ChannelError(Exception):
    """The other side closed, stalled or sent something that is not a message."""


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
        if len(value) != 1:
            raise ValueError("not a tagged value")
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


def receive(fd, deadline=None):
    """One message; with a deadline (time.monotonic()), ChannelError("timeout") when it passes."""
    (length,) = struct.unpack("<I", _read_exact(fd, 4, deadline))
    if length > MAX_MESSAGE:
        raise ChannelError(f"a message of {length} bytes is over the limit")
    try:
        return json.loads(_read_exact(fd, length, deadline))
    except (ValueError, RecursionError) as exc:
        raise ChannelError(f"not a message ({type(exc).__name__})")


def _read_exact(fd, n, deadline):
    chunks = []
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ChannelError("timeout")
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ChannelError("the worker closed the channel")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _guard():
    """Defence in depth where no pids cgroup caps processes: no forking from plain Python."""
    import _posixsubprocess
    import subprocess

    for name in ("fork", "forkpty", "system", "popen", "posix_spawn", "posix_spawnp", "execv", "execve"):
        if hasattr(os, name):
            setattr(os, name, None)
    subprocess.Popen = None
    _posixsubprocess.fork_exec = None


def main(entry_point):
    calls_fd, replies_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # the model's prints go to stderr, not into the channel
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
        try:
            call = receive(calls_fd)
        except ChannelError:
            os._exit(0)  # the judge hung up
        try:
            result = function(*decode(call["args"]), **decode(call["kwargs"]))
            send(replies_fd, {"value": encode(result)})
        except BaseException as exc:
            send(replies_fd, {"error": f"{type(exc).__name__}"})


if __name__ == "__main__":
    main(sys.argv[1])
