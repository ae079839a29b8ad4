"""Low-bit rungs that barely shrink: a stored run with the embedded model's ladder sizes, and every view says so."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from bench.report import load_report, thin_rungs
from bench.store import Store

MIB = 2**20
# label, MiB, KL mean against the reference: the embedded model's sizes (q3_k_m and q2_k hardly smaller than q4_k_m)
LADDER = (("gguf:f16", 258.0, None), ("gguf:q8_0", 137.0, 0.002), ("gguf:q4_k_m", 101.0, 0.05),
          ("gguf:q3_k_m", 89.0, 0.12), ("gguf:q2_k", 85.5, 0.40), ("onnx:int4", 99.0, 0.30))


def stored_run(folder: Path, ladder=LADDER) -> Path:
    with Store.open(folder, write=True) as store:
        store.set_meta("profile", "rpi5")
        store.set_meta("host", {"cpu": "Cortex-A76"})
        store.set_meta("settings", {"threads": 4})
        for n, (label, mib, kl) in enumerate(ladder):
            fmt, quant = label.split(":")
            store.add_artifact(label, SimpleNamespace(label=label, format=fmt, quant=quant, path=f"/x/{n}",
                                                      size_bytes=int(mib * MIB), n_params=135_000_000,
                                                      bits_per_weight=8 * mib * MIB / 135e6), n == 0)
            backend = "onnx" if fmt == "onnx" else "llamacpp"
            if kl is not None:
                store.add_measurement(label, backend, "drift", {"kl_mean": kl, "top1_agreement": 0.9,
                                                                "top1_stderr": 0.01, "ppl_ratio": 1.1})
    return folder


def test_the_thin_rungs_are_named_with_the_rung_to_ship(tmp_path):
    rows = load_report([stored_run(tmp_path / "run")])
    found = {r.label: r.findings for r in rows}
    # q3_k_m saves 12 % over q4_k_m: enough; q2_k saves 4 % over q3_k_m and drifts further
    assert found["gguf:q2_k"] == ("q2_k saves 4 % over q3_k_m and loses fidelity (KL 0.4 against 0.12): ship q3_k_m",)
    assert not found["gguf:q3_k_m"] and not found["gguf:q4_k_m"]
    assert not found["onnx:int4"]  # another format is not the next rung of a GGUF ladder


def test_a_thin_rung_that_drifts_less_or_was_not_measured_is_not_flagged(tmp_path):
    better = tuple((label, mib, 0.01 if label == "gguf:q2_k" else kl) for label, mib, kl in LADDER)
    assert "gguf:q2_k" not in thin_rungs([r.measured for r in load_report([stored_run(tmp_path / "a", better)])])
    unmeasured = tuple((label, mib, None if label == "gguf:q2_k" else kl) for label, mib, kl in LADDER)
    assert "gguf:q2_k" not in thin_rungs([r.measured for r in load_report([stored_run(tmp_path / "b", unmeasured)])])


def test_every_view_says_it(tmp_path):
    from bench.render import to_csv, to_json, to_markdown
    from bench.report_tables import print_report

    rows = load_report([stored_run(tmp_path / "run")])
    sentence = "q2_k saves 4 % over q3_k_m and loses fidelity"
    console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
    print_report(rows, console)
    assert sentence in console.export_text().replace("\n", " ")
    assert sentence in to_markdown(rows)
    assert sentence in to_csv(rows)
    assert any(sentence in f for r in json.loads(to_json(rows)) for f in r["findings"])
    pytest.importorskip("matplotlib")
    from bench.html_report import render

    assert sentence in render(rows)
