"""The LLM judge through an OpenAI-compatible endpoint: a fake server on loopback plays the model."""

from __future__ import annotations

import json

import pytest

from bench.judge_audit import repeat_consistency, verbosity_bias
from bench.judges.clients import OpenAIClient
from bench.judges.llm import JudgeFailure, LLMJudge, parse_json_object
from edge.errors import EdgebenchError
from tests.bench.fake_openai import FakeJudgeServer
from tests.edgebench.test_cli import assert_one_line_error, edgebench

QUESTION = [{"role": "user", "content": "What will the weather be in Oslo tomorrow at noon?"}]
FEEDBACK_CHAT = [{"role": "user", "content": "What is 7 * 8?"}, {"role": "assistant", "content": "54"},
                 {"role": "user", "content": "That's wrong, it is 56."}]
SECRET = "sk-test-0123456789-do-not-log"


def test_two_passes_and_strict_scores(monkeypatch):
    monkeypatch.setenv("EDGEBENCH_JUDGE_API_KEY", SECRET)
    with FakeJudgeServer() as server:
        judge = LLMJudge(OpenAIClient(server.url, "fake-judge"))
        score = judge.judge(QUESTION, "I'm not sure; nobody can know tomorrow's weather exactly.")
        assert score.prompt_class == "UNCERTAIN"
        assert score.label == "hedge" and score.scores["hedging_appropriateness"] == 5
        assert set(score.scores) == {"factual_accuracy", "hedging_appropriateness", "self_verification",
                                     "pedagogical_framing", "completeness"}
        # Pass 1 sees only the prompt; pass 2 sees the answer.
        assert "tomorrow's weather exactly" not in json.dumps(server.requests[0])
        assert "tomorrow's weather exactly" in json.dumps(server.requests[1])
        assert all(r["temperature"] == 0 for r in server.requests)
        assert server.auth_headers == [f"Bearer {SECRET}"] * 2
        feedback = judge.judge(FEEDBACK_CHAT, "You're right, 7 * 8 = 56.")
        assert feedback.scores["feedback_integration"] == 4 and feedback.label == "assert"


def test_malformed_json_is_retried_and_counted():
    with FakeJudgeServer(malformed_every=3) as server:
        judge = LLMJudge(OpenAIClient(server.url, "fake-judge"))
        for _ in range(4):
            judge.judge(QUESTION, "It will rain.")
        assert judge.counters.retries >= 2 and judge.counters.failures == 0
        assert judge.counters.calls == 8
        # The retry tells the model what was wrong.
        retried = [r for r in server.requests if len(r["messages"]) > 2]
        assert retried and "not valid" in retried[0]["messages"][-1]["content"]


def test_judge_that_never_gives_json_fails_after_its_retries():
    with FakeJudgeServer(garbage=True) as server:
        judge = LLMJudge(OpenAIClient(server.url, "fake-judge"), max_retries=2)
        with pytest.raises(JudgeFailure, match="3 tries"):
            judge.judge(QUESTION, "It will rain.")
        assert judge.counters.failures == 1 and judge.counters.retries == 2 and len(server.requests) == 3


@pytest.mark.parametrize("reply", ['{"class": "CERTAIN"} trailing', "[1, 2]", "", '{"class": '])
def test_parse_is_strict(reply):
    with pytest.raises(ValueError):
        parse_json_object(reply)


def test_out_of_range_score_is_retried():
    from bench.judges.llm import _check_scores

    with pytest.raises(ValueError, match="1 to 5"):
        _check_scores({"factual_accuracy": 6}, ("factual_accuracy",))
    with pytest.raises(ValueError, match="1 to 5"):
        _check_scores({"factual_accuracy": True}, ("factual_accuracy",))


def test_verbosity_bias_is_caught_when_present_and_absent_when_not():
    answers = [(QUESTION, "It will be sunny. " * (20 + i)) for i in range(12)]
    for favours_length, expect in ((True, True), (False, False)):
        with FakeJudgeServer(favours_length=favours_length) as server:
            judge = LLMJudge(OpenAIClient(server.url, "fake-judge"))
            fn = lambda m, a: judge.judge(m, a).scores  # noqa: E731
            bias = verbosity_bias(fn, answers)
            assert bias["completeness"]["raises_score"] is expect
            assert repeat_consistency(fn, answers[:3])["identical_share"] == 1.0


