"""Rich tables for the terminal, used by the commands: device profiles, HumanEval scores, judge audits, run
comparisons, conversions, speed and drift, training counts. The artifact report has its own
(bench/report_tables.py), which `run` and `report` print."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from edge.profiles import Profile


def devices_table(profiles: dict[str, Profile], detected: str, repack_note: str = "", budget_note: str = "") -> Table:
    table = Table(title="Device profiles (* = detected host)", title_justify="left")
    for col in ("", "profile", "backends", "threads", "gpu layers", "memory GiB", "repack", "parallel", "ladder", "tested"):
        table.add_column(col)
    for p in profiles.values():
        mark = "*" if p.name == detected else ""
        threads = str(p.threads) if p.threads else "auto"
        table.add_row(mark, p.name, ", ".join(p.backends), threads, str(p.gpu_layers),
                      f"{p.memory_budget_gb:g}", p.repack, str(p.parallel), ", ".join(p.ladder), p.tested)
    notes = ([f"llama.cpp weight repacking on this host: {repack_note}"] if repack_note else []) + \
        ([budget_note] if budget_note else [])
    if notes:
        table.caption, table.caption_justify = "\n".join(notes), "left"
    return table


def print_tables(*tables: Table, width: int = 140) -> None:
    # Rich assumes 80 columns when output is piped; tables of ids and numbers read better wider.
    console = Console(width=None if sys.stdout.isatty() else width)
    for t in tables:
        console.print(t)


def humaneval_tables(result: dict) -> tuple[Table, Table]:
    """Per-task outcomes, then pass@1 with its confidence interval."""
    tasks = Table(title="HumanEval per task", title_justify="left")
    for col in ("task", "passed", "n", "status", "detail"):
        tasks.add_column(col)
    for task_id, row in result["per_task"].items():
        colour = "green" if row["passed"] == row["n"] else "red"
        # The detail is the sandbox's text (an exception name, a line of stderr): plain text, never markup.
        tasks.add_row(Text(task_id), Text(str(row["passed"]), style=colour), str(row["n"]), Text(",".join(row["statuses"])),
                      Text(_printable(row["detail"][:60])))
    p = result["pass@1"]
    summary = Table(title="HumanEval", title_justify="left", show_header=False)
    summary.add_row("pass@1", f"{p['value']:.1%}  (95% CI {p['ci95'][0]:.1%} to {p['ci95'][1]:.1%})")
    summary.add_row("tasks / samples", f"{result['tasks']} / {result['samples']}")
    summary.add_row("isolation", Text(result["isolation"]))
    for key in ("disk", "memory"):
        if key in result.get("sandbox", {}):
            summary.add_row(f"sandbox {key}", Text(str(result["sandbox"][key])))
    return tasks, summary


def _printable(text: str) -> str:
    """Lone surrogates and control characters escaped: a strict UTF-8 stdout never fails on them."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


def audit_table(result: dict) -> Table:
    """The lexical judge's agreement with the paper's labels and axes."""
    table = Table(title="Lexical judge vs paper artifacts", title_justify="left")
    for col in ("file", "n", "figure", "value"):
        table.add_column(col)
    labels = result["assert_hedge"]
    for name, row in {**labels["per_file"], "pooled (assert/hedge, cross-validated)": labels["pooled"]}.items():
        if "kappa_range" in row:  # cross-validated: mean [min, max] over repeated grouped folds
            table.add_row(name, str(row["n"]), "Cohen's kappa (range over repeats) / accuracy, out-of-fold",
                          f"{row['kappa']:.3f} [{row['kappa_range'][0]:.3f}, {row['kappa_range'][1]:.3f}] / {row['accuracy']:.3f}")
        else:
            table.add_row(name, str(row["n"]), "Cohen's kappa / accuracy", f"{row['kappa']:.3f} / {row['accuracy']:.3f}")
        if "paper_asymmetry_recomputed" in row:
            table.add_row("", "", "paper asymmetry recomputed / stored",
                          f"{row['paper_asymmetry_recomputed']:.4f} / {row['paper_asymmetry_stored']:.4f}")
    pooled = labels["pooled"]
    if "note" in pooled:
        table.add_row("", "", "how (cross-validated)", pooled["note"])
    if "all_answers" in labels:
        everything = labels["all_answers"]
        table.add_row("shipped weights, all answers", str(everything["n"]), "kappa / accuracy (trained on them: not a test)",
                      f"{everything['kappa']:.3f} / {everything['accuracy']:.3f}")
    if pooled.get("why_not"):
        table.add_row("", "", f"[yellow]why not always above {pooled['target']}[/]", pooled["why_not"])
    elif pooled.get("models_below_target"):
        table.add_row("", "", f"[yellow]below {pooled['target']}: {', '.join(pooled['models_below_target'])}; why[/]",
                      pooled["limits"])
    for name, row in result["axes"].items():
        for key, value in row.items():
            if key.startswith("spearman"):
                table.add_row(name, str(row["n"]), key.removeprefix("spearman_").replace("_vs_", " vs "), f"{value:.3f}")
    _judge_checks_rows(table, result)
    return table


