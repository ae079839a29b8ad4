"""`edgebench train teach | filter | sft | dpo`: the four stages of disposition distillation,
each a thin command over one function of train/; `edgebench distill` runs them all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from edge.errors import EdgebenchError
from edgebench.flags import (JUDGE_KEY_ENV, JudgeEndpoint, JudgeKeyEnv, JudgeModel, Parallel, Profile, Repack, Threads,
                             say, settings_from_flags)
from train.config import DPOSettings, LoraSettings, SFTConfig, TeachConfig

TEACH, SFT, DPO, LORA = TeachConfig(), SFTConfig(), DPOSettings(), LoraSettings()
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Distil a disposition into a LoRA adapter: teach, filter, sft, dpo (or all at once: edgebench distill).")

TEACHER_HELP = "Teacher: 'default' (the base model itself with a disposition system prompt), a .gguf, a Hugging Face folder, or a model name with --teacher-endpoint."


@app.command("teach")
def teach_cmd(
    model: str = typer.Option("default", help="The student: a .gguf, a Hugging Face folder or 'default'; its own answers become the rejected side of DPO pairs."),
    teacher: str = typer.Option("default", help=TEACHER_HELP),
    teacher_endpoint: Optional[str] = typer.Option(None, help="OpenAI-compatible base URL of the teacher, e.g. http://127.0.0.1:8080/v1."),
    api_key_env: str = typer.Option("EDGEBENCH_TEACHER_API_KEY", help="Environment variable holding the teacher endpoint's API key (never stored)."),
    samples: int = typer.Option(TEACH.samples, min=1, help="Teacher answers per prompt."),
    temperature: float = typer.Option(TEACH.temperature, min=0.0, help="Teacher sampling temperature."),
    max_tokens: int = typer.Option(TEACH.max_tokens, min=8, help="Longest answer; an answer cut off here is dropped by filter."),
    seed: int = typer.Option(TEACH.seed, help="Seed of the first sample (sample k uses seed + k)."),
    limit: Optional[int] = typer.Option(None, min=1, help="Train items to use (default: all of the train split)."),
    out: Path = typer.Option(Path("runs/train"), help="Folder for this and the next stages (teacher/, student/, filter/, sft/, dpo/)."),
    profile: Profile = None,
    threads: Threads = None,
    repack: Repack = None,
    parallel: Parallel = None,
) -> None:
    """Answers of a teacher to the disposition suite's train split (and the student's own answers)."""
    from edgebench.progress_view import RichProgress
    from train.teacher import teach_stage

    config = TeachConfig(samples=samples, temperature=temperature, max_tokens=max_tokens, seed=seed)
    with RichProgress() as progress:
        made = teach_stage(model, teacher, teacher_endpoint, api_key_env, config, out, limit,
                           settings_from_flags(profile, threads, repack, parallel), progress)
    say(f"{made['answers']} teacher answers ({made['cut_off']} cut off) in {out / 'teacher'}; next: "
         f"edgebench train filter --out {out}")


@app.command("filter")
def filter_cmd(
    out: Path = typer.Option(Path("runs/train"), help="The folder given to train teach; writes filter/ in it."),
    judge: Annotated[str, typer.Option(help="lexical (the suite's scorers) or llm (the scorers, then the LLM judge's trait scores).")] = "lexical",
    judge_model: JudgeModel = "default",
    judge_endpoint: JudgeEndpoint = None,
    api_key_env: JudgeKeyEnv = JUDGE_KEY_ENV,
) -> None:
    """Keep teacher answers that pass the suite's scorers (not cut off, not near copies of held-out items); build DPO pairs."""
    from edgebench.judge_flags import llm_judge_from_flags
    from train.filter import run_filter

    with llm_judge_from_flags(judge, judge_model, judge_endpoint, api_key_env) as llm_judge:
        made = run_filter(out / "teacher", out / "student" if (out / "student").is_dir() else None, out / "filter",
                          llm_judge, say=say)
    print_counts(made["counts"])


