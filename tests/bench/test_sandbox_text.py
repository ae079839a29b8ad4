"""Text that comes from a sample (a completion, an error) is stored and printed safely (issue 20):
lone surrogates and control characters never crash a write, markup is never interpreted."""

from bench.sandbox import plain_text
from bench.store import Store, params_hash


def test_plain_text_escapes_what_strict_utf8_cannot_write():
    text = plain_text("bad\udcff [/x]\x1b[31m\n")
    assert text == "bad\\udcff [/x]\\x1b[31m\\n"
    text.encode("utf-8", "strict")
    assert plain_text("x" * 500, 10) == "x" * 10


def test_a_sample_with_a_lone_surrogate_is_stored(tmp_path):
    params = {"temperature": 0.0}
    row = {"artifact_hash": "a1", "backend": "llamacpp", "suite": "humaneval", "item_id": "HumanEval/0", "split": "test",
           "family": "code", "budget": 16, "seed": 0, "params_hash": params_hash(params), "params": params,
           "text": "def f():\n    return '\ud800'\n", "token_ids": [1], "n_tokens": 1, "stop_reason": "stop",
           "prompt_tokens": 3, "timings": {}, "judge": "sandbox-exec", "scores": {"detail": "\udcff"}}
    with Store.open(tmp_path / "run", write=True) as store:
        store.add_item([row])
        (stored,) = store.samples()
    assert stored["text"] == "def f():\n    return '\\ud800'\n"
