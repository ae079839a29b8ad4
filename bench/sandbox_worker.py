"""The only edgebench code inside the sandbox: it runs the model's program and answers calls.

Usage (by bench/sandbox.py only): python -I -S -B sandbox_worker.py ENTRY_POINT TIMEOUT_S UID|- PACKAGES,
in a working folder that holds nothing but this file and program.py (the prompt plus the
model's code). No tests, no expected values, no verdict channel: the judge lives outside the
sandbox, in edgebench's own process, and reaches this worker only through its stdin and
stdout pipes. With a UID (the judge runs as root) the worker gives up root for that uid before
it reads the program, so nothing the model runs is root on the host. PACKAGES is a folder of the
few installed packages the program may import (numpy), added to sys.path when it exists.

Protocol: length-prefixed JSON. The worker says {"ready": true} (or {"error": ...}) once the
program has run, then answers each {"id", "args", "kwargs"} with {"id", "value"} or {"id", "error"}. Values are
plain data only, so nothing the model returns can carry code or a custom __eq__ into the
judge: JSON with tags for floats, tuples, sets, dicts and the standard library's value types
whose equality is the standard library's own (Counter, OrderedDict, deque, Fraction, Decimal,
complex, bytes; defaultdict and namedtuples travel as the dict and tuple they compare as;
numpy scalars as the Python number they hold). An object whose equality is the model's own
code is refused. Whatever the model writes into the channel itself is, at worst, a value the
judge then decodes under the same bounds and checks.

Both ends bound every message: MAX_MESSAGE bytes, MAX_DEPTH levels, MAX_NODES values, and a
deadline for every read and write. Decoding is linear in the message's size: a set or dict
whose members share one hash (which would make building it quadratic) is refused, not built.

The judge imports the codec (`encode`, `decode`, `frame`, `parse`) from this file: one codec
for both sides.
"""

import json
import os
import select
import struct
import sys
import time

# Bounds of one message. HumanEval's canonical solutions need at most 477 bytes for a call and 298 for
# a reply (measured over all 164 problems' tests): these leave two orders of magnitude to spare.
MAX_MESSAGE = 64 * 2**10  # bytes
MAX_DEPTH = 40  # nesting levels of a value
MAX_NODES = 20_000  # values in one message
MAX_SAME_HASH = 8  # members of one set or dict that may share a hash
MAX_DIGITS = 4300  # of one int (Python's own default limit, whatever the environment says)


class ChannelError(Exception):
    """The other side closed, stalled or sent something that is not a message."""


# ---- encoding (plain data out; runs where the value was made) ----

def _stdlib_types():
    """The standard library's value types, by the tag they travel under."""
    import collections
    import decimal
    import fractions

    return collections, decimal, fractions


_collections, _decimal, _fractions = _stdlib_types()
# Attributes a subclass may define without changing how its instances compare or compute.
_INERT = {"__module__", "__qualname__", "__doc__", "__slots__", "__dict__", "__weakref__", "__init__", "__new__",
          "__repr__", "__str__", "__getnewargs__", "__match_args__", "__annotations__", "__orig_bases__",
          "__parameters__", "__firstlineno__", "__static_attributes__", "__reduce__", "__reduce_ex__",
          "__getstate__", "__setstate__", "__copy__", "__deepcopy__", "__init_subclass__", "__class_getitem__"}
_BASES = (int, float, complex, str, bytes, tuple, list, dict, set, frozenset)


def _value_base(kind):
    """The builtin type a subclass compares as, or None when one of its classes changes that."""
    for cls in kind.__mro__:
        if cls in _BASES:
            return cls
        if cls is _collections.OrderedDict or cls is _collections.Counter or cls is _collections.defaultdict:
            continue  # the standard library's own equality
        if any(name.startswith("__") and name.endswith("__") and name not in _INERT for name in vars(cls)):
            return None
    return None


