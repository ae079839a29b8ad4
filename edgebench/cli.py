"""The `edgebench` command line: each command parses its flags and calls one function.

Errors a user can cause (EdgebenchError) end as one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from bench.execute import PlanConfig
from bench.sandbox import Limits
from convert.pipeline import ConvertOptions
from edge.errors import EdgebenchError
from edgebench.bundle_cli import bundle_command
from edgebench.flags import (JUDGE_KEY_ENV, Judge, JudgeEndpoint, JudgeKeyEnv, JudgeModel, Parallel, Profile, Repack,
                             Threads, check_repack, say, settings_from_flags)
from edgebench.fleet_cli import worker
from edgebench.judge_flags import llm_judge_from_flags
from edgebench.temper_flags import TemperFrom, TemperLambda, TemperSpec, TemperTop, edits_from_flags
from edge.speed import SpeedConfig

# Each default lives in its dataclass; the flags below show and use those values.
PLAN, SPEED, LIMITS = PlanConfig(), SpeedConfig(), Limits()


def _csv(values) -> str:
    return ",".join(map(str, values))


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Benchmark fine-tuned small language models, quantized, on this device.",
)


def _budgets(text: str) -> tuple[int, ...]:
    try:
        values = tuple(sorted({int(v) for v in text.split(",") if v.strip()}))
    except ValueError:
        raise EdgebenchError(f"--budgets must be comma-separated token counts, e.g. 256,512 (got {text!r})")
    return values




def plan_config(suite: str, split: str | None, budgets: str, limit: int | None, speed: bool, drift: bool,
                drift_windows: int, seed: int, temperature: float, system: str | None, sustain: int = 0,
                until_decided: bool = False) -> PlanConfig:
    """The plan that `run`'s (and `bundle`'s) flags name."""
    suites = tuple(s.strip() for s in suite.split(",") if s.strip() and s.strip() != "none")
    splits = tuple(s.strip() for s in split.split(",") if s.strip()) if split else None
    return PlanConfig(
        suites=suites, splits=splits, budgets=_budgets(budgets), temperature=temperature, seed=seed, system_prompt=system,
        limit=limit, speed=PLAN.speed if speed else None, drift=drift, drift_windows=drift_windows, sustain_s=sustain,
        until_decided=until_decided)


@app.command()
def run(
    model: str = typer.Option("default", help="Source: a Hugging Face folder, a .gguf file, or 'default' (the embedded SmolLM2-135M-Instruct)."),
    adapter: Optional[Path] = typer.Option(None, help="PEFT LoRA adapter folder, merged into the source before conversion."),
    ladder: Optional[str] = typer.Option(None, help="Targets, comma-separated (gguf:q4_k_m,mlx:4bit,onnx:int4...), plus 'source' to run the model as given; default: the profile's ladder."),
    suite: str = typer.Option(_csv(PLAN.suites), help="Suites, comma-separated: disposition, humaneval, bank (generated items; bank:FAMILY[+FAMILY], bank@easy|medium|hard), or a JSONL file of your own prompts (see README); 'none' for speed and drift only."),
    split: Optional[str] = typer.Option(None, help="Splits, comma-separated (disposition: train, dev, fresh); a suite without them runs its own; default: each suite's (dev, HumanEval's test)."),
    budgets: str = typer.Option(_csv(PLAN.budgets), help="n_predict budgets in tokens, comma-separated; one generation at the largest scores all."),
    limit: Optional[int] = typer.Option(None, min=1, help="Items per suite (and split); default: " + ", ".join(f"{n} {s}" for s, n in PLAN.limits.items()) + ", all of a file (to end within 10 minutes); with --until-decided a cap per split (default: every item)."),
    out: Optional[Path] = typer.Option(None, help="Run folder; default: a new runs/<timestamp> (with --resume: the latest one)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out: keep every finished row, do the rest."),
    until_decided: bool = typer.Option(False, "--until-decided", help="Draw the suites' items (every item of the splits run; --limit caps each split) in a seeded order stratified by family and stop each artifact once its comparison with the reference (the F16 GGUF) is settled: non-inferior within 5 points, worse by them, or the items exhausted. Anytime-valid tests; needs gguf:f16 in the ladder."),
    speed: bool = typer.Option(True, "--speed/--no-speed", help="Measure speed and peak memory of every artifact."),
    drift: bool = typer.Option(True, "--drift/--no-drift", help="Measure drift from the reference (the F16 GGUF, else fp32)."),
    drift_windows: int = typer.Option(PLAN.drift_windows, min=1, help="Drift on the first N windows of 512 tokens of the shipped corpus."),
    sustain: int = typer.Option(PLAN.sustain_s, min=0, help="Seconds of continuous generation per artifact after its speed "
                                                            "tests: tok/s, temperature and throttling against time in the "
                                                            "report (0: off; at least 3)."),
    profile: Profile = None,
    threads: Threads = None,
    repack: Repack = None,
    parallel: Parallel = None,
    seed: int = typer.Option(PLAN.seed, help="Sampling seed (used when --temperature > 0)."),
    temperature: float = typer.Option(PLAN.temperature, min=0.0, help="Sampling temperature; 0 = greedy."),
    system: Optional[str] = typer.Option(None, help="System prompt put before every chat (e.g. to compare two prompts)."),
    judge: Judge = "lexical",
    judge_model: JudgeModel = "default",
    judge_endpoint: JudgeEndpoint = None,
    api_key_env: JudgeKeyEnv = JUDGE_KEY_ENV,
    fleet: Optional[str] = typer.Option(None, help="Run the plan on a Dask fleet instead of here: the scheduler's address (tcp://HOST:8786); devices join with edgebench worker."),
    devices: Optional[str] = typer.Option(None, help="With --fleet: device kinds (profile names of the workers), comma-separated; default: every kind with a worker joined."),
    bundle: Optional[Path] = typer.Option(None, "--bundle", help="Run the plan of a bundle (made by edgebench bundle) with this device's profile; the plan's options come from it."),
    temper: TemperSpec = None,
    temper_top: TemperTop = None,
    temper_lambda: TemperLambda = None,
    temper_from: TemperFrom = None,
    probe: bool = typer.Option(False, "--probe", help="After the report, run the h_last probe on the run (edgebench probe RUN_DIR)."),
) -> None:
    """Convert a model to a quant ladder, run speed, drift and the suites on this device, and report which level to ship."""
    from edgebench import STARTED
    from edgebench.run_job import run as run_job

    check_repack(repack)
    if bundle is not None:
        from edgebench.bundle_cli import refuse_plan_flags
        from edgebench.bundle_job import run_bundle

        refuse_plan_flags(locals(), run)
        run_bundle(bundle, out=out, resume=resume, profile_name=profile, threads=threads, repack=repack, parallel=parallel)
        return
    config = plan_config(suite, split, budgets, limit, speed, drift, drift_windows, seed, temperature, system, sustain, until_decided)
    targets = [t.strip() for t in ladder.split(",") if t.strip()] if ladder else None
    edits = edits_from_flags(temper, temper_top, temper_lambda, temper_from, sweep=True)
    if fleet is not None or devices is not None:
        if edits != [None] or probe:
            raise EdgebenchError("--temper and --probe run on this host only, not with --fleet")
        from edgebench.fleet_run import fleet_from_flags, run as run_fleet

        run_fleet(model, config, fleet_from_flags(fleet, devices, judge, threads, repack), adapter=adapter, ladder=targets,
                  profile_name=profile, out=out, resume=resume)
        return
    local_judge = judge == "llm" and not judge_endpoint
    with llm_judge_from_flags(judge, judge_model, judge_endpoint, api_key_env,
                              settings_from_flags(profile, threads, repack) if local_judge else None) as llm_judge:
        run_out = run_job(model, config, adapter=adapter, ladder=targets, profile_name=profile, out=out, resume=resume,
                          threads=threads, llm_judge=llm_judge, repack=repack, edits=edits, parallel=parallel,
                          started=STARTED, ranking=temper_from)
    if probe:
        from edgebench.probe_cli import print_probe

        print_probe(run_out, settings_from_flags(profile, threads, repack))


@app.command()
def report(
    runs: list[Path] = typer.Argument(..., help="Run folders (results.sqlite inside); several merge into one comparison."),
    format: str = typer.Option("table", "--format", help="table, md, csv or json."),
    html_file: Optional[Path] = typer.Option(None, "--html", help="Also write a single-file HTML report with plots here "
                                                                   "(with the head ranking and the probe's ROC curves "
                                                                   "where a run folder keeps them: RUN/heads.json, "
                                                                   "RUN/probe.json)."),
    heads: Optional[Path] = typer.Option(None, "--heads", help="A head ranking (edgebench heads --json) to draw in the "
                                                              "--html report too, beside any the run folders keep."),
) -> None:
    """The answer first (which quant level to ship, or why none yet), then size, speed, drift, scores with CIs and verdicts."""
    from bench.operators import read_ranking
    from bench.render import to_csv, to_json, to_markdown
    from bench.report import load_report
    from bench.report_tables import print_report

    renderers = {"md": to_markdown, "csv": to_csv, "json": to_json}
    if format not in ("table", *renderers):
        raise EdgebenchError(f"unknown --format {format!r}; choose table, md, csv or json")
    if heads is not None and html_file is None:
        raise EdgebenchError("--heads is drawn in the HTML report only; give --html FILE too")
    rankings = [read_ranking(heads)] if heads is not None else []
    rows = load_report(runs)
    if format == "table":
        print_report(rows)
    else:
        print(renderers[format](rows))
    if html_file is not None:
        from bench.html_report import write_html

        try:
            write_html(rows, html_file, rankings)
        except OSError as exc:
            raise EdgebenchError(f"cannot write {html_file} ({exc.strerror or exc}); choose another --html path") from None


@app.command()
def devices(
    json_out: bool = typer.Option(False, "--json", help="Print the host facts and profiles as JSON."),
) -> None:
    """Show the device profiles of devices.toml (parallel: suite items batched together) and mark the one that matches this host."""
    from dataclasses import asdict

    from edgebench.console import devices_table, print_tables
    from edge.host import detect_host
    from edge.profiles import RAM_SHARE, load_profiles, pick_profile, resolve_settings

    host = detect_host()
    profiles = load_profiles()
    detected = pick_profile(profiles, host).name
    settings = resolve_settings(profiles[detected], host)
    if json_out:
        data = {"host": host, "detected": detected, "repack": {"enabled": settings.repack, "why": settings.repack_why},
                "parallel": settings.parallel,  # what a run here gets: the detected profile's, or $EDGEBENCH_PARALLEL
                "memory_budget_gb": settings.memory_budget_gb,  # the detected profile's, capped by this host's RAM
                "profiles": {n: asdict(p) for n, p in profiles.items()}}
        print(json.dumps(data, indent=2))
    else:
        budget = profiles[detected].memory_budget_gb
        capped = (f"memory budget on this host: {settings.memory_budget_gb:g} GiB, not {detected}'s {budget:g} "
                  f"(at most {RAM_SHARE:.0%} of its {host.get('ram_gb')} GiB RAM)") if settings.memory_budget_gb < budget else ""
        print_tables(devices_table(profiles, detected, settings.repack_why, capped))


@app.command()
def score(
    suite: str = typer.Argument(..., help="Which suite the samples belong to: humaneval."),
    samples: Path = typer.Argument(..., help="JSONL file, one {\"task_id\", \"completion\"} per line."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON instead of tables."),
    timeout: float = typer.Option(LIMITS.timeout_s, min=0.1, help="Wall-clock limit per sample, in seconds."),
    memory: int = typer.Option(LIMITS.memory_mb, min=64, help="Address-space limit per sample process, in MiB."),
) -> None:
    """Score completions produced anywhere: run them in the sandbox and print pass@1 with a 95% CI."""
    if suite != "humaneval":
        raise EdgebenchError(f"score supports the suite 'humaneval' only, got {suite!r}")
    from edgebench.console import humaneval_tables, print_tables
    from bench.humaneval_score import score_file
    from bench.sandbox import Limits

    from edgebench.progress_view import RichProgress

    with RichProgress(enabled=not json_out) as progress:
        result = score_file(samples, Limits(timeout_s=timeout, memory_mb=memory), progress)
    if json_out:
        print(json.dumps(result, indent=2))
    else:
        print_tables(*humaneval_tables(result))


@app.command("convert")
def convert_cmd(
    source: str = typer.Argument(..., help="A Hugging Face model folder, a .gguf file (dequantized), or 'default'."),
    to: str = typer.Option(..., "--to", help="Targets, comma-separated, e.g. gguf:q4_k_m,gguf:q8_0,mlx:4bit,onnx:int4."),
    out: Path = typer.Option(..., help="Folder that receives one sub-folder per artifact, each with manifest.json."),
    adapter: Optional[Path] = typer.Option(None, help="PEFT LoRA adapter folder to merge into the source first."),
    verify: bool = typer.Option(False, "--verify", help="Check tokenizers and logits of every artifact against torch."),
    group_size: int = typer.Option(ConvertOptions.group_size, min=16, help="MLX quantization group size."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help="Accept pickled .bin weights (they can run code)."),
    threads: Optional[int] = typer.Option(None, min=1, help="Threads for quantization and verification."),
    json_out: bool = typer.Option(False, "--json", help="Print artifacts and verification figures as JSON."),
    temper: TemperSpec = None,
    temper_top: TemperTop = None,
    temper_lambda: TemperLambda = None,
    temper_from: TemperFrom = None,
) -> None:
    """Export a model (plus adapter, plus a head-tempering edit) to a verified quant ladder of GGUF, MLX and ONNX artifacts."""
    from convert.pipeline import convert
    from convert.targets import parse_targets

    (edit,) = edits_from_flags(temper, temper_top, temper_lambda, temper_from, sweep=False)
    options = ConvertOptions(targets=tuple(parse_targets(to)), out=out, adapter=adapter, verify=verify,
                             allow_pickle=allow_pickle, group_size=group_size, temper=edit,
                             **({"threads": threads} if threads else {}))  # else ConvertOptions' default
    from edgebench.progress_view import RichProgress

    with RichProgress(enabled=not json_out) as progress:
        result = convert(source, options, progress)
    if json_out:
        print(json.dumps(result, indent=2))
    else:
        from edgebench.console import convert_table, print_tables

        print_tables(convert_table(result))
    if result["checks"] and not result["checks"]["passed"]:
        raise EdgebenchError("verification failed: " + "; ".join(result["checks"]["failures"]), exit_code=4)


@app.command()
def compare(
    run_a: Path = typer.Argument(..., help="Run folder A (the baseline)."),
    run_b: Path = typer.Argument(..., help="Run folder B (the one claimed better)."),
    suite: Optional[str] = typer.Option(None, help="Suite to compare (disposition, humaneval, or your file's name); default: disposition if both ran it."),
    metric: Optional[str] = typer.Option(None, help="Score to test; default: 'disposition' (pooled traits) or 'pass@1'."),
    alpha: float = typer.Option(0.05, min=0.0001, max=0.5, help="Significance level of each paired test."),
    negligible_cap: float = typer.Option(0.05, min=0.0, max=1.0, help="Cap-hit rate at or below which a budget counts as untruncated."),
    allow_mixed_batching: bool = typer.Option(False, "--allow-mixed-batching", help="Pair runs whose suites were generated with different --parallel counts (batched greedy answers can differ from sequential ones)."),
    json_out: bool = typer.Option(False, "--json", help="Print the cells and the verdict as JSON."),
) -> None:
    """Test "B is better than A" item by item at every budget; print the falsification verdict."""
    from bench.compare import compare_runs
    from bench.results import load_run
    from edgebench.console import comparison_table, print_tables

    result = compare_runs(load_run(run_a), load_run(run_b), suite=suite, metric=metric, alpha=alpha,
                          negligible_cap=negligible_cap, allow_mixed_batching=allow_mixed_batching)
    if json_out:
        print(json.dumps(result.as_dict(), indent=2, default=str))
    else:
        print_tables(comparison_table(result, str(run_a), str(run_b)))


@app.command("judge")
def judge_cmd(
    answers: Path = typer.Argument(..., help="JSONL: per line {\"item_id\", \"answer\"} (a disposition item) or {\"prompt\", \"answer\"}."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object per answer instead of the table."),
) -> None:
    """Score a file of answers with the lexical judge and the scorers, showing what led to each score."""
    from edgebench.console import judged_table, print_tables
    from bench.judge_file import judge_answers, read_answers

    results = judge_answers(read_answers(answers))
    if json_out:
        print(json.dumps(results, indent=2))
    else:
        print_tables(judged_table(results))


@app.command("judge-audit")
def judge_audit(
    judge: Annotated[str, typer.Option(help="Judge to audit: lexical (every answer) or llm (a seeded sample).")] = "lexical",
    judge_model: JudgeModel = "default",
    judge_endpoint: JudgeEndpoint = None,
    api_key_env: JudgeKeyEnv = JUDGE_KEY_ENV,
    limit: int = typer.Option(50, min=3, help="LLM judge: answers sampled per check."),
    repeats: int = typer.Option(2, min=2, help="LLM judge: judgements per answer for repeat consistency."),
    seed: int = typer.Option(0, help="LLM judge: seed of the sample."),
    adversarial: bool = typer.Option(False, "--adversarial", help="Audit the scorers on answers written to fool them (accuracy and kappa per family) instead."),
    adversarial_set: Optional[Path] = typer.Option(None, help="The adversarial set; default: tests/data/adversarial_answers.jsonl of the repository."),
    json_out: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Measure a judge against the paper's labelled outputs ($EDGEBENCH_PAPER_ARTIFACTS), or the scorers on the adversarial set."""
    from edgebench.console import adversarial_table, audit_table, llm_audit_table, print_tables
    from bench.judge_audit import run_audit, run_llm_audit

    if adversarial:
        from bench.adversarial_audit import run_adversarial

        result = run_adversarial(adversarial_set)
        print(json.dumps(result, indent=2)) if json_out else print_tables(adversarial_table(result))
        return
    with llm_judge_from_flags(judge, judge_model, judge_endpoint, api_key_env) as llm_judge:
        if llm_judge is None:
            result, table = run_audit(), audit_table
        else:
            from edgebench.progress_view import RichProgress

            with RichProgress(enabled=not json_out) as progress:
                result = run_llm_audit(llm_judge, limit=limit, repeats=repeats, seed=seed, progress=progress)
            table = llm_audit_table
    if json_out:
        print(json.dumps(result, indent=2))
    else:
        print_tables(table(result))