def llm_audit_table(result: dict) -> Table:
    """The LLM judge on a sample of the paper's answers: agreement, repeatability, verbosity, JSON health."""
    table = Table(title=f"{result['judge']} vs paper artifacts (sample seed {result['sample_seed']})", title_justify="left")
    for col in ("check", "n", "figure", "value"):
        table.add_column(col)
    labels = result["assert_hedge"]
    table.add_row("assert/hedge", str(labels["n"]), "Cohen's kappa / accuracy", f"{labels['kappa']:.3f} / {labels['accuracy']:.3f}")
    for key, value in result["axes"].items():
        if key.startswith("spearman"):
            table.add_row("1-5 axes", str(result["axes"]["n"]), f"Spearman {key.removeprefix('spearman_')}", f"{value:.3f}")
    _judge_checks_rows(table, result)
    counts = result["json"]
    table.add_row("strict JSON", str(counts["calls"]), "retries / failures", f"{counts['retries']} / {counts['failures']}")
    return table


def _judge_checks_rows(table: Table, result: dict) -> None:
    repeat = result["repeat_consistency"]
    if repeat["n"]:
        table.add_row("repeat consistency", str(repeat["n"]), f"identical over {repeat['repeats']} judgements",
                      f"{repeat['identical_share']:.3f}")
    bias = result["verbosity_bias"]
    for axis, row in bias.items():
        if isinstance(row, dict):
            flag = "[red]raises score[/]" if row["raises_score"] else "ok"
            table.add_row("verbosity bias", str(bias["n"]), f"{axis}: padded - original [95% CI]",
                          f"{row['mean_delta']:+.3f} [{row['ci95'][0]:+.3f}, {row['ci95'][1]:+.3f}] {flag}")


VERDICT_STYLE = {"survives": "bold green", "truncation artifact": "bold yellow", "style only": "bold yellow",
                 "content damaged": "bold red", "not significant": "bold"}


def comparison_table(comparison, label_a: str, label_b: str) -> Table:
    """Paired B-minus-A differences per split and budget, with the verdict in the caption."""
    style = VERDICT_STYLE.get(comparison.verdict, "bold")
    findings = "".join(f"\n[yellow]finding: {f}[/]" for f in comparison.findings)  # equal scores, many flips
    findings += "\nflips: the share of items B scores unlike A (95% Wilson CI)"
    table = Table(title=f"{comparison.suite}: B vs A on '{comparison.metric}'  (A = {label_a}, B = {label_b})",
                  title_justify="left", caption=f"[{style}]{comparison.verdict}[/]: {comparison.reason}{findings}",
                  caption_justify="left")
    for col in ("split", "n_predict", "n", "cap-hit A", "cap-hit B", "A", "B", "B-A [95% CI]", "p", "flips",
                "content B-A (p)", "content flips", "SVR B-A (p)"):
        # the interval stays on one line; the headers wrap instead when 13 columns do not fit
        table.add_column(col, justify="left" if col == "split" else "right", no_wrap=col == "B-A [95% CI]")
    for c in comparison.cells:
        clean = c.clean(comparison.negligible_cap)
        t = c.target
        table.add_row(
            c.split, str(c.budget), str(c.n),
            _cap(c.cap_hit_a, clean), _cap(c.cap_hit_b, clean), f"{c.mean_a:.3f}", f"{c.mean_b:.3f}",
            f"{t.difference:+.3f} [{t.low:+.3f}, {t.high:+.3f}]", f"{t.p_value:.3g}", _flips(c.flips),
            _paired(c.content), _flips(c.content_flips), _paired(c.style),
        )
    return table