def print_counts(counts: dict) -> None:
    from edgebench.console import count_table, print_tables

    print_tables(count_table(counts))


def sft_config(*, steps: int, batch_size: int, max_length: int, learning_rate: float, seed: int, kd_alpha: float,
               kd_temperature: float, checkpoint_every: int, threads: int | None, precision: str, lora_rank: int,
               lora_alpha: int, lora_dropout: float, target_modules: str) -> SFTConfig:
    """The SFT configuration that `train sft`'s flags name (LoRA settings grouped), checked."""
    if not 0.0 <= kd_alpha <= 1.0:
        raise EdgebenchError(f"--kd-alpha must be between 0 and 1 (got {kd_alpha})")
    modules = tuple(m.strip() for m in target_modules.split(",") if m.strip())
    return SFTConfig(steps=steps, batch_size=batch_size, max_length=max_length, learning_rate=learning_rate, seed=seed,
                     kd_alpha=kd_alpha, kd_temperature=kd_temperature, checkpoint_every=checkpoint_every,
                     threads=threads, precision=precision,
                     lora=LoraSettings(rank=lora_rank, alpha=lora_alpha, dropout=lora_dropout, target_modules=modules))


@app.command("sft")
def sft_cmd(
    model: str = typer.Option("default", help="Base model: a Hugging Face folder, a .gguf (dequantized) or 'default'."),
    data: Optional[Path] = typer.Option(None, help="Filtered examples: a filter/ folder or an sft.jsonl; default: OUT/filter."),
    out: Path = typer.Option(Path("runs/train"), help="The stages' folder; the adapter goes to OUT/sft."),
    steps: int = typer.Option(SFT.steps, min=1),
    batch_size: int = typer.Option(SFT.batch_size, min=1, help="Packed rows per step."),
    max_length: int = typer.Option(SFT.max_length, min=32, help="Tokens per packed row."),
    learning_rate: float = typer.Option(SFT.learning_rate, min=0.0),
    seed: int = typer.Option(SFT.seed),
    kd_alpha: float = typer.Option(SFT.kd_alpha, help="Weight of the logit-distillation term (0: plain cross-entropy, 1: only KD)."),
    kd_temperature: float = typer.Option(SFT.kd_temperature, min=0.1, help="Softmax temperature of the KD term."),
    kd_teacher: str = typer.Option("default", help="KD teacher: 'default' (the base with the disposition system prompt) or a model sharing the base's tokenizer."),
    checkpoint_every: int = typer.Option(SFT.checkpoint_every, min=1, help="Steps between checkpoints (--resume continues from the last)."),
    threads: Optional[int] = typer.Option(None, min=1, help="torch threads; default: one per physical core."),
    precision: str = typer.Option(SFT.precision, help="auto (bf16 autocast where the CPU has native bf16), fp32 or bf16."),
    lora_rank: int = typer.Option(LORA.rank, min=1),
    lora_alpha: int = typer.Option(LORA.alpha, min=1),
    lora_dropout: float = typer.Option(LORA.dropout, min=0.0, max=0.9),
    target_modules: str = typer.Option(",".join(LORA.target_modules), help="LoRA target modules, comma-separated (those the model lacks are skipped)."),
    resume: bool = typer.Option(False, "--resume", help="Continue from the last checkpoint of an interrupted run."),
) -> None:
    """SFT LoRA on the filtered teacher answers (loss on answer tokens, packed rows), optionally with logit distillation."""
    from edgebench.progress_view import RichProgress
    from train.sft import train_sft

    config = sft_config(steps=steps, batch_size=batch_size, max_length=max_length, learning_rate=learning_rate, seed=seed,
                        kd_alpha=kd_alpha, kd_temperature=kd_temperature, checkpoint_every=checkpoint_every,
                        threads=threads, precision=precision, lora_rank=lora_rank, lora_alpha=lora_alpha,
                        lora_dropout=lora_dropout, target_modules=target_modules)
    with RichProgress() as progress:
        made = train_sft(model, data or out / "filter", out / "sft", config, kd_teacher, resume, progress)
    curve = made["loss_curve"]
    say(f"adapter in {out / 'sft'}: {len(curve)} steps in {made['seconds']:.0f} s, loss {curve[0]['loss']:.3f} -> "
         f"{curve[-1]['loss']:.3f}")


