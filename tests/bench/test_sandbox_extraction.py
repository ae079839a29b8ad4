"""Code extraction follows what the model wrote (issue 20): a fence opens a block only at the start
of a line, so a ``` inside a comment or a string is part of the code around it."""

import pytest

from bench.suites.humaneval import extract_code

FUNCTION = "def add(a, b):\n    return a + b\n"


@pytest.mark.parametrize("answer, code", [
    (f"Here it is:\n```python\n{FUNCTION}```\nIt adds.", FUNCTION),
    (f"```py\n{FUNCTION}", FUNCTION),  # cut off before the closing fence
    (f"1. First:\n   ```python\n{FUNCTION}   ```\n", FUNCTION),  # a fence indented as a list item
    (f"```\nprint('no entry point')\n```\n```python\n{FUNCTION}```", FUNCTION),  # the block with the function
])
def test_fenced_blocks(answer, code):
    assert extract_code(answer, "add") == code


@pytest.mark.parametrize("answer", [
    "def add(a, b):\n    # e.g.\n    # ```python\n    # add(1, 2)\n    # ```\n    return a + b\n",
    "    # see ```python below\n    return a + b\n",
    'def add(a, b):\n    """Like ```python add(1, 2)```."""\n    return a + b\n',
])
def test_a_fence_inside_the_code_is_code(answer):
    assert extract_code(answer, "add").rstrip("\n") == answer.rstrip("\n")
