"""Budget views cut from one long generation behave like runs at the smaller budget."""

from bench.budgets import at_budget, cap_hit_rate
from edge.backend import Sampling
from tests.conftest import needs_llama

MSG = [{"role": "user", "content": "q"}]


@needs_llama
def test_cut_matches_a_direct_run_on_the_embedded_model(default_gguf):
    """The claim behind scoring every budget from one generation, checked on a real runtime: the view cut
    at a budget equals a separate greedy run at that budget (text, tokens, stop reason), on both sides of
    where the answer ends by itself."""
    from edge.backend import open_backend
    from edge.profiles import RuntimeSettings

    backend = open_backend("llamacpp", default_gguf, RuntimeSettings(threads=2, n_ctx=1024))
    try:
        messages = [{"role": "user", "content": "Name one colour. One word."}]
        long = backend.generate(messages, Sampling(max_tokens=96))
        natural = len(long.token_ids)
        assert long.stop_reason == "stop" and natural < 96  # it ends by itself: budgets above and below it
        for budget in sorted({1, natural - 1, natural, natural + 1, 96} - {0}):
            direct = backend.generate(messages, Sampling(max_tokens=budget))
            view = at_budget(long, budget, backend.detokenize)
            assert (view.text, view.n_tokens, view.stop_reason) == (direct.text, len(direct.token_ids),
                                                                     direct.stop_reason), budget
    finally:
        backend.close()


def test_cap_hit_rate(fake_backend):
    short, long = fake_backend(length=100), fake_backend(length=400)
    views = [at_budget(b.generate(MSG, Sampling(max_tokens=512)), 256, b.detokenize) for b in (short, long)]
    assert [v.stop_reason for v in views] == ["stop", "length"]
    assert cap_hit_rate([v.stop_reason for v in views]) == 0.5
    assert cap_hit_rate([]) == 0.0
