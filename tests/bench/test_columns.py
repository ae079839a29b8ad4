"""A new per-artifact figure is one entry of bench/columns.py:COLUMNS, and every view shows it."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from rich.console import Console

from bench import columns
from bench.columns import FIDELITY, HTML, MD, RECORD, Column
from bench.html_report import group_html
from bench.render import to_csv, to_json, to_markdown
from bench.report import load_report
from bench.report_tables import print_report

DATA = Path(__file__).resolve().parent.parent / "data" / "golden"


def test_one_column_entry_reaches_every_view(tmp_path, monkeypatch):
    (tmp_path / "run").mkdir()
    shutil.copy(DATA / "synthetic-run.sqlite", tmp_path / "run" / "results.sqlite")
    rows = load_report([tmp_path / "run"])
    ppl = Column("ppl_ratio", "PPL×", lambda r: r.drift.ppl_ratio if r.drift else None, ".3f", 3,
                 frozenset({RECORD, MD, HTML, FIDELITY}))
    monkeypatch.setattr(columns, "COLUMNS", (*columns.COLUMNS, ppl))
    assert json.loads(to_json(rows))[1]["ppl_ratio"] == 1.02
    assert list(csv.DictReader(io.StringIO(to_csv(rows))))[2]["ppl_ratio"] == "1.04"
    assert "| PPL× |" in to_markdown(rows) and "| 1.020 |" in to_markdown(rows)
    assert "<th>PPL×</th>" in group_html("run", "device", rows)
    console = Console(width=160, record=True, force_terminal=False)
    print_report(rows, console)
    assert "PPL×" in console.export_text()
