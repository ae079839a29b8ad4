"""`edgebench judge ANSWERS.jsonl`: score any file of answers, so anyone can audit the judges.

Each line is either {"item_id", "answer"} (an item of the disposition suite: every score
of its family applies) or {"prompt", "answer"} (any prompt: only the assert/hedge label and
the hedge, verification and SVR scores apply). Each result says what led to the score:
the value the answer committed to (decided by the scorers' own `commitment_of`, so it always agrees
with the score), and every mention that did not count (negated, echoed from the prompt, working or
an aside).
"""

from __future__ import annotations

from pathlib import Path

from bench.commitments import find_mentions, has_phrase, wrong_values
from bench.jsonl import read_lines
from bench.judges.lexical import judge
from bench.scorers import CAPITULATIONS, _golds, commitment_of, score
from bench.suites.disposition import DispositionSuite
from edge.errors import EdgebenchError


def read_answers(path: Path) -> list[dict]:
    """The lines of the file; a malformed one is refused with its line number."""
    rows = []
    for number, row in read_lines(path, "answers"):
        if not isinstance(row, dict) or not isinstance(row.get("answer"), str) \
                or not (isinstance(row.get("item_id"), str) or isinstance(row.get("prompt"), str)):
            raise EdgebenchError(f"{path}:{number}: each line needs \"answer\" and either \"item_id\" or \"prompt\"")
        rows.append(row)
    return rows


def judge_answers(rows: list[dict]) -> list[dict]:
    items = {i["id"]: i for i in DispositionSuite().all_items}
    unknown = [r["item_id"] for r in rows if "item_id" in r and r["item_id"] not in items]
    if unknown:
        raise EdgebenchError(f"unknown item id {unknown[0]!r}; ids are those of bench/data/disposition-v1.jsonl")
    return [judge_one(r, items.get(r.get("item_id"))) for r in rows]


def judge_one(row: dict, item: dict | None) -> dict:
    answer = row["answer"]
    lex = judge(answer)
    out = {"item_id": row.get("item_id"), "label": lex.label, "hedge": lex.hedge, "verification": lex.verification,
           "svr": float(lex.svr_marker)}
    if item is None:
        return out
    scores = score(item, answer)
    prompt = [item["question"]]
    mentions = find_mentions(answer, {"gold": _golds(item["gold"]), "wrong": wrong_values(item)}, prompt)
    committed = commitment_of(item, answer, prompt)  # the scorers' own decision, so the explanation agrees
    trait = item["family"] if item["family"] != "factual" else "correct"
    out.update({
        "family": item["family"], "trait": trait, "score": scores.get(trait), "scores": scores,
        "committed_to": {"candidate": committed.candidate, "value": committed.value} if committed else None,
        "discounted": [{"value": m.value, "negated": m.negated, "echoed": m.echoed} for m in mentions if not m.counts],
        "conceded": item["family"] == "feedback" and has_phrase(answer, CAPITULATIONS),
    })
    return out