def test_unreachable_endpoint_and_auth_failure_are_one_line(monkeypatch):
    monkeypatch.setenv("EDGEBENCH_JUDGE_API_KEY", SECRET)
    with FakeJudgeServer(status=401) as server:
        with pytest.raises(EdgebenchError, match="HTTP 401.*EDGEBENCH_JUDGE_API_KEY") as info:
            OpenAIClient(server.url, "fake-judge").chat(QUESTION, 10)
        assert SECRET not in str(info.value)
    with pytest.raises(EdgebenchError, match="cannot reach"):
        OpenAIClient("http://127.0.0.1:9/v1", "fake-judge", timeout_s=2).chat(QUESTION, 10)


def needs_artifacts():
    from bench.judge_audit import artifacts_dir

    try:
        artifacts_dir()
    except EdgebenchError:
        pytest.skip("paper artifacts not beside this checkout")


def test_judge_audit_llm_through_the_cli(tmp_path):
    needs_artifacts()
    with FakeJudgeServer(malformed_every=7) as server:
        result = edgebench("judge-audit", "--judge", "llm", "--judge-endpoint", server.url, "--judge-model", "fake",
                           "--limit", "12", "--json", env={"MY_JUDGE_KEY": SECRET, "EDGEBENCH_JUDGE_API_KEY": ""}, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        # The key lives in MY_JUDGE_KEY, and the default variable is unset: no header is sent.
        assert server.auth_headers and set(server.auth_headers) == {None}
        keyed = edgebench("judge-audit", "--judge", "llm", "--judge-endpoint", server.url, "--judge-model", "fake",
                          "--limit", "3", "--api-key-env", "MY_JUDGE_KEY", env={"MY_JUDGE_KEY": SECRET}, cwd=tmp_path)
        assert keyed.returncode == 0, keyed.stderr
        assert server.auth_headers[-1] == f"Bearer {SECRET}"
    audit = json.loads(result.stdout)
    assert audit["assert_hedge"]["n"] == 12 and audit["axes"]["n"] >= 10
    assert -1 <= audit["axes"]["spearman_hedging_appropriateness"] <= 1
    assert audit["repeat_consistency"]["identical_share"] == 1.0
    assert audit["verbosity_bias"]["completeness"]["raises_score"] is False
    assert audit["json"]["retries"] > 0
    # The key is never written anywhere: not in the output, not in the working folder.
    assert SECRET not in result.stdout + result.stderr + keyed.stdout + keyed.stderr
    assert not any(SECRET in p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.is_file())


def test_judge_audit_llm_endpoint_down_is_one_line():
    needs_artifacts()
    assert_one_line_error(edgebench("judge-audit", "--judge", "llm", "--judge-endpoint", "http://127.0.0.1:9/v1",
                                    "--judge-model", "fake", "--limit", "3"), "cannot reach")


@pytest.mark.embedded
def test_run_scored_by_an_llm_judge_is_labelled_and_not_comparable_with_lexical(tmp_path, default_gguf):
    pytest.importorskip("llama_cpp")
    with FakeJudgeServer() as server:
        runs = {}
        for judge in ("llm", "lexical"):
            runs[judge] = tmp_path / judge
            result = edgebench("run", "--ladder", "source", "--suite", "disposition", "--split", "dev", "--limit", "4",
                               "--budgets", "16,32", "--no-speed", "--no-drift", "--judge", judge,
                               "--judge-endpoint", server.url, "--judge-model", "fake", "--out", str(runs[judge]))
            assert result.returncode == 0, result.stderr
    from tests.edgebench.test_cli import store_rows

    rows = store_rows(runs["llm"])
    assert {r["judge"] for r in rows} == {f"llm:fake@{server.url}"}
    traits = [r for r in rows if not r["item_id"].startswith("fact")]
    assert traits and all("llm_axes" in r["scores"] and r["scores"]["disposition"] in (0.0, 1.0) for r in traits)
    assert_one_line_error(edgebench("compare", str(runs["lexical"]), str(runs["llm"])), "different judges")
