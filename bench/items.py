"""Prompt items: one JSON object per line with an id, a family and chat `messages`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from edge.errors import EdgebenchError

DATA_DIR = Path(__file__).resolve().parent / "data"
SMOKE_SET = DATA_DIR / "smoke.jsonl"


@dataclass(frozen=True)
class Item:
    id: str
    family: str
    messages: list[dict]
    domain: str = ""
    gold: dict = field(default_factory=dict)
    suite: str = "smoke"
    source: object = field(default=None, compare=False, repr=False)  # the suite's own item


def load_items(path: Path = SMOKE_SET) -> list[Item]:
    """Read a JSONL file of items; a bad line is reported with its line number."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(Item(id=row["id"], family=row["family"], messages=row["messages"],
                              domain=row.get("domain", ""), gold=row.get("gold", {})))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EdgebenchError(f"{path}:{number}: not a valid item ({exc})")
    return items
