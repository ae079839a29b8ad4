"""Budget views cut from one long generation behave like runs at the smaller budget."""

from bench.budgets import at_budget, cap_hit_rate
from edge.backend import Sampling

MSG = [{"role": "user", "content": "q"}]


def test_cut_matches_a_direct_run_with_the_fake(fake_backend):
    backend = fake_backend(length=300)
    long = backend.generate(MSG, Sampling(max_tokens=512))
    for budget in (100, 256, 299, 300, 301, 512):
        direct = backend.generate(MSG, Sampling(max_tokens=budget))
        view = at_budget(long, budget, backend.detokenize)
        assert (view.text, view.n_tokens, view.stop_reason) == (direct.text, len(direct.token_ids), direct.stop_reason)


def test_cap_hit_rate(fake_backend):
    short, long = fake_backend(length=100), fake_backend(length=400)
    views = [at_budget(b.generate(MSG, Sampling(max_tokens=512)), 256, b.detokenize) for b in (short, long)]
    assert [v.stop_reason for v in views] == ["stop", "length"]
    assert cap_hit_rate(views) == 0.5
    assert cap_hit_rate([]) == 0.0
