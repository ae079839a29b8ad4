"""Measure where a model sits on each bank family and difficulty: the share it answers right.

    python -m bench.suites.bank.calibrate [--model PATH] [--n 40] [--budget 128] [--split dev] [--out FILE]
    python -m bench.suites.bank.calibrate --rescore FILE   # the answers of an --out file, by today's scorers

Greedy, one generation per item at the budget, scored by bench/scorers.py; prints one line per family
and difficulty with the family's own score (factual: gold accuracy). The default difficulty of each
family (selection.DEFAULT_DIFFICULTY) is the level where the embedded model lands nearest 30-70 %.
"""

from __future__ import annotations

import argparse
import json
import time

from bench.suites.bank import BankSuite
from bench.suites.bank.common import DIFFICULTIES
from bench.suites.bank.selection import FAMILIES

SCORE_KEY = {"uncertainty": "uncertainty", "self_verification": "self_verification", "feedback": "feedback",
             "factual": "correct"}


def main(argv: list[str] | None = None) -> None:
    from edge.backend import Sampling
    from edge.gguf_inspect import resolve_model
    from edge.llamacpp_backend import LlamaCppBackend
    from edge.profiles import RuntimeSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--budget", type=int, default=128)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--difficulties", default=",".join(DIFFICULTIES))
    parser.add_argument("--out", default=None, help="write every item, answer and score here (JSONL)")
    parser.add_argument("--rescore", default=None, help="score the answers of an earlier --out file again, generating nothing")
    args = parser.parse_args(argv)
    if args.rescore:
        return rescore(args.rescore)
    backend = LlamaCppBackend(resolve_model(args.model), RuntimeSettings(threads=args.threads, n_ctx=2048))
    sampling = Sampling(max_tokens=args.budget, temperature=0.0)
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    for family in args.families.split(","):
        for difficulty in args.difficulties.split(","):
            suite = BankSuite(f"bank:{family}@{difficulty}")
            items = suite.items(args.split, args.n)
            started = time.perf_counter()
            answers = [(item, backend.generate(item.messages, sampling).text) for item in items]
            rows = suite.evaluate(answers)
            values = [r[SCORE_KEY[family]] for r in rows if r.get(SCORE_KEY[family]) is not None]
            mean = sum(values) / len(values) if values else float("nan")
            print(f"{family:18s} {difficulty:7s} n={len(values):3d} score={mean:.2f} "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
            if out:
                for (item, text), row in zip(answers, rows):
                    out.write(json.dumps({"record": item.source, "answer": text, "scores": row}) + "\n")
                out.flush()
    backend.close()


def rescore(path: str) -> None:
    """Per family and difficulty, the share right of the answers an --out file holds, by the scorers as they are now."""
    from collections import defaultdict

    from bench.scorers import score

    values = defaultdict(list)
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            record = row["record"]
            value = score(record, row["answer"]).get(SCORE_KEY[record["family"]])
            if value is not None:
                values[(record["family"], record["difficulty"])].append(value)
    for (family, difficulty), got in values.items():
        print(f"{family:18s} {difficulty:7s} n={len(got):3d} score={sum(got) / len(got):.2f}")


if __name__ == "__main__":
    main()
