"""`edgebench bundle` takes `run`'s flags, and its bad inputs end as one line before any work."""

from __future__ import annotations

import inspect

import pytest

from edgebench.bundle_cli import RUN_ONLY, refuse_plan_flags
from edge.errors import EdgebenchError
from tests.conftest import REPO, needs_llama
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


@pytest.mark.embedded
@needs_llama
def test_a_converted_ladder_keeps_its_identities_and_its_f16_is_the_reference(embedded_ladder, tmp_path):
    from bench.bundle import read_bundle
    from edge.artifacts import artifact_identity, identify

    out, _ = embedded_ladder
    folders = [out / "gguf-f16", out / "gguf-q4_k_m"]
    made = edgebench("bundle", "--out", str(tmp_path / "b"), "--ladder", ",".join(map(str, folders)), "--suite", "none",
                     "--no-speed", "--drift-windows", "1", "--threads", "1", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    bundle = read_bundle(tmp_path / "b")
    copied = bundle.artifact_list()
    assert [a.label for a in copied] == ["gguf:f16", "gguf:q4_k_m"]
    assert [artifact_identity(a) for a in copied] == [artifact_identity(identify(f)) for f in folders]
    assert bundle.reference["path"] == bundle.artifacts[0].path  # the report compares against it on the device
    assert bundle.reference_artifact().path == copied[0].path


@pytest.mark.parametrize("stores_a_row", [False, True])
def test_a_run_that_fails_before_its_first_row_leaves_no_folder(tmp_path, monkeypatch, stores_a_row):
    """A bundle run that fails before storing anything removes the run folder it made (nothing half-written);
    one that stored a row keeps it for --resume."""
    import edgebench.bundle_job as bundle_job
    from bench.bundle import write_bundle
    from tests.bench.test_bundle import JUDGE, fake_artifact, plan

    write_bundle(tmp_path / "b", [fake_artifact(tmp_path)], None, plan(tmp_path), JUDGE, None, {})

    def failing_plan(store, artifacts, *args):
        if stores_a_row:
            store.add_measurement("digest", "llamacpp", "speed", {"tests": []})
        raise RuntimeError("the runtime crashed the whole process")

    monkeypatch.setattr(bundle_job, "run_plan", failing_plan)
    monkeypatch.setattr(bundle_job, "_runnable", lambda artifacts, say: artifacts)
    with pytest.raises(RuntimeError):
        bundle_job.run_bundle(tmp_path / "b", out=tmp_path / "run", say=lambda text: None, show_report=False)
    assert (tmp_path / "run").exists() == stores_a_row


def test_budgets_too_large_for_the_device_say_how_to_make_the_bundle(tmp_path):
    import dataclasses

    import edgebench.bundle_job as bundle_job
    from bench.bundle import write_bundle
    from tests.bench.test_bundle import JUDGE, fake_artifact, plan

    written = write_bundle(tmp_path / "b", [fake_artifact(tmp_path)], None, plan(tmp_path, budgets=(16, 30000)), JUDGE,
                           None, {})
    with pytest.raises(EdgebenchError, match="make the bundle with lower --budgets"):
        bundle_job.run_bundle(dataclasses.replace(written), out=tmp_path / "run", say=lambda text: None, show_report=False)
    assert not (tmp_path / "run").exists()
