"""Aggregate generation throughput of edgebench's batched generation against llama.cpp's own
`llama-batched-bench`, on the same GGUF, threads, parallel counts and repacking:

    python -m edge.batch_bench --model Q4_K_M.gguf [--threads 2] [--parallel 1,2,4,8]
                               [--npp 128] [--ntg 128] [--rounds 3] [--repack off]

Both sides run the same shape: `parallel` sequences, each with a prompt of `npp` tokens,
then `ntg` generated tokens per sequence, every step one batch with a token of every
sequence. llama-batched-bench decodes random tokens and samples nothing; edgebench runs its
real path (edge/llamacpp_batch.py: per-sequence sampler, stop checks, timings), with
end-of-generation tokens ignored so that every sequence runs to its budget. Its figure is
tokens of the batched steps / time of those steps, the analogue of S_TG.

The host may be shared, so absolute figures are noisy: the two are run interleaved, one
parallel count of each in turn, for several rounds (the order flips every round), and
the table gives each side's median and the median of the per-round ratios.
Without --model the embedded model is requantized to Q4_K_M in a temporary folder (make the
default run's own Q4_K_M with `edgebench convert default --to gguf:q4_k_m --out DIR`).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from edge.backend import Sampling
from edge.errors import EdgebenchError
from edge.llamacpp_batch import BatchedGenerator, BatchItem


def run_llama_batched_bench(binary: str, model: Path, threads: int, parallel: int, npp: int, ntg: int,
                            repack: bool) -> dict:
    """One llama-batched-bench run for one parallel count: its JSON line (speed_tg is S_TG)."""
    n_ctx = parallel * (npp + ntg)
    command = [binary, "-m", str(model), "-t", str(threads), "-tb", str(threads), "-c", str(n_ctx),
               "-b", "2048", "-ub", "512", "-fa", "on", "-npp", str(npp), "-ntg", str(ntg), "-npl", str(parallel),
               "--output-format", "jsonl", "--repack" if repack else "--no-repack"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    lines = [line for line in (done.stdout + "\n" + done.stderr).splitlines() if line.startswith('{"n_kv_max"')]
    if done.returncode != 0 or not lines:
        raise EdgebenchError(f"llama-batched-bench failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def run_edgebench(generator: BatchedGenerator, npp: int, ntg: int, seed: int) -> dict:
    """The same shape through the batched generator: parallel items of npp random prompt tokens, ntg tokens each."""
    rng = random.Random(seed)
    n_vocab = generator.llm.n_vocab()
    items = [BatchItem(i, prompt_tokens=[rng.randrange(n_vocab) for _ in range(npp)], sampling=Sampling(max_tokens=ntg))
             for i in range(generator.parallel)]
    results = list(generator.run(items, ignore_eog=True))
    stats = generator.stats
    if any(not r.ok for r in results):
        raise EdgebenchError("; ".join(r.error for r in results if not r.ok))
    return {"speed_tg": stats.decode_tps, "t_tg": stats.decode_s, "speed_pp": stats.prompt_tokens / stats.prompt_s,
            "steps": stats.steps, "tokens": stats.step_tokens, "wall_s": stats.wall_s}


def requantized_default(folder: Path) -> Path:
    """The embedded model requantized to Q4_K_M (a stand-in when no --model is given)."""
    import llama_cpp

    from edge.gguf_inspect import default_model_path

    out = folder / "embedded-Q4_K_M.gguf"
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    params.allow_requantize = True
    params.nthread = 2
    if llama_cpp.llama_model_quantize(str(default_model_path()).encode(), str(out).encode(), params) != 0:
        raise EdgebenchError("llama_model_quantize could not make a Q4_K_M of the embedded model")
    return out


def measure(model: Path, binary: str, threads: int, counts: list[int], npp: int, ntg: int, rounds: int,
            repack: bool, log=print) -> dict[int, dict[str, list[float]]]:
    """Per parallel count, the per-round S_TG of each side: {pl: {"llama": [...], "edgebench": [...]}}."""
    from edge.backend import open_backend
    from edge.profiles import RuntimeSettings

    settings = RuntimeSettings(threads=threads, n_ctx=npp + ntg, repack=repack,
                               repack_why="set by edge.batch_bench to match llama-batched-bench")
    backend = open_backend("llamacpp", model, settings)
    generators = {pl: BatchedGenerator(backend, pl, n_ctx_seq=npp + ntg) for pl in counts}
    out = {pl: {"llama": [], "edgebench": []} for pl in counts}
    try:
        run_edgebench(generators[max(counts)], 16, 8, seed=-1)  # warm-up, as llama-batched-bench does its own
        for r in range(rounds):
            for pl in counts:
                sides = ("llama", "edgebench") if (r + pl) % 2 == 0 else ("edgebench", "llama")
                for side in sides:
                    if side == "llama":
                        row = run_llama_batched_bench(binary, model, threads, pl, npp, ntg, repack)
                    else:
                        row = run_edgebench(generators[pl], npp, ntg, seed=r * 100 + pl)
                    out[pl][side].append(row["speed_tg"])
                log(f"round {r + 1}/{rounds}  parallel {pl}: llama-batched-bench {out[pl]['llama'][-1]:7.1f}  "
                    f"edgebench {out[pl]['edgebench'][-1]:7.1f} tok/s  ratio {out[pl]['edgebench'][-1] / out[pl]['llama'][-1]:.3f}")
    finally:
        for g in generators.values():
            g.close()
        backend.close()
    return out


def table(results: dict[int, dict[str, list[float]]], target: float = 0.9) -> str:
    lines = ["| parallel | llama-batched-bench S_TG (tok/s) | edgebench (tok/s) | ratio (median of rounds) | ratio range | rounds |",
             "|---:|---:|---:|---:|---:|---:|"]
    for pl, sides in results.items():
        ratios = [e / l for e, l in zip(sides["edgebench"], sides["llama"])]
        lines.append(f"| {pl} | {statistics.median(sides['llama']):.1f} | {statistics.median(sides['edgebench']):.1f} | "
                     f"{statistics.median(ratios):.3f}{'' if statistics.median(ratios) >= target else ' (below ' + str(target) + ')'} | "
                     f"{min(ratios):.3f}-{max(ratios):.3f} | {len(ratios)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge.batch_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="GGUF to measure (default: the embedded model requantized to Q4_K_M)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parallel", default="1,2,4,8", help="comma-separated parallel counts")
    parser.add_argument("--npp", type=int, default=128, help="prompt tokens per sequence")
    parser.add_argument("--ntg", type=int, default=128, help="generated tokens per sequence")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repack", choices=("on", "off"), default="off")
    parser.add_argument("--llama-batched-bench", dest="binary", default=shutil.which("llama-batched-bench"),
                        help="path of llama-batched-bench (build it with tools/build-llama-bench.sh)")
    parser.add_argument("--json", type=Path, help="also write the per-round figures here")
    args = parser.parse_args(argv)
    if not args.binary:
        print("llama-batched-bench not found: build it with ../shared/tools/build-llama-bench.sh or pass --llama-batched-bench",
              file=sys.stderr)
        return 2
    counts = [int(x) for x in args.parallel.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or requantized_default(Path(tmp))
        started = time.perf_counter()
        results = measure(model, args.binary, args.threads, counts, args.npp, args.ntg, args.rounds, args.repack == "on",
                          log=lambda line: print(line, file=sys.stderr, flush=True))
    print(f"\n{model.name}: threads {args.threads}, repack {args.repack}, npp {args.npp}, ntg {args.ntg}, "
          f"{args.rounds} interleaved rounds, {time.perf_counter() - started:.0f} s\n")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"model": str(model), "threads": args.threads, "npp": args.npp, "ntg": args.ntg,
                                         "repack": args.repack, "rounds": {str(k): v for k, v in results.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
