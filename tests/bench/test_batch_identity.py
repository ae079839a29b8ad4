"""bench/batch_identity.py: where two answers part, the paired verdict test, and a short run on the embedded model."""

from __future__ import annotations

import json

from bench.batch_identity import first_difference, main, target_test
from tests.conftest import needs_llama


def test_first_difference():
    assert first_difference([1, 2, 3], [1, 2, 3]) is None
    assert first_difference([1, 2, 3], [1, 9, 3]) == 1
    assert first_difference([1, 2], [1, 2, 3]) == 2  # one answer stopped earlier


def test_a_verdict_changes_only_when_batching_moves_the_target_score():
    ids = [f"i{n}" for n in range(30)]
    same = {i: {"disposition": float(n % 2)} for n, i in enumerate(ids)}
    assert target_test("disposition", same, same, ids, 0.05)["verdict_changes"] is False
    worse = {i: {"disposition": 0.0} for i in ids}  # 15 items lose their point: McNemar p < 0.001
    moved = target_test("disposition", same, worse, ids, 0.05)
    assert moved["verdict_changes"] is True and moved["mean_batched"] == 0.0 and moved["n"] == 30
    none = target_test("disposition", {i: {} for i in ids}, {i: {} for i in ids}, ids, 0.05)
    assert none["n"] == 0 and none["verdict_changes"] is False


@needs_llama
def test_runs_on_the_embedded_model(tmp_path, default_gguf, capsys):
    out = tmp_path / "identity.json"
    assert main(["--items", "3", "--budget", "12", "--parallel", "2", "--threads", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    row = result["by_parallel"]["2"]
    assert result["items"] == 3 and 0 <= row["identical"] <= 3 and row["share"] == row["identical"] / 3
    assert isinstance(row["verdict_changes"], bool) and row["target"] == "disposition"
    assert "| 2 | " in capsys.readouterr().out
