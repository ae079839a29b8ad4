"""Greedy identity of batched generation: how often is a batched answer token-identical to
the sequential one, and does any item's score change?

    python -m bench.batch_identity [--model GGUF] [--items 40] [--budget 128] [--parallel 4,8]
                                   [--split dev] [--threads 2] [--repack auto|on|off]

The sequential answers come from `LlamaCppBackend.generate`, one item at a time; the
batched ones from `generate_many` (edge/llamacpp_batch.py) with `parallel` sequences in one
context. With parallel > 1 a decode step multiplies several rows at once, and llama.cpp may
then use other kernels, so the logits can differ in their last bits and a greedy argmax
can flip where two tokens are nearly tied; from there the answers part. The table gives,
per parallel count, the share of items whose token ids are identical, where the first
difference falls, and how many items' rule-based scores (bench/scorers.py) differ.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.suites.disposition import DispositionSuite
from edge.backend import Sampling, open_backend
from edge.llamacpp_batch import BatchItem
from edge.profiles import RuntimeSettings
from edge.repack import choose_for_this_host


def first_difference(a: list[int], b: list[int]) -> int | None:
    """Index of the first token where a and b differ (None: identical)."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def measure(model: Path, n_items: int, budget: int, counts: list[int], split: str, threads: int, repack: str,
            log=print) -> dict:
    suite = DispositionSuite()
    items = suite.items(split, limit=n_items)
    choice = choose_for_this_host(repack)
    backend = open_backend("llamacpp", model, RuntimeSettings(threads=threads, n_ctx=1024, repack=choice.enabled,
                                                              repack_why=choice.why))
    sampling = Sampling(max_tokens=budget)
    try:
        start = time.perf_counter()
        sequential = {item.id: backend.generate(item.messages, sampling) for item in items}
        log(f"sequential: {len(items)} items in {time.perf_counter() - start:.0f} s")
        seq_scores = {item.id: suite.evaluate([(item, sequential[item.id].text)])[0] for item in items}
        out = {"model": str(model), "items": len(items), "budget": budget, "split": split, "repack": choice.why, "by_parallel": {}}
        for pl in counts:
            start = time.perf_counter()
            batch = [BatchItem(item.id, item.messages, sampling) for item in items]
            batched = {r.id: r.generation for r in backend.generate_many(batch, parallel=pl)}
            wall = time.perf_counter() - start
            diffs = {item.id: first_difference(sequential[item.id].token_ids, batched[item.id].token_ids) for item in items}
            differing = [d for d in diffs.values() if d is not None]
            scores_changed = sum(suite.evaluate([(item, batched[item.id].text)])[0] != seq_scores[item.id] for item in items)
            stop_changed = sum(batched[i.id].stop_reason != sequential[i.id].stop_reason for i in items)
            out["by_parallel"][pl] = {"identical": len(items) - len(differing), "share": 1 - len(differing) / len(items),
                                      "first_difference_at": sorted(differing), "scores_changed": scores_changed,
                                      "stop_reason_changed": stop_changed, "wall_s": wall}
            log(f"parallel {pl}: {len(items) - len(differing)}/{len(items)} identical, {wall:.0f} s")
    finally:
        backend.close()
    return out


def table(result: dict) -> str:
    lines = [f"{result['items']} items of the disposition suite ({result['split']} split), greedy, budget {result['budget']}",
             "", "| parallel | token-identical | share | first difference at token (differing items) | scores changed | stop reason changed |",
             "|---:|---:|---:|---|---:|---:|"]
    for pl, row in result["by_parallel"].items():
        at = ", ".join(map(str, row["first_difference_at"])) or "-"
        lines.append(f"| {pl} | {row['identical']}/{result['items']} | {row['share']:.1%} | {at} | {row['scores_changed']} | "
                     f"{row['stop_reason_changed']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch_identity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="GGUF (default: the embedded model)")
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--budget", type=int, default=128)
    parser.add_argument("--parallel", default="4,8")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repack", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.model is None:
        from edge.gguf_inspect import default_model_path

        args.model = default_model_path()
    result = measure(args.model, args.items, args.budget, [int(x) for x in args.parallel.split(",")], args.split,
                     args.threads, args.repack, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(f"\n{args.model.name}\n")
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
