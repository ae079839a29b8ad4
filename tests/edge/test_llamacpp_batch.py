"""Batched generation on llama.cpp (edge/llamacpp_batch.py), on the embedded SmolLM2-135M model:
parallel=1 is the sequential path, every item comes back once with its own stop reason,
slots are reused (continuous batching), and an item that does not fit fails alone."""

import pytest

from edge.backend import Generation, Sampling
from edge.llamacpp_batch import BatchedGenerator, BatchItem
from tests.conftest import needs_llama

MESSAGES = [[{"role": "user", "content": text}] for text in (
    "Name three colours of the rainbow.",
    "What is 2 + 2? Answer with the number only.",
    "Explain how bread rises, step by step.",
    "Say hello.",
    "Write a long story about a dragon.",
    "Who wrote Hamlet? One word.",
)]


def test_an_item_takes_messages_or_prompt_tokens_not_both():
    with pytest.raises(ValueError):
        BatchItem("a")
    with pytest.raises(ValueError):
        BatchItem("a", [{"role": "user", "content": "hi"}], prompt_tokens=[1, 2])


embedded = [pytest.mark.embedded, needs_llama]


@pytest.fixture(scope="module")
def backend(default_gguf):
    from edge.backend import open_backend
    from edge.profiles import RuntimeSettings

    b = open_backend("llamacpp", default_gguf, RuntimeSettings(threads=2, n_ctx=512))
    yield b
    b.close()


def by_id(results) -> dict:
    out = {}
    for r in results:
        assert r.id not in out, f"item {r.id} came back twice"
        out[r.id] = r
    return out


@pytest.mark.parametrize("sampling", [Sampling(max_tokens=24), Sampling(max_tokens=24, temperature=1.1, seed=7)],
                         ids=["greedy", "seeded"])
@pytest.mark.embedded
@needs_llama
def test_parallel_1_is_the_sequential_path(backend, sampling):
    items = [BatchItem(i, m, sampling) for i, m in enumerate(MESSAGES[:3])]
    sequential = [backend.generate(m, sampling) for m in MESSAGES[:3]]
    batched = by_id(backend.generate_many(items, parallel=1))
    for i, want in enumerate(sequential):
        got = batched[i].generation
        assert isinstance(got, Generation)
        assert got.token_ids == want.token_ids and got.text == want.text
        assert (got.stop_reason, got.prompt_tokens) == (want.stop_reason, want.prompt_tokens)
        assert len(got.timings.token_s) == len(want.timings.token_s)


@pytest.mark.embedded
@needs_llama
def test_parallel_4_gives_every_item_once_with_its_own_stop_reason(backend):
    budgets = [40, 40, 12, 40, 6, 40]
    items = [BatchItem(f"q{i}", m, Sampling(max_tokens=b)) for i, (m, b) in enumerate(zip(MESSAGES, budgets))]
    generator = BatchedGenerator(backend, parallel=4)
    try:
        results = by_id(generator.run(items))
        stats = generator.stats
    finally:
        generator.close()
    assert set(results) == {item.id for item in items}
    for item in items:
        r = results[item.id]
        g = r.generation
        assert r.ok and 0 <= r.slot < 4
        assert len(g.token_ids) <= item.sampling.max_tokens
        if g.stop_reason == "length":
            assert len(g.token_ids) == item.sampling.max_tokens
            assert len(g.timings.token_s) == len(g.token_ids)
        else:
            assert g.stop_reason == "stop" and len(g.token_ids) < item.sampling.max_tokens
            assert len(g.timings.token_s) == len(g.token_ids) + 1  # the end token's step is timed too
        assert g.text == backend.detokenize(g.token_ids) and g.timings.prompt_eval_s > 0
        assert all(t > 0 for t in g.timings.token_s) and g.timings.ttft_s > g.timings.prompt_eval_s
    assert results["q4"].generation.stop_reason == "length"  # the dragon story cannot end in 6 tokens
    assert {r.generation.stop_reason for r in results.values()} == {"stop", "length"}
    assert stats.items == 6 and stats.failed == 0 and stats.mean_live > 1
    # each step's time is shared out: the token times of all samples add up to the steps' time
    shared = sum(sum(r.generation.timings.token_s[1:]) for r in results.values())
    assert shared == pytest.approx(stats.decode_s, rel=0.1)


@pytest.mark.embedded
@needs_llama
def test_continuous_batching_takes_more_items_than_slots(backend):
    items = [BatchItem(i, MESSAGES[i % len(MESSAGES)], Sampling(max_tokens=4 + 3 * i)) for i in range(7)]
    generator = BatchedGenerator(backend, parallel=2)
    try:
        order = list(generator.run(items))
        stats = generator.stats
    finally:
        generator.close()
    assert sorted(r.id for r in order) == list(range(7))
    assert {r.slot for r in order} == {0, 1}
    assert stats.prompts == 7 and stats.mean_live > 1.5  # both slots were kept busy
    assert order[0].id in (0, 1)  # the others waited for a free slot
    # a reused slot starts from clean cells: the prompt is decoded alone, so the first token is the sequential one
    for r in order[2:]:
        alone = backend.generate(items[r.id].messages, Sampling(max_tokens=1))
        assert r.generation.token_ids[:1] == alone.token_ids[:1]


@pytest.mark.embedded
@needs_llama
def test_an_item_longer_than_the_context_fails_alone(backend):
    too_long = backend.tokenize("word " * 400)
    items = [BatchItem("ok1", MESSAGES[0], Sampling(max_tokens=8)),
             BatchItem("long", prompt_tokens=too_long, sampling=Sampling(max_tokens=8)),
             BatchItem("ok2", MESSAGES[1], Sampling(max_tokens=8)),
             BatchItem("over-budget", MESSAGES[3], Sampling(max_tokens=300))]
    generator = BatchedGenerator(backend, parallel=2, n_ctx_seq=256)
    try:
        results = by_id(generator.run(items))
        stats = generator.stats
    finally:
        generator.close()
    assert results["ok1"].ok and results["ok2"].ok and len(results["ok1"].generation.token_ids) > 0
    for failed in ("long", "over-budget"):
        r = results[failed]
        assert not r.ok and r.generation is None
        assert failed in r.error and "exceeds the context of 256" in r.error
    assert stats.failed == 2


@pytest.mark.embedded
@needs_llama
def test_ignore_eog_runs_every_item_to_its_budget(backend):
    items = [BatchItem(i, MESSAGES[1], Sampling(max_tokens=20)) for i in range(3)]
    generator = BatchedGenerator(backend, parallel=3)
    try:
        results = list(generator.run(items, ignore_eog=True))
        stats = generator.stats
    finally:
        generator.close()
    assert [len(r.generation.token_ids) for r in results] == [20, 20, 20]
    assert stats.steps == 19 and stats.step_tokens == 57 and stats.decode_tps > 0
