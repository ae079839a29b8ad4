"""Read a user's JSONL file line by line: every problem is one error naming the file and line."""

from __future__ import annotations

import json
from pathlib import Path

from edge.errors import EdgebenchError


def read_lines(path: Path, what: str) -> list[tuple[int, object]]:
    """(line number, parsed JSON) for every non-empty line; `what` names the file in errors ("samples")."""
    if not path.is_file():
        raise EdgebenchError(f"{what} file not found: {path}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if line.strip():
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise EdgebenchError(f"{path}:{number}: not JSON ({exc.msg})") from None
    return rows
