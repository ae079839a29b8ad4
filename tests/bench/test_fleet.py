"""The fleet on one machine: a Dask scheduler and three `edgebench worker` processes whose
profiles stand for two devices (laptop-cpu, and rpi5 twice), running a tiny plan on the embedded
GGUF. A worker is killed mid-cell and the coordinator is killed and resumed; the device stores
must end with exactly a sequential local run's rows. Speed figures from these runs mean nothing:
the "devices" share this machine's cores.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import select
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("llama_cpp")

from bench.execute import PlanConfig, load_items, run_plan  # noqa: E402
from bench.fleet_cells import SUITES, Cell, chunks, plan_cells, resources  # noqa: E402
from bench.fleet_coordinator import FleetConfig, FleetConnection, device_of, refusal, run_fleet_plan  # noqa: E402
from bench.fleet_folder import open_stores, write_record  # noqa: E402
from bench.fleet_transfer import cached, describe  # noqa: E402
from bench.fleet_worker import code_version  # noqa: E402
from bench.store import Store  # noqa: E402
from edge.artifacts import artifact_identity, identify  # noqa: E402
from edge.profiles import device_settings  # noqa: E402
from edge.speed import SpeedConfig  # noqa: E402
from tests.edgebench.test_cli import REPO  # noqa: E402

PY = sys.executable
DEVICES = ("laptop-cpu", "rpi5")
# Drift is left out of the cluster runs: a device's reference cell scores the whole drift corpus, minutes of CPU
# here; test_drift_cells_give_the_local_figures runs the two drift cells without the cluster, on request.
CONFIG = PlanConfig(suites=("disposition",), limit=3, budgets=(32,), drift=False,
                    speed=SpeedConfig(prompt_sizes=(16,), gen_tokens=8, depths=(0,), repetitions=1, warmup=0,
                                      load_repetitions=1))


def _start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([PY, *args], cwd=REPO, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, {worker name: its process}): a scheduler and three workers, as separate processes."""
    root = tmp_path_factory.mktemp("fleet-cluster")
    procs = [_start(["-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(root / "scheduler.json")], root / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not (root / "scheduler.json").is_file():
            assert time.monotonic() < deadline and procs[0].poll() is None, (root / "scheduler.log").read_text()
            time.sleep(0.2)
        address = json.loads((root / "scheduler.json").read_text())["address"]
        workers = {}
        for n, profile in enumerate(["laptop-cpu", "rpi5", "rpi5"]):
            proc = _start(["-m", "edgebench", "worker", address, "--profile", profile, "--cache", str(root / f"cache{n}")],
                          root / f"worker{n}.log")
            procs.append(proc)
            workers[proc.pid] = proc
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(3, timeout=90)
            names = {w["name"]: int(w["name"].rsplit("-", 1)[1]) for w in client.scheduler_info(n_workers=-1)["workers"].values()}
        yield address, {name: workers[pid] for name, pid in names.items()}
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def embedded():
    return identify("default")


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, embedded) -> Path:
    """The plan run sequentially here, as `edgebench run` does: what every device's store must hold."""
    out = tmp_path_factory.mktemp("fleet-local") / "run"
    host, _, settings = device_settings("laptop-cpu", threads=1)
    with Store.open(out, write=True) as store:
        run_plan(store, [embedded], None, CONFIG, settings, host)
    return out


def _content(folder: Path) -> tuple[list, set, dict]:
    """Sample rows without timings, the measurement keys, the drift figures."""
    with Store.open(folder, write=False) as store:
        samples = [{k: v for k, v in row.items() if k != "timings"} for row in store.samples()]
        kinds = {(h, b, k) for h, b, k in store.db.execute("SELECT artifact_hash, backend, kind FROM measurements")}
        drift = {h: store.measurement(h, b, "drift") for h, b, k in kinds if k == "drift"}
    return samples, kinds, drift


def _cell_log(folder: Path) -> list[dict]:
    with Store.open(folder, write=False) as store:
        return store.meta("fleet_cells", [])


class _KillMidCell(threading.Thread):
    """Kills the first rpi5 worker while it runs a cell (SIGKILL to the worker process alone), 1.5 s into it:
    what was killed is in `.killed` (worker name, the Dask keys it was processing)."""

    def __init__(self, address: str, workers: dict) -> None:
        super().__init__(daemon=True)
        self.address, self.workers, self.killed, self.stop = address, workers, None, threading.Event()

    def run(self) -> None:
        from distributed import Client

        victim = sorted(n for n in self.workers if n.startswith("rpi5"))[0]
        with Client(self.address, timeout=30) as client:
            busy_since = None
            while not self.stop.is_set():
                info = client.scheduler_info(n_workers=-1)["workers"]
                worker = next((a for a, w in info.items() if w["name"] == victim), None)
                busy = client.processing(workers=[worker]).get(worker, []) if worker else []
                busy_since = (busy_since or time.monotonic()) if busy else None
                if busy_since is not None and time.monotonic() - busy_since > 1.5:  # into the cell: its child runs the plan
                    self.workers[victim].send_signal(signal.SIGKILL)
                    self.killed = (victim, busy)
                    return
                time.sleep(0.1)


@pytest.mark.embedded
def test_fleet_run_with_a_worker_killed_mid_cell_equals_the_local_run(cluster, embedded, local_run, tmp_path):
    address, workers = cluster
    out = tmp_path / "fleet"
    write_record(out, {"scheduler": address, "devices": list(DEVICES), "plan": {}})
    stores = open_stores(out, list(DEVICES), resume=False)
    killer = _KillMidCell(address, workers)
    killer.start()
    try:
        with FleetConnection(address) as connection:
            outcome = run_fleet_plan(connection, stores, [embedded], None, CONFIG, load_items(CONFIG),
                                     FleetConfig(address, DEVICES, threads=1), say=print)
    finally:
        killer.stop.set()
        for store in stores.values():
            store.close()
    assert killer.killed, "the rpi5 worker was never caught mid-cell"
    assert not outcome.not_run and not outcome.refused
    local = _content(local_run)
    cells_per_device = 1 + len(chunks(list(range(3)), FleetConfig(address).chunk_items))  # speed, then suite chunks
    for device in DEVICES:
        samples, kinds, _ = _content(out / device)
        assert samples == local[0]  # every row, once: a killed cell lost nothing and duplicated nothing
        assert kinds == local[1]
        log = _cell_log(out / device)
        assert len({e["cell"] for e in log}) == cells_per_device
        assert all(device in e["resources"] for e in log)  # every cell ran on a worker of its device
        for worker in {e["worker"] for e in log}:  # one cell at a time on a device
            spans = sorted((e["started"], e["ended"]) for e in log if e["worker"] == worker)
            assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:])), spans
            fetched = [e for e in log if e["worker"] == worker and e["fetched_bytes"]]
            assert len(fetched) <= 1  # the artifact travelled once to each device
    if importlib.util.find_spec("matplotlib"):  # the HTML page plots speed per device
        from bench.html_report import write_html
        from bench.report import load_report

        write_html(load_report([out]), tmp_path / "fleet.html")
        assert "Generation speed per device" in (tmp_path / "fleet.html").read_text()
    victim, keys = killer.killed
    killed_cells = {k.split("#")[0] for k in keys}
    rpi5_log = _cell_log(out / "rpi5")
    assert killed_cells <= {e["cell"] for e in rpi5_log}  # the cell ran again, on the other rpi5
    assert all(e["worker"] != victim for e in rpi5_log if e["cell"] in killed_cells)  # the killed attempt sent nothing


