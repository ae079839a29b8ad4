"""A report of two devices' runs of one plan (a laptop's and a Pi's): one table of each kind, one row per
artifact per device, the device (profile on host name) named on every row, in every format."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from bench.render import to_csv, to_json, to_markdown
from bench.report import load_report
from bench.report_tables import print_report
from bench.store import Store
from edge.errors import EdgebenchError

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden" / "tiny-run.sqlite"


@pytest.fixture
def two_devices(tmp_path) -> list[Path]:
    folders = []
    for name, profile, hostname in (("laptop-run", "laptop-cpu", "thinkpad"), ("pi-run", "rpi5", "kitchen-pi")):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(GOLDEN, folder / "results.sqlite")
        with Store.open(folder, write=True, resume=True) as store:
            store.set_meta("profile", profile)
            store.set_meta("host", {**store.meta("host", {}), "hostname": hostname})
        folders.append(folder)
    return folders


def test_one_table_one_row_per_artifact_per_device(two_devices):
    rows = load_report(two_devices)
    assert [(r.device_name, r.label) for r in rows] == [
        ("laptop-cpu on thinkpad", "gguf:f16"), ("laptop-cpu on thinkpad", "gguf:q8_0"), ("laptop-cpu on thinkpad", "gguf:q2_k"),
        ("rpi5 on kitchen-pi", "gguf:f16"), ("rpi5 on kitchen-pi", "gguf:q8_0"), ("rpi5 on kitchen-pi", "gguf:q2_k")]
    markdown = to_markdown(rows)
    quality = [line for line in markdown.splitlines() if line.startswith("| device (run) | artifact |")]
    assert len(quality) == 1  # one quality table for both devices
    assert markdown.count("| rpi5 on kitchen-pi (pi-run) | gguf:q8_0 |") == 2 + 1 + 1  # speed (pp, tg), quality and flips rows
    assert "rpi5 on kitchen-pi (pi-run): No quant level can be recommended yet" in markdown
    records = json.loads(to_json(rows))
    assert [r["device"].split(":")[0] for r in records] == ["laptop-cpu on thinkpad"] * 3 + ["rpi5 on kitchen-pi"] * 3
    assert to_csv(rows).count("rpi5 on kitchen-pi") == 3


def test_the_terminal_and_html_name_the_device_on_every_row(two_devices):
    rows = load_report(two_devices)
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    print_report(rows, console)
    text = console.export_text()
    assert text.count("Size and speed") == 1 and text.count("kitchen-pi") >= 6
    pytest.importorskip("matplotlib")
    from bench.html_report import render

    page = render(rows)
    assert page.count("<table") == 1 and page.count("<td>rpi5 on kitchen-pi (pi-run)</td>") == 3


def test_a_folder_given_twice_is_refused(two_devices):
    with pytest.raises(EdgebenchError, match="given twice"):
        load_report([two_devices[0], two_devices[1], two_devices[0]])
