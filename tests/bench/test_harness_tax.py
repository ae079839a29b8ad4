"""The harness tax from stored timings: one generation per item (its largest budget), batched shares that add
up to the steps, stage walls from the store, and the line a run prints."""

from __future__ import annotations

from types import SimpleNamespace

from bench.harness_tax import harness_tax
from bench.store import Store


def _row(artifact: str, item: str, budget: int, timings: dict) -> dict:
    return {"artifact_hash": artifact, "backend": "llamacpp", "suite": "disposition", "item_id": item, "split": "dev",
            "family": "factual", "budget": budget, "seed": 0, "params_hash": "p", "params": {}, "text": "x",
            "token_ids": [1], "n_tokens": 1, "stop_reason": "length", "prompt_tokens": 1, "timings": timings,
            "judge": "lexical", "scores": {}}


def test_tax_counts_each_generation_once_and_weighs_the_stages(tmp_path):
    with Store.open(tmp_path, write=True) as store:
        store.add_artifact("a1", SimpleNamespace(label="gguf:q8_0", format="gguf", quant="q8_0", path="/x", size_bytes=1,
                                                 n_params=1, bits_per_weight=8.5), False)
        # Two items batched together: each step of 0.2 s is shared, so each carries 0.1 s per token.
        for item, load in (("i1", 0.5), ("i2", 0.0)):
            whole = {"load_s": load, "prompt_eval_s": 0.3, "token_s": [0.05, 0.1, 0.1, 0.1, 0.1]}
            cut = {"load_s": load, "prompt_eval_s": 0.3, "token_s": [0.05, 0.1]}  # the small budget's view
            store.add_item([_row("a1", item, 16, cut), _row("a1", item, 64, whole)])
        store.set_meta("stage_seconds", {"convert": 3.0, "speed": 2.0, "drift": 1.0, "suites": 2.4})
        tax = harness_tax(store, run_s=9.6)
    assert tax.items == 2 and abs(tax.runtime_s - 2 * (0.3 + 0.45)) < 1e-9 and tax.load_s == 0.5
    assert tax.suites_s == 2.4 and tax.measured_s == 6.0
    assert abs(tax.suites_tax - (2.4 / 1.5 - 1)) < 1e-9  # +60 %
    assert abs(tax.run_tax - ((9.6 - 6.0) / 1.5 - 1)) < 1e-9  # +140 %
    record = tax.as_dict()
    assert record["suites_tax"] == 0.6 and record["run_tax"] == 1.4 and record["runtime_s"] == 1.5
    line = tax.line()
    assert line.startswith("harness tax: suites 2.4 s wall for 1.5 s") and "+60%" in line and "+140%" in line
    assert "\n" not in line


def test_a_run_without_suites_says_there_is_nothing_to_weigh(tmp_path):
    with Store.open(tmp_path, write=True) as store:
        store.set_meta("stage_seconds", {"speed": 2.0})
        tax = harness_tax(store, run_s=3.0)
    assert tax.suites_tax is None and tax.run_tax is None and tax.as_dict()["run_tax"] is None
    assert tax.line().startswith("harness tax: no suite item was generated")