def _ints(text: str, flag: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 0:
        raise EdgebenchError(f"{flag} must be comma-separated non-negative integers, e.g. 128,512 (got {text!r})")
    return values


@app.command()
def speed(
    artifact: str = typer.Argument("default", help="A .gguf file, an MLX / ONNX / Hugging Face folder, or 'default'."),
    backend: Optional[str] = typer.Option(None, help="Backend to run it with; default: the one for its format."),
    prompt_sizes: str = typer.Option(_csv(SPEED.prompt_sizes), "--pp", help="Prompt sizes for pp tests, comma-separated (llama-bench -p)."),
    gen_tokens: int = typer.Option(SPEED.gen_tokens, "--tg", min=1, help="Tokens generated per tg test (llama-bench -n)."),
    depths: str = typer.Option(_csv(SPEED.depths), help="Context depths for tg tests, comma-separated (llama-bench -d)."),
    repetitions: int = typer.Option(SPEED.repetitions, "--reps", min=1, help="Repetitions per test (llama-bench -r)."),
    warmup: int = typer.Option(SPEED.warmup, min=0, help="Warm-up runs per test, not counted."),
    cooldown: float = typer.Option(SPEED.cooldown_s, min=0.0, help="Seconds to pause between tests (llama-bench --delay)."),
    sustain: int = typer.Option(0, min=0, help="Seconds of continuous generation instead of the tests: tok/s, temperature, "
                                               "clock and throttle flags every second (0: off; e.g. 300)."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="With --sustain: also write the plot of tok/s and "
                                                                 "temperature against time to this HTML file."),
    profile: Profile = None,
    threads: Threads = None,
    repack: Repack = None,
    json_out: bool = typer.Option(False, "--json", help="Print llama-bench-style JSON fields instead of the table."),
) -> None:
    """Prompt and generation tok/s, time to first token, load time and peak memory, llama-bench style."""
    from rich.progress import Progress

    from edgebench.console import print_tables, speed_table
    from edge.speed import SpeedConfig, run_speed

    if html_out is not None and not sustain:
        raise EdgebenchError("--html draws a sustained run: give --sustain SECONDS too")
    if sustain:
        return _sustained(artifact, backend, sustain, settings_from_flags(profile, threads, repack), html_out, json_out)

    config = SpeedConfig(prompt_sizes=_ints(prompt_sizes, "--pp"), gen_tokens=gen_tokens, depths=_ints(depths, "--depths"),
                         repetitions=repetitions, warmup=warmup, cooldown_s=cooldown)
    settings = settings_from_flags(profile, threads, repack)
    if backend is not None:
        from edge.backend import backend_class

        backend_class(backend)  # an unknown or missing runtime is refused before the child starts
    with Progress(transient=True, disable=json_out) as progress:
        task = progress.add_task("speed: loading", total=None)
        result = run_speed(artifact, settings, config, backend,
                           on_progress=lambda done, total, test: progress.update(task, completed=done, total=total, description=f"speed: {test}"))
    if json_out:
        print(json.dumps(result, indent=2))
    else:
        print_tables(speed_table(result))


def _sustained(artifact: str, backend: str | None, seconds: int, settings, html_out: Path | None, json_out: bool) -> None:
    from rich.progress import Progress

    from edge.sustain import SustainConfig, run_sustain
    from edgebench.console import print_tables, sustain_table

    with Progress(transient=True, disable=json_out) as progress:
        task = progress.add_task("sustained generation", total=seconds)
        result = run_sustain(artifact, settings, SustainConfig(seconds=seconds), backend,
                             on_progress=lambda done, total, _: progress.update(task, completed=done))
    if html_out is not None:
        from bench.html_report import write_sustain_html

        write_sustain_html(result, html_out)
    if json_out:
        print(json.dumps(result, indent=2))
    else:
        print_tables(sustain_table(result))


@app.command()
def fit(
    artifacts: list[str] = typer.Argument(..., help="Artifacts: .gguf files, MLX / ONNX folders, or 'default'."),
    parallel: Parallel = None,
    measure: bool = typer.Option(False, "--measure", help="Also run each configuration in a child process and compare "
                                                          "its measured peak with its prediction: the speed tests (tg64, "
                                                          "pp64) at one sequence and, at --parallel N, N short items "
                                                          "batched through the suites' child."),
    profile: Profile = None,
    threads: Threads = None,
    repack: Repack = None,
    json_out: bool = typer.Option(False, "--json", help="Print the predictions (and measurements) as JSON."),
) -> None:
    """Predict each artifact's peak resident memory (weights, KV cache, compute buffer) against the profile's budget:
    the speed child at one sequence and, at --parallel N, the suites' child at N."""
    from bench.execute import fit_rows
    from edgebench.console import fit_table, print_tables

    # the count a run here would decode with (--parallel, $EDGEBENCH_PARALLEL, the profile)
    settings = settings_from_flags(profile, threads, repack, parallel)
    rows = fit_rows(artifacts, settings, measure)
    if json_out:
        print(json.dumps(rows, indent=2))
    else:
        print_tables(fit_table(rows))


@app.command()
def drift(
    artifacts: list[str] = typer.Argument(..., help="Artifacts to measure: .gguf files, MLX / ONNX / Hugging Face folders."),
    reference: str = typer.Option(..., help="The full-precision reference: an artifact, or a .npz saved with --save-reference."),
    save_reference: Optional[Path] = typer.Option(None, help="Also save the compact reference (top-k logits + log-sum-exp) here, as .npz; it covers the whole corpus, whatever --windows says."),
    backend: Optional[str] = typer.Option(None, help="Backend for the artifacts; default: the one for each format."),
    profile: Profile = None,
    threads: Threads = None,
    windows: Optional[int] = typer.Option(None, min=1, help="Score only the first N windows of 512 tokens (for slow runtimes); default: all. The reference is built for those windows only (unless --save-reference)."),
    repack: Repack = None,
    json_out: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """KL divergence, top-1 agreement and perplexity ratio against the reference, on the shipped corpus."""
    from edgebench.console import drift_table, print_tables
    from edge.drift import measure_drift_set

    if save_reference is not None and save_reference.suffix != ".npz":
        raise EdgebenchError(f"--save-reference must end in .npz (got {save_reference})")
    settings = settings_from_flags(profile, threads, repack)
    from edgebench.progress_view import RichProgress

    with RichProgress(enabled=not json_out) as progress:
        results = measure_drift_set(artifacts, reference, settings, backend, windows, save_reference, progress)
    if json_out:
        print(json.dumps(results, indent=2))
    else:
        print_tables(drift_table(results))


@app.command()
def distill(
    model: str = typer.Option("default", help="Base model: a Hugging Face folder, a .gguf or 'default' (the embedded SmolLM2-135M-Instruct)."),
    teacher: str = typer.Option("default", help="Teacher: 'default' (the base with a disposition system prompt), a .gguf, a Hugging Face folder, or a model name with --teacher-endpoint."),
    teacher_endpoint: Optional[str] = typer.Option(None, help="OpenAI-compatible base URL of the teacher."),
    api_key_env: str = typer.Option("EDGEBENCH_TEACHER_API_KEY", help="Environment variable holding the teacher endpoint's key (never stored)."),
    ladder: Optional[str] = typer.Option(None, help="Quant levels to compare base and trained on; default: gguf:f16,gguf:q8_0,gguf:q4_k_m."),
    limit: Optional[int] = typer.Option(None, min=2, help="Disposition items per split (dev and fresh) in each run; default: 12."),
    train_limit: Optional[int] = typer.Option(None, min=1, help="Train items to teach on; default: the whole train split (87)."),
    samples: Optional[int] = typer.Option(None, min=1, help="Teacher answers per prompt; default: train teach's."),
    sft_steps: Optional[int] = typer.Option(None, min=1, help="SFT steps; default: train sft's."),
    dpo_steps: Optional[int] = typer.Option(None, min=1, help="DPO steps; default: train dpo's."),
    kd_alpha: float = typer.Option(0.0, min=0.0, max=1.0, help="Logit-distillation weight in SFT (0: plain cross-entropy)."),
    out: Path = typer.Option(Path("runs/distill"), help="Folder of every stage; run again to continue a stopped distill."),
    profile: Profile = None,
    threads: Threads = None,
    repack: Repack = None,
    parallel: Parallel = None,
    json_out: bool = typer.Option(False, "--json", help="Print the final rows as JSON."),
) -> None:
    """Teach, filter, SFT, DPO, then run base and trained over a ladder: does the trained disposition survive, and is it real?"""
    from dataclasses import replace

    from edgebench.console import print_tables
    from edgebench.distill_job import DistillOptions, distill as distill_job, distill_tables
    check_repack(repack)
    options = DistillOptions(model=model, teacher=teacher, teacher_endpoint=teacher_endpoint, api_key_env=api_key_env,
                             train_limit=train_limit, profile=profile, threads=threads, repack=repack, parallel=parallel)
    options = replace(options, sft=replace(options.sft, kd_alpha=kd_alpha, **({"steps": sft_steps} if sft_steps else {})),
                      dpo=replace(options.dpo, **({"steps": dpo_steps} if dpo_steps else {})),
                      teach=replace(options.teach, **({"samples": samples} if samples else {})),
                      **({"ladder": tuple(t.strip() for t in ladder.split(",") if t.strip())} if ladder else {}),
                      **({"items_per_split": limit} if limit else {}))
    rows = distill_job(options, out, say)
    (out / "distill.json").write_text(json.dumps(rows, indent=2))
    if json_out:
        print(json.dumps(rows, indent=2))
    else:
        print_tables(*distill_tables(rows))


app.command()(worker)
app.command("bundle")(bundle_command(run, plan_config))  # run's flags, plus --out and --reference
from edgebench.heads_cli import heads  # noqa: E402 (its heavy imports are inside the command)

app.command()(heads)
from edgebench.probe_cli import probe  # noqa: E402

app.command()(probe)


def _add_train() -> None:
    """`edgebench train ...`: imported only if its dependencies are (a device install has no torch)."""
    try:
        from edgebench.train_cli import app as train_app
    except ImportError:
        return
    app.add_typer(train_app, name="train")


_add_train()


def main() -> None:
    """Entry point: run the app, turning user-caused errors into one line on stderr."""
    try:
        app()
    except EdgebenchError as exc:
        message = " ".join(str(exc).split())  # always one line
        print(f"edgebench: error: {message}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("edgebench: interrupted", file=sys.stderr)
        sys.exit(130)
