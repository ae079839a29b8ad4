"""`edgebench bundle` takes `run`'s flags, and its bad inputs end as one line before any work."""

from __future__ import annotations

import inspect

import pytest

from edgebench.bundle_cli import RUN_ONLY, refuse_plan_flags
from edge.errors import EdgebenchError
from tests.conftest import REPO
from tests.edgebench.test_cli import assert_one_line_error, edgebench as _edgebench


def edgebench(*args, cwd):
    return _edgebench(*args, cwd=cwd, env={"PYTHONPATH": str(REPO)})  # this checkout, from any folder


def test_bundle_has_exactly_runs_plan_flags():
    from edgebench.cli import app, run

    command = next(c for c in app.registered_commands if c.name == "bundle")
    bundle_flags = set(inspect.signature(command.callback).parameters)
    assert bundle_flags == (set(inspect.signature(run).parameters) - set(RUN_ONLY)) | {"out", "reference"}


def test_a_plan_flag_beside_bundle_is_refused():
    from edgebench.cli import run

    flags = {name: getattr(p.default, "default", p.default) for name, p in inspect.signature(run).parameters.items()}
    refuse_plan_flags({**flags, "profile": "rpi5", "threads": 1}, run)  # device flags go with --bundle
    with pytest.raises(EdgebenchError, match="drop --limit, --drift "):
        refuse_plan_flags({**flags, "limit": 3, "drift": False}, run)


@pytest.mark.parametrize("args,fragment", [
    (["--ladder", "nowhere/model.gguf"], "artifact not found: nowhere/model.gguf"),
    (["--suite", "nonsense"], "unknown suite 'nonsense'"),
    (["--budgets", "16,9000"], "leaves no room for prompts"),
])
def test_bad_bundle_inputs_are_one_line_and_write_nothing(tmp_path, args, fragment):
    out = tmp_path / "b"
    assert_one_line_error(edgebench("bundle", "--out", str(out), *args, cwd=tmp_path), fragment)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_out_is_refused(tmp_path):
    (tmp_path / "b").mkdir()
    assert_one_line_error(edgebench("bundle", "--out", str(tmp_path / "b"), "--ladder", "source", cwd=tmp_path), "exists")
