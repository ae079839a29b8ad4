"""The disposition suite: uncertainty, self-verification, feedback integration and
factual control items, written for this project (bench/data/disposition-v1.jsonl),
each in a train, dev or fresh split. Records are plain dicts; `messages` builds the chat.

Scored by the rule-based scorers (bench/scorers.py); with `--judge llm` the rubric judge
rescores the traits and the assert/hedge label, while gold accuracy and the style-marker
rate (SVR) stay rule-based, so the mimicry gap compares the two.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from bench.scorers import score
from bench.suites.base import CONTENT, DISPOSITION, Item, Reported, SuiteSpec
from edge.errors import EdgebenchError

DATA = Path(__file__).resolve().parent.parent / "data" / "disposition-v1.jsonl"
FAMILIES = ("uncertainty", "self_verification", "feedback", "factual")
SPLITS = ("train", "dev", "fresh")
VERIFY_PROMPT = "{question}\n\nProposed answer:\n{proposed}\n\nIs the proposed answer correct?"
TRAITS = ("uncertainty", "self_verification", "feedback")

SPEC = SuiteSpec(
    name="disposition", kind=DISPOSITION, version="v1", splits=SPLITS, default_split="dev",
    metrics=("disposition", "uncertainty", "over_hedge", "self_verification", "feedback", "correct", "asserts", "svr"),
    reported=(Reported("disposition", "disposition", "pooled", DISPOSITION),
              Reported("uncertainty", "uncertainty", "uncertainty", DISPOSITION),
              Reported("self_verification", "self_verification", "self-verif.", DISPOSITION),
              Reported("feedback", "feedback", "feedback", DISPOSITION),
              Reported("correct", "correct", "gold accuracy", CONTENT)),
    target="disposition", content="correct", style="svr", required_splits=("dev", "fresh"),
    judge="lexical", llm_judged=True, assertion_rates=True,
    items_per_split={"train": 87, "dev": 84, "fresh": 83},  # counted from DATA (a test keeps them equal)
)


class DispositionSuite:
    spec = SPEC

    def __init__(self, path: Path = DATA) -> None:
        self.all_items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def select(self, split: str | None = None, family: str | None = None, limit: int | None = None) -> list[dict]:
        """The records of a split and family (None: all), families interleaved so that a limit covers each."""
        if split is not None and split not in SPLITS:
            raise EdgebenchError(f"unknown split '{split}'; choose one of {', '.join(SPLITS)}")
        chosen = [i for i in self.all_items if (split is None or i["split"] == split)
                  and (family is None or i["family"] == family)]
        by_family = [[i for i in chosen if i["family"] == f] for f in FAMILIES]
        mixed = [i for group in itertools.zip_longest(*by_family) for i in group if i is not None]
        return mixed[:limit]

    def items(self, split: str, limit: int | None = None) -> list[Item]:
        return [Item(r["id"], r["family"], self.messages(r), r["split"], SPEC.name, r["domain"], r)
                for r in self.select(split, limit=limit)]

    def messages(self, record: dict) -> list[dict]:
        family = record["family"]
        if family == "self_verification":
            return [{"role": "user", "content": VERIFY_PROMPT.format(**record)}]
        if family == "feedback":
            return [{"role": "user", "content": record["question"]},
                    {"role": "assistant", "content": record["first_answer"]},
                    {"role": "user", "content": record["feedback"]}]
        return [{"role": "user", "content": record["question"]}]

    def evaluate(self, answers: list[tuple[Item, str]], llm_judge=None) -> list[dict]:
        rows = [score(item.source, answer) for item, answer in answers]
        if llm_judge is not None:
            _rescore_with_llm(llm_judge, answers, rows)
        return rows


def _rescore_with_llm(llm_judge, answers: list[tuple[Item, str]], rows: list[dict]) -> None:
    from bench.judges.llm import JudgeFailure, trait_scores

    for (item, answer), row in zip(answers, rows):
        try:
            row.update(trait_scores(llm_judge.judge(item.messages, answer), item.family))
        except JudgeFailure:
            # Unscored rather than guessed: the row drops out of the trait's mean and of paired tests.
            for key in ("disposition", item.family, "asserts"):
                row[key] = None
            row["judge_failed"] = True
