"""Artifacts travel to fleet workers through Dask, once per device, checked by sha256.

The coordinator describes each artifact as its files with sizes and sha256 (`describe`)
and starts a small Dask worker of its own, the file server (`python -m bench.fleet_transfer
SCHEDULER RESOURCE`), that holds the one resource named RESOURCE and so is the only place
`read_chunk` tasks run. A cell on a device calls `fetch`: if the device's cache holds the
artifact (a folder named by its identity, with a record of the hashes it was checked
against) it is used as it is; otherwise the cell pulls it chunk by chunk through Dask
(`read_chunk` on the file server, the bytes sent by Dask's own transfer), checks every file's
sha256, and renames the folder into place. A worker that dies loses nothing the next worker
needs: the files stay with the coordinator, not in a worker's memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from edge.artifacts import Artifact
from edge.errors import EdgebenchError

CHUNK = 16 << 20  # bytes per read_chunk task: well under Dask's 50 MB transfer message limit
CHUNK_TIMEOUT_S = 120.0  # a chunk not delivered by then: the file server (the coordinator) is gone
RECORD = ".edgebench-files.json"  # in a cached artifact folder: the hashes it was checked against


@dataclass(frozen=True)
class ArtifactFiles:
    """What a device needs of one artifact: its identity, where it is on the coordinator, its files."""

    digest: str  # artifact_identity: the key of its rows
    label: str
    backend: str
    root: str  # the coordinator's folder that the file paths are relative to
    files: tuple[tuple[str, int, str], ...]  # (relative path, size, sha256)
    load: str  # relative path of what the backend loads (a .gguf file or the folder itself: ".")

    @property
    def size(self) -> int:
        return sum(size for _, size, _ in self.files)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def describe(artifact: Artifact, digest: str) -> ArtifactFiles:
    """The files that make the artifact: a folder's every file; a GGUF file with its manifest beside it (the
    manifest is part of a converted artifact's identity), alone when it has none."""
    path = Path(artifact.path).resolve()
    if path.is_dir():
        root, paths, load = path, sorted(p for p in path.rglob("*") if p.is_file()), "."
    else:
        root, load = path.parent, path.name
        paths = [path] + [m for m in [root / "manifest.json"] if m.is_file()]
    files = tuple((str(p.relative_to(root)), p.stat().st_size, _sha256(p)) for p in paths)
    return ArtifactFiles(digest, artifact.label, artifact.backend, str(root), files, load)


def read_chunk(path: str, offset: int, size: int) -> bytes:
    """One piece of a file on the coordinator (runs on the file server only)."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(size)


def cached(files: ArtifactFiles, cache: Path) -> Path | None:
    """The artifact's folder in this device's cache, if it is there and was checked against these hashes."""
    folder = cache / files.digest
    try:
        record = json.loads((folder / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if record != [list(f) for f in files.files]:
        return None
    if any((folder / rel).stat().st_size != size if (folder / rel).is_file() else True for rel, size, _ in files.files):
        return None
    return folder


def fetch(files: ArtifactFiles, cache: Path, files_resource: str) -> tuple[Path, int]:
    """(the local path to load, bytes transferred): from the cache, or pulled through Dask and checked.
    Runs inside a task on a worker; it keeps the worker's one slot while it waits, on purpose."""
    folder = cached(files, cache)
    if folder is not None:
        return folder / files.load, 0
    from distributed import get_client

    client = get_client()
    partial = cache / f".{files.digest}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    for rel, size, sha in files.files:
        target = partial / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            for offset in range(0, size, CHUNK) or [0]:
                if not _serving(client, files_resource):
                    raise EdgebenchError(f"the coordinator's file server is gone; {files.label} cannot be fetched")
                future = client.submit(read_chunk, str(Path(files.root) / rel), offset, CHUNK, pure=False,
                                       resources={files_resource: 1})
                handle.write(future.result(timeout=CHUNK_TIMEOUT_S))
                future.release()
        if _sha256(target) != sha:
            shutil.rmtree(partial, ignore_errors=True)
            raise EdgebenchError(f"{files.label}: {rel} arrived with another sha256 than the coordinator's; refused")
    (partial / RECORD).write_text(json.dumps([list(f) for f in files.files]))
    folder = cache / files.digest
    shutil.rmtree(folder, ignore_errors=True)  # a copy checked against other hashes (the artifact was rebuilt)
    partial.rename(folder)
    return folder / files.load, files.size


def _serving(client, resource: str) -> bool:
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return any(resource in (w.get("resources") or {}) for w in workers)


def main(argv: list[str]) -> None:
    """The coordinator's file server: a Dask worker holding only RESOURCE, dying with its parent."""
    from bench.fleet_worker import serve, watch_parent

    scheduler, resource = argv
    watch_parent(os.getppid())
    serve(scheduler, {resource: 1}, name=resource, nthreads=2)


if __name__ == "__main__":
    main(sys.argv[1:])
