"""The operator commands' user errors: one line on stderr and a non-zero exit, before any work."""

from __future__ import annotations

import pytest

from tests.edgebench.test_cli import assert_one_line_error, edgebench


@pytest.mark.parametrize("args, fragment", [
    (["run", "--temper-lambda", "0.8", "--out", "{tmp}/r"], "go together"),
    (["run", "--temper-top", "2", "--temper-lambda", "1,x", "--temper-from", "{tmp}/h.json", "--out", "{tmp}/r"],
     "--temper-lambda takes numbers"),
    (["probe", "{tmp}"], "is not a run folder"),
])
def test_operator_flags_refuse_in_one_line(args, fragment, tmp_path):
    result = edgebench(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert_one_line_error(result, fragment)
    assert not (tmp_path / "r").exists()
