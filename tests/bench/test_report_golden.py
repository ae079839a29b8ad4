"""Every report format of two stored runs, compared byte for byte with golden files.

The runs are results stores kept in tests/data/golden/ (tests/bench/golden_runs.py says how
they were made): a real run of a tiny model and a synthetic one with a star, flips and findings.
Each is reported alone and both merged, as the terminal table at 100 columns, markdown, csv,
json and HTML. A refactor of the report code must leave every file as it is; a deliberate
change rewrites them with EDGEBENCH_UPDATE_GOLDEN=1 and shows in the diff.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from bench.render import to_csv, to_json, to_markdown
from bench.report import load_report
from bench.report_tables import print_report

DATA = Path(__file__).resolve().parent.parent / "data" / "golden"
RUNS = {"tiny": ["tiny-run"], "synthetic": ["synthetic-run"], "merged": ["tiny-run", "synthetic-run"]}
UPDATE = os.environ.get("EDGEBENCH_UPDATE_GOLDEN") == "1"


def _table(rows) -> str:
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None, force_terminal=False,
                      legacy_windows=False)
    print_report(rows, console)
    return console.export_text()


def _html(rows) -> str:
    pytest.importorskip("matplotlib")
    from bench.html_report import render

    return render(rows)


FORMATS = {"table.txt": _table, "md": to_markdown, "csv": to_csv, "json": to_json, "html": _html}


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> Path:
    """The stored runs as run folders, under names that the reports print (relative to the folder)."""
    root = tmp_path_factory.mktemp("golden")
    for name in ("tiny-run", "synthetic-run"):
        (root / name).mkdir()
        shutil.copy(DATA / f"{name}.sqlite", root / name / "results.sqlite")
    return root


@pytest.fixture(scope="module")
def reports(folders):
    """Each set of runs read and decided once (the formats only draw)."""
    cache = {}

    def rows(runs: str):
        if runs not in cache:
            cwd = os.getcwd()
            os.chdir(folders)
            try:
                cache[runs] = load_report([Path(r) for r in RUNS[runs]])
            finally:
                os.chdir(cwd)
        return cache[runs]
    return rows


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("runs", RUNS)
def test_reports_are_byte_identical(reports, folders, monkeypatch, runs, fmt):
    monkeypatch.chdir(folders)  # the HTML report reads the run folders again (the adapter's loss curves)
    text = FORMATS[fmt](reports(runs))
    golden = DATA / f"{runs}.{fmt}"
    if UPDATE or not golden.exists():
        golden.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == golden.read_bytes(), f"{golden.name} changed"