def encode(value, depth=0):
    """Plain data only; anything else (objects, functions, custom equality) is refused."""
    if depth > MAX_DEPTH:
        raise ValueError("the value is nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        return {"f": repr(value)}
    if kind is list:
        return [encode(v, depth + 1) for v in value]
    if kind is tuple:
        return {"t": [encode(v, depth + 1) for v in value]}
    if kind is set:
        return {"s": [encode(v, depth + 1) for v in value]}
    if kind is frozenset:
        return {"F": [encode(v, depth + 1) for v in value]}
    if kind is dict or kind is _collections.defaultdict:  # a defaultdict compares as the dict it holds
        return {"d": _pairs(dict.items(value), depth)}
    if kind is _collections.OrderedDict:
        return {"O": _pairs(value.items(), depth)}
    if kind is _collections.Counter:
        return {"C": _pairs(dict.items(value), depth)}
    if kind is _collections.deque:
        return {"q": [encode(v, depth + 1) for v in value]}
    if kind is _fractions.Fraction:
        return {"Q": [value.numerator, value.denominator]}
    if kind is _decimal.Decimal:
        return {"D": str(value)}
    if kind is complex:
        return {"j": [repr(value.real), repr(value.imag)]}
    if kind is bytes:
        return {"b": value.hex()}
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic) and type(value.item()).__module__ == "builtins":
        return encode(value.item(), depth)  # a numpy scalar compares as the Python number it holds
    if kind.__name__ in ("dict_keys", "dict_items") and kind.__module__ == "builtins":
        return {"s": [encode(v, depth + 1) for v in value]}  # a keys or items view compares as a set
    base = _value_base(kind)
    if base is not None:
        return encode(_as_base(value, base), depth)
    raise TypeError(f"cannot pass {kind.__name__} across the sandbox")


def _pairs(items, depth):
    return [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in items]


def _as_base(value, base):
    """The builtin value inside a subclass instance, read the way the builtin's == reads it."""
    if base is dict:
        return dict(dict.items(value))  # not value.keys(): a subclass may redefine that
    return _AS_BASE[base](value)


_AS_BASE = {int: int.__int__, float: float.__float__, complex: complex, str: str.__str__, bytes: bytes,
            list: list, tuple: tuple, set: set, frozenset: frozenset}


# ---- decoding (runs in the judge on untrusted bytes: bounded and linear) ----

class _Budget:
    def __init__(self):
        self.nodes = 0

    def take(self, depth):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ValueError(f"more than {MAX_NODES} values in one message")
        if depth > MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels")


