"""`edgebench worker SCHEDULER`: this device joins a fleet (bench/fleet_worker.py).

    dask scheduler                                   # once, anywhere the devices can reach
    edgebench worker tcp://HOST:8786 --profile rpi5  # on each device; Ctrl-C to leave
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from edgebench.flags import Profile


def worker(
    scheduler: str = typer.Argument(..., help="The Dask scheduler's address, e.g. tcp://192.168.1.10:8786 (start it with: dask scheduler)."),
    profile: Profile = None,
    cache: Optional[Path] = typer.Option(None, help="Folder for the artifacts this device receives (kept between runs, checked by sha256); default: ~/.cache/edgebench/fleet."),
) -> None:
    """Join a fleet as this device: one cell at a time, each in a child process, with the profile's resources."""
    from bench.fleet_worker import start_worker

    start_worker(scheduler, profile, cache)
