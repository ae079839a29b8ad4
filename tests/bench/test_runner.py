"""The runner writes one sample line per item and budget and summarizes cap hits."""

import json

from bench.items import load_items
from bench.runner import RunConfig, new_run_dir, run_items, summarize


def test_run_items_writes_samples_and_summary(tmp_path, fake_backend):
    items = load_items()
    assert len(items) == 12
    run_dir = new_run_dir(tmp_path)
    config = RunConfig(budgets=(256, 512))
    results = run_items(fake_backend(length=300), items, config, run_dir)
    rows = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 24
    assert {(r["id"], r["budget"]) for r in rows} == {(i.id, b) for i in items for b in (256, 512)}
    summary = summarize(results, config, load_s=0.1)
    assert summary["cap_hit_rate"] == {"256": 1.0, "512": 0.0}
    assert summary["peak_rss_bytes"] > 10 * 2**20
    assert summary["generation_tps"] > 0


def test_new_run_dir_never_reuses(tmp_path):
    assert new_run_dir(tmp_path) != new_run_dir(tmp_path)
