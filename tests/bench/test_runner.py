"""One item through a backend: a view per budget, cut from one generation at the largest."""

from bench.generate import generate_item, with_system
from bench.suites.disposition import DispositionSuite
from edge.backend import Sampling


def test_generate_item_cuts_every_budget_from_one_generation(fake_backend):
    item = DispositionSuite().items("dev", limit=1)[0]
    result, generation = generate_item(fake_backend(length=300), item, Sampling(max_tokens=512), (512, 256))
    assert [v.budget for v in result.views] == [256, 512]
    short, full = result.views
    assert short.stop_reason == "length" and short.n_tokens == 256
    assert full.stop_reason == "stop" and full.n_tokens == 300 == len(generation.token_ids)
    assert full.text.startswith(short.text) and result.prompt_tokens == 10


def test_system_prompt_replaces_any_other():
    messages = [{"role": "system", "content": "old"}, {"role": "user", "content": "hi"}]
    assert with_system(messages, "new") == [{"role": "system", "content": "new"}, {"role": "user", "content": "hi"}]
    assert with_system(messages, None) is messages
