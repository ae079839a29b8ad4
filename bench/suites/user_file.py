"""A user's own prompts as a content suite: `edgebench run --suite path/to/mine.jsonl`.

One JSON object per line:
    {"id": "q1", "prompt": "What is the capital of Australia?", "gold": "Canberra"}
    {"id": "q2", "messages": [{"role": "user", "content": "..."}],
     "gold": {"answer": "1969", "aliases": ["nineteen sixty-nine"], "wrong": ["1968"]}, "split": "fresh"}
    {"id": "q3", "prompt": "Explain photosynthesis briefly.", "gold": {"claims": ["sunlight", "carbon dioxide"]}}

`gold` is an answer (a string, or {"answer", optional "aliases" and "wrong"}) or a list of
claims (a list of strings, or {"claims": [...]}). An answer item is right when the answer's
final commitment is the gold (bench/commitments.py: negated and echoed mentions do not
count, the last value stated wins); a claims item is right when every claim is stated and
none only in negated form or echoed from the prompt. Every answer also gets the lexical
judge's assert/hedge label and style-marker rate, as the disposition suite's do. `split`
is optional (default "test"). A malformed line is refused with its line number.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from bench.commitments import find_mentions
from bench.jsonl import read_lines
from bench.judges.lexical import judge
from bench.scorers import score_factual
from bench.suites.base import CONTENT, Item, Reported, SuiteSpec
from edge.errors import EdgebenchError

DEFAULT_SPLIT = "test"
ROLES = ("system", "user", "assistant")


class UserFileSuite:
    """The items of one JSONL file; the suite is named after the file (mine.jsonl -> mine)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        name = self.path.stem
        if not re.fullmatch(r"[\w.-]+", name):
            raise EdgebenchError(f"{self.path}: name the file with letters, digits, '-', '_' or '.' only (it names the suite)")
        self.records = [_record(self.path, number, row) for number, row in read_lines(self.path, "suite")]
        if not self.records:
            raise EdgebenchError(f"{self.path} holds no items")
        seen: dict[str, int] = {}
        for record in self.records:
            if record["id"] in seen:
                raise EdgebenchError(f"{self.path}:{record['line']}: id {record['id']!r} repeats line {seen[record['id']]}")
            seen[record["id"]] = record["line"]
        splits = tuple(dict.fromkeys(r["split"] for r in self.records))
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]
        self.spec = SuiteSpec(
            name=name, kind=CONTENT, version=f"file sha256:{digest}", splits=splits,
            default_split="dev" if "dev" in splits else splits[0],
            metrics=("correct", "asserts", "svr"), reported=(Reported("correct", f"{name}:correct", name, CONTENT),),
            target="correct", content="correct", judge="lexical",
            items_per_split={s: sum(r["split"] == s for r in self.records) for s in splits})

    def items(self, split: str, limit: int | None = None) -> list[Item]:
        chosen = [r for r in self.records if r["split"] == split][:limit]
        return [Item(r["id"], "claims" if r["claims"] else "answer", r["messages"], split, self.spec.name, "user", r)
                for r in chosen]

    def evaluate(self, answers: list[tuple[Item, str]], llm_judge=None) -> list[dict]:
        return [_score(item.source, answer) for item, answer in answers]


def _score(record: dict, answer: str) -> dict:
    prompts = [m["content"] for m in record["messages"] if m["role"] != "assistant"]
    if record["claims"]:
        lex = judge(answer)
        stated = {m.candidate for m in find_mentions(answer, {c: [c] for c in record["claims"]}, prompts) if m.counts}
        return {"correct": float(len(stated) == len(record["claims"])), "claims_stated": len(stated),
                "asserts": float(lex.label == "assert"), "hedge_score": lex.hedge, "svr": float(lex.svr_marker)}
    # the factual scorer, with the whole chat as the prompt whose echoes do not count
    return score_factual({"family": "factual", "question": "\n".join(prompts), "gold": record["gold"]}, answer)


def _record(path: Path, number: int, row) -> dict:
    def refuse(why: str) -> EdgebenchError:
        return EdgebenchError(f"{path}:{number}: {why}")

    if not isinstance(row, dict):
        raise refuse("each line must be a JSON object with 'id', 'prompt' or 'messages', and 'gold'")
    item_id = row.get("id")
    if not isinstance(item_id, (str, int)) or isinstance(item_id, bool) or not str(item_id).strip():
        raise refuse("'id' must be a non-empty string")
    if ("prompt" in row) == ("messages" in row):
        raise refuse("give exactly one of 'prompt' (a string) and 'messages' (a chat)")
    messages = [{"role": "user", "content": row["prompt"]}] if "prompt" in row else row["messages"]
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str) for m in messages):
        raise refuse(f"'messages' must be a non-empty list of {{'role': {'/'.join(ROLES)}, 'content': string}}")
    if not messages[-1]["content"].strip() or messages[-1]["role"] != "user":
        raise refuse("the prompt (the last message, from the user) is empty or not from the user")
    split = row.get("split", DEFAULT_SPLIT)
    if not isinstance(split, str) or not re.fullmatch(r"[\w-]+", split):
        raise refuse(f"'split' must be a word such as dev, fresh or test (got {split!r})")
    gold, claims = _gold(row.get("gold"), refuse)
    return {"id": str(item_id), "line": number, "messages": messages, "split": split, "gold": gold, "claims": claims}


def _gold(gold, refuse) -> tuple[dict, list[str]]:
    """(answer gold for the factual scorer, claims); exactly one of them is filled."""
    def strings(values, what: str) -> list[str]:
        if not isinstance(values, list) or not all(isinstance(v, (str, int, float)) and str(v).strip() for v in values):
            raise refuse(f"'{what}' must be a list of non-empty strings")
        return [str(v) for v in values]

    if isinstance(gold, (str, int, float)) and not isinstance(gold, bool) and str(gold).strip():
        return {"answer": str(gold)}, []
    if isinstance(gold, list):
        claims = strings(gold, "gold")
        if not claims:
            raise refuse("'gold' lists no claims")
        return {}, claims
    if isinstance(gold, dict) and "claims" in gold:
        claims = strings(gold["claims"], "gold.claims")
        if not claims:
            raise refuse("'gold.claims' is empty")
        return {}, claims
    if isinstance(gold, dict) and isinstance(gold.get("answer"), (str, int, float)) and str(gold["answer"]).strip():
        return {"answer": str(gold["answer"]), "aliases": strings(gold.get("aliases", []), "gold.aliases"),
                "wrong": strings(gold.get("wrong", []), "gold.wrong")}, []
    raise refuse("'gold' must be an answer (a string, or {\"answer\", \"aliases\"}) or a list of claims")
