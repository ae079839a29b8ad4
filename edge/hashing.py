"""Content hashes that key artifacts: the same inputs give the same hash, whatever their paths."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def hash_path(path: Path) -> str:
    """sha256 of a file, or of a folder's files (names and contents, sorted), hex."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        digest.update(str(f.relative_to(path.parent if path.is_file() else path)).encode())
        with open(f, "rb") as handle:
            while block := handle.read(CHUNK):
                digest.update(block)
    return digest.hexdigest()


def hash_text(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()
