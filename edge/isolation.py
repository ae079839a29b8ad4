"""Run native work (llama.cpp, MLX, onnxruntime) in a child process, so that a runtime
that crashes costs one artifact, never the run.

`run_isolated(target, args, on_event)` starts a fresh interpreter (the "spawn" start
method: no copy of the parent's threads, locks or loaded runtimes), calls
`target(*args, emit)` there and returns what it returns. The child reports as it goes
through `emit(event)`, a dict sent over a pipe: the parent handles each event at once
(writes rows, moves a progress bar), so whatever the child finished before a crash is
kept. An event with a "doing" key says what the child is about to do ("generating item
X at budget B"); if the child then dies from a signal, `RuntimeCrash` says so:
"llama.cpp crashed: SIGSEGV while generating item X at budget B".

An EdgebenchError raised in the child (a user's mistake) comes back as an EdgebenchError
with its message; any other exception there (a runtime failing in Python) comes back as
a RuntimeCrash naming it, like a signal.
"""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from typing import Any, Callable

from edge.errors import EdgebenchError



class RuntimeCrash(EdgebenchError):
    """The child process died (a signal, or an exit without a result): the runtime crashed."""

    def __init__(self, message: str, signal_name: str | None, doing: str | None) -> None:
        super().__init__(message)
        self.signal_name = signal_name
        self.doing = doing


def run_isolated(target: Callable, args: tuple, on_event: Callable[[dict], None] | None = None,
                 runtime: str = "the runtime", timeout_s: float | None = None, daemon: bool = True) -> Any:
    """target(*args, emit) in a child process; events go to on_event as they arrive. daemon=False for a
    child that isolates work of its own (a fleet cell runs the plan, which starts runtime children): a
    daemonic process may not have children."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, target, args), daemon=daemon)
    child.start()
    sender.close()  # the parent keeps only the reading end, so the child's exit is seen as EOF
    doing, outcome = None, None
    try:
        while True:
            if timeout_s is not None and not receiver.poll(timeout_s):
                raise EdgebenchError(f"{runtime} gave no sign of life for {timeout_s:.0f} s while {doing or 'starting'}; "
                                     "it was stopped")
            try:
                kind, payload = receiver.recv()
            except EOFError:
                break
            if kind == "event":
                doing = payload.get("doing", doing)
                if on_event is not None:
                    on_event(payload)
            else:
                outcome = (kind, payload)
    except BaseException:
        child.kill()  # the parent failed (a full disk, Ctrl-C): stop the child rather than wait for it
        raise
    finally:
        receiver.close()
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
            child.join()
    if outcome is not None and outcome[0] == "result":
        return outcome[1]
    where = f" while {doing}" if doing else ""
    if outcome is not None and outcome[0] == "error":
        raise EdgebenchError(outcome[1])
    if outcome is not None and outcome[0] == "exception":
        raise RuntimeCrash(f"{runtime} failed: {outcome[1]}{where}", None, doing)
    raise crash(runtime, child.exitcode, doing)


def crash(runtime: str, exit_code: int | None, doing: str | None) -> RuntimeCrash:
    """The error for a child that ended without a result: "llama.cpp crashed: SIGSEGV while ..."."""
    died_of = signal_name(-exit_code) if exit_code is not None and exit_code < 0 else None
    how = died_of or f"exit code {exit_code} without a result"
    return RuntimeCrash(f"{runtime} crashed: {how}" + (f" while {doing}" if doing else ""), died_of, doing)


def runtime_name(backend: str) -> str:
    """What users call the backend's runtime in a crash message (edge/backend_specs.py)."""
    from edge.backend_specs import runtime_name as named

    return named(backend)


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _child_main(sender, target: Callable, args: tuple) -> None:
    def emit(event: dict) -> None:
        sender.send(("event", event))

    try:
        result = target(*args, emit)
    except EdgebenchError as exc:
        sender.send(("error", str(exc)))
    except Exception as exc:  # a bug or a runtime's Python-level failure: keep its last frame for the message
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        sender.send(("exception", f"{type(exc).__name__}: {exc} (at {frame.filename}:{frame.lineno})"))
    else:
        sender.send(("result", result))
    finally:
        sender.close()
