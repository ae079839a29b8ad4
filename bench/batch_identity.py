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
difference falls, how many items' rule-based scores (bench/scorers.py) differ, and whether
a verdict would change: the suite's target score (pooled disposition) tested paired, batched
against sequential, as `edgebench compare` tests two runs (bench/compare.py:paired_test); a
p-value under alpha means batching alone would read as a difference between artifacts.

On the embedded model (2 cores, loaded machine, --threads 1, 8 items, budget 48, parallel 4)
it ran in under a minute: 8/8 token-identical, no score changed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.compare import paired_test
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


ALPHA = 0.05  # compare's default significance level


def target_test(target: str, sequential: dict, batched: dict, ids: list, alpha: float) -> dict:
    """The target score, batched (B) against sequential (A), paired over the items that carry it."""
    pairs = [(sequential[i].get(target), batched[i].get(target)) for i in ids]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    if not pairs:
        return {"target": target, "n": 0, "mean_sequential": None, "mean_batched": None, "p_value": None,
                "verdict_changes": False}
    test = paired_test([a for a, _ in pairs], [b for _, b in pairs])
    return {"target": target, "n": len(pairs), "mean_sequential": sum(a for a, _ in pairs) / len(pairs),
            "mean_batched": sum(b for _, b in pairs) / len(pairs), "p_value": test.p_value,
            "verdict_changes": test.p_value < alpha}


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
            bat_scores = {item.id: suite.evaluate([(item, batched[item.id].text)])[0] for item in items}
            scores_changed = sum(bat_scores[item.id] != seq_scores[item.id] for item in items)
            stop_changed = sum(batched[i.id].stop_reason != sequential[i.id].stop_reason for i in items)
            verdict = target_test(suite.spec.target, seq_scores, bat_scores, [i.id for i in items], ALPHA)
            out["by_parallel"][pl] = {**verdict, "identical": len(items) - len(differing), "share": 1 - len(differing) / len(items),
                                      "first_difference_at": sorted(differing), "scores_changed": scores_changed,
                                      "stop_reason_changed": stop_changed, "wall_s": wall}
            log(f"parallel {pl}: {len(items) - len(differing)}/{len(items)} identical, {wall:.0f} s")
    finally:
        backend.close()
    return out


def table(result: dict) -> str:
    lines = [f"{result['items']} items of the disposition suite ({result['split']} split), greedy, budget {result['budget']}",
             "", "| parallel | token-identical | share | first difference at token (differing items) | scores changed | "
             "stop reason changed | target score sequential / batched (paired p) | verdict changes |",
             "|---:|---:|---:|---|---:|---:|---|---|"]
    for pl, row in result["by_parallel"].items():
        at = ", ".join(map(str, row["first_difference_at"])) or "-"
        target = (f"{row['target']} {row['mean_sequential']:.3f} / {row['mean_batched']:.3f} (p = {row['p_value']:.2f}, "
                  f"n = {row['n']})" if row["n"] else f"{row['target']}: no item carries it")
        lines.append(f"| {pl} | {row['identical']}/{result['items']} | {row['share']:.1%} | {at} | {row['scores_changed']} | "
                     f"{row['stop_reason_changed']} | {target} | {'yes' if row['verdict_changes'] else 'no'} |")
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