def decode(value, budget=None, depth=0):
    """Tagged JSON back to values of builtin and standard-library types, within the bounds."""
    budget = budget or _Budget()
    budget.take(depth)
    if isinstance(value, list):
        return [decode(v, budget, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value  # None, bool, int, str: json built them
    if len(value) != 1:
        raise ValueError("not a tagged value")
    (tag, inner), = value.items()
    if tag in _SCALARS:
        return _SCALARS[tag](inner)
    if tag not in _CONTAINERS or not isinstance(inner, list):
        raise ValueError(f"unknown tag {tag[:20]!r}")
    if tag in ("d", "O", "C"):
        pairs = [_pair(p, budget, depth) for p in inner]
        _refuse_colliding([k for k, _ in pairs])
        return _CONTAINERS[tag](pairs)
    members = [decode(v, budget, depth + 1) for v in inner]
    if tag in ("s", "F"):
        _refuse_colliding(members)
    return _CONTAINERS[tag](members)


def _pair(pair, budget, depth):
    if not isinstance(pair, list) or len(pair) != 2:
        raise ValueError("a dict entry is not a pair")
    return decode(pair[0], budget, depth + 1), decode(pair[1], budget, depth + 1)


def _refuse_colliding(keys):
    """Building a set or dict of members that share one hash takes quadratic time: refuse instead.
    (Honest values practically never share a hash: 0, 2**61 - 1 and 2 * (2**61 - 1) do.)"""
    seen = {}
    for key in keys:
        h = hash(key)  # TypeError for an unhashable member, as building the set would raise
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > MAX_SAME_HASH:
            raise ValueError(f"more than {MAX_SAME_HASH} members of a set or dict share one hash")


def _text(inner, limit=MAX_DIGITS + 40):
    if not isinstance(inner, str) or len(inner) > limit:
        raise ValueError("a number's text is too long or not text")
    return inner


def _float(inner):
    return float(_text(inner))


def _fraction(inner):
    if not (isinstance(inner, list) and len(inner) == 2 and all(type(v) is int for v in inner)):
        raise ValueError("a fraction is not two ints")
    return _fractions.Fraction(*inner)


def _decimal_value(inner):
    number = _decimal.Decimal(_text(inner))
    if number.is_finite() and abs(number.adjusted()) > MAX_DIGITS:
        raise ValueError("a decimal's exponent is out of range")
    return number


def _complex(inner):
    if not (isinstance(inner, list) and len(inner) == 2):
        raise ValueError("a complex number is not two floats")
    return complex(_float(inner[0]), _float(inner[1]))


def _bytes(inner):
    return bytes.fromhex(_text(inner, MAX_MESSAGE))


_SCALARS = {"f": _float, "Q": _fraction, "D": _decimal_value, "j": _complex, "b": _bytes}
_CONTAINERS = {"t": tuple, "s": set, "F": frozenset, "q": _collections.deque, "d": dict,
               "O": _collections.OrderedDict, "C": lambda pairs: _collections.Counter(dict(pairs))}


# ---- framing ----

def frame(message):
    """A message as bytes on the wire; refused when over MAX_MESSAGE."""
    data = json.dumps(message).encode()
    if len(data) > MAX_MESSAGE:
        raise ValueError(f"a message of {len(data)} bytes is over the {MAX_MESSAGE}-byte limit")
    return struct.pack("<I", len(data)) + data


def _bounded_int(text):
    if len(text) > MAX_DIGITS + 1:
        raise ValueError(f"an int of more than {MAX_DIGITS} digits")
    return int(text)


def _no_constant(name):
    raise ValueError(f"{name} is not plain JSON")


def parse(data):
    """The JSON of one message (without its length), with every number bounded."""
    try:
        return json.loads(data, parse_int=_bounded_int, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ChannelError(f"not a message ({type(exc).__name__})")


# ---- the worker's end of the pipes (blocking fds, every wait with a deadline) ----

def send(fd, message, deadline):
    data = frame(message)
    while data:
        _wait(fd, select.POLLOUT, deadline)
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:
            pass  # another writer filled the pipe first: wait again


def receive(fd, deadline):
    """One message; ChannelError("timeout") when the deadline (time.monotonic()) passes."""
    (length,) = struct.unpack("<I", _read_exact(fd, 4, deadline))
    if length > MAX_MESSAGE:
        raise ChannelError(f"a message of {length} bytes is over the limit")
    return parse(_read_exact(fd, length, deadline))


def _wait(fd, event, deadline):
    left = deadline - time.monotonic()
    poller = select.poll()
    poller.register(fd, event)
    if left <= 0 or not poller.poll(left * 1000):
        raise ChannelError("timeout")


def _read_exact(fd, n, deadline):
    chunks = []
    while n:
        _wait(fd, select.POLLIN, deadline)
        try:
            chunk = os.read(fd, min(n, 1 << 20))
        except BlockingIOError:
            continue  # another reader took the data first: wait again
        if not chunk:
            raise ChannelError("the other side closed the channel")
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


def _drop_root(uid):
    """Give up root for an unprivileged uid before any of the model's code runs."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("could not give up root")


def _answer(function, call):
    try:
        result = function(*decode(call["args"]), **decode(call["kwargs"]))
        message = {"id": call["id"], "value": encode(result)}
    except BaseException as exc:
        return {"id": call["id"], "error": f"{type(exc).__name__}"}
    try:
        frame(message)
    except ValueError:  # over the size limit: say so instead of sending it
        return {"id": call["id"], "error": f"the return value is over the {MAX_MESSAGE}-byte limit"}
    return message


def main(entry_point, timeout_s, uid=None, packages=None):
    calls_fd, replies_fd = os.dup(0), os.dup(1)
    for fd in (calls_fd, replies_fd):
        os.set_blocking(fd, False)  # a write never outlasts its deadline, even on a pipe the program filled
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # the model's prints go to stderr, not into the channel
    deadline = time.monotonic() + timeout_s + 5  # the judge kills this sandbox long before
    if uid is not None:
        _drop_root(uid)
    if packages and os.path.isdir(packages):
        sys.path.append(packages)
    _guard()
    namespace = {"__name__": "program"}  # not "__main__": an `if __name__ == "__main__":` block does not run
    try:
        with open("program.py", encoding="utf-8") as f:
            exec(compile(f.read(), "program.py", "exec", dont_inherit=True, optimize=0), namespace)
        function = namespace[entry_point]
        send(replies_fd, {"ready": True}, deadline)
    except BaseException as exc:
        send(replies_fd, {"error": f"program raised {type(exc).__name__}"}, deadline)
        os._exit(1)
    while True:
        try:
            call = receive(calls_fd, deadline)
            send(replies_fd, _answer(function, call), deadline)
        except (ChannelError, OSError, ValueError, TypeError, KeyError):
            os._exit(0)  # the judge hung up, stalled or sent something this worker cannot read


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), None if sys.argv[3] == "-" else int(sys.argv[3]), sys.argv[4])