def _flips(estimate) -> str:
    """The share of items B scores unlike A, with its Wilson 95% interval."""
    if estimate is None:
        return "-"
    return f"{estimate.value:.0%} ({estimate.low * 100:.0f}-{estimate.high * 100:.0f})"  # narrow: 13 columns


def _cap(rate: float, clean: bool) -> str:
    return f"{rate:.0%}" if clean else f"[yellow]{rate:.0%}[/]"


def _paired(result) -> str:
    return "-" if result is None else f"{result.difference:+.3f} ({result.p_value:.2g})"


def convert_table(result: dict) -> Table:
    """One row per artifact: size, bits per weight, and the verification figures when run."""
    table = Table(title=f"Artifacts from {result['source']}" + (f" + {result['adapter']}" if result["adapter"] else ""),
                  title_justify="left")
    for col in ("target", "path", "MiB", "bits/weight", "built", "tokenizer", "top-1 vs torch", "KL mean"):
        table.add_column(col, justify="left" if col in ("target", "path", "built") else "right")
    for a in result["artifacts"]:
        v = a["verification"] or {}
        built = "reused" if a["reused"] else f"{a['seconds']:.1f} s"
        table.add_row(a["target"] + ("" if a["requested"] else " (for quantizing)"), a["path"],
                      f"{a['size_bytes'] / 2**20:.1f}", f"{a['bits_per_weight']:.2f}", built,
                      f"{v['tokenizer_match']:.0%}" if v else "-", f"{v['top1_agreement']:.2%}" if v else "-",
                      f"{v['kl_mean']:.4f}" if v else "-")
    checks = result.get("checks") or {}
    if checks:
        table.caption = ("[green]verification passed[/]" if checks["passed"] else
                         "[red]verification failed: " + "; ".join(checks["failures"]) + "[/]")
        if checks.get("merge_max_abs_diff") is not None:
            table.caption += f"; merged vs base+adapter max |Δlogit| {checks['merge_max_abs_diff']:.1e}"
        table.caption_justify = "left"
    return table


def _thermal_text(snapshot: dict) -> str:
    parts = []
    for key, unit in (("temperature_c", "°C"), ("clock_mhz", " MHz")):
        value = snapshot[key]
        parts.append(value if isinstance(value, str) else ", ".join(f"{v:.0f}{unit}" for v in value.values()))
    return "temperature " + parts[0] + "; clocks " + parts[1]


def speed_table(result: dict) -> Table:
    """llama-bench's columns: model, size, params, backend, threads, test, t/s (avg ± stddev)."""
    table = Table(title=f"Speed: {result['model_filename']}", title_justify="left")
    energy = result.get("energy") or {}
    method = energy.get("method")
    for col in ("model", "size", "params", "backend", "threads", "test", "t/s", "ms") + (("J/tok",) if method else ()):
        table.add_column(col, justify="left" if col in ("model", "backend", "test") else "right")
    for t in result["tests"]:
        rate = f"{t['avg_ts']:.2f} ± {t['stddev_ts']:.2f}" if t["test"] not in ("load", "ttft") else "-"
        joules = (t.get("energy") or {}).get(method, {}).get("j_per_token") if method else None
        table.add_row(result["model_type"], f"{result['model_size'] / 2**20:.2f} MiB", f"{result['model_n_params'] / 1e6:.2f} M",
                      result["backend"], str(result["n_threads"]), t["test"], rate,
                      f"{t['avg_ns'] / 1e6:.1f} ± {t['stddev_ns'] / 1e6:.1f}", *((f"{joules:.4f}" if joules else "-",) if method else ()))
    lines = [energy_line(energy, result["tests"])] if energy else []
    lines += [f"peak resident memory {result['peak_rss_bytes'] / 2**20:.0f} MiB"
             + (f" (MLX's own peak {result['mlx_peak_bytes'] / 2**20:.0f} MiB)" if "mlx_peak_bytes" in result else "")]
    roof = result.get("roofline")
    if roof:
        lines.append(f"memory bandwidth {roof['bandwidth_gbs']:.1f} GB/s (copy); roofline {roof['roofline_tps']:.0f} tok/s "
                     f"for {roof['bytes_per_token'] / 2**20:.0f} MiB per token; generation efficiency {roof['efficiency']:.0%}")
    lines.append("before: " + _thermal_text(result["thermal_before"]) + " | after: " + _thermal_text(result["thermal_after"]))
    table.caption = "\n".join(lines)
    table.caption_justify = "left"
    return table