@pytest.mark.embedded
def test_the_coordinator_killed_and_resumed_ends_with_the_local_rows(cluster, local_run, tmp_path):
    address, _ = cluster
    out = tmp_path / "fleet-cli"
    command = [PY, "-m", "edgebench", "run", "--fleet", address, "--devices", ",".join(DEVICES), "--ladder", "source",
               "--suite", "disposition", "--limit", "3", "--budgets", "32", "--threads", "1", "--no-speed",
               "--no-drift", "--out", str(out)]
    first = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # killed as soon as it says it stored its first cell (its own line, read as it comes: polling the stores let
    # a quick run end between two looks); every device still has a cell to run then
    said, deadline = b"", time.monotonic() + 120
    while b"done on" not in said:
        assert first.poll() is None and time.monotonic() < deadline, said.decode(errors="replace")
        if select.select([first.stdout], [], [], 0.5)[0]:
            said += os.read(first.stdout.fileno(), 65536)
    first.kill()  # the coordinator alone; its file server must end by itself
    first.wait()
    assert any(_stored(out / d) for d in DEVICES)
    resumed = subprocess.run(command + ["--resume"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    local_samples = _content(local_run)[0]
    for device in DEVICES:
        assert _content(out / device)[0] == local_samples
    report = subprocess.run([PY, "-m", "edgebench", "report", str(out), "--format", "csv"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    records = list(csv.DictReader(io.StringIO(report.stdout)))
    assert sorted(r["device"].split(" on ")[0] for r in records) == sorted(DEVICES)  # one row per device, each named


def _stored(folder: Path) -> bool:
    try:
        return bool(_cell_log(folder))
    except Exception:  # noqa: BLE001 -- not written yet
        return False


@pytest.mark.embedded
def test_drift_cells_give_the_local_figures(embedded, tmp_path):
    """The reference cell's saved logits feed the drift cell, as a local run's reference.npz feeds its drift."""
    from bench.fleet_cells import DRIFT, REFERENCE, CellJob
    from bench.fleet_task import run_stage

    config = PlanConfig(suites=(), speed=None, drift_windows=1)
    files = describe(embedded, artifact_identity(embedded))
    job = CellJob(config, None, None, "fleet-files-none", code_version())  # the profile's threads: all cores
    built = run_stage(Cell("laptop-cpu", REFERENCE, files), job, str(embedded.path), None)
    assert built.reference and not built.notes.get("drift")
    drift = run_stage(Cell("laptop-cpu", DRIFT, files), job, str(embedded.path), built.reference)
    (figures,) = [m for m in drift.measurements if m[2] == "drift"]
    assert figures[0] == files.digest and figures[3]["kl_mean"] == pytest.approx(0, abs=1e-3)  # itself as reference
    missing = run_stage(Cell("laptop-cpu", DRIFT, files), job, str(embedded.path), None)
    assert not missing.measurements  # no reference built on the device: no drift, and none built in its place


def test_workers_with_another_edgebench_or_without_the_runtime_are_refused_by_name():
    version = code_version()
    good = {"rpi5": 1, f"edgebench-{version}": 1, "backend-llamacpp": 1, "memory-gb": 3.0}
    assert device_of(good) == "rpi5" and device_of({"fleet-files-ab12": 1}) is None
    assert refusal("pi-1", good, version, {"llamacpp"}) is None
    old = {**{k: v for k, v in good.items() if not k.startswith("edgebench-")}, "edgebench-0.0.9+deadbeef": 1}
    line = refusal("pi-1", old, version, {"llamacpp"})
    assert "pi-1" in line and "0.0.9+deadbeef" in line and version in line and "\n" not in line
    line = refusal("pi-2", {k: v for k, v in good.items() if k != "backend-llamacpp"}, version, {"llamacpp"})
    assert "pi-2" in line and "llamacpp" in line and "pip install" in line


def test_cells_ask_for_their_device_and_a_resumed_plan_holds_only_what_is_missing(tmp_path, embedded):
    from dataclasses import replace

    files = describe(embedded, artifact_identity(embedded))
    config = replace(CONFIG, drift=True, drift_windows=1)
    loaded = load_items(config)
    with Store.open(tmp_path / "rpi5", write=True) as store:
        cells = plan_cells("rpi5", store, [files], files, config, loaded, chunk_items=2)
        assert [c.stage for c in cells] == ["reference", "speed", "drift", SUITES, SUITES]
        assert resources(cells[0], "v")["rpi5"] == 1 and resources(cells[0], "v")["backend-llamacpp"] == 1
        store.add_measurement(files.digest, files.backend, "speed", {"tests": []})
        (tmp_path / "rpi5" / "reference.npz").write_bytes(b"x")
        assert [c.stage for c in plan_cells("rpi5", store, [files], files, config, loaded, 2)] == ["drift", SUITES, SUITES]
        assert plan_cells("rpi5", store, [files], None, config, loaded, 2)[0].stage == SUITES  # no reference: no drift
    assert Cell("rpi5", SUITES, files, ("a",), 1).name == "rpi5/gguf:q4_1/suites/1"


def test_a_cached_artifact_is_used_only_while_its_hashes_match(tmp_path, embedded):
    files = describe(embedded, artifact_identity(embedded))
    folder = tmp_path / files.digest
    folder.mkdir()
    assert cached(files, tmp_path) is None
    (folder / files.load).symlink_to(embedded.path)
    (folder / ".edgebench-files.json").write_text(json.dumps([list(f) for f in files.files]))
    assert cached(files, tmp_path) == folder
    (folder / ".edgebench-files.json").write_text(json.dumps([[files.load, files.size, "0" * 64]]))
    assert cached(files, tmp_path) is None  # checked against other hashes: fetched again


@pytest.mark.parametrize("args, fragment", [
    (["run", "--devices", "rpi5"], "--devices needs --fleet"),
    (["run", "--fleet", "tcp://127.0.0.1:9", "--judge", "llm"], "lexical judge only"),
    (["run", "--fleet", "tcp://127.0.0.1:9", "--suite", "mine.jsonl"], "suite file"),
    (["run", "--fleet", "tcp://127.0.0.1:9", "--ladder", "source", "--suite", "none", "--out", "{tmp}/x"],
     "cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
    (["worker", "tcp://127.0.0.1:9", "--profile", "no-such-device"], "unknown device profile"),
])
def test_fleet_mistakes_end_in_one_line(args, fragment, tmp_path):
    from tests.edgebench.test_cli import assert_one_line_error, edgebench

    # an unreachable scheduler is given up after Dask's connect timeout, shortened here from its 30 s
    quick = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    assert_one_line_error(edgebench(*[a.replace("{tmp}", str(tmp_path)) for a in args], env=quick), fragment)
