"""The judge a command's --judge flags name: none for the lexical judge, or an LLM judge whose
client is closed afterwards. Shared by `run`, `judge-audit` and `train filter`."""

from __future__ import annotations

from contextlib import contextmanager

from edge.errors import EdgebenchError


@contextmanager
def llm_judge_from_flags(judge: str, model: str, endpoint: str | None, api_key_env: str, settings=None):
    """None for the lexical judge; for 'llm', an LLMJudge whose client is closed afterwards (a local
    model runs with `settings`: the command's --profile, --threads and --repack)."""
    if judge == "lexical":
        yield None
        return
    if judge != "llm":
        raise EdgebenchError(f"unknown judge '{judge}'; choose lexical or llm")
    from bench.judges.clients import open_client
    from bench.judges.llm import LLMJudge

    client = open_client(model, endpoint, api_key_env, settings)
    try:
        yield LLMJudge(client)
    finally:
        client.close()
