"""`edgebench train filter`: keep the teacher answers that pass the suite's own scorers and build
DPO pairs, saying how many survive each stage.

An answer is kept when it ended on its own (not cut off at the budget), passes the scorer of its
family (bench/scorers.py: the trait's score, or gold accuracy for factual items; the very
code that scores the benchmark), optionally passes the LLM judge too, and is not a near copy of
a held-out item (train/contamination.py). A DPO pair is (prompt, chosen = a kept teacher
answer, rejected = the student's own answer to the same prompt, without the system prompt,
that fails the scorer or was cut off).
"""

from __future__ import annotations

from pathlib import Path

from bench.suites.base import Item
from bench.suites.disposition import DispositionSuite
from edge.errors import EdgebenchError
from train.artifact import read_jsonl, reusable, write_artifact, write_jsonl
from train.contamination import Guard, data_hash
from train.teacher import answers

SFT_FILE, PAIRS_FILE = "sft.jsonl", "pairs.jsonl"


def passed(scores: dict, family: str) -> bool:
    """The family's own score is 1 (factual items: gold accuracy)."""
    return scores.get("correct" if family == "factual" else family) == 1.0


def score_rows(rows: list[dict], llm_judge=None) -> list[dict]:
    """Every answer's scores, through the disposition suite (LLM judge: the traits rescored by it)."""
    suite = DispositionSuite()
    records = {r["id"]: r for r in suite.all_items}
    items = [Item(r["item_id"], records[r["item_id"]]["family"], r["messages"], "train", "disposition", "",
                  records[r["item_id"]]) for r in rows]
    return suite.evaluate(list(zip(items, [r["answer"] for r in rows])), llm_judge)


def filter_answers(teacher_rows: list[dict], student_rows: list[dict], llm_judge=None, say=print
                   ) -> tuple[list[dict], list[dict], dict]:
    """(SFT examples, DPO pairs, counts per stage)."""
    whole = [r for r in teacher_rows if r["stop_reason"] != "length"]
    scored = score_rows(whole, llm_judge) if whole else []
    passing = [r for r, s in zip(whole, scored) if passed(s, r["family"])]
    kept, guard = [], Guard()
    for row in passing:
        problem = guard.problem(row)
        if problem:
            say(f"dropped: {problem}")
        else:
            kept.append(row)
    counts = {"teacher_answers": len(teacher_rows), "not_cut_off": len(whole), "passed_scorers": len(passing),
              "not_contaminated": len(kept)}
    if not kept:
        failed = len(whole) - len(passing)
        raise EdgebenchError(f"0 of {len(teacher_rows)} teacher answers passed the scorers: {len(teacher_rows) - len(whole)} "
                             f"cut off at the budget, {failed} failed their family's scorer, {len(passing)} near copies of "
                             "held-out items; try another teacher, more --samples or a larger --max-tokens")
    examples = [{"item_id": r["item_id"], "messages": r["messages"], "answer": r["answer"], "prompt_text": r["prompt_text"],
                 "teacher": r["teacher"]} for r in kept]
    student_scores = score_rows(student_rows) if student_rows else []
    chosen = {}
    for r in kept:
        chosen.setdefault(r["item_id"], r)
    pairs = []
    for row, scores in zip(student_rows, student_scores):
        good = chosen.get(row["item_id"])
        if good is not None and (row["stop_reason"] == "length" or not passed(scores, row["family"])):
            pairs.append({"item_id": row["item_id"], "messages": row["messages"], "prompt_text": row["prompt_text"],
                          "chosen": good["answer"], "rejected": row["answer"], "answer": good["answer"]})
    counts.update({"student_answers": len(student_rows), "student_failed": sum(
        r["stop_reason"] == "length" or not passed(s, r["family"]) for r, s in zip(student_rows, student_scores)),
        "dpo_pairs": len(pairs), "sft_examples": len(examples)})
    return examples, pairs, counts


def run_filter(teach_dir: Path, student_dir: Path | None, out: Path, llm_judge=None, say=print) -> dict:
    """Read the teach stage's answers (and the student's), filter, write sft.jsonl and pairs.jsonl to `out`."""
    teacher_rows = answers(teach_dir)
    student_rows = answers(student_dir) if student_dir is not None else []
    key = {"stage": "filter", "teacher_data": data_hash(teacher_rows), "student_data": data_hash(student_rows),
           "judge": llm_judge.name if llm_judge is not None else "lexical"}
    done = reusable(out, key)
    if done is not None:
        return done
    examples, pairs, counts = filter_answers(teacher_rows, student_rows, llm_judge, say)

    def fill(staging: Path) -> dict:
        write_jsonl(staging / SFT_FILE, examples)
        write_jsonl(staging / PAIRS_FILE, pairs)
        return {"stage": "filter", "counts": counts, "judge": key["judge"], "sft_data_hash": data_hash(examples),
                "pairs_data_hash": data_hash(pairs)}

    return write_artifact(out, key, fill)


def read_examples(folder_or_file: Path, name: str) -> list[dict]:
    path = Path(folder_or_file)
    return read_jsonl(path / name if path.is_dir() else path)
