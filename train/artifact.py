"""Training outputs as artifacts: a folder written under a temporary name and renamed into
place, its manifest.json written last, like convert's artifacts; a stage whose folder holds a
manifest for the same inputs is reused, and anything else under that name is rebuilt.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from importlib import metadata
from pathlib import Path
from typing import Callable

from edge.errors import EdgebenchError

MANIFEST = "manifest.json"
TOOLS = ("torch", "transformers", "peft", "trl", "llama-cpp-python", "edgebench")


def tool_versions() -> dict[str, str]:
    versions = {}
    for dist in TOOLS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def reusable(folder: Path, key: dict) -> dict | None:
    """The folder's manifest when it was made from exactly these inputs, else None."""
    manifest = read_manifest(folder)
    as_stored = json.loads(json.dumps(key, default=str))  # tuples come back from JSON as lists
    return manifest if manifest is not None and manifest.get("key") == as_stored else None


def checkpoint_folder(out: Path, resume: bool) -> Path:
    """Where a stage writing `out` keeps its checkpoints (beside it, hidden); emptied unless resuming."""
    folder = out.with_name(f".{out.name}.checkpoint")
    if not resume:
        shutil.rmtree(folder, ignore_errors=True)
    return folder


def write_artifact(folder: Path, key: dict, fill: Callable[[Path], dict]) -> dict:
    """fill(staging) writes the files and returns the manifest's fields; the manifest (with `key`, the
    inputs that identify it) goes in last, then the folder is renamed into place. Nothing half-written
    stays behind: a failure removes the staging folder."""
    folder = Path(folder)
    staging = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise EdgebenchError(f"cannot write {folder} ({exc.strerror or exc}); choose another --out") from None
    started = time.time()
    try:
        fields = fill(staging)
        manifest = {"key": key, **fields, "tool_versions": tool_versions(),
                    "written": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started))}
        tmp = staging / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, staging / MANIFEST)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def read_jsonl(path: Path) -> list[dict]:
    from bench.jsonl import read_lines

    return [row for _, row in read_lines(Path(path), "training data")]