def sustain_table(result: dict) -> Table:
    """A sustained run: one row per 10 s (every second when shorter than a minute), then the summary."""
    from bench.columns import num
    from edge.sustain import summary_lines

    table = Table(title=f"Sustained generation: {result['model_filename']}", title_justify="left")
    for col in ("t (s)", "tok/s", "temp C", "clock MHz", "throttle now"):
        table.add_column(col, justify="right")
    rows = result["timeline"]
    step = 1 if len(rows) <= 60 else 10
    for row in rows[step - 1::step]:
        flags = row["throttle_now"]
        table.add_row(str(row["t"]), f"{row['tok_s']:.0f}", num(row["temp_c"], ".1f"), num(row["clock_mhz"], ".0f"),
                      "-" if flags is None else ", ".join(flags) or "no")
    table.caption = "\n".join(summary_lines(result["summary"]) + [f"peak resident memory {result['peak_rss_bytes'] / 2**20:.0f} MiB"])
    table.caption_justify = "left"
    return table


def energy_line(energy: dict, tests: list[dict]) -> str:
    """Which reader gave J/tok (what it covers, its sampling), and why the others could not."""
    method = energy.get("method")
    reading = next(((t.get("energy") or {}).get(method) for t in tests if (t.get("energy") or {}).get(method)), None)
    if reading:
        hz = reading["sampling_hz"]
        said = f"energy ({method}): {reading['covers']}, " + ("a counter" if hz is None else f"sampled at {hz:g} Hz")
    else:
        said = "energy: not measured"
    others = [f"{m} {why}" for m, why in energy.get("methods", {}).items() if why != "measured"]
    return said + ("; " + "; ".join(others) if others else "")


def fit_table(rows: list[dict]) -> Table:
    """edgebench fit: per artifact and child configuration, the predicted peak by part, the budget, and the
    measured peak of that same configuration where it was measured."""
    from edge.memfit import CONFIGURATIONS

    table = Table(title="Memory fit (MiB, predicted peak resident memory of the model's process)", title_justify="left")
    parts = ("runtime", "library", "weights", "repack", "kv", "batch_kv", "vocab", "compute")
    for col in ("artifact", "child", *(p.replace("_", " ") for p in parts), "predicted", "measured", "error", "fits"):
        table.add_column(col, justify="left" if col in ("artifact", "child") else "right")
    for r in rows:
        measured = r.get("measured_peak_bytes")
        error = f"{100 * (r['total_bytes'] - measured) / measured:+.1f}%" if measured else "-"
        child = f"{r.get('configuration', 'speed')} @{r['parallel']}"
        table.add_row(r["label"], child, *(f"{r.get(p + '_bytes', 0) / 2**20:.1f}" for p in parts),
                      f"{r['total_bytes'] / 2**20:.1f}", f"{measured / 2**20:.1f}" if measured else "-", error,
                      "yes" if r["fits"] else f"no (budget {r['budget_gb']:g} GiB)")
    first = rows[0] if rows else {}
    table.caption = (f"context {first.get('n_ctx')}, KV cache {first.get('cache_type')}; speed @1: {CONFIGURATIONS['speed']}; "
                     f"suites @N: {CONFIGURATIONS['suites']}, measured on N short items; fits: the larger of the two; "
                     f"basis: {', '.join(sorted({r['basis'] for r in rows}))}; compute is the part a prompt batch touches "
                     "(llama.cpp reserves more, resident only where every position's logits are kept; ONNX: the logits of the "
                     "largest prompt); library: the library code an ONNX session touches (fitted)")
    table.caption_justify = "left"
    return table


