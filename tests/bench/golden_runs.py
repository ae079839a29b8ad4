"""How the stored runs of tests/data/golden/ were made, and how to write their golden reports again.

`tiny-run.sqlite` is a real run (the results.sqlite of its folder) of a tiny random Llama
(tests/models.py:tiny_llama, hidden=128) on this repository's 2-core CI host:

    edgebench run --model TINY --ladder gguf:f16,gguf:q8_0,gguf:q2_k --suite disposition,humaneval \
        --split dev,fresh --limit 3 --budgets 16,32 --drift-windows 1

(speed on, drift on). `synthetic-run.sqlite` is written by `write_synthetic` below: the
whole dev and fresh disposition splits, a reference and two artifacts, one answering like the
reference and one unlike it on a third of the items, with speed and drift rows, so the report
has a star, flips and findings. Rewrite the golden reports (after a deliberate change of a
report) with `EDGEBENCH_UPDATE_GOLDEN=1 pytest tests/bench/test_report_golden.py`.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from bench.store import Store, params_hash

TRAITS = ("uncertainty", "self_verification", "feedback")


def _scores(item, right: bool) -> dict:
    value, family = float(right), item.family
    row = {"asserts": float(right or family == "factual"), "svr": 0.25 if right else 0.0}
    if family in TRAITS:
        row.update({"disposition": value, family: value})
    if family == "factual" or (family == "uncertainty" and not item.source["gold"].get("should_hedge")):
        row["correct"] = value
    return row


def _speed(tps: float) -> dict:
    tests = [{"test": "pp64", "n_prompt": 64, "n_gen": 0, "n_depth": 0, "avg_ts": tps * 4, "stddev_ts": 1.5,
              "samples_ts": [tps * 4 - 1, tps * 4 + 1], "avg_ns": 1.0e8, "stddev_ns": 1.0e6},
             {"test": "tg64", "n_prompt": 0, "n_gen": 64, "n_depth": 0, "avg_ts": tps, "stddev_ts": 0.5,
              "samples_ts": [tps - 0.5, tps + 0.5], "avg_ns": 2.0e8, "stddev_ns": 2.0e6},
             {"test": "ttft", "n_prompt": 64, "n_gen": 1, "n_depth": 0, "avg_ts": 0.0, "stddev_ts": 0.0,
              "samples_ts": [], "avg_ns": 3.0e7, "stddev_ns": 1.0e6}]
    return {"tests": tests, "peak_rss_bytes": int(300 * 2**20 - tps * 2**20)}


def write_synthetic(folder: Path) -> Path:
    from bench.suites.disposition import SPEC, DispositionSuite

    suite = DispositionSuite()
    items = [i for split in ("dev", "fresh") for i in suite.items(split, 84)]
    params = {"temperature": 0.0, "max_tokens": 512}
    artifacts = (("gguf:f16", 1000, 16.0, 0), ("gguf:q8_0", 600, 8.5, 0), ("gguf:q2_k", 300, 2.6, 3))
    with Store.open(folder, write=True) as store:
        store.set_meta("suites", {SPEC.name: SPEC.as_dict()})
        store.set_meta("profile", "laptop-cpu")
        store.set_meta("host", {"cpu": "Synthetic CPU"})
        store.set_meta("settings", {"threads": 2, "repack": False})
        for n, (label, size, bpw, every) in enumerate(artifacts):
            store.add_artifact(label, SimpleNamespace(label=label, format="gguf", quant=label.split(":")[1],
                                                      path=f"/x/{n}", size_bytes=size * 2**10, n_params=135_000_000,
                                                      bits_per_weight=bpw), n == 0)
            store.add_measurement(label, "llamacpp", "speed", _speed(100.0 + 40 * n))
            if n:
                store.add_measurement(label, "llamacpp", "drift", {"kl_mean": 0.01 * n ** 3, "top1_agreement": 1 - 0.05 * n,
                                                                   "top1_stderr": 0.01, "ppl_ratio": 1 + 0.02 * n})
            rows = []
            for k, it in enumerate(items):
                right = k % 2 == 0
                if every and k % every == 1:
                    right = not right
                for budget in (256, 512):
                    rows.append({"artifact_hash": label, "backend": "llamacpp", "suite": it.suite, "item_id": it.id,
                                 "split": it.split, "family": it.family, "budget": budget, "seed": 0,
                                 "params_hash": params_hash(params), "params": params, "text": "x", "token_ids": [1],
                                 "n_tokens": 1, "stop_reason": "length" if budget == 256 and k % 5 == 0 else "stop",
                                 "prompt_tokens": 1, "timings": {}, "judge": "lexical", "scores": _scores(it, right)})
            store.add_item(rows)
    return folder


if __name__ == "__main__":
    import shutil
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        write_synthetic(Path(tmp) / "run")
        shutil.copy(Path(tmp) / "run" / "results.sqlite", sys.argv[1])
