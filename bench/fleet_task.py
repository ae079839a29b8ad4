"""What a fleet worker does with one cell: fetch the artifact (bench/fleet_transfer.py), then run
the cell's stage of the plan in a child process with bench/execute.py's own `run_plan`, into a
scratch store, and send that store's rows back (bench/fleet_cells.py:CellResult).

The child runs in a process group of its own and ends it when the worker is gone, so a worker
killed mid-cell leaves no cell (nor its runtime's grandchild) running; the coordinator's store
never sees half a cell, as rows travel only in the result.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

from bench.fleet_cells import DRIFT, REFERENCE, SPEED, SUITES, Cell, CellJob, CellResult
from bench.fleet_transfer import fetch
from bench.fleet_worker import CACHE_ENV


def run_cell(cell: Cell, job: CellJob, reference: CellResult | bytes | None = None) -> CellResult:
    """The Dask task: runs on a worker with the cell's resources, holding its one slot throughout."""
    from distributed import get_worker

    from edge.isolation import run_isolated

    worker = get_worker()
    started = time.time()
    local, fetched = fetch(cell.artifact, Path(os.environ[CACHE_ENV]), job.files_resource)
    npz = reference.reference if isinstance(reference, CellResult) else reference
    result = run_isolated(cell_main, (cell, job, str(local), npz), runtime="the fleet cell", daemon=False)
    return replace(result, worker=worker.name, resources=dict(worker.state.total_resources), started=started,
                   ended=time.time(), fetched_bytes=fetched)


def stage_config(config, stage: str):
    """The plan reduced to one stage (bench/execute.py:PlanConfig)."""
    if stage == SPEED:
        return replace(config, suites=(), drift=False)
    if stage in (REFERENCE, DRIFT):
        return replace(config, suites=(), speed=None, drift=True)
    return replace(config, speed=None, drift=False)


def cell_main(cell: Cell, job: CellJob, local: str, npz: bytes | None, emit) -> CellResult:
    """In the child: a process group of its own that ends with the worker, then the stage."""
    from bench.fleet_worker import watch_parent

    os.setpgrp()  # this cell and the runtime children it starts: one group, ended together
    watch_parent(os.getppid(), kill_group=True)
    return run_stage(cell, job, local, npz)


def run_stage(cell: Cell, job: CellJob, local: str, npz: bytes | None) -> CellResult:
    """The cell's stage through run_plan, into a scratch store; its rows as the result."""
    from bench.execute import REFERENCE_FILE, load_items, run_plan
    from bench.store import Store
    from edge.artifacts import identify
    from edge.profiles import device_settings

    host, _, settings = device_settings(cell.device, job.threads, job.repack)
    artifact = identify(local)
    config = stage_config(job.config, cell.stage)
    loaded = {}
    if cell.stage == SUITES:
        wanted = set(cell.items)
        loaded = {name: (suite, [i for i in items if i.id in wanted]) for name, (suite, items) in load_items(job.config).items()}
    with tempfile.TemporaryDirectory(prefix="edgebench-cell-") as tmp:
        folder = Path(tmp) / "run"
        with Store.open(folder, write=True) as store:
            if cell.stage == DRIFT:
                if npz is None:  # the device's reference could not be built: its note says why
                    return _result(cell, store, host, settings)
                (folder / REFERENCE_FILE).write_bytes(npz)
                # the reference is given as its saved logits; the artifact stands in for it only as a label
                run_plan(store, [artifact], artifact, config, settings, host, loaded=loaded)
            elif cell.stage == REFERENCE:
                run_plan(store, [], artifact, config, settings, host, loaded=loaded)
            else:
                run_plan(store, [artifact], None, config, settings, host, loaded=loaded)
            saved = folder / REFERENCE_FILE
            return _result(cell, store, host, settings, saved.read_bytes() if cell.stage == REFERENCE and saved.is_file() else None)


def _result(cell: Cell, store, host: dict, settings, reference: bytes | None = None) -> CellResult:
    """The scratch store's rows, keyed by the coordinator's identity of the artifact."""
    digest = cell.artifact.digest
    samples = [{**row, "artifact_hash": digest} for row in store.samples()]
    measurements = [(digest, backend, kind, json.loads(value)) for backend, kind, value
                    in store.db.execute("SELECT backend, kind, result FROM measurements")]
    return CellResult(cell.name, cell.stage, samples, measurements, store.meta("notes", {}), store.meta("seconds", {}),
                      store.meta("suites", {}), host, asdict(settings), reference)