def drift_table(results: list[dict]) -> Table:
    """One row per artifact: KL mean/median/p99, top-1 agreement ± SE, perplexity ratio."""
    measured = [r for r in results if "crash" not in r]
    reference = measured[0]["reference"] if measured else "the reference"
    table = Table(title=f"Drift from {reference}", title_justify="left")
    for col in ("artifact", "MiB", "bits/weight", "KL mean", "KL median", "KL p99", "top-1 agreement", "PPL ratio", "tokenizer"):
        table.add_column(col, justify="left" if col == "artifact" else "right")
    for r in results:
        a = r["artifact"]
        if "crash" in r:
            table.add_row(f"{a['format']}:{a['quant']} {Path(a['path']).name}", f"{a['size_bytes'] / 2**20:.1f}",
                          f"{a['bits_per_weight']:.2f}", f"[red]{r['crash']}[/]", *[""] * 5)
            continue
        tokenizer = "same" if r["tokenizer_difference"] is None else f"[yellow]differs at token {r['tokenizer_difference']['token_index']}[/]"
        table.add_row(f"{a['format']}:{a['quant']} {Path(a['path']).name}", f"{a['size_bytes'] / 2**20:.1f}", f"{a['bits_per_weight']:.2f}",
                      f"{r['kl_mean']:.4f}", f"{r['kl_median']:.4f}", f"{r['kl_p99']:.4f}",
                      f"{r['top1_agreement']:.2%} ± {r['top1_stderr']:.2%}", f"{r['ppl_ratio']:.4f}", tokenizer)
    if not measured:
        return table
    approx = measured[0]["kl_approximation"]
    errors = [r["kl_approximation"]["relative_error_of_mean"] for r in measured if r["kl_approximation"]["exact_kl_mean"] > 1e-6]
    table.caption = (f"{measured[0]['positions']} positions of the shipped corpus. KL over the reference's top-{approx['top_k']} "
                     "tokens plus one bucket for the rest, a lower bound"
                     + (f": on {approx['slice_positions']} positions spread through the scored windows, where the exact KL is kept, the mean was "
                        f"{min(errors):.1%} to {max(errors):.1%} below the exact one." if errors else "."))
    table.caption_justify = "left"
    return table


def judged_table(results: list[dict]) -> Table:
    """`edgebench judge`: one row per answer, with what its score rests on."""
    table = Table(title="Judged answers", title_justify="left")
    for col in ("#", "item", "label", "trait", "score", "committed to", "not counted", "conceded"):
        table.add_column(col)
    for n, r in enumerate(results, start=1):
        commit = r.get("committed_to")
        dropped = ", ".join(f"{d['value']} ({'negated' if d['negated'] else 'echoed'})" for d in r.get("discounted", []))
        table.add_row(str(n), r.get("item_id") or "-", r["label"], r.get("trait", "-"),
                      "-" if r.get("score") is None else f"{r['score']:.0f}",
                      f"{commit['value']} ({commit['candidate']})" if commit else "-", dropped or "-",
                      "yes" if r.get("conceded") else "-")
    return table


def adversarial_table(result: dict) -> Table:
    """`judge-audit --adversarial`: the scorers against true labels, per family and kind of answer."""
    table = Table(title=f"Scorers on the adversarial set ({result['n']} answers)", title_justify="left")
    for col in ("family", "n", "accuracy", "kappa", "marker words, wrong behaviour", "right behaviour, no marker words",
                "per round: accuracy (n)"):
        table.add_column(col, justify="left" if col == "family" else "right")
    for family, row in result["families"].items():
        kinds = row["kinds"]
        rounds = "; ".join(f"{r}: {v['accuracy']:.3f} ({v['n']})" for r, v in row["rounds"].items())
        table.add_row(family, str(row["n"]), f"{row['accuracy']:.3f}", f"{row['kappa']:+.3f}",
                      *(f"{kinds[k]['accuracy']:.3f} (n={kinds[k]['n']})" if k in kinds else "-"
                        for k in ("words_without_behaviour", "behaviour_without_words")), rounds)
    classes = result.get("classes") or {}
    if classes:  # the answers that name the issue-22 class they test (0: none), all families together
        table.add_section()
        for cls, row in classes.items():
            table.add_row(f"class {cls}" if cls != "0" else "class 0 (none)", str(row["n"]), f"{row['accuracy']:.3f}",
                          f"{row['kappa']:+.3f}" if row["kappa"] == row["kappa"] else "- (one label)", "-", "-", "-")
    table.caption = ("each round was written after the rules it measures, and is held out only until rules are "
                     "changed having seen it: see the README (bench/adversarial_audit.py)")
    table.caption_justify = "left"
    return table


def count_table(counts: dict) -> Table:
    """`train filter` and `distill`: how many answers survive each stage."""
    table = Table(title="What survives each stage", title_justify="left")
    table.add_column("stage")
    table.add_column("count", justify="right")
    for name, value in counts.items():
        table.add_row(name.replace("_", " "), str(value))
    return table
