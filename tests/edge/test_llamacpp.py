"""The llama.cpp backend on the embedded SmolLM2-135M model (real runtime, runs in CI)."""

import pytest

from edge.backend import Sampling, open_backend
from edge.gguf_inspect import inspect_gguf
from edge.profiles import RuntimeSettings
from tests.conftest import needs_llama

pytestmark = [pytest.mark.embedded, needs_llama]
MSG = [{"role": "user", "content": "Name three colours of the rainbow."}]


@pytest.fixture(scope="module")
def backend(default_gguf):
    b = open_backend("llamacpp", default_gguf, RuntimeSettings(threads=2, n_ctx=1024))
    yield b
    b.close()


def test_embedded_model_metadata(default_gguf):
    info = inspect_gguf(default_gguf)
    assert info.architecture == "llama"
    assert "im_start" in info.chat_template
    assert 100e6 < info.n_params < 200e6
    assert 4.0 < info.bits_per_weight < 6.0


def test_uses_the_gguf_chat_template(backend):
    prompt = backend.formatter(messages=MSG).prompt
    assert "<|im_start|>user\nName three colours" in prompt and prompt.rstrip().endswith("<|im_start|>assistant")
    im_start = backend.llm.tokenize(b"<|im_start|>", add_bos=False, special=True)
    assert len(im_start) == 1  # a special token, not text
    assert backend.prompt_tokens(MSG).count(im_start[0]) == 3  # system, user, assistant


def test_greedy_is_deterministic_and_fields_are_complete(backend):
    a = backend.generate(MSG, Sampling(max_tokens=40))
    b = backend.generate(MSG, Sampling(max_tokens=40))
    assert a.text == b.text and a.token_ids == b.token_ids
    assert a.stop_reason in ("stop", "length") and a.text.strip()
    assert backend.load_s > 0 and a.timings.prompt_eval_s > 0 and a.prompt_tokens > 5
    assert len(a.timings.token_s) >= len(a.token_ids) and all(t > 0 for t in a.timings.token_s)
    assert backend.detokenize(a.token_ids) == a.text


def test_budget_cap_gives_length(backend):
    g = backend.generate([{"role": "user", "content": "Write a long story about a dragon."}], Sampling(max_tokens=8))
    assert g.stop_reason == "length" and len(g.token_ids) == 8


def test_seeded_sampling_repeats_and_seeds_differ(backend):
    run = lambda seed: backend.generate(MSG, Sampling(max_tokens=30, temperature=1.2, seed=seed)).token_ids
    assert run(1) == run(1)
    assert len({tuple(run(s)) for s in (1, 2, 3)}) > 1


def test_greedy_smaller_budget_is_a_prefix_of_larger(backend):
    msg = [{"role": "user", "content": "Explain how bread rises, step by step."}]
    long = backend.generate(msg, Sampling(max_tokens=96))
    short = backend.generate(msg, Sampling(max_tokens=32))
    assert long.token_ids[:32] == short.token_ids


def test_json_schema_constrains_the_output(backend):
    import json

    from bench.judges.llm import scores_schema

    schema = scores_schema(("factual_accuracy", "completeness"))
    messages = [{"role": "user", "content": "Grade the answer '4' to 'What is 2 + 2?' as JSON."}]
    reply = json.loads(backend.generate(messages, Sampling(max_tokens=80, json_schema=schema)).text)
    assert set(reply) == {"factual_accuracy", "completeness", "stance"}
    assert reply["factual_accuracy"] in range(1, 6) and reply["stance"] in ("ASSERT", "HEDGE")


def test_local_llm_judge_through_llamacpp(default_gguf):
    from bench.judges.clients import BackendClient
    from bench.judges.llm import LLMJudge
    from edge.profiles import device_settings

    client = BackendClient(default_gguf, device_settings().settings)
    try:
        judge = LLMJudge(client)
        score = judge.judge([{"role": "user", "content": "What is the capital of France?"}], "Paris.")
    finally:
        client.close()
    assert score.prompt_class in ("CERTAIN", "UNCERTAIN", "AMBIGUOUS") and score.label in ("assert", "hedge")
    assert all(1 <= v <= 5 for v in score.scores.values())
    assert judge.counters.failures == 0 and judge.name.startswith("llm:")
