"""manifest.json: what an artifact is and where it came from. Written atomically and last:
a folder without a manifest is not an artifact (an interrupted conversion), and is rebuilt."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"


@dataclass
class Manifest:
    target: str
    format: str
    quant: str
    source: str
    source_hash: str
    adapter_hash: str | None
    options: dict
    bits_per_weight: float
    size_bytes: int
    files: list[str]
    tool_versions: dict[str, str]
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    temper_hash: str | None = None  # the head-tempering edit (convert/temper.py), part of the identity like the adapter
    temper: dict | None = None  # its heads, lambdas, origin and label tag

    @property
    def key(self) -> dict:
        """What must match for an existing artifact to be reused."""
        return key_of(self.target, self.source_hash, self.adapter_hash, self.options, self.temper_hash)


def key_of(target: str, source_hash: str, adapter_hash: str | None, options: dict, temper_hash: str | None) -> dict:
    """An unedited artifact's key has no temper entry, so artifacts built before tempering existed are reused."""
    key = {"target": target, "source_hash": source_hash, "adapter_hash": adapter_hash, "options": options}
    return {**key, "temper_hash": temper_hash} if temper_hash else key


def write_manifest(folder: Path, manifest: Manifest) -> None:
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(asdict(manifest), indent=2))
    os.replace(tmp, folder / MANIFEST)


def read_manifest(folder: Path) -> Manifest | None:
    try:
        return Manifest(**json.loads((folder / MANIFEST).read_text()))
    except (OSError, ValueError, TypeError):
        return None