@app.command("dpo")
def dpo_cmd(
    model: str = typer.Option("default", help="The base model the SFT adapter was trained on."),
    data: Optional[Path] = typer.Option(None, help="DPO pairs: a filter/ folder or a pairs.jsonl; default: OUT/filter."),
    sft: Optional[Path] = typer.Option(None, help="The SFT adapter to continue; default: OUT/sft."),
    out: Path = typer.Option(Path("runs/train"), help="The stages' folder; the adapter goes to OUT/dpo."),
    steps: int = typer.Option(DPO.steps, min=1),
    batch_size: int = typer.Option(DPO.batch_size, min=1),
    learning_rate: float = typer.Option(DPO.learning_rate, min=0.0),
    beta: float = typer.Option(DPO.beta, min=0.0, help="DPO's beta: how far the policy may move from the SFT reference."),
    max_length: int = typer.Option(DPO.max_length, min=32),
    seed: int = typer.Option(DPO.seed),
    threads: Optional[int] = typer.Option(None, min=1),
    resume: bool = typer.Option(False, "--resume", help="Continue from TRL's last checkpoint."),
) -> None:
    """DPO (TRL) on the pairs, continuing the SFT adapter, with the SFT model as the reference."""
    from edgebench.progress_view import RichProgress
    from train.dpo import train_dpo

    config = DPOSettings(steps=steps, batch_size=batch_size, learning_rate=learning_rate, beta=beta,
                         max_length=max_length, seed=seed, threads=threads)
    with RichProgress() as progress:
        made = train_dpo(model, data or out / "filter", sft or out / "sft", out / "dpo", config, resume, progress)
    say(f"adapter in {out / 'dpo'}: {made['pairs']} pairs, {len(made['loss_curve'])} steps in {made['seconds']:.0f} s")


@app.command("speed")
def speed_cmd(
    model: str = typer.Option("default", help="Base model to time."),
    steps: int = typer.Option(SFT.steps, min=1, help="SFT steps to time."),
    batch_size: int = typer.Option(SFT.batch_size, min=1),
    max_length: int = typer.Option(SFT.max_length, min=32),
    threads: Optional[int] = typer.Option(None, min=1, help="torch threads; default: one per physical core."),
    precision: str = typer.Option(SFT.precision, help="auto, fp32 or bf16."),
    kd_alpha: float = typer.Option(0.0, min=0.0, max=1.0, help="Time with the KD term too (it adds a teacher forward pass)."),
) -> None:
    """Time SFT LoRA steps on the train split (answers of a fixed shape) and print the figures."""
    from rich.table import Table

    from edgebench.console import print_tables
    from edgebench.progress_view import RichProgress
    from train.timing import time_sft

    config = SFTConfig(steps=steps, batch_size=batch_size, max_length=max_length, threads=threads, precision=precision,
                       kd_alpha=kd_alpha, checkpoint_every=steps + 1)
    with RichProgress() as progress:
        made = time_sft(model, config, progress)
    table = Table(title=f"SFT LoRA speed: {model}, {made['precision']}, rank {config.lora.rank}", title_justify="left")
    for col in ("steps", "batch x length", "train s", "s/step", "tokens/s", "peak RSS MiB", "loss first -> last"):
        table.add_column(col, justify="right")
    seconds, curve = made["seconds"], made["loss_curve"]
    table.add_row(str(steps), f"{batch_size} x {max_length}", f"{seconds:.1f}", f"{seconds / steps:.2f}",
                  f"{made['tokens_per_s']:.0f}", f"{made['peak_rss_mib']:.0f}",
                  f"{curve[0]['loss']:.3f} -> {curve[-1]['loss']:.3f}")
    print_tables(table)
