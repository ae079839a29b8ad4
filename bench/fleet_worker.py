"""A fleet worker: a Dask worker on one device, with one task slot, that says what it is in
its resources.

    dask scheduler                                  # anywhere the devices can reach
    edgebench worker tcp://HOST:8786 --profile rpi5  # on each device

Resources (Dask's own mechanism pins a cell to a device; bench/fleet_cells.py asks for them):
the profile name (`rpi5 = 1`: the device kind), `edgebench-VERSION = 1` (this edgebench's
version and a hash of its code, so a worker with other code gets no cell), `backend-NAME = 1`
for each runtime installed here, and `memory-gb` (the profile's memory budget). One slot
(nthreads=1) means one cell at a time on a device, so a speed cell never shares it; each
cell runs in a child process (bench/fleet_task.py), so this process is idle while speed is
timed. No nanny: killing this process is killing the worker, and a cell's child dies with it.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from importlib import metadata
from pathlib import Path

from edge.errors import EdgebenchError

PACKAGES = ("edge", "bench", "edgebench")  # the code a worker and its coordinator must share
VERSION_PREFIX = "edgebench-"
BACKEND_PREFIX = "backend-"
MEMORY = "memory-gb"
CACHE_ENV = "EDGEBENCH_FLEET_CACHE"  # where a worker keeps the artifacts it received (bench/fleet_transfer.py)


def code_version() -> str:
    """This edgebench's version plus the sha256 of its code (8 hex digits): two checkouts of one version
    with other code would write other rows."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".toml", ".jsonl", ".txt"):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    try:
        version = metadata.version("edgebench")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    return f"{version}+{digest.hexdigest()[:8]}"


def worker_resources(profile, installed: list[str], version: str) -> dict[str, float]:
    """The resources a worker of this profile advertises (see the module docstring)."""
    resources = {profile.name: 1.0, VERSION_PREFIX + version: 1.0, MEMORY: float(profile.memory_budget_gb)}
    resources.update({BACKEND_PREFIX + name: 1.0 for name in installed})
    return resources


def require_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise EdgebenchError("the fleet needs Dask: pip install 'edgebench[fleet]'") from None


def serve(scheduler: str, resources: dict[str, float], name: str, nthreads: int = 1) -> None:
    """Run a Dask worker until it is stopped (Ctrl-C, a signal, the scheduler closing)."""
    import asyncio

    from distributed import Worker

    async def run() -> None:
        # memory_limit=0: the cells' memory is in their child processes, which Dask does not see; the profile's
        # budget (memory-gb) is what the coordinator plans with
        async with Worker(scheduler, nthreads=nthreads, resources=resources, name=name, memory_limit=0) as worker:
            await worker.finished()

    try:
        asyncio.run(run())
    except OSError as exc:
        raise EdgebenchError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start it with: dask scheduler") from None


def watch_parent(parent: int, kill_group: bool = False) -> None:
    """End this process (and with kill_group its process group) when `parent` is gone: a killed worker or
    coordinator must not leave a cell or a file server running on its own."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        if kill_group:
            os.killpg(os.getpgrp(), 9)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="edgebench-parent-watch").start()


def start_worker(scheduler: str, profile_name: str | None = None, cache: Path | None = None) -> None:
    """`edgebench worker`: resolve this device's profile, advertise it, and serve cells."""
    require_dask()
    from edge.backend import BACKENDS, runtime_installed
    from edge.profiles import device_settings

    host, profile, _ = device_settings(profile_name)
    installed = [name for name in profile.backends if name in BACKENDS and runtime_installed(name)]
    if not installed:
        raise EdgebenchError(f"profile {profile.name} lists {', '.join(profile.backends)} and none of their runtimes "
                             f"is installed here: {BACKENDS[profile.backends[0]].install}")
    cache = Path(cache or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "edgebench" / "fleet")
    cache.mkdir(parents=True, exist_ok=True)
    os.environ[CACHE_ENV] = str(cache.resolve())
    resources = worker_resources(profile, installed, code_version())
    name = f"{profile.name}@{socket.gethostname()}-{os.getpid()}"
    print(f"edgebench worker {name}: {', '.join(f'{k}={v:g}' for k, v in resources.items())}; cache {cache}", flush=True)
    serve(scheduler, resources, name)
