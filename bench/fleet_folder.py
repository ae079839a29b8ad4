"""The folder of a fleet run: `fleet.json` (scheduler, devices, plan) and one run folder per
device kind beside it, each with its own results.sqlite keyed exactly as a local run's.

One store per device keeps every row keyed as today's rows (a device is not part of a row's
key: two devices' rows of one artifact would otherwise collide), lets every existing reader
(report, compare RUN@LABEL) read a device's rows as a run of that device, and makes the
report's merge per device the merge of run folders it already is. Only the coordinator
writes these stores; workers send rows, never files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.store import DB_NAME, Store
from edge.errors import EdgebenchError

FLEET_FILE = "fleet.json"


def is_fleet(folder: Path) -> bool:
    return (Path(folder) / FLEET_FILE).is_file()


def read_record(folder: Path) -> dict:
    try:
        return json.loads((Path(folder) / FLEET_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EdgebenchError(f"{folder}/{FLEET_FILE} is not readable ({exc}); the fleet run cannot be resumed") from None


def write_record(folder: Path, record: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{FLEET_FILE}.partial"
    partial.write_text(json.dumps(record, indent=2), encoding="utf-8")
    os.replace(partial, folder / FLEET_FILE)


def device_folders(folder: Path) -> list[Path]:
    """The run folder of each device of a fleet run, in the order the run named them."""
    return [Path(folder) / device for device in read_record(folder)["devices"] if (Path(folder) / device / DB_NAME).is_file()]


def expand(folders: list[Path]) -> list[Path]:
    """Run folders, with each fleet folder replaced by its devices' folders (what a report merges)."""
    out = []
    for folder in folders:
        out += device_folders(folder) if is_fleet(folder) else [Path(folder)]
    return out


def open_stores(folder: Path, devices: list[str], resume: bool) -> dict[str, Store]:
    """Each device's store under the fleet folder, for writing; refuses as Store.open does (a run there
    without --resume, a second writer)."""
    stores = {}
    try:
        for device in devices:
            stores[device] = Store.open(folder / device, write=True, resume=resume)
    except EdgebenchError:
        for store in stores.values():
            store.close()
        raise
    return stores
