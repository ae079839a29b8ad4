"""The disposition suite: uncertainty, self-verification, feedback integration and
factual control items, written for this project (bench/data/disposition-v1.jsonl),
each in a train, dev or fresh split. Items are plain dicts; `messages` builds the chat."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from bench.scorers import score
from edge.errors import EdgebenchError

DATA = Path(__file__).resolve().parent.parent / "data" / "disposition-v1.jsonl"
FAMILIES = ("uncertainty", "self_verification", "feedback", "factual")
SPLITS = ("train", "dev", "fresh")
VERIFY_PROMPT = "{question}\n\nProposed answer:\n{proposed}\n\nIs the proposed answer correct?"


class DispositionSuite:
    name = "disposition"
    version = "v1"

    def __init__(self, path: Path = DATA) -> None:
        self.all_items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def items(self, split: str | None = None, family: str | None = None, limit: int | None = None) -> list[dict]:
        if split is not None and split not in SPLITS:
            raise EdgebenchError(f"unknown split '{split}'; choose one of {', '.join(SPLITS)}")
        chosen = [i for i in self.all_items if (split is None or i["split"] == split)
                  and (family is None or i["family"] == family)]
        # Interleave families so that a --limit still covers every family.
        by_family = [[i for i in chosen if i["family"] == f] for f in FAMILIES]
        mixed = [i for group in itertools.zip_longest(*by_family) for i in group if i is not None]
        return mixed[:limit]

    def messages(self, item: dict) -> list[dict]:
        family = item["family"]
        if family == "self_verification":
            return [{"role": "user", "content": VERIFY_PROMPT.format(**item)}]
        if family == "feedback":
            return [{"role": "user", "content": item["question"]},
                    {"role": "assistant", "content": item["first_answer"]},
                    {"role": "user", "content": item["feedback"]}]
        return [{"role": "user", "content": item["question"]}]

    def evaluate(self, item: dict, answer: str) -> dict:
        return score(item, answer)
