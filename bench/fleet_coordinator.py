"""The coordinator of a fleet run: one plan across many devices on Dask, every row into its
device's results store here.

`run_fleet_plan` connects to the scheduler, starts the file server that artifacts are fetched
from (bench/fleet_transfer.py), refuses the workers that cannot run the plan (another
edgebench, a missing runtime: one line each), plans the cells each device's store lacks
(bench/fleet_cells.py), submits each with `resources={device: 1, ...}` and writes each result
as it arrives. Dask does the scheduling and the retries: a worker that dies mid-cell has that
cell given to another worker with the same resources (up to the scheduler's
`distributed.scheduler.allowed-failures`, then it is reported as not run); a device left with
no usable worker for `worker_wait_s` has its remaining cells reported as not run. The
coordinator killed and started again with --resume plans only what the stores still lack.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field

from bench.execute import CRASH, PlanConfig
from bench.fleet_cells import DRIFT, FILES_PREFIX, REFERENCE, CellJob, plan_cells, resources, store_result
from bench.fleet_transfer import ArtifactFiles, describe
from bench.fleet_worker import BACKEND_PREFIX, MEMORY, VERSION_PREFIX, code_version, require_dask
from bench.store import Store
from edge.artifacts import Artifact, artifact_identity
from edge.errors import EdgebenchError

FILE_SERVER_START_S = 60.0


@dataclass(frozen=True)
class FleetConfig:
    """How a plan is spread over the fleet; each default lives here only."""

    scheduler: str  # the Dask scheduler's address, tcp://HOST:8786
    devices: tuple[str, ...] | None = None  # device kinds (profile names); None: every kind with a worker now
    chunk_items: int = 2  # suite items per cell: what a worker dying mid-cell costs at most
    worker_wait_s: float = 60.0  # a device with cells left and no usable worker this long: its cells are not run
    threads: int | None = None  # the run's --threads and --repack, over each device's profile
    repack: str | None = None


@dataclass
class FleetOutcome:
    ran: list[str] = field(default_factory=list)  # cell names, in the order they were stored
    not_run: dict[str, str] = field(default_factory=dict)  # cell name -> why
    refused: list[str] = field(default_factory=list)  # one line per refused worker


def device_of(worker_resources: dict) -> str | None:
    """The device kind a worker advertises: its one resource that is not a version, a runtime or memory."""
    kinds = [k for k in worker_resources if not k.startswith((VERSION_PREFIX, BACKEND_PREFIX, FILES_PREFIX)) and k != MEMORY]
    return kinds[0] if len(kinds) == 1 else None


def refusal(name: str, worker_resources: dict, version: str, backends: set[str]) -> str | None:
    """Why this worker gets no cell of the run, in one line naming it; None when it can run them."""
    device = device_of(worker_resources)
    theirs = [k[len(VERSION_PREFIX):] for k in worker_resources if k.startswith(VERSION_PREFIX)]
    if VERSION_PREFIX + version not in worker_resources:
        return (f"worker {name} ({device}) runs edgebench {theirs[0] if theirs else '(unknown)'}, this run needs "
                f"{version}: refused; install the coordinator's edgebench there")
    missing = sorted(b for b in backends if BACKEND_PREFIX + b not in worker_resources)
    if missing:
        from edge.backend import BACKENDS

        installs = "; ".join(f"{b}: {BACKENDS[b].install}" for b in missing)
        return f"worker {name} ({device}) lacks the runtime of {', '.join(missing)}: refused for those cells ({installs})"
    return None


class FleetConnection:
    """The client, the coordinator's file server, and what the run sees of the workers. A context manager."""

    def __init__(self, scheduler: str) -> None:
        require_dask()
        from distributed import Client

        self.scheduler = scheduler
        try:
            # Dask's own connect timeout (distributed.comm.timeouts.connect, 30 s by default; the environment's
            # DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT sets it)
            self.client = Client(scheduler)
        except OSError as exc:
            raise EdgebenchError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start it with: dask scheduler") from None
        self.files = FILES_PREFIX + secrets.token_hex(4)
        self.server = subprocess.Popen([sys.executable, "-m", "bench.fleet_transfer", scheduler, self.files],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + FILE_SERVER_START_S
        while not any(self.files in w for w in self.workers().values()):
            if self.server.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise EdgebenchError(f"the file server did not join the scheduler at {scheduler}; check that this "
                                     "machine can reach it")
            time.sleep(0.2)

    def workers(self) -> dict[str, dict]:
        """Worker name -> its resources."""
        info = self.client.scheduler_info(n_workers=-1)["workers"].values()
        return {w.get("name") or w["id"]: w.get("resources") or {} for w in info}

    def devices(self, wait_s: float) -> list[str]:
        """The device kinds of the workers joined now (waiting up to wait_s for a first one)."""
        deadline = time.monotonic() + wait_s
        while True:
            kinds = sorted({d for d in map(device_of, self.workers().values()) if d})
            if kinds or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if not kinds:
            raise EdgebenchError(f"no edgebench worker has joined the scheduler at {self.scheduler} in {wait_s:g} s; "
                                 f"start one on each device: edgebench worker {self.scheduler} --profile NAME")
        return kinds

    def __enter__(self) -> "FleetConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()
        self.client.close()


def run_fleet_plan(connection: FleetConnection, stores: dict[str, Store], artifacts: list[Artifact],
                   reference: Artifact | None, config: PlanConfig, loaded: dict, fleet: FleetConfig, say,
                   on_stored=None) -> FleetOutcome:
    """Run the plan on every device of `stores` (device kind -> its open store); everything stored is skipped.
    on_stored(result) is called after each cell's rows are written."""
    from collections import Counter

    from distributed.client import FutureCancelledError

    from bench.fleet_task import run_cell

    files = {a.path: describe(a, artifact_identity(a)) for a in [*artifacts, *([reference] if reference else [])]}
    ref_files = files[reference.path] if reference is not None else None
    job = CellJob(config, fleet.threads, fleet.repack, connection.files, code_version())
    client, outcome = connection.client, FleetOutcome()
    backends = {files[a.path].backend for a in artifacts}
    pending = {}
    for device, store in stores.items():
        for artifact in artifacts:
            digest = files[artifact.path].digest
            store.add_artifact(digest, artifact, is_reference=ref_files is not None and digest == ref_files.digest)
        fitting = _fitting(connection, device, [files[a.path] for a in artifacts], store, say)
        cells = plan_cells(device, store, fitting, ref_files, config, loaded, fleet.chunk_items)
        reference_future = None
        for cell in cells:  # the reference first: a device's drift cells wait for its reference
            extra = () if cell.stage != DRIFT else (reference_future if reference_future is not None
                                                    else _saved_reference(store),)
            future = client.submit(run_cell, cell, job, *extra, key=f"{cell.name}#{secrets.token_hex(3)}",
                                   resources=resources(cell, job.version), pure=False)
            if cell.stage == REFERENCE:
                reference_future = future
            pending[future] = cell
        say(f"{device}: {len(cells)} cell(s) to run")
    planned = Counter((c.device, c.artifact.digest) for c in pending.values())
    clean: Counter = Counter()
    without_worker: dict[str, float] = {}
    while pending:
        _refuse(connection, job.version, backends, outcome, say)
        for future in [f for f in pending if f.done()]:
            cell = pending.pop(future)
            try:
                result = future.result()
            except FutureCancelledError:
                continue  # cancelled for want of a worker: already reported
            except Exception as exc:  # noqa: BLE001 -- a cell's failure is reported, the run goes on
                outcome.not_run[cell.name] = _why(exc)
                say(f"{cell.name}: not run ({outcome.not_run[cell.name]})")
                continue
            store_result(stores[cell.device], result)
            outcome.ran.append(cell.name)
            key = (cell.device, cell.artifact.digest)
            clean[key] += not result.crashed
            if clean[key] == planned[key]:  # every cell of this artifact got through: a past crash was retried
                stores[cell.device].remove_measurement(cell.artifact.digest, cell.artifact.backend, CRASH)
            say(f"{cell.name}: done on {result.worker} in {result.ended - result.started:.1f} s"
                + (f", fetched {result.fetched_bytes / 2**20:.1f} MiB" if result.fetched_bytes else ""))
            if on_stored is not None:
                on_stored(result)
        _give_up_without_workers(connection, pending, job.version, fleet, without_worker, outcome, say)
        time.sleep(0.2)
    return outcome


def _fitting(connection: FleetConnection, device: str, files: list[ArtifactFiles], store: Store, say) -> list[ArtifactFiles]:
    """The artifacts within the device's memory budget (memory-gb of its workers, when any is known yet)."""
    budgets = [r[MEMORY] for r in connection.workers().values() if device_of(r) == device and MEMORY in r]
    if not budgets:
        return files
    budget, notes, kept = max(budgets), store.meta("notes", {}), []
    for a in files:
        if a.size / 2**30 > budget:
            notes[a.label] = f"skipped: needs {a.size / 2**30:.2f} GiB, the profile allows {budget:g} GiB"
            say(f"{device}: {a.label}: {notes[a.label]}")
        else:
            kept.append(a)
    store.set_meta("notes", notes)
    return kept


def _saved_reference(store: Store) -> bytes | None:
    from bench.execute import REFERENCE_FILE

    path = store.folder / REFERENCE_FILE
    return path.read_bytes() if path.is_file() else None


def _refuse(connection: FleetConnection, version: str, backends: set[str], outcome: FleetOutcome, say) -> None:
    for name, found in connection.workers().items():
        if device_of(found) is None:
            continue  # a file server, or a worker that is not edgebench's
        line = refusal(name, found, version, backends)
        if line and line not in outcome.refused:
            outcome.refused.append(line)
            say(line)


def _give_up_without_workers(connection: FleetConnection, pending: dict, version: str, fleet: FleetConfig,
                             without_worker: dict[str, float], outcome: FleetOutcome, say) -> None:
    """Cancel the cells of a device that has had no worker able to run them for worker_wait_s."""
    workers = list(connection.workers().values())
    now = time.monotonic()
    for device in {cell.device for cell in pending.values()}:
        cells = {f: c for f, c in pending.items() if c.device == device}
        able = any(all(k in w for k in resources(c, version)) for w in workers for c in cells.values())
        if able:
            without_worker.pop(device, None)
            continue
        since = without_worker.setdefault(device, now)
        if now - since >= fleet.worker_wait_s:
            why = f"no worker of device {device} able to run it for {fleet.worker_wait_s:g} s"
            connection.client.cancel(list(cells))
            for future, cell in cells.items():
                outcome.not_run[cell.name] = why
                pending.pop(future)
            say(f"{device}: {len(cells)} cell(s) not run ({why}); --resume runs them once a worker is up")


def _why(exc: BaseException) -> str:
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return "every worker that took it died while running it"
    return " ".join(str(exc).split()) or type(exc).__name__
