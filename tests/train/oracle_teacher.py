"""A fake OpenAI-compatible teacher on loopback that knows the disposition suite's answers: for each
train prompt it sends an answer that passes the item's scorer, so a distill test has data to learn."""

from __future__ import annotations

import json

from bench.suites.disposition import DispositionSuite
from tests.bench.fake_openai import FakeChatServer


def good_answer(record: dict) -> str:
    gold, family = record["gold"], record["family"]
    if family == "uncertainty":
        if not gold.get("should_hedge"):
            return f"It is {gold['answer']}."
        if record.get("kind") == "false_premise":
            return f"That is a myth: {(gold.get('premise_denials') or ['it is not true'])[0]}."
        return "Nobody can know that; there is no record of it."
    if family == "self_verification":
        return "Yes, that is correct." if gold["proposed_correct"] else f"That is incorrect; the answer is {gold['answer']}."
    if family == "feedback":
        return f"You're right: it is {gold['answer']}." if gold["feedback_correct"] else \
            f"I understand, but the answer is {gold['answer']}."
    return f"It is {gold['answer']}."


class OracleTeacher(FakeChatServer):
    def __init__(self) -> None:
        super().__init__()
        suite = DispositionSuite()
        self.by_prompt = {json.dumps(suite.messages(r)): r for r in suite.all_items}

    def reply(self, messages: list[dict], count: int) -> str:
        record = self.by_prompt.get(json.dumps([m for m in messages if m["role"] != "system"]))
        return good_answer(record) if record else "I do not know this prompt."
