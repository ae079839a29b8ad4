"""The cells of a fleet run: a plan cut into (artifact x device x stage or suite chunk), what a
cell sends back, and how the coordinator writes that into its device's results store.

A cell is one stage of bench/execute.py's plan for one artifact on one device kind: the drift
reference, speed, drift, or a chunk of suite items. The worker runs exactly that stage with
`run_plan` into a scratch store (bench/fleet_task.py) and sends back the scratch store's rows;
`store_result` writes them into the device's store, keyed as a local run's rows are, so a
cell done twice is stored once (samples are inserted or ignored, a measurement replaces
itself) and a resumed run plans only what the stores lack (`plan_cells`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from bench.execute import CRASH, REFERENCE_FILE, PlanConfig, missing_items
from bench.fleet_transfer import ArtifactFiles
from bench.fleet_worker import BACKEND_PREFIX, VERSION_PREFIX
from bench.store import Store

REFERENCE, SPEED, DRIFT, SUITES = "reference", "speed", "drift", "suites"
FILES_PREFIX = "fleet-files-"  # the resource of a coordinator's file server (bench/fleet_transfer.py)


@dataclass(frozen=True)
class Cell:
    device: str  # a device kind: the profile name its workers advertise
    stage: str  # REFERENCE, SPEED, DRIFT or SUITES
    artifact: ArtifactFiles
    items: tuple[str, ...] = ()  # SUITES: the ids of the items to run
    chunk: int = 0  # SUITES: which chunk of the artifact's items

    @property
    def name(self) -> str:
        return f"{self.device}/{self.artifact.label}/{self.stage}" + (f"/{self.chunk}" if self.stage == SUITES else "")


@dataclass(frozen=True)
class CellJob:
    """What travels with every cell of a run: the plan and how to run it on the device."""

    config: PlanConfig
    threads: int | None  # the run's --threads over the device profile's (None: the profile decides)
    repack: str | None
    files_resource: str  # where the artifacts are fetched from
    version: str  # the edgebench every worker must run (bench/fleet_worker.py:code_version)


@dataclass
class CellResult:
    """What a cell sends back: the scratch store's rows, and where and when it ran."""

    cell: str
    stage: str
    samples: list[dict]
    measurements: list[tuple[str, str, str, dict]]  # (artifact hash, backend, kind, result)
    notes: dict
    seconds: dict
    suites: dict
    host: dict
    settings: dict
    reference: bytes | None = None  # REFERENCE: the saved drift reference
    worker: str = ""
    resources: dict = field(default_factory=dict)
    started: float = 0.0  # wall clock (time.time) of the task's start and end on the worker
    ended: float = 0.0
    fetched_bytes: int = 0  # artifact bytes this cell pulled to its device (0: the device had it)

    @property
    def crashed(self) -> bool:
        return any(kind == CRASH for _, _, kind, _ in self.measurements)


def resources(cell: Cell, version: str) -> dict[str, float]:
    """What a worker must advertise to run this cell: its device kind, this edgebench, the artifact's runtime."""
    return {cell.device: 1, VERSION_PREFIX + version: 1, BACKEND_PREFIX + cell.artifact.backend: 1}


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def plan_cells(device: str, store: Store, artifacts: list[ArtifactFiles], reference: ArtifactFiles | None,
               config: PlanConfig, loaded: dict, chunk_items: int) -> list[Cell]:
    """Every cell of the plan on one device that its store does not hold yet. Suite chunks are cut from the
    full item list (the same chunks in every session), then keep only their missing items."""
    cells = []
    drift = config.drift and reference is not None and config.drift_windows != 0
    if drift and not (store.folder / REFERENCE_FILE).is_file():
        cells.append(Cell(device, REFERENCE, reference))
    items = [i for _, suite_items in loaded.values() for i in suite_items]
    for a in artifacts:
        if config.speed and not store.has_measurement(a.digest, a.backend, SPEED):
            cells.append(Cell(device, SPEED, a))
        if drift and not store.has_measurement(a.digest, a.backend, DRIFT):
            cells.append(Cell(device, DRIFT, a))
        if config.suites:
            for n, chunk in enumerate(chunks(items, chunk_items)):
                todo = missing_items(store, a.digest, a.backend, chunk, config)
                if todo:
                    cells.append(Cell(device, SUITES, a, tuple(i.id for i in todo), n))
    return cells


def store_result(store: Store, result: CellResult) -> None:
    """Write a cell's rows into its device's store (samples in one transaction), merge its notes, time and
    suite facts, keep its drift reference, and log where and when it ran."""
    if result.samples:
        store.add_item(result.samples)
    for digest, backend, kind, value in result.measurements:
        store.add_measurement(digest, backend, kind, value)
    if result.reference is not None and not (store.folder / REFERENCE_FILE).is_file():
        partial = store.folder / f".{REFERENCE_FILE}.partial"
        partial.write_bytes(result.reference)
        os.replace(partial, store.folder / REFERENCE_FILE)  # atomic: a killed coordinator leaves none or all of it
    notes = store.meta("notes", {})
    if result.stage == DRIFT or result.stage == REFERENCE:
        notes.pop("drift", None)  # a reference that now exists
    notes.update(result.notes)
    store.set_meta("notes", notes)
    seconds = store.meta("seconds", {})
    for label, spent in result.seconds.items():
        seconds[label] = round(seconds.get(label, 0) + spent, 1)
    store.set_meta("seconds", seconds)
    stages = store.meta("stage_seconds", {})
    stages[result.stage] = round(stages.get(result.stage, 0) + result.ended - result.started, 1)
    store.set_meta("stage_seconds", stages)
    store.set_meta("suites", {**store.meta("suites", {}), **result.suites})
    if store.meta("host") is None:  # the first worker of this device kind describes it
        store.set_meta("host", result.host)
        store.set_meta("settings", result.settings)
    log = store.meta("fleet_cells", [])
    log.append({"cell": result.cell, "worker": result.worker, "resources": result.resources, "started": result.started,
                "ended": result.ended, "fetched_bytes": result.fetched_bytes, "crashed": result.crashed})
    store.set_meta("fleet_cells", log)
