"""The operators in the HTML report (bench/operators.py, bench/operators_html.py): ROC points checked by
hand and against the Mann-Whitney AUC, the probe's result persisted with its scores (probe_run with a fake
capture: no model), a synthetic ranking and probe result drawn as two sections with plots, and files that
are absent (no section) or unreadable (a note, or a one-line error for a file named on the command line)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bench import probe as probe_mod
from bench import probe_stats as ps
from bench.operators import (HEADS_FILE, PROBE_FILE, HeadRanking, ProbeResult, check_ranking_folder, keep_ranking,
                             read_ranking, read_run)
from bench.store import Store
from bench.suites import get_suite
from edge.artifacts import Artifact
from edge.errors import EdgebenchError
from tests.edgebench.test_cli import assert_one_line_error, edgebench

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden"
SUITE = "bank:factual"


def _trapezoid(fpr: np.ndarray, tpr: np.ndarray) -> float:
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def test_roc_points_of_a_hand_checked_case():
    # highest first: 0.8 right, 0.4 wrong, 0.35 right, 0.1 wrong
    fpr, tpr = ps.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert fpr.tolist() == [0, 0, 0.5, 0.5, 1] and tpr.tolist() == [0, 0.5, 0.5, 1, 1]
    assert _trapezoid(fpr, tpr) == ps.auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    # a tie between a right and a wrong answer is one diagonal step: counted half, as Mann-Whitney counts it
    fpr, tpr = ps.roc_curve([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1])
    assert fpr.tolist() == [0, 0, 0.5, 1] and tpr.tolist() == [0, 0.5, 1, 1]
    assert _trapezoid(fpr, tpr) == 0.875 == ps.auc(np.array([1, 0, 1, 0]), np.array([0.5, 0.5, 0.9, 0.1]))


def test_roc_area_is_the_mann_whitney_auc_with_many_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = rng.integers(0, 2, 40)
        scores = np.round(rng.normal(size=40) + labels * 0.7, 1)  # rounded: ties everywhere
        fpr, tpr = ps.roc_curve(labels, scores)
        assert (np.diff(fpr) >= 0).all() and (np.diff(tpr) >= 0).all() and (fpr[-1], tpr[-1]) == (1, 1)
        assert _trapezoid(fpr, tpr) == pytest.approx(ps.auc(labels, scores), abs=1e-12)


def test_one_class_has_no_curve():
    assert [len(a) for a in ps.roc_curve([1, 1, 1], [0.2, 0.1, 0.3])] == [0, 0]


def _ranking(shift: float = 0.0) -> dict:
    """A ranking as `edgebench heads --json` writes it: 3 layers x 10 heads, largest d first."""
    rng = np.random.default_rng(1)
    heads = []
    for i in range(30):
        d = float(rng.normal(0, 0.6)) + shift
        heads.append({"layer": i // 10, "head": i % 10, "d": d, "ci_low": d - 0.5, "ci_high": d + 0.5,
                      "mean_right": 1.0, "mean_wrong": 1.0 + d / 10})
    heads.sort(key=lambda h: -h["d"])
    return {"config": {"suite": SUITE, "split": "dev"}, "shape": {"n_layers": 3, "n_heads": 10, "head_dim": 8},
            "cohorts": {"right": 12, "wrong": 18}, "counts": {"items": 30, "hedged_or_ungraded": 0, "cut_off": 7},
            "heads": heads, "model": "default"}


def _answers_run(folder: Path, n: int) -> None:
    """A run folder with one GGUF artifact's `n` dev and `n` fresh answers, labels alternating, and a prepared fp32
    folder matching it (so the probe has a torch row too); the hidden states come from a fake capture."""
    suite = get_suite(SUITE)
    artifact = Artifact(folder / "artifacts" / "m.gguf", "gguf", "f16", 1000, 100, "m")
    with Store.open(folder, write=True) as store:
        store.set_meta("suites", {suite.spec.name: suite.spec.as_dict()})
        store.set_meta("plan", {"system_prompt": None})
        store.add_artifact("a" * 16, artifact, is_reference=True)
        for split in ("dev", "fresh"):
            for k, item in enumerate(suite.items(split, n)):
                store.add_item([{"artifact_hash": "a" * 16, "backend": "llamacpp", "suite": item.suite,
                                 "item_id": item.id, "split": split, "family": item.family, "budget": 64, "seed": 0,
                                 "params_hash": "p", "params": {}, "text": "x", "token_ids": [k + 100, 7],
                                 "n_tokens": 2, "stop_reason": "stop", "prompt_tokens": 10, "timings": {},
                                 "judge": "lexical", "scores": {"correct": k % 2, "asserts": 1}}])
    (folder / "prepared").mkdir()
    (folder / "prepared" / "prepared.json").write_text("{}")  # no hashes, like the artifact's missing manifest


def _fake_capture(backend, path, settings, answers, messages, cache, progress, label):
    """States with a signal along one axis for the right answers, noise that differs per backend."""
    rng = np.random.default_rng(len(backend))
    labels = np.array([a.label for a in answers])
    return rng.normal(size=(len(answers), 16)) + 1.5 * labels[:, None] * np.eye(16)[0]


@pytest.fixture(scope="module")
def probed(tmp_path_factory) -> Path:
    """A run folder of 24 dev and 24 fresh answers probed with fake hidden states."""
    folder = tmp_path_factory.mktemp("probed") / "run"
    _answers_run(folder, 24)
    patch = pytest.MonkeyPatch()
    patch.setattr(probe_mod, "capture", _fake_capture)
    try:
        probe_mod.probe_run(folder, settings=None)
    finally:
        patch.undo()
    return folder


def test_the_probe_keeps_its_scores_and_labels(probed):
    data = json.loads((probed / PROBE_FILE).read_text())
    assert not list(probed.glob("*.tmp"))  # written by a rename
    torch_row, gguf_row = data["rows"]
    assert set(torch_row["scored"]) == {"cv", "fresh_auc"}  # the torch row is where the torch probe comes from
    assert set(gguf_row["scored"]) == {"cv", "fresh_auc", "torch_probe"}
    for key, n in (("cv", 24), ("fresh_auc", 24), ("torch_probe", 24)):
        kept = gguf_row["scored"][key]
        assert len(kept["labels"]) == len(kept["scores"]) == n and sum(kept["labels"]) == 12
        # the AUC in the table is the AUC of the scores kept, and of their ROC curve
        auc = ps.auc(np.array(kept["labels"]), np.array(kept["scores"]))
        assert gguf_row[key]["auc"] == pytest.approx(auc)
        assert _trapezoid(*ps.roc_curve(kept["labels"], kept["scores"])) == pytest.approx(auc)
    parsed = ProbeResult.parse(data, "run")
    assert parsed.has_scores and [r.states_of for r in parsed.rows] == ["torch fp32 (answers of gguf:f16)", "gguf:f16"]


def _report_folder(root: Path, name: str = "synthetic-run") -> Path:
    folder = root / name
    folder.mkdir()
    shutil.copy(GOLDEN / "synthetic-run.sqlite", folder / "results.sqlite")
    return folder


def _page(folders: list[Path], rankings=()) -> str:
    pytest.importorskip("matplotlib")
    from bench.html_report import render
    from bench.report import load_report

    return render(load_report(folders), rankings)


def test_the_report_draws_the_ranking_and_the_roc_curves(tmp_path, probed):
    folder = _report_folder(tmp_path)
    (folder / HEADS_FILE).write_text(json.dumps(_ranking()))
    shutil.copy(probed / PROBE_FILE, folder / PROBE_FILE)
    page = _page([folder])
    heads = page[page.index('<h2 id="heads">'):page.index('<h2 id="probe">')]
    assert '<figure class="plot" id="plot-heads-0">' in heads and "<svg" in heads
    assert "12 right, 18 wrong asserted answers; first 20 of 30 heads" in heads  # the cohorts in the plot's title
    assert heads.count("<tr>") == 1 + 20  # the table: a header and the heads drawn
    probe = page[page.index('<h2 id="probe">'):]
    assert '<figure class="plot" id="plot-probe-0">' in probe and "<svg" in probe
    assert "CV dev (out-of-fold)" in probe and "dev -&gt; fresh" in probe and "torch probe here (fresh)" in probe
    assert probe.count("chance") == 2  # one ROC plot per row, each with its diagonal
    assert "<td>gguf:f16</td>" in probe and "<b>gguf:f16: " in probe  # the table and the diagnosis lines


def test_one_ranking_is_drawn_once_and_another_beside_it(tmp_path):
    folder = _report_folder(tmp_path)
    (folder / HEADS_FILE).write_text(json.dumps(_ranking()))
    (tmp_path / "same.json").write_text(json.dumps(_ranking()))
    (tmp_path / "other.json").write_text(json.dumps(_ranking(shift=0.3)))
    page = _page([folder], [read_ranking(tmp_path / "same.json"), read_ranking(tmp_path / "other.json")])
    assert "plot-heads-1" in page and "plot-heads-2" not in page
    assert f"({folder.name}, {tmp_path / 'same.json'})" in page and 'id="probe"' not in page


def test_a_run_without_them_has_neither_section(tmp_path):
    page = _page([_report_folder(tmp_path)])
    assert 'id="heads"' not in page and 'id="probe"' not in page and "plot-heads" not in page


def test_an_unreadable_file_in_a_run_folder_is_a_note(tmp_path):
    folder = _report_folder(tmp_path)
    (folder / PROBE_FILE).write_text('{"rows": [')
    (folder / HEADS_FILE).write_text(json.dumps({"heads": [{"layer": 1}]}))  # no d, no interval
    found = read_run(folder)
    assert found.probe is None and found.ranking is None and len(found.notes) == 2
    page = _page([folder])
    assert 'id="heads"' not in page and 'id="probe"' not in page
    assert "probe.json cannot be read" in page and f"edgebench probe {folder}" in page


def test_a_probe_result_without_scores_keeps_its_table(tmp_path, probed):
    folder = _report_folder(tmp_path)
    data = json.loads((probed / PROBE_FILE).read_text())
    for row in data["rows"]:
        del row["scored"]  # as written before the scores were kept
    (folder / PROBE_FILE).write_text(json.dumps(data))
    page = _page([folder])
    assert 'id="probe"' in page and "plot-probe" not in page and "keeps no scores" in page
    assert "<td>gguf:f16</td>" in page


def test_a_ranking_given_on_the_command_line_must_be_one(tmp_path):
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(EdgebenchError, match="is not a head ranking"):
        read_ranking(tmp_path / "bad.json")
    (tmp_path / "h.json").write_text(json.dumps(_ranking()))
    assert read_ranking(tmp_path / "h.json") == HeadRanking.parse(_ranking(), "elsewhere")  # where it was is no figure


def test_a_tempered_run_keeps_its_ranking_as_it_was(tmp_path):
    source = tmp_path / "heads.json"
    source.write_text(json.dumps({"heads": [{"layer": 2, "head": 3}]}))  # enough to temper by, not to draw
    run = tmp_path / "run"
    run.mkdir()
    keep_ranking(source, run)
    assert json.loads((run / HEADS_FILE).read_text()) == json.loads(source.read_text())
    assert not list(run.glob("*.tmp"))


def test_heads_out_does_not_replace_the_ranking_a_tempered_run_keeps(tmp_path):
    run = tmp_path / "run"
    with Store.open(run, write=True) as store:
        store.set_meta("plan", {"temper": [{"heads": [{"layer": 2, "head": 3, "lambda": 0.8}], "tag": "t0.8x1"}]})
    check_ranking_folder(run)  # no ranking kept yet: one may be put there
    (run / HEADS_FILE).write_text(json.dumps(_ranking()))
    with pytest.raises(EdgebenchError, match="keeps the ranking its head tempering came from"):
        check_ranking_folder(run)
    check_ranking_folder(_report_folder(tmp_path))  # an untempered run's ranking may be replaced


def test_report_heads_through_the_command_line(tmp_path):
    pytest.importorskip("matplotlib")
    folder = _report_folder(tmp_path)
    (tmp_path / "heads.json").write_text(json.dumps(_ranking()))
    page = tmp_path / "report.html"
    result = edgebench("report", str(folder), "--heads", str(tmp_path / "heads.json"), "--html", str(page))
    assert result.returncode == 0, result.stderr
    assert '<h2 id="heads">' in page.read_text() and 'id="probe"' not in page.read_text()


@pytest.mark.parametrize("args, fragment", [
    (["report", "{run}", "--heads", "{tmp}/missing.json", "--html", "{tmp}/r.html"], "is not a head ranking"),
    (["report", "{run}", "--heads", "{tmp}/missing.json"], "give --html FILE too"),
    (["heads", "default", "--out", "{tmp}"], "is not a run folder"),
])
def test_operator_inputs_refuse_in_one_line(args, fragment, tmp_path):
    folder = _report_folder(tmp_path)
    result = edgebench(*[a.replace("{tmp}", str(tmp_path)).replace("{run}", str(folder)) for a in args])
    assert_one_line_error(result, fragment)
    assert not (tmp_path / "r.html").exists()
