"""bench/generate.py's batched path on a fake batching backend: every item comes back as its
sequence ends, cut to every budget; a crash would name the items in flight; parallel 1, or a
backend that cannot batch, stays one item at a time."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import bench.generate as generate
from bench.suites.base import Item
from edge.backend import BatchResult, Generation, Sampling, Timings
from edge.errors import EdgebenchError
from tests.conftest import FakeBackend

LENGTHS = {"a": 9, "b": 2, "c": 5, "d": 1, "e": 7}  # tokens each item's answer takes (its stop token after them)


def items() -> list[Item]:
    return [Item(id=i, suite="disposition", split="dev", family="factual", messages=[{"role": "user", "content": i}])
            for i in LENGTHS]


class FakeBatching(FakeBackend):
    """Continuous batching by the rules of edge/llamacpp_batch.py: `parallel` slots, refilled in queue order as
    sequences end; a token per live sequence per step; token_s are shares of a 0.004 s step."""

    def __init__(self, fail: str | None = None) -> None:
        super().__init__()
        self.fail, self.most_live, self.calls = fail, 0, []

    def generate(self, messages, sampling):
        self.calls.append("generate")
        return super().generate(messages, sampling)

    def generate_many(self, queue, parallel=1, n_ctx_seq=None, on_start=None):
        self.calls.append(f"generate_many({parallel})")
        queue, live = list(queue), []
        while queue or live:
            while queue and len(live) < parallel:
                item = queue.pop(0)
                on_start(item.id)
                if item.id == self.fail:
                    yield BatchResult(item.id, None, f"item {item.id!r}: the prompt does not fit")
                    continue
                live.append(SimpleNamespace(item=item, tokens=[], token_s=[0.001]))
            self.most_live = max(self.most_live, len(live))
            for seq in live:
                seq.tokens.append(len(seq.tokens) + ord(seq.item.id[0]))
                seq.token_s.append(0.004 / len(live))
            for seq in [s for s in live if len(s.tokens) >= min(LENGTHS[s.item.id] + 1, s.item.sampling.max_tokens)]:
                live.remove(seq)
                stop = "stop" if len(seq.tokens) > LENGTHS[seq.item.id] else "length"
                tokens = seq.tokens[: LENGTHS[seq.item.id]]
                yield BatchResult(seq.item.id, Generation(self.detokenize(tokens), tokens, stop, 10,
                                                          Timings(0.0, 0.002, seq.token_s[: len(tokens) + 1])))


def run_batched(backend, parallel=2, max_tokens=8, budgets=(4, 8)) -> list[dict]:
    events: list[dict] = []
    generate.generate_batched(backend, items(), Sampling(max_tokens=max_tokens), budgets, None, parallel, events.append)
    return events


def test_items_come_back_as_they_end_cut_to_every_budget():
    backend = FakeBatching()
    events = run_batched(backend, parallel=2)
    results = [e["result"] for e in events if "result" in e]
    # slots a+b; b ends at step 3 and c takes its slot; a reaches the budget (8) at step 8, d joins; c ends
    # at step 9, e joins; d at 10, e at 17: completion order, not queue order
    assert [r.item.id for r in results] == ["b", "a", "c", "d", "e"]
    assert backend.most_live == 2
    by_id = {r.item.id: r for r in results}
    assert [(v.budget, v.n_tokens, v.stop_reason) for v in by_id["a"].views] == [(4, 4, "length"), (8, 8, "length")]
    assert [(v.budget, v.n_tokens, v.stop_reason) for v in by_id["b"].views] == [(4, 2, "stop"), (8, 2, "stop")]
    assert [(v.budget, v.stop_reason) for v in by_id["e"].views] == [(4, "length"), (8, "stop")]  # 7 tokens, then its stop


def in_flight(doing: str) -> list[str]:
    """The item ids of a "doing" line: "generating items a, b (2 in one batch, ...) at budget 8"."""
    return doing.split("(")[0].split(maxsplit=2)[2].strip().split(", ")


def test_a_crash_would_name_every_item_in_flight():
    events = run_batched(FakeBatching(), parallel=2)
    said, finished = None, set()
    for event in events:
        if "doing" in event:
            said = in_flight(event["doing"])
            assert len(said) <= 2 and not finished & set(said)  # only what is live, never a finished item
        else:  # the item that just ended was named as in flight
            assert event["result"].item.id in said
            finished.add(event["result"].item.id)
    assert events[0]["doing"] == "generating item a (1 in one batch, parallel 2) at budget 8"
    assert events[1]["doing"] == "generating items a, b (2 in one batch, parallel 2) at budget 8"


def test_an_item_that_cannot_run_is_one_clear_error():
    with pytest.raises(EdgebenchError, match="item 'c': the prompt does not fit"):
        run_batched(FakeBatching(fail="c"), parallel=2)


@pytest.mark.parametrize("parallel, batched, expected", [
    (3, True, ["generate_many(3)"]),
    (1, True, ["generate"] * len(LENGTHS)),  # parallel 1 keeps the sequential path
    (3, False, ["generate"] * len(LENGTHS)),  # a backend without a batched path stays sequential
])
def test_the_worker_batches_only_where_asked_and_able(monkeypatch, parallel, batched, expected):
    backend = FakeBatching()
    monkeypatch.setattr(generate, "open_backend", lambda name, path, settings: backend)
    monkeypatch.setattr(generate, "batches", lambda name: batched)
    events: list[dict] = []
    generate._generate_worker("fake", "model.gguf", SimpleNamespace(parallel=parallel), items(), Sampling(max_tokens=8),
                              (8,), None, events.append)
    assert backend.calls == expected
    assert sorted(e["result"].item.id for e in events if "result" in e) == sorted(LENGTHS)
    memory = events[-1]["memory"]  # the child's peak ends its events, with the count it really ran
    assert memory["parallel"] == (parallel if batched else 1) and 0 < memory["runtime_bytes"] <= memory["peak_rss_bytes"]
